"""One method per use case: open a unit of work, change the domain, commit, then publish.

`QueueService` is the whole central behaviour of a mall. The REST API, the Socket.IO hub, the
CLI and the tests all go through it; none of them holds SQL or business rules of their own.
"""

from __future__ import annotations

import logging
import secrets
import statistics
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Connection, func, insert, select, update

from core import announcement, idempotency, numbering, repository
from core.config import Counter, Service, Settings
from core.events import (
    TICKET_EVENTS,
    CounterUpdated,
    Event,
    PrinterStatusChanged,
    ServiceUpdated,
)
from core.queueing import choose_next, estimate_wait_minutes, next_streak
from core.store import (
    UnitOfWork,
    audit_log,
    counter_state,
    mall_state,
    print_jobs,
    service_state,
    ticket_events,
    tickets,
)
from core.tickets import (
    CounterBusy,
    CounterClosed,
    DomainError,
    Forbidden,
    InvalidRequest,
    NotFound,
    Priority,
    QuotaReached,
    ServiceClosed,
    Ticket,
    TicketStatus,
    allowed_actions,
)

log = logging.getLogger(__name__)

COUNTER_STATUSES = ("open", "break", "closed")
RECENT_CALLS = 10
ESTIMATE_INPUTS_SECONDS = 5.0
# Call-next on PostgreSQL when every waiting visitor is locked by other counters' calls.
LOCKED_HEADS_RETRY_SECONDS = 0.01
LOCKED_HEADS_PATIENCE_SECONDS = 2.0


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


class Publisher(Protocol):
    def publish(self, event: Event) -> None: ...


class FanOut:
    """Hands each event to the subscribers in this process (the server's Socket.IO hub)."""

    def __init__(self) -> None:
        self.subscribers: list[Callable[[Event], None]] = []

    def subscribe(self, subscriber: Callable[[Event], None]) -> None:
        self.subscribers.append(subscriber)

    def publish(self, event: Event) -> None:
        for subscriber in self.subscribers:
            try:
                subscriber(event)
            except Exception:  # a broken listener must not undo a committed change
                log.exception("event subscriber failed for %s", event.name)


class InMemoryPublisher(FanOut):
    """A fan-out that also keeps every event it saw: for tests and tools, never the server,
    whose events would pile up for as long as it runs."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[Event] = []

    def publish(self, event: Event) -> None:
        self.events.append(event)
        super().publish(event)


@dataclass
class _Change:
    """What one unit of work did, to be versioned, recorded and published at commit."""

    conn: Connection
    ticket_actions: list[tuple[Ticket, str, TicketStatus | None, str | None, Actor]] = field(
        default_factory=list
    )
    counters_changed: list[int] = field(default_factory=list)
    printer_changes: list[tuple[str, bool, str]] = field(default_factory=list)
    services_changed: list[str] = field(default_factory=list)
    # Refusals found inside the transaction: audited after it rolls back (on SQLite a second
    # write transaction inside the first would wait for itself).
    refusals: list[tuple[Actor, str, str]] = field(default_factory=list)
    # Public views a use case already built, by ticket id, so the event does not build them again.
    views: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Waiting counts a use case read after its last change, so the event does not count again.
    waiting: dict[str, int] = field(default_factory=dict)
    # Waiting counts right after one ticket's action, by ticket id, where several tickets of a
    # service changed in one unit of work (issued together): each event tells its own moment.
    waiting_at: dict[str, dict[str, int]] = field(default_factory=dict)


@dataclass(eq=False)
class _IssueRequest:
    """One visitor's ticket request, waiting to be issued in the next transaction."""

    service: Service
    priority: Priority | None
    actor: Actor
    channel: str
    # The client's Idempotency-Key, claimed in the same transaction as the ticket; with
    # `keep_answer` the answer is stored on it there too (else the caller stores it later).
    key: str | None = None
    keep_answer: bool = True
    view: dict[str, Any] | None = None
    replay: idempotency.Claim | None = None  # the key was used before: no ticket now
    error: BaseException | None = None
    done: bool = False


@dataclass(frozen=True)
class Availability:
    open: bool
    reason_code: str | None = None  # closed_by_admin | outside_hours | quota_reached | mall_closed
    reason: str | None = None


