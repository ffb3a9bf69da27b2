"""What every use case and every read model shares: who asks, the mall's parts, the clock.

`MallContext` is built once by the composition root (or a test) and handed to the command
modules in `core/usecases/` and the read models in `core/views/`. It holds no business rule of
its own; it only answers "which mall, which database, what time is it, where do events go".
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from core import numbering, survey_keys
from core.bus import FanOut, Publisher
from core.config import Settings
from core.promises import PromiseLedger
from core.store import UnitOfWork

if TYPE_CHECKING:
    from core.estimate import WaitEstimator


# The languages a visitor may choose; Indonesian first.
LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"
# The kinds of actor that are people with accounts (a supervisor: see core/scope.py); the
# others are devices with tokens.
ROLES = ("officer", "admin", "supervisor")
# The kinds of actor as a refusal names them in its Indonesian half.
KIND_NAMES_ID = {
    "officer": "petugas",
    "admin": "admin",
    "supervisor": "pengawas",
    "kiosk": "anjungan",
    "display": "layar",
    "survey": "tablet survei",
    "system": "sistem",
}


def kind_id(kind: str) -> str:
    """The Indonesian name of a kind of actor (the code itself when it has none)."""
    return KIND_NAMES_ID.get(kind, kind)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Actor:
    """Who asks: decided by authentication, never by the request body."""

    kind: str  # officer | admin | kiosk | display | system
    name: str
    counter: int | None = None
    zone: str | None = None
    kiosk: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.kind in ("admin", "system")


SYSTEM = Actor("system", "system")


class MallContext:
    """One mall's settings, database, event publisher and clock."""

    def __init__(
        self,
        settings: Settings,
        uow: UnitOfWork,
        publisher: Publisher | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        from core.estimate import WaitEstimator  # the estimator reads through this context

        self.settings = settings
        self.uow = uow
        self.publisher: Publisher = publisher or FanOut()
        self.clock = clock
        self.mall = settings.mall.code
        # Held from the version bump until the events are published, so this process emits
        # versions in order (core/usecases/unit.py). Other processes interleave through the
        # shared message queue; a client that sees a gap asks for a snapshot.
        self.publish_lock = threading.Lock()
        self.estimator: WaitEstimator = WaitEstimator(self)
        # The server's secret (set by the composition root): it makes the visitor's survey
        # key (core/survey_keys.py). Without it no address carries a key and no phone's
        # survey answer is taken.
        self.secret: str | bytes | None = None
        # Today's close as first promised, (local day, when): hours shortened in config.yaml
        # during a day stop new tickets at once but end nobody's wait before this
        # (core/usecases/closing.py keeps it, from the database).
        self.promised_close: tuple[date, datetime] | None = None
        # The wait each visitor was first told, written in batches (core/promises.py).
        self.promises = PromiseLedger()
        # Kiosk code -> the identity of the printer it prints on (set by the composition root,
        # core/server/printer_keys.py): kiosks sharing a printer share its stored state and its
        # alerts. A kiosk not in it is its own printer.
        self.printers: dict[str, str] = {}

    def now(self) -> datetime:
        return self.clock()

    def printer_of(self, kiosk: str) -> str:
        """The identity of the printer `kiosk` prints on."""
        return self.printers.get(kiosk, kiosk)

    def today(self) -> date:
        return numbering.local_day(self.now(), self.settings.mall.tz)

    def status_url(self, ticket_id: str, language: str = DEFAULT_LANGUAGE) -> str:
        """The visitor's status page, printed as the ticket's QR code, opening in `language`
        (the default needs no parameter, so most QR codes stay small)."""
        url = f"{self.settings.mall.public_base_url.rstrip('/')}/t/{ticket_id}"
        return url if language == DEFAULT_LANGUAGE else f"{url}?lang={language}"

    def visitor_url(self, ticket_id: str, language: str = DEFAULT_LANGUAGE) -> str:
        """The status address as handed to the visitor alone (printed, on the kiosk's screen,
        in the answer to the phone that took the number): with the survey key in its
        fragment. Views that anyone with the ticket's id can read use `status_url`."""
        url = self.status_url(ticket_id, language)
        if self.secret is None:
            return url
        return f"{url}#k={survey_keys.survey_key(self.secret, ticket_id)}"


def iso(moment: datetime | None) -> str | None:
    """A UTC instant as the API writes it (`...Z`), or None."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment else None


def minutes_between(start: datetime | None, end: datetime) -> int:
    if start is None:
        return 0
    return max(0, int((end - start) / timedelta(minutes=1)))
