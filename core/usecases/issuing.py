"""A visitor takes a ticket.

The story: check who asks and what for; claim the service's next number inside the ticket's
own transaction (refusing, without using a number, when the service is closed or its quota is
reached); insert the ticket; answer with its view and the people ahead, and, after the commit,
the wait estimate.

Issuers of one process that queue up behind the one writing are issued together in the next
transaction (group commit, in arrival order): a refusal answers only its own visitor, a
failed transaction fails everyone in it and issues none of them, and each event still
carries the queue as it was when its own ticket joined. SQLite has one writer at a time; on
PostgreSQL every change of the mall waits for its version row (and a service's issuers for
its number's row) until the one before commits, so one transaction per issuer made kiosks
queue on those locks one round trip at a time (bench/README.md, run 6).

A request with an Idempotency-Key claims the key in the same transaction as its ticket: a
ticket and its key commit or vanish together, and a retry gets the first attempt's answer.
"""

from __future__ import annotations

import dataclasses
import logging
import secrets
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError

from core import idempotency, numbering, repository
from core.availability import availability
from core.booked_streaks import booked_ticket_count
from core.config import Service
from core.context import DEFAULT_LANGUAGE, LANGUAGES, Actor, MallContext
from core.estimate import NO_ESTIMATE
from core.health import DATABASE_ERRORS
from core.position import people_ahead_of_new
from core.promises import note_promise
from core.quotas import day_quotas
from core.tickets import (
    DomainError,
    InvalidRequest,
    NotFound,
    Priority,
    QuotaReached,
    ServiceClosed,
    Ticket,
    TicketStatus,
    parse_priority,
)
from core.usecases import remote
from core.usecases.unit import Change, changing, require_kind
from core.views.tickets import day_fields, public_view

log = logging.getLogger(__name__)


@dataclass(eq=False)
class IssueRequest:
    """One visitor's ticket request, waiting to be issued in the next transaction."""

    service: Service
    priority: Priority | None
    actor: Actor
    channel: str
    # The client's Idempotency-Key, claimed in the same transaction as the ticket, its
    # answer stored there too: a ticket and its key commit or vanish together, and a retry
    # always finds the ticket that exists.
    key: str | None = None
    fingerprint: str | None = None  # the request the key came with (see core/idempotency.py)
    language: str = DEFAULT_LANGUAGE
    # A number from home: the phone that asks (core.usecases.remote.holder_of), or None.
    holder: str | None = None
    held: str | None = None  # the live ticket the phone already holds: no new one
    view: dict[str, Any] | None = None
    issued: tuple[Ticket, int] | None = None  # the ticket written, and its event's version
    replay: idempotency.Claim | None = None  # the key was used before: no ticket now
    error: BaseException | None = None
    done: bool = False


def with_wait_estimate(
    ctx: MallContext, view: dict[str, Any], issued: tuple[Ticket, int] | None = None
) -> dict[str, Any]:
    """A new ticket's answer with its wait estimate from its own place in the call order,
    read after the commit: playing a long queue forward must not hold the write lock every
    other change waits for (and the stored answer of a keyed request leaves it out: a retry
    gets it as it is then). `issued`: the ticket as written and its event's version, for
    an answer from a play in hand without reading the ticket again."""
    eta = ctx.estimator.for_issued(*issued) if issued is not None else None
    if eta is None:
        eta = NO_ESTIMATE
        try:
            with ctx.uow.reading() as conn:
                ticket = repository.load_ticket(conn, ctx.mall, view["id"])
                if ticket.status == TicketStatus.WAITING:
                    eta = ctx.estimator.for_ticket(conn, ticket)
        # The reads run through SQLAlchemy and on the driver's cursor (core/prepared.py),
        # whose errors are the driver's own.
        except (SQLAlchemyError, *DATABASE_ERRORS, NotFound) as exc:  # the ticket stands
            log.warning("No wait estimate for ticket %s: %s", view["id"], exc)
    note_promise(ctx, view, eta)
    return {**view, **eta.fields()}


