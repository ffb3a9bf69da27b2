"""The machinery every use case shares, written once.

`changing(ctx)` opens a write transaction and hands the use case a `Change` to note what it
did. At commit the mall's `version` is bumped once for all of it, each ticket action becomes
an append-only row in `ticket_events`, and one event per fact is published after the commit,
in version order (the publish lock is held from the bump until the events are out). Refusals
found inside the transaction are audited after it rolls back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Connection, insert

from core import idempotency, live_log, repository, version_bump
from core.config import Counter
from core.context import Actor, MallContext, kind_id
from core.events import TICKET_EVENTS, CounterUpdated, Event, PrinterStatusChanged, ServiceUpdated
from core.store import audit_log
from core.tickets import Forbidden, NotFound, Ticket, TicketStatus
from core.views.counters import counter_view
from core.views.services import services
from core.views.tickets import public_view


@dataclass
class Change:
    """What one unit of work did, to be versioned, recorded and published at commit."""

    conn: Connection
    ticket_actions: list[tuple[Ticket, str, TicketStatus | None, str | None, Actor]] = field(
        default_factory=list
    )
    counters_changed: list[int] = field(default_factory=list)
    # (kiosk, ok, message, paper_low: None when the roll's sensor was not read)
    printer_changes: list[tuple[str, bool, str, bool | None]] = field(default_factory=list)
    services_changed: list[str] = field(default_factory=list)
    # Other facts (a new running text): each makes its event from the version it is given.
    other_events: list[Callable[[int], Event]] = field(default_factory=list)
    # Refusals found inside the transaction: audited after it rolls back (on SQLite a second
    # write transaction inside the first would wait for itself).
    refusals: list[tuple[Actor, str, str]] = field(default_factory=list)
    # Public views a use case already built, by ticket id, so the event does not build them again.
    views: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Counters' views a use case built from rows it holds locked, so the event does not read
    # them again.
    counter_views: dict[int, dict[str, Any]] = field(default_factory=dict)
    # Waiting counts a use case read after its last change, so the event does not count again.
    waiting: dict[str, int] = field(default_factory=dict)
    # Waiting counts right after one ticket's action, by ticket id, where several tickets of a
    # service changed in one unit of work (issued together): each event tells its own moment.
    waiting_at: dict[str, dict[str, int]] = field(default_factory=dict)
    # The version of each ticket's event, by ticket id, once recorded.
    versions: dict[str, int] = field(default_factory=dict)
    # The use case's answer, stored on the request's Idempotency-Key in this transaction.
    answer: Any = None
    answer_status: int = 200
    has_answer: bool = False

    def answered(self, view: Any, status: int = 200) -> Any:
        """Note `view` (and its HTTP status) as the answer of this change, and return it."""
        self.answer, self.answer_status, self.has_answer = view, status, True
        return view

    def record_ticket(
        self,
        ticket: Ticket,
        action: str,
        actor: Actor,
        from_status: TicketStatus | None = None,
        from_service: str | None = None,
    ) -> None:
        self.ticket_actions.append((ticket, action, from_status, from_service, actor))

    @property
    def fact_count(self) -> int:
        return (
            len(self.ticket_actions)
            + len(self.counters_changed)
            + len(self.printer_changes)
            + len(self.services_changed)
            + len(self.other_events)
        )


@contextmanager
def changing(ctx: MallContext) -> Iterator[Change]:
    """A unit of work whose facts are versioned, recorded and published at commit."""
    locked = False
    events: list[Event] = []
    change: Change | None = None
    keyed = idempotency.CURRENT.get()
    try:
        with ctx.uow.writing() as conn:
            if keyed is not None and not keyed.claimed:
                first = idempotency.claim_in(conn, keyed.key, keyed.actor, keyed.fingerprint)
                if first.state != "new":
                    raise idempotency.Replayed(first)  # nothing done: the first answer
            change = Change(conn)
            yield change
            if keyed is not None and change.has_answer:
                idempotency.answer_in(
                    conn, keyed.key, keyed.actor, change.answer_status, change.answer
                )
            count = change.fact_count
            if count:

                def hold_publishing() -> None:
                    # From the bump until the events are out: this process publishes in
                    # version order. Not sooner: the views and counts before the bump need
                    # no turn, and racing officers' calls queued for it, each holding its
                    # service's count row (8 officers: 32 ms a call, in-process).
                    nonlocal locked
                    ctx.publish_lock.acquire()
                    locked = True

                events = _record(ctx, change, count, hold_publishing)
        if keyed is not None:  # committed: the claim (and the answer, if any) hold
            keyed.claimed = True
            keyed.answered = keyed.answered or change.has_answer
        ctx.estimator.forget(
            bool(change.counters_changed),
            (
                t.service
                for t, action, _, _, _ in change.ticket_actions
                if action in ("finish", "no_show")
            ),
        )
        for event in events:
            ctx.publisher.publish(event)
    except Forbidden:
        for actor, action, detail in change.refusals if change else []:
            audit(ctx, actor, action, detail)
        raise
    finally:
        if locked:
            ctx.publish_lock.release()


def _configured_counter_view(
    ctx: MallContext, change: Change, number: int
) -> dict[str, Any] | None:
    """The counter's view for an event, or None for a counter removed from config.yaml since
    (its tickets still close at the day's end)."""
    try:
        ctx.settings.counter(number)
    except KeyError:
        return None
    return change.counter_views.get(number) or counter_view(ctx, change.conn, number)


def _record(
    ctx: MallContext, change: Change, count: int, before_bump: Callable[[], None]
) -> list[Event]:
    conn = change.conn
    mall = ctx.mall
    # Everything read first: every statement after the version bump is one more that every
    # other change of the mall waits for, until the commit (core/version_bump.py). The views
    # read only what this transaction holds (its tickets, its counter's row).
    tickets = [
        (
            change.views.get(ticket.id) or public_view(ctx, conn, ticket, action=action),
            _configured_counter_view(ctx, change, ticket.counter) if ticket.counter else None,
        )
        for ticket, action, _, _, _ in change.ticket_actions
    ]
    counters = [
        view
        for view in (_configured_counter_view(ctx, change, n) for n in change.counters_changed)
        if view is not None
    ]
    changed_services = [services(ctx, conn, [code])[0] for code in change.services_changed]
    day = ctx.today().isoformat()
    # Each count as at this change's version: one it moved is on a row it holds; one it only
    # touched is held shared (version_bump.count_held), unless the change holds other count
    # rows: two such changes could each wait for the other's row, so it reads after the bump.
    waiting = dict(change.waiting)
    moved = _moved_counts(change)
    touched = set().union(*(_touched(action) for action in change.ticket_actions)) - set(waiting)
    late = touched - moved if moved else set()
    for service in sorted(touched - late):
        waiting[service] = (
            repository.waiting_count(conn, mall, day, service)
            if service in moved
            else version_bump.count_held(conn, mall, day, service)
        )
    now = ctx.now()

    def as_sent(steps: int) -> tuple[list[Event], list[dict[str, Any]]]:
        """The events, their versions `steps` past the bump's base, and the action rows."""
        events: list[Event] = []
        actions: list[dict[str, Any]] = []
        for fact, (view, at_counter) in zip(change.ticket_actions, tickets, strict=True):
            ticket, action, from_status, from_service, actor = fact
            step = steps + len(events) + 1
            actions.append(
                {
                    "mall": mall,
                    "ticket_seq": ticket.seq,
                    "action": action,
                    "from_status": from_status.value if from_status else None,
                    "to_status": ticket.status.value,
                    "service": from_service or ticket.service,
                    "to_service": ticket.service if from_service else None,
                    "counter": ticket.counter,
                    "officer": actor.name,
                    "at": now,
                    "offset": step - steps,
                }
            )
            told = change.waiting_at.get(ticket.id) or {
                s: waiting.get(s, 0) for s in _touched(fact)
            }
            events.append(
                TICKET_EVENTS[action](
                    mall=mall,
                    version=step,
                    ticket=view,
                    ticket_id=ticket.id,
                    waiting=told,
                    counter=at_counter,
                )
            )
        for view in counters:
            events.append(CounterUpdated(mall, steps + len(events) + 1, counter=view))
        for kiosk, ok, message, paper_low in change.printer_changes:
            at = steps + len(events) + 1
            events.append(
                PrinterStatusChanged(
                    mall, at, kiosk=kiosk, ok=ok, message=message, paper_low=paper_low
                )
            )
        for service in changed_services:
            events.append(ServiceUpdated(mall, steps + len(events) + 1, service=service))
        for make in change.other_events:
            events.append(make(steps + len(events) + 1))
        return events, actions

    def logged(events: list[Event], steps: int) -> list[dict[str, Any]]:
        # The events as sent, in the same transaction: a relay that missed one fills it
        # from here.
        return [
            live_log.row_for(
                mall, e.version, e.name, getattr(e, "ticket_id", None), e.payload(), now
            )
            | {"offset": e.version - steps}
            for e in events
        ]

    before_bump()
    if late:
        old = version_bump.bump(conn, mall, count)
        for service in sorted(late):
            waiting[service] = repository.waiting_count(conn, mall, day, service)
        events, actions = as_sent(old)
        version_bump.write(conn, old, actions, logged(events, old))
    else:
        events, actions = as_sent(0)
        old = version_bump.bump_and_write(conn, mall, count, actions, logged(events, 0), last=True)
        events = [replace(e, version=old + e.version) for e in events]
    for (ticket, *_), event in zip(change.ticket_actions, events, strict=False):
        change.versions[ticket.id] = event.version
    return events


def _touched(action: tuple[Ticket, str, TicketStatus | None, str | None, Actor]) -> set[str]:
    ticket, _, _, from_service, _ = action
    return {ticket.service} | ({from_service} if from_service else set())


def _moved_counts(change: Change) -> set[str]:
    """The services whose waiting count a ticket action of `change` moved: a ticket began or
    ceased to wait there (the moves the count's triggers make, taking its row)."""
    moved: set[str] = set()
    for ticket, _, from_status, from_service, _ in change.ticket_actions:
        was = from_status == TicketStatus.WAITING
        waits = ticket.status == TicketStatus.WAITING
        if was == waits and (from_service in (None, ticket.service) or not waits):
            continue
        if waits:
            moved.add(ticket.service)
        if was:
            moved.add(from_service or ticket.service)
    return moved


# ---------------------------------------------------------------------- refusals and audit
def audit(ctx: MallContext, actor: Actor, action: str, detail: str) -> None:
    with ctx.uow.writing() as conn:
        conn.execute(
            insert(audit_log).values(
                mall=ctx.mall, at=ctx.now(), actor=actor.name, action=action, detail=detail
            )
        )


def refuse(
    ctx: MallContext, actor: Actor, action: str, message: str, change: Change | None = None
) -> Forbidden:
    """A Forbidden to raise, audited: after the rollback when inside `change`, else now."""
    if change is not None:
        change.refusals.append((actor, f"refused:{action}", message))
    else:
        audit(ctx, actor, f"refused:{action}", message)
    return Forbidden(message)


def require_kind(ctx: MallContext, actor: Actor, action: str, *kinds: str) -> None:
    """Only these kinds of actor (and admins) may do `action`."""
    if actor.kind not in kinds and not actor.is_admin:
        raise refuse(
            ctx,
            actor,
            action,
            f"{kind_id(actor.kind).capitalize()} tidak boleh melakukan {action!r}. / "
            f"A {actor.kind} may not {action.replace('_', ' ')}.",
        )


def counter_for(ctx: MallContext, actor: Actor, number: int, action: str) -> Counter:
    """The counter `actor` may act for: an officer only the one they are signed into."""
    try:
        counter = ctx.settings.counter(number)
    except KeyError:
        raise NotFound(f"Tidak ada loket nomor {number}. / No counter number {number}.") from None
    if actor.is_admin:
        return counter
    if actor.kind != "officer":
        raise refuse(
            ctx,
            actor,
            action,
            f"{kind_id(actor.kind).capitalize()} tidak dapat bertindak untuk loket. / "
            f"A {actor.kind} cannot act for a counter.",
        )
    if actor.counter != number:
        raise refuse(
            ctx,
            actor,
            action,
            f"Anda masuk di loket {actor.counter}, bukan loket {number}. / "
            f"You are signed into counter {actor.counter}, not counter {number}.",
        )
    return counter
