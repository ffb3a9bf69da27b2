"""What a manager may see and manage: an admin the whole mall, a supervisor their agencies.

Pure rules over the configuration (no SQL, no Flask): the agencies a supervisor is bound to are
read by core/staff.py and handed in as a `Scope`. Every admin endpoint asks here, so one rule
decides what the dashboard shows and what an action may touch; a refusal names the agency.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from core.config import Counter, Service, Settings
from core.context import Actor, kind_id
from core.tickets import Forbidden, NotFound

MANAGER_KINDS = ("admin", "supervisor", "system")


@dataclass(frozen=True)
class Scope:
    """Who manages, and which agencies (None: every agency, the whole mall)."""

    actor: Actor
    agencies: frozenset[str] | None

    @property
    def whole_mall(self) -> bool:
        return self.agencies is None

    def covers(self, agency: str | None) -> bool:
        """Whether this scope covers `agency` (None: a thing of the whole mall, e.g. a kiosk)."""
        return self.agencies is None or (agency is not None and agency in self.agencies)


def scope_for(actor: Actor, agencies: Iterable[str] | None) -> Scope:
    """The scope of a manager; Forbidden for anyone else. A supervisor bound to no agency sees
    nothing (never the whole mall)."""
    if actor.kind not in MANAGER_KINDS:
        raise Forbidden(
            f"{kind_id(actor.kind).capitalize()} tidak dapat membuka halaman pengelolaan; hubungi "
            f"admin. / A {actor.kind} cannot use the management pages; ask an admin."
        )
    if actor.is_admin:
        return Scope(actor, None)
    return Scope(actor, frozenset(agencies or ()))


def visible_services(scope: Scope, settings: Settings) -> list[Service]:
    return [s for s in settings.services if scope.covers(s.agency)]


def visible_counters(scope: Scope, settings: Settings) -> list[Counter]:
    return [c for c in settings.counters if scope.covers(c.agency)]


def visible_agencies(scope: Scope, settings: Settings) -> list[str]:
    return [a.code for a in settings.agencies if scope.covers(a.code)]


def _outside(scope: Scope, what: tuple[str, str], agency: str | None) -> Forbidden:
    """`what`: the thing refused, in Bahasa Indonesia and in English."""
    mine = ", ".join(sorted(scope.agencies or ())) or "-"
    owner_id = f"instansi {agency}" if agency else "seluruh mal"
    owner_en = f"agency {agency}" if agency else "the whole mall"
    return Forbidden(
        f"{what[0]} milik {owner_id}; {scope.actor.name} hanya mengawasi: {mine}. Minta "
        f"bantuan admin. / {what[1]} belongs to {owner_en}; {scope.actor.name} supervises "
        f"only: {mine}. Ask an admin."
    )


def require_whole_mall(scope: Scope, what: str) -> None:
    """Things of the whole mall (devices, running text, supervisors' bindings): admins only."""
    if not scope.whole_mall:
        raise Forbidden(
            f"Hanya admin yang dapat melakukannya; pengawas hanya mengelola instansinya. / Only "
            f"an admin can {what}; a supervisor manages their agencies only."
        )


def require_service(scope: Scope, settings: Settings, code: str) -> Service:
    try:
        service = settings.service(code)
    except KeyError:
        raise NotFound(f"Layanan {code!r} tidak dikenal. / Unknown service {code!r}.") from None
    if not scope.covers(service.agency):
        raise _outside(scope, (f"Layanan {code}", f"Service {code}"), service.agency)
    return service


def require_counter(scope: Scope, settings: Settings, number: int) -> Counter:
    try:
        counter = settings.counter(number)
    except KeyError:
        raise NotFound(f"Tidak ada loket nomor {number}. / No counter number {number}.") from None
    if not scope.covers(counter.agency):
        raise _outside(scope, (f"Loket {number}", f"Counter {number}"), counter.agency)
    return counter


def require_counters(scope: Scope, settings: Settings, numbers: Iterable[int]) -> list[int]:
    return [require_counter(scope, settings, n).number for n in numbers]


def officer_agencies(settings: Settings, counters: Iterable[int]) -> set[str] | None:
    """The agencies of an officer's allowed counters; None when they may use any counter."""
    numbers = list(counters)
    if not numbers:
        return None
    found = set()
    for number in numbers:
        try:
            found.add(settings.counter(number).agency)
        except KeyError:
            continue  # a counter removed from the configuration since
    return found


def covers_officer(scope: Scope, settings: Settings, role: str, counters: Iterable[int]) -> bool:
    """A supervisor manages officers whose every allowed counter is in their agencies (an
    officer allowed at any counter, or another manager, is the admins' to manage)."""
    if scope.whole_mall:
        return True
    if role != "officer":
        return False
    agencies = officer_agencies(settings, counters)
    return agencies is not None and all(scope.covers(a) for a in agencies)


def require_officer(
    scope: Scope, settings: Settings, username: str, role: str, counters: Iterable[int]
) -> None:
    if not covers_officer(scope, settings, role, counters):
        raise Forbidden(
            f"{username} bukan petugas instansi Anda "
            f"({', '.join(sorted(scope.agencies or ())) or '-'}); minta bantuan admin. / "
            f"{username} is not an officer of your agencies "
            f"({', '.join(sorted(scope.agencies or ())) or 'none'}); ask an admin."
        )
