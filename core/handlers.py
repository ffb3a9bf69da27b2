"""The mall's front door: one method per use case, each handing over to the module that owns it.

The REST API, the Socket.IO hub, the CLI and the tests all call `QueueService`; none of them
holds SQL or business rules of their own. `QueueService` holds none either: commands live in
`core/usecases/` (one module each), read models in `core/views/`, the wait estimate in
`core/estimate.py`, and the shared machinery (unit of work, version, events, audit) in
`core/usecases/unit.py`. A new capability adds its own module and a line here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection

from core import idempotency, repository
from core.bus import Publisher
from core.config import Settings
from core.context import DEFAULT_LANGUAGE, Actor, MallContext, utc_now
from core.store import UnitOfWork
from core.tickets import Ticket
from core.usecases import calling, counters, printing, remote, services, setup, ticket_actions
from core.usecases.closing import DayCloser
from core.usecases.issuing import TicketIssuer
from core.usecases.unit import counter_for
from core.views import catalogue as catalogue_views
from core.views import counters as counter_views
from core.views import printing as print_views
from core.views import services as service_views
from core.views import snapshot as snapshots
from core.views import tickets as ticket_views


class QueueService:
    def __init__(
        self,
        settings: Settings,
        uow: UnitOfWork,
        publisher: Publisher | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.ctx = MallContext(settings, uow, publisher, clock)
        self.settings = settings
        self.uow = uow
        self.publisher = self.ctx.publisher
        self.clock = clock
        self.mall = self.ctx.mall
        self._issuer = TicketIssuer(self.ctx)
        self._day = DayCloser(self.ctx)

    def now(self) -> datetime:
        return self.ctx.now()

    def today(self) -> date:
        return self.ctx.today()

    def ensure_ready(self) -> None:
        """Tables and state rows, then whatever days ended while the server was down."""
        setup.ensure_ready(self.ctx)
        self._day.close_now()

    def status_url(self, ticket_id: str, language: str = DEFAULT_LANGUAGE) -> str:
        return self.ctx.status_url(ticket_id, language)

    def visitor_url(self, ticket_id: str, language: str = DEFAULT_LANGUAGE) -> str:
        return self.ctx.visitor_url(ticket_id, language)

    # ------------------------------------------------------------------ commands
    # Each first runs what a day that ended since the last command left to do (closing.py).
    def close_ended_days(self) -> int:
        """Close every ended day now (the server runs this every minute)."""
        return self._day.close_now()

    def issue_ticket(
        self,
        service_code: str,
        priority: str | None,
        actor: Actor,
        channel: str = "kiosk",
        *,
        language: str = DEFAULT_LANGUAGE,
        holder: str | None = None,
    ) -> dict[str, Any]:
        self._day.before_command()
        return self._issuer.issue_ticket(
            service_code, priority, actor, channel, language=language, holder=holder
        )

    def issue_ticket_once(
        self,
        service_code: str,
        priority: str | None,
        actor: Actor,
        key: str,
        *,
        channel: str = "kiosk",
        language: str = DEFAULT_LANGUAGE,
        fingerprint: str | None = None,
        holder: str | None = None,
    ) -> dict[str, Any] | idempotency.Claim:
        self._day.before_command()
        return self._issuer.issue_ticket_once(
            service_code,
            priority,
            actor,
            key,
            channel=channel,
            language=language,
            fingerprint=fingerprint,
            holder=holder,
        )

    def held_remote_ticket(
        self, service_code: str, holder: str, language: str = DEFAULT_LANGUAGE
    ) -> dict[str, Any] | None:
        """The live number from home a phone already holds for the service today, or None."""
        return self._issuer.held_before(service_code, holder, language)

    def remote_warning(
        self, service_code: str, eta: Mapping[str, Any] | None = None
    ) -> dict[str, Any] | None:
        """What a visitor at home is warned of before (or with) a number from home; raises
        `RemoteTooLate` before issuing when no time is left (core/usecases/remote.py)."""
        return remote.warning_now(self.ctx, service_code, eta)

    def issued_before(
        self, actor: Actor, key: str, fingerprint: str | None
    ) -> idempotency.Claim | None:
        """The first answer of an issue sent again with its Idempotency-Key, or None."""
        return self._issuer.answered_before(actor, key, fingerprint)

    def call_next(self, counter_number: int, actor: Actor) -> dict[str, Any] | None:
        self._day.before_command()
        return calling.call_next(self.ctx, counter_number, actor)

    def call_ticket(self, ticket_id: str, counter_number: int, actor: Actor) -> dict[str, Any]:
        self._day.before_command()
        return calling.call_ticket(self.ctx, ticket_id, counter_number, actor)

    def act(self, ticket_id: str, action: str, actor: Actor) -> dict[str, Any]:
        self._day.before_command()
        return ticket_actions.act(self.ctx, ticket_id, action, actor)

    def transfer(self, ticket_id: str, service_code: str, actor: Actor) -> dict[str, Any]:
        self._day.before_command()
        return ticket_actions.transfer(self.ctx, ticket_id, service_code, actor)

    def open_counter(self, number: int, actor: Actor) -> dict[str, Any]:
        self._day.before_command()
        return counters.set_counter_status(self.ctx, number, "open", None, actor)

    def set_counter_status(
        self, number: int, status: str, reason: str | None, actor: Actor
    ) -> dict[str, Any]:
        self._day.before_command()
        return counters.set_counter_status(self.ctx, number, status, reason, actor)

    def close_counters_of(
        self, username: str, actor: Actor, only: list[int] | None = None
    ) -> list[int]:
        self._day.before_command()
        return counters.close_counters_of(self.ctx, username, actor, only)

    def set_service_closed(self, service_code: str, reason: str | None, actor: Actor) -> None:
        self._day.before_command()
        services.set_service_closed(self.ctx, service_code, reason, actor)

    def start_print_job(self, ticket_id: str, kiosk: str, actor: Actor) -> int:
        return printing.start_print_job(self.ctx, ticket_id, kiosk, actor)

    def finish_print_job(
        self,
        job_id: int,
        ok: bool,
        error: str | None,
        announce: bool = False,
        paper_low: bool | None = None,
    ) -> None:
        printing.finish_print_job(self.ctx, job_id, ok, error, announce, paper_low)

    def end_interrupted_print_jobs(self) -> int:
        return printing.end_interrupted_print_jobs(self.ctx)

    def printer_status(
        self, kiosk: str, ok: bool, message: str, paper_low: bool | None = None
    ) -> None:
        printing.printer_status(self.ctx, kiosk, ok, message, paper_low)

    # ------------------------------------------------------------------ queries
    def version(self) -> int:
        return snapshots.version(self.ctx)

    def _version(self, conn: Connection) -> int:
        return repository.version(conn, self.mall)

    def snapshot(self, zone: str | None = None) -> dict[str, Any]:
        return snapshots.snapshot(self.ctx, zone)

    def services_overview(self) -> list[dict[str, Any]]:
        return service_views.services_overview(self.ctx)

    def catalogue(self) -> list[dict[str, Any]]:
        return catalogue_views.catalogue(self.ctx)

    def service_page(self, code: str) -> dict[str, Any]:
        return catalogue_views.service_page(self.ctx, code)

    def ticket(self, ticket_id: str) -> Ticket:
        return ticket_views.load(self.ctx, ticket_id)

    def ticket_status(self, ticket_id: str) -> dict[str, Any]:
        return ticket_views.ticket_status(self.ctx, ticket_id)

    def ticket_statuses(self, ticket_ids: list[str]) -> list[dict[str, Any]]:
        return ticket_views.ticket_statuses(self.ctx, ticket_ids)

    def officer_ticket(self, ticket_id: str) -> dict[str, Any]:
        return ticket_views.officer_ticket(self.ctx, ticket_id)

    def counter_state(self, number: int, actor: Actor) -> dict[str, Any]:
        counter_for(self.ctx, actor, number, "view_counter")  # refused (and audited) if not theirs
        return counter_views.counter_state(self.ctx, number)

    def last_print_outcome(self, *kiosks: str) -> tuple[bool, str] | None:
        return print_views.last_print_outcome(self.ctx, *kiosks)

    def stored_printer_states(self) -> dict[str, tuple[bool, str, bool]]:
        return print_views.read_printer_states(self.ctx)

    def print_jobs_for(self, ticket_id: str) -> list[dict[str, Any]]:
        return print_views.print_jobs_for(self.ctx, ticket_id)