class QueueService:
    def __init__(
        self,
        settings: Settings,
        uow: UnitOfWork,
        publisher: Publisher | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.settings = settings
        self.uow = uow
        self.publisher = publisher or FanOut()
        self.clock = clock
        self.mall = settings.mall.code
        # Held from the version bump until the events are published, so this process emits
        # versions in order. Other processes interleave through the shared message queue; a
        # client that sees a gap asks for a snapshot.
        self._publish_lock = threading.Lock()
        # Estimate inputs with the moment they expire: see _eta().
        self._paces: dict[str, tuple[str, float, float]] = {}  # service: (day, expiry, pace)
        self._open_counters_cache: tuple[float, frozenset[int]] | None = None
        # Issuers waiting for the next group commit (SQLite), and the one that runs it.
        self._issue_queue: list[_IssueRequest] = []
        self._issue_queue_lock = threading.Lock()
        self._issue_leader = threading.Lock()

    # ------------------------------------------------------------------ infrastructure
    def now(self) -> datetime:
        return self.clock()

    def today(self) -> date:
        return numbering.local_day(self.now(), self.settings.mall.tz)

    def ensure_ready(self) -> None:
        """Create tables and the mall's state rows (idempotent)."""
        self.uow.create_all()
        with self.uow.writing() as conn:
            if (
                conn.execute(select(mall_state).where(mall_state.c.mall == self.mall)).first()
                is None
            ):
                conn.execute(insert(mall_state).values(mall=self.mall, version=0))
            known = set(repository.counter_rows(conn, self.mall))
            for counter in self.settings.counters:
                if counter.number not in known:
                    conn.execute(
                        insert(counter_state).values(
                            mall=self.mall,
                            number=counter.number,
                            status="closed",
                            priority_streak=0,
                            updated_at=self.now(),
                        )
                    )

    @contextmanager
    def _change(self) -> Iterator[_Change]:
        locked = False
        events: list[Event] = []
        change: _Change | None = None
        try:
            with self.uow.writing() as conn:
                change = _Change(conn)
                yield change
                count = (
                    len(change.ticket_actions)
                    + len(change.counters_changed)
                    + len(change.printer_changes)
                    + len(change.services_changed)
                )
                if count:
                    self._publish_lock.acquire()
                    locked = True
                    events = self._record(change, count)
            self._forget_estimate_inputs(change)
            for event in events:
                self.publisher.publish(event)
        except Forbidden:
            for actor, action, detail in change.refusals if change else []:
                self._audit(actor, action, detail)
            raise
        finally:
            if locked:
                self._publish_lock.release()

    def _record(self, change: _Change, count: int) -> list[Event]:
        conn = change.conn
        version = repository.advance_version(conn, self.mall, count)
        now = self.now()
        events: list[Event] = []
        touched_services = {
            service
            for ticket, _, _, from_service, _ in change.ticket_actions
            for service in (ticket.service, from_service)
            if service
        }
        waiting = {
            service: change.waiting[service]
            if service in change.waiting
            else self._waiting_count(conn, service)
            for service in touched_services
        }
        rows: list[dict[str, Any]] = []
        for ticket, action, from_status, from_service, actor in change.ticket_actions:
            version += 1
            rows.append(
                {
                    "mall": self.mall,
                    "ticket_seq": ticket.seq,
                    "action": action,
                    "from_status": from_status.value if from_status else None,
                    "to_status": ticket.status.value,
                    "service": from_service or ticket.service,
                    "to_service": ticket.service if from_service else None,
                    "counter": ticket.counter,
                    "officer": actor.name,
                    "at": now,
                    "version": version,
                }
            )
            touched = {ticket.service, from_service} - {None}
            events.append(
                TICKET_EVENTS[action](
                    mall=self.mall,
                    version=version,
                    ticket=change.views.get(ticket.id)
                    or self._public_view(conn, ticket, action=action),
                    ticket_id=ticket.id,
                    waiting=change.waiting_at.get(ticket.id)
                    or {s: waiting.get(s, 0) for s in touched},  # type: ignore[misc]
                    counter=self._counter_view(conn, ticket.counter) if ticket.counter else None,
                )
            )
        if rows:
            repository.insert_ticket_events(conn, rows)
        for number in change.counters_changed:
            version += 1
            events.append(
                CounterUpdated(self.mall, version, counter=self._counter_view(conn, number))
            )
        for kiosk, ok, message in change.printer_changes:
            version += 1
            events.append(
                PrinterStatusChanged(self.mall, version, kiosk=kiosk, ok=ok, message=message)
            )
        for code in change.services_changed:
            version += 1
            events.append(
                ServiceUpdated(self.mall, version, service=self._services(conn, [code])[0])
            )
        return events

    def _waiting_count(self, conn: Connection, service: str) -> int:
        """Today's waiting tickets of one service, read through the queue index (counting
        all services on every change walked every ticket the mall ever issued)."""
        return repository.waiting_count(conn, self.mall, self.today().isoformat(), service)

    def version(self) -> int:
        with self.uow.reading() as conn:
            return repository.version(conn, self.mall)

    def _audit(self, actor: Actor, action: str, detail: str) -> None:
        with self.uow.writing() as conn:
            conn.execute(
                insert(audit_log).values(
                    mall=self.mall, at=self.now(), actor=actor.name, action=action, detail=detail
                )
            )

    def _refuse(
        self, actor: Actor, action: str, message: str, change: _Change | None = None
    ) -> Forbidden:
        if change is not None:
            change.refusals.append((actor, f"refused:{action}", message))
        else:
            self._audit(actor, f"refused:{action}", message)
        return Forbidden(message)

    def _require_kind(self, actor: Actor, action: str, *kinds: str) -> None:
        if actor.kind not in kinds and not actor.is_admin:
            raise self._refuse(actor, action, f"A {actor.kind} may not {action.replace('_', ' ')}.")

    # ------------------------------------------------------------------ availability
    def availability(
        self,
        conn: Connection,
        service_code: str,
        *,
        check_quota: bool = True,
        closed: Mapping[str, str] | None = None,
        issued: Mapping[str, int] | None = None,
    ) -> Availability:
        """Whether `service_code` takes tickets now, and why not. `closed` (reasons by service)
        and `issued` (today's numbers by service) may come read for many services at once;
        without them this service's own are read."""
        service = self.settings.service(service_code)
        if closed is None:
            reason = repository.service_closed_reason(conn, self.mall, service_code)
        else:
            reason = closed.get(service_code)
        if reason:
            return Availability(False, "closed_by_admin", reason)
        local = self.now().astimezone(self.settings.mall.tz)
        hours = self.settings.service_hours(service_code, local.weekday())
        if hours is None:
            return Availability(False, "mall_closed", "Tutup hari ini / Closed today")
        if not hours.contains(local.time()):
            span = str(hours)
            return Availability(
                False, "outside_hours", f"Jam layanan {span} / Service hours {span}"
            )
        if check_quota and service.daily_quota is not None:
            if issued is None:
                count = numbering.issued_count(conn, self.mall, service_code, local.date())
            else:
                count = issued.get(service_code, 0)
            if count >= service.daily_quota:
                return Availability(
                    False, "quota_reached", f"Kuota hari ini habis ({service.daily_quota})"
                )
        return Availability(True)

    # ------------------------------------------------------------------ issuing
    def issue_ticket(
        self,
        service_code: str,
        priority: str | None,
        actor: Actor,
        channel: str = "kiosk",
    ) -> dict[str, Any]:
        service, level = self._issue_input(service_code, priority, actor)
        view = self._issue(_IssueRequest(service, level, actor, channel))
        assert isinstance(view, dict)  # without a key there is nothing to replay
        return view

    def issue_ticket_once(
        self,
        service_code: str,
        priority: str | None,
        actor: Actor,
        key: str,
        *,
        channel: str = "kiosk",
        keep_answer: bool = True,
    ) -> dict[str, Any] | idempotency.Claim:
        """Issue a ticket for a request with an Idempotency-Key, claimed in the ticket's own
        transaction: the new ticket's view, or (the key was used before) what the first
        attempt did. With `keep_answer` the view is stored as the key's answer right there;
        a caller that adds to the answer (a kiosk's print outcome) stores it itself."""
        service, level = self._issue_input(service_code, priority, actor)
        request = _IssueRequest(service, level, actor, channel, key=key, keep_answer=keep_answer)
        return self._issue(request)

    def _issue_input(
        self, service_code: str, priority: str | None, actor: Actor
    ) -> tuple[Service, Priority | None]:
        self._require_kind(actor, "issue_ticket", "kiosk", "officer")
        try:
            service = self.settings.service(service_code)
        except KeyError:
            raise NotFound(
                f"Unknown service {service_code!r}; GET /api/v1/services lists the codes."
            ) from None
        try:
            level = Priority(priority) if priority else None
        except ValueError:
            raise InvalidRequest(
                f"Unknown priority {priority!r}; use null, "
                + ", ".join(repr(p.value) for p in Priority)
                + "."
            ) from None
        return service, level

    def _issue(self, request: _IssueRequest) -> dict[str, Any] | idempotency.Claim:
        if self.uow.is_sqlite:
            self._issue_together(request)
        else:
            # PostgreSQL: each issuer in its own transaction; the number's row lock orders
            # issuers of one service while other services' issuers run alongside.
            self._issue_batch([request])
        if request.error is not None:
            raise request.error
        if request.replay is not None:
            return request.replay
        assert request.view is not None
        return request.view

    def _issue_together(self, request: _IssueRequest) -> None:
        """Group commit: SQLite runs one writer at a time, so issuers that queue up behind the
        writer are issued together, in arrival order, in the next transaction."""
        with self._issue_queue_lock:
            self._issue_queue.append(request)
        with self._issue_leader:
            if request.done:  # an earlier leader took it along
                return
            with self._issue_queue_lock:
                batch, self._issue_queue = self._issue_queue, []
            self._issue_batch(batch)

    def _issue_batch(self, batch: list[_IssueRequest]) -> None:
        """Issue every request of `batch` in one transaction. A refusal (closed, quota) is
        that request's own answer; a failure of the transaction is every request's."""
        try:
            with self._change() as change:
                conn = change.conn
                now = self.now()
                day = numbering.local_day(now, self.settings.mall.tz)
                closed = repository.closed_reasons(conn, self.mall)
                # A service refused once in the batch is refused to the rest of it alike.
                refused: dict[str, DomainError] = {}
                issued: list[tuple[_IssueRequest, Ticket]] = []
                for request in batch:
                    code = request.service.code
                    if request.key is not None:
                        claim = idempotency.claim_in(conn, request.key, request.actor.name)
                        if claim.state != "new":  # a retry: the first attempt's answer
                            request.replay = claim
                            continue
                    try:
                        if code in refused:  # the same refusal, as its own exception
                            raise type(refused[code])(refused[code].message)
                        ticket = self._new_ticket(conn, request, closed, now, day)
                    except (ServiceClosed, QuotaReached) as refusal:
                        refused.setdefault(code, refusal)
                        request.error = refusal
                        if request.key is not None:  # the client may fix it and resend the key
                            idempotency.forget_in(conn, request.key, request.actor.name)
                        continue
                    issued.append((request, ticket))
                repository.insert_tickets(
                    conn, self.mall, [(t, r.channel, r.actor.name) for r, t in issued]
                )
                for request, ticket in issued:
                    change.ticket_actions.append((ticket, "issue", None, None, request.actor))
                    change.views[ticket.id] = self._public_view(conn, ticket)
                views = self._issued_views(conn, change, issued)
                for request, view in views:
                    if request.key is not None and request.keep_answer:
                        idempotency.answer_in(conn, request.key, request.actor.name, 201, view)
        except BaseException as exc:  # rolled back: nobody of the batch got a number
            for request in batch:
                if request.error is None:
                    request.error = exc
        else:
            for request, view in views:
                request.view = view
        finally:
            for request in batch:
                request.done = True

    def _new_ticket(
        self,
        conn: Connection,
        request: _IssueRequest,
        closed: Mapping[str, str],
        now: datetime,
        day: date,
    ) -> Ticket:
        """Claim the next number of the request's service, or refuse it without using one."""
        service = request.service
        state = self.availability(conn, service.code, check_quota=False, closed=closed)
        if not state.open:
            raise ServiceClosed(f"{service.name} is not taking tickets now: {state.reason}.")
        number = numbering.claim_next_number(conn, self.mall, service.code, day)
        if service.daily_quota is not None and number > service.daily_quota:
            # Hand the number back in the same transaction: no gap.
            numbering.release_last_number(conn, self.mall, service.code, day)
            raise QuotaReached(
                f"{service.name} has reached today's quota of {service.daily_quota} tickets."
            )
        return Ticket(
            id=secrets.token_urlsafe(12),
            service=service.code,
            prefix=service.prefix,
            sequence=number,
            day=day.isoformat(),
            issued_at=now,
            arrived_at=now,
            priority=request.priority,
        )

    def _issued_views(
        self, conn: Connection, change: _Change, issued: list[tuple[_IssueRequest, Ticket]]
    ) -> list[tuple[_IssueRequest, dict[str, Any]]]:
        """Each new ticket's answer and event: everyone waiting for its service when it was
        issued is ahead of it. One count per service serves the whole batch."""
        remaining: dict[str, int] = {}
        for _, ticket in issued:
            remaining[ticket.service] = remaining.get(ticket.service, 0) + 1
        day = issued[0][1].day if issued else self.today().isoformat()
        for code in remaining:
            change.waiting[code] = repository.waiting_count(conn, self.mall, day, code)
        views = []
        for request, ticket in issued:
            # Tickets of the batch issued after this one are not yet waiting when it is.
            waiting = change.waiting[ticket.service] - remaining[ticket.service] + 1
            remaining[ticket.service] -= 1
            change.waiting_at[ticket.id] = {ticket.service: waiting}
            ahead = waiting - 1
            view = {
                **change.views[ticket.id],
                "id": ticket.id,
                "ahead": ahead,
                "eta_minutes": self._eta(conn, ticket.service, ahead),
                "status_url": self.status_url(ticket.id),
            }
            views.append((request, view))
        return views

    # ------------------------------------------------------------------ calling
    def call_next(self, counter_number: int, actor: Actor) -> dict[str, Any] | None:
        """The next visitor for the counter, or None when nobody waits for its services."""
        counter = self._counter_for(actor, counter_number, "call_next")
        deadline = time.monotonic() + LOCKED_HEADS_PATIENCE_SECONDS
        while True:
            called = self._call_next_once(counter, actor)
            if called is not None or self.uow.is_sqlite or time.monotonic() > deadline:
                return called
            # PostgreSQL skips the rows other counters have locked (SKIP LOCKED). If visitors
            # still wait, they are all being called elsewhere right now: once those calls
            # commit (or roll back, leaving them waiting) the answer is certain.
            if not self._anyone_waiting(counter.services):
                return None
            time.sleep(LOCKED_HEADS_RETRY_SECONDS)

    def _anyone_waiting(self, services: tuple[str, ...]) -> bool:
        with self.uow.reading() as conn:
            day = self.today().isoformat()
            return any(repository.waiting_count(conn, self.mall, day, s) for s in services)

    def _call_next_once(self, counter: Counter, actor: Actor) -> dict[str, Any] | None:
        with self._change() as change:
            conn = change.conn
            state = self._counter_row(conn, counter.number, for_update=True)
            self._ensure_can_call(conn, counter.number, state)
            head_priority, head_normal = repository.queue_heads(
                conn,
                self.mall,
                self.today().isoformat(),
                counter.services,
                skip_locked=not self.uow.is_sqlite,
            )
            chosen = choose_next(
                head_priority,
                head_normal,
                state.priority_streak,
                self.settings.calling.priority_ratio,
            )
            if chosen is None:
                return None
            ticket = repository.load_ticket(conn, self.mall, chosen.ticket_id, for_update=True)
            repository.set_priority_streak(
                conn, self.mall, counter.number, next_streak(state.priority_streak, chosen)
            )
            return self._apply(change, ticket, "call", actor, counter=counter.number)

    def call_ticket(self, ticket_id: str, counter_number: int, actor: Actor) -> dict[str, Any]:
        """An officer calls one specific waiting ticket (a visitor who came back, say)."""
        counter = self._counter_for(actor, counter_number, "call_ticket")
        with self._change() as change:
            conn = change.conn
            state = self._counter_row(conn, counter.number, for_update=True)
            ticket = repository.load_ticket(conn, self.mall, ticket_id, for_update=True)
            if ticket.service not in counter.services and not actor.is_admin:
                raise self._refuse(
                    actor,
                    "call_ticket",
                    f"{counter.name} does not serve {ticket.service}; ticket {ticket.number} "
                    "belongs to another counter's queue.",
                    change,
                )
            self._ensure_can_call(conn, counter.number, state)
            return self._apply(change, ticket, "call", actor, counter=counter.number)

    def _ensure_can_call(self, conn: Connection, number: int, state: Any) -> None:
        if state.status != "open":
            raise CounterClosed(
                f"Counter {number} is {state.status}; open it before calling visitors."
            )
        active = repository.active_ticket_at(conn, self.mall, number)
        if active is not None:
            raise CounterBusy(
                f"Counter {number} still has ticket {active.number} ({active.status.value}); "
                "finish it, mark it no-show, hold or transfer it first."
            )

    # ------------------------------------------------------------------ ticket actions
    def act(self, ticket_id: str, action: str, actor: Actor) -> dict[str, Any]:
        """recall | start | finish | no_show | hold | resume | cancel"""
        if action not in ("recall", "start", "finish", "no_show", "hold", "resume", "cancel"):
            raise InvalidRequest(f"Unknown action {action!r}.")
        self._require_kind(actor, action, "officer")
        with self._change() as change:
            ticket = repository.load_ticket(change.conn, self.mall, ticket_id, for_update=True)
            self._ensure_owner(actor, ticket, action, change)
            return self._apply(change, ticket, action, actor)

    def transfer(self, ticket_id: str, service_code: str, actor: Actor) -> dict[str, Any]:
        self._require_kind(actor, "transfer", "officer")
        try:
            target = self.settings.service(service_code)
        except KeyError:
            raise NotFound(f"Unknown service {service_code!r} to transfer to.") from None
        with self._change() as change:
            ticket = repository.load_ticket(change.conn, self.mall, ticket_id, for_update=True)
            self._ensure_owner(actor, ticket, "transfer", change)
            return self._apply(change, ticket, "transfer", actor, service=target.code)

    def _ensure_owner(self, actor: Actor, ticket: Ticket, action: str, change: _Change) -> None:
        if actor.is_admin:
            return
        if ticket.counter is not None:
            if ticket.counter != actor.counter:
                raise self._refuse(
                    actor,
                    action,
                    f"Ticket {ticket.number} belongs to counter {ticket.counter}; you are signed "
                    f"into counter {actor.counter}.",
                    change,
                )
            return
        counter = self.settings.counter(actor.counter) if actor.counter else None
        if counter is None or ticket.service not in counter.services:
            raise self._refuse(
                actor,
                action,
                f"Ticket {ticket.number} waits for {ticket.service}, which counter "
                f"{actor.counter} does not serve.",
                change,
            )

    def _apply(
        self,
        change: _Change,
        ticket: Ticket,
        action: str,
        actor: Actor,
        *,
        counter: int | None = None,
        service: str | None = None,
    ) -> dict[str, Any]:
        now = self.now()
        from_status, from_service, from_counter = ticket.status, ticket.service, ticket.counter
        match action:
            case "call":
                ticket.call(counter, now)  # type: ignore[arg-type]
            case "recall":
                ticket.recall(now)
            case "start":
                ticket.start(now)
            case "finish":
                ticket.finish(now)
            case "no_show":
                ticket.mark_no_show(now)
            case "hold":
                ticket.hold()
            case "resume":
                ticket.resume()
            case "cancel":
                ticket.cancel(now)
            case "transfer":
                ticket.transfer(service)  # type: ignore[arg-type]
        repository.save_ticket(change.conn, ticket)
        # The event row keeps the counter the action happened at, even when the ticket leaves it.
        recorded = ticket if ticket.counter is not None else _at_counter(ticket, from_counter)
        change.ticket_actions.append(
            (recorded, action, from_status, from_service if action == "transfer" else None, actor)
        )
        return self._officer_view(change.conn, ticket)

    # ------------------------------------------------------------------ counters & services
    def open_counter(self, number: int, actor: Actor) -> dict[str, Any]:
        return self.set_counter_status(number, "open", None, actor)

    def set_counter_status(
        self, number: int, status: str, reason: str | None, actor: Actor
    ) -> dict[str, Any]:
        counter = self._counter_for(actor, number, "set_counter_status")
        if status not in COUNTER_STATUSES:
            raise InvalidRequest(f"Counter status must be one of {', '.join(COUNTER_STATUSES)}.")
        if reason is not None and len(reason) > 200:
            raise InvalidRequest("The reason is longer than 200 characters; shorten it.")
        with self._change() as change:
            self._counter_row(change.conn, counter.number, for_update=True)
            change.conn.execute(
                update(counter_state)
                .where(counter_state.c.mall == self.mall, counter_state.c.number == counter.number)
                .values(
                    status=status,
                    reason=reason if status != "open" else None,
                    officer=actor.name if status == "open" else None,
                    updated_at=self.now(),
                )
            )
            change.counters_changed.append(counter.number)
            return self._counter_view(change.conn, counter.number)

    def close_counters_of(self, username: str, actor: Actor) -> list[int]:
        """Close every counter `username` has open (their account was disabled)."""
        self._require_kind(actor, "close_counters")
        with self._change() as change:
            numbers = list(
                change.conn.execute(
                    select(counter_state.c.number).where(
                        counter_state.c.mall == self.mall,
                        counter_state.c.officer == username,
                        counter_state.c.status != "closed",
                    )
                ).scalars()
            )
            if numbers:
                change.conn.execute(
                    update(counter_state)
                    .where(counter_state.c.mall == self.mall, counter_state.c.number.in_(numbers))
                    .values(status="closed", reason=None, officer=None, updated_at=self.now())
                )
            change.counters_changed.extend(numbers)
        return numbers

    def set_service_closed(self, service_code: str, reason: str | None, actor: Actor) -> None:
        """An admin closes a service for the day (or reopens it with reason None)."""
        self._require_kind(actor, "close_service")
        try:
            self.settings.service(service_code)
        except KeyError:
            raise NotFound(f"Unknown service {service_code!r}.") from None
        with self._change() as change:
            conn = change.conn
            conn.execute(
                service_state.delete().where(
                    service_state.c.mall == self.mall, service_state.c.service == service_code
                )
            )
            if reason:
                conn.execute(
                    insert(service_state).values(
                        mall=self.mall, service=service_code, closed_reason=reason
                    )
                )
            change.services_changed.append(service_code)

    def _counter_for(self, actor: Actor, number: int, action: str):  # type: ignore[no-untyped-def]
        try:
            counter = self.settings.counter(number)
        except KeyError:
            raise NotFound(f"No counter number {number}.") from None
        if actor.is_admin:
            return counter
        if actor.kind != "officer":
            raise self._refuse(actor, action, f"A {actor.kind} cannot act for a counter.")
        if actor.counter != number:
            raise self._refuse(
                actor,
                action,
                f"You are signed into counter {actor.counter}, not counter {number}.",
            )
        return counter

    def _counter_row(self, conn: Connection, number: int, *, for_update: bool = False) -> Any:
        row = repository.counter_row(conn, self.mall, number, for_update=for_update)
        if row is None:
            raise NotFound(f"No state for counter {number}; restart the server to create it.")
        return row

    # ------------------------------------------------------------------ printing
    def start_print_job(self, ticket_id: str, kiosk: str, actor: Actor) -> int:
        with self.uow.writing() as conn:
            ticket = repository.load_ticket(conn, self.mall, ticket_id)
            return int(
                conn.execute(
                    insert(print_jobs).values(
                        mall=self.mall,
                        ticket_seq=ticket.seq,
                        kiosk=kiosk,
                        status="pending",
                        requested_by=actor.name,
                        created_at=self.now(),
                    )
                ).inserted_primary_key[0]
            )

    def finish_print_job(self, job_id: int, ok: bool, error: str | None) -> None:
        with self._change() as change:
            job = change.conn.execute(select(print_jobs).where(print_jobs.c.id == job_id)).one()
            change.conn.execute(
                update(print_jobs)
                .where(print_jobs.c.id == job_id)
                .values(status="printed" if ok else "failed", error=error, finished_at=self.now())
            )
            previous = _last_finished_print_job(change.conn, self.mall, job.kiosk, job_id)
            if (previous.status if previous else None) != ("printed" if ok else "failed") or not ok:
                change.printer_changes.append((job.kiosk, ok, error or "OK"))

    def last_print_outcome(self, kiosk: str) -> tuple[bool, str] | None:
        """(printed?, error or "OK") of the kiosk's last finished print job, if it has one."""
        with self.uow.reading() as conn:
            row = _last_finished_print_job(conn, self.mall, kiosk)
        if row is None:
            return None
        return row.status == "printed", row.error or "OK"

    def printer_status(self, kiosk: str, ok: bool, message: str) -> None:
        with self._change() as change:
            change.printer_changes.append((kiosk, ok, message))

    def print_jobs_for(self, ticket_id: str) -> list[dict[str, Any]]:
        with self.uow.reading() as conn:
            ticket = repository.load_ticket(conn, self.mall, ticket_id)
            rows = conn.execute(
                select(print_jobs)
                .where(print_jobs.c.ticket_seq == ticket.seq)
                .order_by(print_jobs.c.id)
            )
            return [
                {
                    "id": r.id,
                    "kiosk": r.kiosk,
                    "status": r.status,
                    "error": r.error,
                    "created_at": _iso(repository.as_utc(r.created_at)),
                }
                for r in rows
            ]

    # ------------------------------------------------------------------ reading
    def ticket(self, ticket_id: str) -> Ticket:
        with self.uow.reading() as conn:
            return repository.load_ticket(conn, self.mall, ticket_id)

    def ticket_status(self, ticket_id: str) -> dict[str, Any]:
        """The visitor's view by the unguessable id: no personal data, position and estimate."""
        with self.uow.reading() as conn:
            ticket = repository.load_ticket(conn, self.mall, ticket_id)
            return self._public_view(conn, ticket, with_position=True)

    def officer_ticket(self, ticket_id: str) -> dict[str, Any]:
        with self.uow.reading() as conn:
            return self._officer_view(conn, repository.load_ticket(conn, self.mall, ticket_id))

    def services_overview(self) -> list[dict[str, Any]]:
        with self.uow.reading() as conn:
            return self._services(conn, [s.code for s in self.settings.services])

    def counter_state(self, number: int, actor: Actor) -> dict[str, Any]:
        """Everything an officer's terminal shows: current ticket, waiting list, own figures."""
        counter = self._counter_for(actor, number, "view_counter")
        day = self.today().isoformat()
        with self.uow.reading() as conn:
            current = repository.active_ticket_at(conn, self.mall, number)
            held = conn.execute(
                select(tickets)
                .where(
                    tickets.c.mall == self.mall,
                    tickets.c.day == day,
                    tickets.c.counter == number,
                    tickets.c.status == TicketStatus.ON_HOLD.value,
                )
                .order_by(tickets.c.seq)
            ).all()
            waiting_rows = conn.execute(
                select(tickets)
                .where(
                    tickets.c.mall == self.mall,
                    tickets.c.day == day,
                    tickets.c.service.in_(counter.services),
                    tickets.c.status == TicketStatus.WAITING.value,
                )
                .order_by(tickets.c.arrived_at, tickets.c.seq)
            ).all()
            now = self.now()
            waiting = [
                {
                    "id": row.id,
                    "number": repository.ticket_from_row(row).number,
                    "service": row.service,
                    "priority": row.priority,
                    "waiting_minutes": _minutes_between(repository.as_utc(row.arrived_at), now),
                    "transferred": bool(row.transfers),
                }
                for row in waiting_rows
            ]
            figures = self._counter_figures(conn, number, day)
            return {
                "counter": self._counter_view(conn, number),
                "current": self._officer_view(conn, current) if current else None,
                "on_hold": [self._officer_view(conn, repository.ticket_from_row(r)) for r in held],
                "waiting": waiting,
                "figures": figures,
                "services": [
                    {"code": s.code, "name": s.name, "name_en": s.name_en, "agency": s.agency}
                    for s in self.settings.services
                ],
                "version": self._version(conn),
            }

    def _counter_figures(self, conn: Connection, number: int, day: str) -> dict[str, Any]:
        rows = conn.execute(
            select(ticket_events.c.action, func.count())
            .join(tickets, tickets.c.seq == ticket_events.c.ticket_seq)
            .where(
                ticket_events.c.mall == self.mall,
                ticket_events.c.counter == number,
                tickets.c.day == day,
                ticket_events.c.action.in_(["finish", "no_show"]),
            )
            .group_by(ticket_events.c.action)
        )
        counts = dict(rows.all())
        durations = conn.execute(
            select(tickets.c.started_at, tickets.c.finished_at).where(
                tickets.c.mall == self.mall,
                tickets.c.day == day,
                tickets.c.counter == number,
                tickets.c.status == TicketStatus.DONE.value,
                tickets.c.started_at.is_not(None),
            )
        ).all()
        minutes = [
            (repository.as_utc(f) - repository.as_utc(s)).total_seconds() / 60  # type: ignore[operator]
            for s, f in durations
        ]
        return {
            "served": int(counts.get("finish", 0)),
            "no_show": int(counts.get("no_show", 0)),
            "average_service_minutes": round(statistics.mean(minutes), 1) if minutes else None,
        }

    def snapshot(self, zone: str | None = None) -> dict[str, Any]:
        """The whole visible state, consistent with `version` (one read transaction)."""
        if zone is not None:
            try:
                self.settings.zone(zone)
            except KeyError:
                raise NotFound(f"No display zone {zone!r}.") from None
        counters = [c for c in self.settings.counters if zone is None or c.zone == zone]
        numbers = [c.number for c in counters]
        services = (
            sorted({s for c in counters for s in c.services})
            if zone
            else [s.code for s in self.settings.services]
        )
        with self.uow.reading() as conn:
            version = self._version(conn)
            calls = self._recent_calls(conn, numbers)
            return {
                "version": version,
                "mall": {
                    "code": self.mall,
                    "name": self.settings.mall.name,
                    "running_text": self.settings.mall.running_text,
                    "timezone": self.settings.mall.timezone,
                },
                "zone": zone,
                "server_time": _iso(self.now()),
                "calls": calls,
                "counters": [self._counter_view(conn, n) for n in numbers],
                "services": self._services(conn, services),
            }

    def _recent_calls(self, conn: Connection, counters: list[int]) -> list[dict[str, Any]]:
        day = self.today().isoformat()
        rows = conn.execute(
            select(
                ticket_events,
                tickets.c.prefix,
                tickets.c.sequence,
                tickets.c.service.label("now_service"),
            )
            .join(tickets, tickets.c.seq == ticket_events.c.ticket_seq)
            .where(
                ticket_events.c.mall == self.mall,
                ticket_events.c.action.in_(["call", "recall"]),
                ticket_events.c.counter.in_(counters),
                tickets.c.day == day,
            )
            .order_by(ticket_events.c.id.desc())
            .limit(RECENT_CALLS)
        ).all()
        return [
            self._call_view(
                row.prefix,
                row.sequence,
                row.service,
                row.counter,
                repository.as_utc(row.at),
                row.action == "recall",
                row.version,
            )
            for row in rows
        ]

    def _call_view(
        self,
        prefix: str,
        sequence: int,
        service_code: str,
        counter_number: int,
        at: datetime | None,
        recall: bool,
        version: int | None = None,
    ) -> dict[str, Any]:
        counter = self.settings.counter(counter_number)
        service = self.settings.service(service_code)
        agency = self.settings.agency(counter.agency)
        template = self.settings.announcement.template
        return {
            "number": f"{prefix}{sequence:03d}",
            "service": service.code,
            "service_name": service.name,
            "counter": counter.number,
            "counter_name": counter.name,
            "agency": agency.code,
            "agency_name": agency.name,
            "zone": counter.zone,
            "at": _iso(at),
            "recall": recall,
            "version": version,
            "speech": announcement.build_call_phrase(
                template, prefix, sequence, counter.name, counter.number
            ),
            "text": announcement.display_call_text(
                template, prefix, sequence, counter.name, counter.number
            ),
        }

    def _services(self, conn: Connection, codes: list[str]) -> list[dict[str, Any]]:
        day = self.today()
        waiting = repository.waiting_counts(conn, self.mall, day.isoformat())
        closed = repository.closed_reasons(conn, self.mall)
        issued_today = numbering.issued_counts(conn, self.mall, day)
        result = []
        for code in codes:
            service = self.settings.service(code)
            agency = self.settings.agency(service.agency)
            state = self.availability(conn, code, closed=closed, issued=issued_today)
            issued = issued_today.get(code, 0)
            result.append(
                {
                    "code": service.code,
                    "name": service.name,
                    "name_en": service.name_en,
                    "agency": agency.code,
                    "agency_name": agency.name,
                    "agency_name_en": agency.name_en,
                    "prefix": service.prefix,
                    "open": state.open,
                    "closed_reason_code": state.reason_code,
                    "closed_reason": state.reason,
                    "waiting": waiting.get(code, 0),
                    "eta_minutes": self._eta(conn, code, waiting.get(code, 0)),
                    "quota_left": (
                        max(0, service.daily_quota - issued) if service.daily_quota else None
                    ),
                }
            )
        return result

    def _eta(self, conn: Connection, service_code: str, ahead: int) -> int | None:
        open_counters = self._open_counters(conn)
        serving = sum(
            1 for c in self.settings.counters_serving(service_code) if c.number in open_counters
        )
        return estimate_wait_minutes(ahead, self._pace(conn, service_code), serving)

    # The estimate's inputs (open counters, recent pace) are asked for by every issue and
    # every status page, and move by the minute: each is kept for a few seconds. A change
    # committed by this process forgets them at once; another process's within seconds.
    def _open_counters(self, conn: Connection) -> frozenset[int]:
        cached = self._open_counters_cache
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        numbers = frozenset(repository.open_counters(conn, self.mall))
        self._open_counters_cache = (time.monotonic() + ESTIMATE_INPUTS_SECONDS, numbers)
        return numbers

    def _pace(self, conn: Connection, service_code: str) -> float:
        """Minutes per visitor: the median of today's recent services, else the default."""
        day = self.today().isoformat()
        cached = self._paces.get(service_code)
        if cached is not None and cached[0] == day and cached[1] > time.monotonic():
            return cached[2]
        recent = repository.recent_service_minutes(conn, self.mall, day, service_code)
        if len(recent) >= 3:
            pace = statistics.median(recent)
        else:
            pace = self.settings.service(service_code).default_service_minutes
        # One entry per service (the day inside it), so the cache never outgrows the mall.
        self._paces[service_code] = (day, time.monotonic() + ESTIMATE_INPUTS_SECONDS, pace)
        return pace

    def _forget_estimate_inputs(self, change: _Change) -> None:
        if change.counters_changed:
            self._open_counters_cache = None
        for ticket, action, _, _, _ in change.ticket_actions:
            if action == "finish":
                self._paces.pop(ticket.service, None)

    def _version(self, conn: Connection) -> int:
        return repository.version(conn, self.mall)

    # ------------------------------------------------------------------ views
    def status_url(self, ticket_id: str) -> str:
        return f"{self.settings.mall.public_base_url.rstrip('/')}/t/{ticket_id}"

    def _public_view(
        self,
        conn: Connection,
        ticket: Ticket,
        *,
        with_position: bool = False,
        action: str | None = None,
    ) -> dict[str, Any]:
        service = self.settings.service(ticket.service)
        agency = self.settings.agency(service.agency)
        view: dict[str, Any] = {
            "number": ticket.number,
            "service": service.code,
            "service_name": service.name,
            "service_name_en": service.name_en,
            "agency": agency.code,
            "agency_name": agency.name,
            "agency_name_en": agency.name_en,
            "status": ticket.status.value,
            "priority": ticket.priority is not None,
            "counter": ticket.counter,
            "counter_name": self.settings.counter(ticket.counter).name if ticket.counter else None,
            "issued_at": _iso(ticket.issued_at),
            "called_at": _iso(ticket.called_at),
            "transferred": bool(ticket.transfers),
        }
        if action in ("call", "recall") and ticket.counter:
            view["announcement"] = self._call_view(
                ticket.prefix,
                ticket.sequence,
                ticket.service,
                ticket.counter,
                ticket.called_at,
                action == "recall",
            )
        if with_position:
            ahead = repository.people_ahead(conn, self.mall, ticket)
            view["id"] = ticket.id
            view["ahead"] = ahead
            view["eta_minutes"] = (
                self._eta(conn, ticket.service, ahead)
                if ticket.status == TicketStatus.WAITING
                else None
            )
            view["status_url"] = self.status_url(ticket.id)
        return view

    def _officer_view(self, conn: Connection, ticket: Ticket) -> dict[str, Any]:
        view = self._public_view(conn, ticket, with_position=True)
        view["priority_level"] = ticket.priority.value if ticket.priority else None
        view["arrived_at"] = _iso(ticket.arrived_at)
        view["started_at"] = _iso(ticket.started_at)
        view["finished_at"] = _iso(ticket.finished_at)
        view["call_count"] = ticket.call_count
        view["transfers"] = list(ticket.transfers)
        view["waiting_minutes"] = _minutes_between(ticket.arrived_at, self.now())
        view["allowed_actions"] = allowed_actions(ticket.status)
        return view

    def _counter_view(self, conn: Connection, number: int) -> dict[str, Any]:
        counter = self.settings.counter(number)
        row = self._counter_row(conn, number)
        current = repository.active_ticket_at(conn, self.mall, number)
        return {
            "number": counter.number,
            "name": counter.name,
            "zone": counter.zone,
            "agency": counter.agency,
            "agency_name": self.settings.agency(counter.agency).name,
            "services": list(counter.services),
            "status": row.status,
            "reason": row.reason,
            "current": (
                {
                    "number": current.number,
                    "status": current.status.value,
                    "service": current.service,
                }
                if current
                else None
            ),
        }


def _last_finished_print_job(
    conn: Connection, mall: str, kiosk: str, before_id: int | None = None
) -> Any:
    """The kiosk's latest print job that printed or failed (before `before_id`, if given)."""
    query = select(print_jobs.c.status, print_jobs.c.error).where(
        print_jobs.c.mall == mall,
        print_jobs.c.kiosk == kiosk,
        print_jobs.c.status != "pending",
    )
    if before_id is not None:
        query = query.where(print_jobs.c.id < before_id)
    return conn.execute(query.order_by(print_jobs.c.id.desc()).limit(1)).first()


def _at_counter(ticket: Ticket, counter: int | None) -> Ticket:
    """A copy of `ticket` that still names the counter it just left (for the event row)."""
    from dataclasses import replace

    return replace(ticket, counter=counter, transfers=list(ticket.transfers))


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment else None


def _minutes_between(start: datetime | None, end: datetime) -> int:
    if start is None:
        return 0
    return max(0, int((end - start) / timedelta(minutes=1)))