class TicketIssuer:
    def __init__(self, ctx: MallContext) -> None:
        self.ctx = ctx
        # Issuers waiting for the next group commit (SQLite), and the one that runs it.
        self._queue: list[IssueRequest] = []
        self._queue_lock = threading.Lock()
        self._leader = threading.Lock()

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
        """The new ticket's view; for a phone (`holder`) that already holds a live number of
        the service, that number's view with `already_held` set, and no new ticket."""
        service, level = self._validated(service_code, priority, actor, language)
        request = IssueRequest(service, level, actor, channel, language=language, holder=holder)
        view = self._issue(request)
        assert isinstance(view, dict)  # without a key there is nothing to replay
        return self._estimated(view, request.issued)

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
        """Issue a ticket for a request with an Idempotency-Key, claimed and answered in the
        ticket's own transaction: the new ticket's view, or (the key was used before) what
        the first attempt answered. What happens after the commit (printing) is not part of
        the stored answer: a crash there must not hide the ticket from the retry."""
        service, level = self._validated(service_code, priority, actor, language)
        request = IssueRequest(
            service,
            level,
            actor,
            channel,
            key=key,
            fingerprint=fingerprint,
            language=language,
            holder=holder,
        )
        outcome = self._issue(request)
        if isinstance(outcome, dict):
            return self._estimated(outcome, request.issued)
        if outcome.state == "answered" and isinstance(outcome.body, dict) and "id" in outcome.body:
            # The stored answer, with the estimate as it is now.
            return dataclasses.replace(outcome, body=self._estimated(outcome.body))
        return outcome

    def answered_before(
        self, actor: Actor, key: str, fingerprint: str | None
    ) -> idempotency.Claim | None:
        """What this request answered when first sent with `key`, or None (a read, which
        claims nothing): a retry gets its ticket before anything is counted against it."""
        first = idempotency.answered(self.ctx.uow, key, actor.name, fingerprint)
        if first is not None and isinstance(first.body, dict) and "id" in first.body:
            return dataclasses.replace(first, body=self._estimated(first.body))
        return first

    def held_before(self, service_code: str, holder: str, language: str) -> dict[str, Any] | None:
        """The live number a phone already holds for the service today, as `issue_ticket`
        would answer it, or None (a read: the issue that follows checks again under the
        service's lock, so a race is settled there)."""
        if service_code not in {s.code for s in self.ctx.settings.services}:
            return None  # issuing answers the unknown service
        with self.ctx.uow.reading() as conn:
            held = remote.held_ticket(conn, self.ctx.mall, service_code, self.ctx.today(), holder)
        return None if held is None else self._held_view(held, language)

    def _estimated(
        self, view: dict[str, Any], issued: tuple[Ticket, int] | None = None
    ) -> dict[str, Any]:
        return with_wait_estimate(self.ctx, view, issued)

    def _validated(
        self, service_code: str, priority: str | None, actor: Actor, language: str
    ) -> tuple[Service, Priority | None]:
        require_kind(self.ctx, actor, "issue_ticket", "kiosk", "officer", remote.CHANNEL)
        if language not in LANGUAGES:
            choices = ", ".join(map(repr, LANGUAGES))
            raise InvalidRequest(
                f"'language' harus salah satu dari {choices}, bukan {language!r}. / "
                f"'language' must be one of {choices}, got {language!r}."
            )
        try:
            service = self.ctx.settings.service(service_code)
        except KeyError:
            raise NotFound(
                f"Layanan {service_code!r} tidak dikenal; daftar kodenya ada di "
                f"GET /api/v1/services. / "
                f"Unknown service {service_code!r}; GET /api/v1/services lists the codes."
            ) from None
        return service, parse_priority(priority)

    def _issue(self, request: IssueRequest) -> dict[str, Any] | idempotency.Claim:
        self._issue_together(request)
        if request.error is not None:
            raise request.error
        if request.replay is not None:
            return request.replay
        if request.held is not None:
            return self._held_view(request.held, request.language)
        assert request.view is not None
        return request.view

    def _held_view(self, ticket_id: str, language: str) -> dict[str, Any]:
        """The number a phone already holds, as the status page shows it, with the survey
        key its status address carries for the phone."""
        with self.ctx.uow.reading() as conn:
            ticket = repository.load_ticket(conn, self.ctx.mall, ticket_id)
            view = public_view(self.ctx, conn, ticket, with_position=True)
        return {
            **view,
            "status_url": self.ctx.visitor_url(ticket_id, language),
            "already_held": True,
        }

    def _issue_together(self, request: IssueRequest) -> None:
        """Group commit: join the queue; the first to get the leader lock issues everyone
        queued so far, in arrival order, in one transaction."""
        with self._queue_lock:
            self._queue.append(request)
        with self._leader:
            if request.done:  # an earlier leader took it along
                return
            with self._queue_lock:
                batch, self._queue = self._queue, []
            self._issue_batch(batch)

    def _issue_batch(self, batch: list[IssueRequest]) -> None:
        """Issue every request of `batch` in one transaction. A refusal (closed, quota) is
        that request's own answer; a failure of the transaction is every request's."""
        ctx = self.ctx
        try:
            with changing(ctx) as change:
                conn = change.conn
                now = ctx.now()
                day = numbering.local_day(now, ctx.settings.mall.tz)
                closed = repository.closed_reasons(conn, ctx.mall)
                quotas = day_quotas(conn, ctx.mall, day)  # today's, set over the configured
                # A service refused once in the batch is refused to the rest of it alike.
                refused: dict[tuple[str, bool], DomainError] = {}
                issued: list[tuple[IssueRequest, Ticket]] = []
                # By service, each in arrival order: a batch takes its services' number rows
                # in one order, as every other process's batches do. In arrival order two
                # processes' batches of KTP then KK and KK then KTP waited on each other
                # until PostgreSQL broke the deadlock, failing one of them (503).
                for request in sorted(batch, key=lambda r: r.service.code):
                    code = request.service.code
                    if request.key is not None:
                        try:
                            claim = idempotency.claim_in(
                                conn, request.key, request.actor.name, request.fingerprint
                            )
                        except idempotency.KeyReused as reused:  # this visitor's answer only
                            request.error = reused
                            continue
                        if claim.state != "new":  # a retry: the first attempt's answer
                            request.replay = claim
                            continue
                    # A remote ticket's refusals (its share) are not a kiosk visitor's.
                    kind = (code, request.channel == remote.CHANNEL)
                    held: str | None = None
                    try:
                        if kind in refused:  # the same refusal, as its own exception
                            raise type(refused[kind])(refused[kind].message)
                        pending = sum(
                            1
                            for r, t in issued
                            if r.channel == request.channel == remote.CHANNEL and t.service == code
                        )
                        held = next(
                            (
                                t.id
                                for r, t in issued
                                if request.holder
                                and r.holder == request.holder
                                and t.service == code
                            ),
                            None,
                        )
                        if held is None:
                            ticket = self._new_ticket(
                                conn, request, closed, quotas, now, day, pending
                            )
                    except remote.AlreadyHeld as already:
                        held = already.ticket_id
                    except (ServiceClosed, QuotaReached) as refusal:
                        refused.setdefault(kind, refusal)
                        request.error = refusal
                        if request.key is not None:  # the client may fix it and resend the key
                            idempotency.forget_in(conn, request.key, request.actor.name)
                        continue
                    if held is not None:  # the phone's number, issued before or in this batch
                        request.held = held
                        if request.key is not None:  # its answer is that ticket as it is then
                            idempotency.forget_in(conn, request.key, request.actor.name)
                        continue
                    issued.append((request, ticket))
                repository.insert_tickets(
                    conn, ctx.mall, [(t, r.channel, r.holder or r.actor.name) for r, t in issued]
                )
                for request, ticket in issued:
                    change.record_ticket(ticket, "issue", request.actor)
                    change.views[ticket.id] = public_view(ctx, conn, ticket)
                views = self._issued_views(change, issued)
                for request, view in views:
                    if request.key is not None:
                        idempotency.answer_in(conn, request.key, request.actor.name, 201, view)
        except BaseException as exc:  # rolled back: nobody of the batch got a number
            for request in batch:
                if request.error is None:
                    request.error = exc
        else:
            for (request, view), (_, ticket) in zip(views, issued, strict=True):
                request.view = view
                request.issued = (ticket, change.versions[ticket.id])
        finally:
            for request in batch:
                request.done = True

    def _new_ticket(
        self,
        conn: Connection,
        request: IssueRequest,
        closed: Mapping[str, str],
        quotas: Mapping[str, int],
        now: datetime,
        day: date,
        pending_online: int = 0,
    ) -> Ticket:
        """Claim the next number of the request's service, or refuse it without using one."""
        ctx = self.ctx
        service = request.service
        online = request.channel == remote.CHANNEL
        if online:
            remote.check_offered(service)
        state = availability(ctx, conn, service.code, check_quota=False, closed=closed)
        if not state.open:
            # A reason given in both languages ("Jam layanan ... / Service hours ...") is split
            # between the two halves; an admin's reason is quoted as written in both.
            reason_id, _, reason_en = (state.reason or "").partition(" / ")
            raise ServiceClosed(
                f"{service.name} tidak menerima nomor antrean saat ini: {reason_id}. / "
                f"{service.name} is not taking tickets now: {reason_en or reason_id}."
            )
        number = numbering.claim_next_number(conn, ctx.mall, service.code, day)
        if online and request.holder is not None:
            # After the claim: its row lock orders this phone's requests (see remote.py).
            held = remote.held_ticket(conn, ctx.mall, service.code, day, request.holder)
            if held is not None:
                numbering.release_last_number(conn, ctx.mall, service.code, day)
                raise remote.AlreadyHeld(held)
        quota = quotas.get(service.code, service.daily_quota)
        if (
            quota is not None
            and number > quota
            and (
                service.booking is None
                # Checked-in bookings took numbers of the series, not walk-in places.
                or number
                > quota + booked_ticket_count(conn, ctx.mall, service.code, day.isoformat())
            )
        ):
            # Hand the number back in the same transaction: no gap.
            numbering.release_last_number(conn, ctx.mall, service.code, day)
            raise QuotaReached(
                f"Kuota hari ini untuk {service.name}, {quota} nomor, sudah habis. / "
                f"{service.name} has reached today's quota of {quota} tickets."
            )
        if online:
            try:
                remote.check_share(ctx, conn, service, day, pending_online)
            except remote.OnlineShareUsed:
                numbering.release_last_number(conn, ctx.mall, service.code, day)
                raise
        return Ticket(
            id=secrets.token_urlsafe(12),
            service=service.code,
            prefix=service.prefix,
            sequence=number,
            day=day.isoformat(),
            issued_at=now,
            arrived_at=now,
            priority=request.priority,
            channel=request.channel,
        )

    def _issued_views(
        self, change: Change, issued: list[tuple[IssueRequest, Ticket]]
    ) -> list[tuple[IssueRequest, dict[str, Any]]]:
        """Each new ticket's answer and event: its place in the call order when it joined
        (the estimate from that place is added after the commit: `_estimated`). One count per
        service serves the whole batch."""
        ctx, conn = self.ctx, change.conn
        places = people_ahead_of_new(ctx, conn, (ticket for _, ticket in issued))
        views = []
        for request, ticket in issued:
            ahead, waiting = places[ticket.id]
            # Tickets of the batch issued after this one are not yet waiting when it is.
            change.waiting_at[ticket.id] = {ticket.service: waiting}
            change.waiting[ticket.service] = waiting  # the last one's is the count at commit
            view = {
                **change.views[ticket.id],
                "id": ticket.id,
                **day_fields(ctx, ticket),
                "ahead": ahead,
                # The survey key to the kiosk or the phone that hands it to the visitor; an
                # officer's terminal shows no QR code and gets the plain address.
                "status_url": (
                    ctx.status_url if request.actor.kind == "officer" else ctx.visitor_url
                )(ticket.id, request.language),
            }
            views.append((request, view))
        return views
