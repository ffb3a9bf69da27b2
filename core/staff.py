"""Accounts as the management pages see them: roles, allowed counters, supervised agencies.

`Accounts` (core/accounts.py) signs people in; this module reads and changes what an admin
manages about them. No Flask; the scope rules themselves are in core/scope.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, insert, select, update

from core.accounts import _change_key
from core.admin_tables import supervisor_agencies
from core.config import Settings
from core.context import Actor, kind_id
from core.scope import Scope, scope_for
from core.store import UnitOfWork, app_settings, insert_if_absent, users
from core.tickets import InvalidRequest, NotFound


def _user_id(conn: Any, username: str) -> int:
    user_id = conn.execute(
        select(users.c.id).where(users.c.username == username)
    ).scalar_one_or_none()
    if user_id is None:
        raise NotFound(f"Tidak ada pengguna bernama {username!r}. / No user named {username!r}.")
    return int(user_id)


def supervised_agencies(uow: UnitOfWork, username: str) -> list[str]:
    with uow.reading() as conn:
        return sorted(
            conn.execute(
                select(supervisor_agencies.c.agency)
                .join(users, users.c.id == supervisor_agencies.c.user_id)
                .where(users.c.username == username)
            ).scalars()
        )


def scope_of(uow: UnitOfWork, actor: Actor) -> Scope:
    """The actor's scope, its agencies read afresh (a change applies at the next request)."""
    agencies = supervised_agencies(uow, actor.name) if actor.kind == "supervisor" else None
    return scope_for(actor, agencies)


def check_agencies(settings: Settings, agencies: Any) -> list[str]:
    if not isinstance(agencies, list) or not all(isinstance(a, str) for a in agencies):
        raise InvalidRequest(
            "'agencies' harus daftar kode instansi, mis. [\"DISDUK\"]. / "
            "'agencies' must be a list of agency codes, e.g. [\"DISDUK\"]."
        )
    known = {a.code for a in settings.agencies}
    unknown = [a for a in agencies if a not in known]
    if unknown:
        listed = ", ".join(sorted(known))
        raise InvalidRequest(
            f"'agencies': instansi {unknown[0]!r} tidak dikenal; yang ada: {listed}. / "
            f"'agencies': unknown agency {unknown[0]!r}; known: {listed}."
        )
    return sorted(set(agencies))


def check_counters(settings: Settings, counters: Any) -> list[int]:
    if not isinstance(counters, list) or not all(
        isinstance(n, int) and not isinstance(n, bool) for n in counters
    ):
        raise InvalidRequest(
            "'counters' harus daftar nomor loket, mis. [1, 2]. / "
            "'counters' must be a list of counter numbers, e.g. [1, 2]."
        )
    for number in counters:
        try:
            settings.counter(number)
        except KeyError:
            raise InvalidRequest(
                f"Loket {number} tidak ada. / 'counters': there is no counter {number}."
            ) from None
    return sorted(set(counters))


def set_supervisor_agencies(uow: UnitOfWork, username: str, agencies: Iterable[str]) -> None:
    with uow.writing() as conn:
        user_id = _user_id(conn, username)
        role = conn.execute(select(users.c.role).where(users.c.id == user_id)).scalar_one()
        if role != "supervisor":
            raise InvalidRequest(
                f"{username} adalah {kind_id(role)}; hanya pengawas yang memiliki instansi. / "
                f"{username} is a {role}; only supervisors have agencies."
            )
        conn.execute(delete(supervisor_agencies).where(supervisor_agencies.c.user_id == user_id))
        rows = [{"user_id": user_id, "agency": a} for a in agencies]
        if rows:
            conn.execute(insert(supervisor_agencies), rows)


def set_counters(uow: UnitOfWork, username: str, counters: list[int]) -> None:
    with uow.writing() as conn:
        user_id = _user_id(conn, username)
        conn.execute(update(users).where(users.c.id == user_id).values(counters=counters))


def require_password_change(uow: UnitOfWork, username: str) -> None:
    """After an admin's reset the user chooses their own password at the next sign-in."""
    with uow.writing() as conn:
        user_id = _user_id(conn, username)
        insert_if_absent(conn, app_settings, {"key": _change_key(user_id), "value": "required"})


def user(uow: UnitOfWork, username: str) -> dict[str, Any]:
    for found in users_list(uow, username):
        return found
    raise NotFound(f"Tidak ada pengguna bernama {username!r}. / No user named {username!r}.")


def users_list(uow: UnitOfWork, username: str | None = None) -> list[dict[str, Any]]:
    """Every account (or one) with its role, allowed counters, agencies and whether active."""
    with uow.reading() as conn:
        query = select(users).order_by(users.c.username)
        if username is not None:
            query = query.where(users.c.username == username)
        rows = conn.execute(query).all()
        bound: dict[int, list[str]] = {}
        for user_id, agency in conn.execute(
            select(supervisor_agencies.c.user_id, supervisor_agencies.c.agency).order_by(
                supervisor_agencies.c.agency
            )
        ):
            bound.setdefault(int(user_id), []).append(agency)
    return [
        {
            "username": r.username,
            "role": r.role,
            "counters": list(r.counters or []),
            "agencies": bound.get(int(r.id), []),
            "active": bool(r.active),
        }
        for r in rows
    ]
