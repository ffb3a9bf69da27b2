"""A counter calls the next visitor, or one chosen waiting ticket.

The story: lock the counter's row (two terminals of one counter call one after the other),
make sure it is open and free, take the heads of its services' queues, let the call-order
rule choose (core/queueing.py: priority first, never starving the others), remember the
counter's priority streak and call the ticket.

On PostgreSQL the queue heads are read `FOR UPDATE SKIP LOCKED`, so racing counters each get
a different visitor; when every waiting visitor is locked by other counters' calls, call-next
waits until those calls commit or roll back instead of answering "nobody waits".
"""

from __future__ import annotations

import time
from typing import Any

from core import booked_streaks as streaks
from core import repository
from core.config import Counter
from core.context import Actor, MallContext
from core.numbering import local_day_start
from core.queueing import choose_next, next_streak
from core.tickets import IllegalTransition, Ticket, TicketStatus
from core.usecases.counters import ensure_can_call
from core.usecases.ticket_actions import apply
from core.usecases.unit import Change, changing, counter_for, refuse
from core.views.counters import counter_view_of

LOCKED_HEADS_RETRY_SECONDS = 0.01
LOCKED_HEADS_PATIENCE_SECONDS = 2.0


def call_next(ctx: MallContext, counter_number: int, actor: Actor) -> dict[str, Any] | None:
    """The next visitor for the counter, or None when nobody waits for its services."""
    counter = counter_for(ctx, actor, counter_number, "call_next")
    deadline = time.monotonic() + LOCKED_HEADS_PATIENCE_SECONDS
    while True:
        called = _call_next_once(ctx, counter, actor)
        if called is not None or ctx.uow.is_sqlite or time.monotonic() > deadline:
            return called
        # PostgreSQL skips the rows other counters have locked (SKIP LOCKED). If visitors
        # still wait, they are all being called elsewhere right now: once those calls
        # commit (or roll back, leaving them waiting) the answer is certain.
        if not _anyone_waiting(ctx, counter.services):
            return None
        time.sleep(LOCKED_HEADS_RETRY_SECONDS)


def call_ticket(
    ctx: MallContext, ticket_id: str, counter_number: int, actor: Actor
) -> dict[str, Any]:
    """An officer calls one chosen ticket: a waiting one out of turn, or today's no-show
    who turned up after all."""
    counter = counter_for(ctx, actor, counter_number, "call_ticket")
    with changing(ctx) as change:
        conn = change.conn
        state = repository.existing_counter_row(conn, ctx.mall, counter.number, for_update=True)
        ticket = repository.load_ticket(conn, ctx.mall, ticket_id, for_update=True)
        if ticket.service not in counter.services and not actor.is_admin:
            raise refuse(
                ctx,
                actor,
                "call_ticket",
                f"{counter.name} tidak melayani {ticket.service}; nomor {ticket.number} "
                f"termasuk antrean loket lain. / {counter.name} does not serve {ticket.service}; "
                f"ticket {ticket.number} belongs to another counter's queue.",
                change,
            )
        if ticket.status == TicketStatus.NO_SHOW and ticket.day != ctx.today().isoformat():
            raise IllegalTransition(
                f"Nomor {ticket.number} tidak hadir pada {ticket.day}; hanya yang tidak hadir "
                "hari ini yang dapat dipanggil kembali. / "
                f"Ticket {ticket.number} was a no-show on {ticket.day}; only today's no-shows "
                "can be called back."
            )
        ensure_can_call(ctx, conn, counter.number, state)
        return _called(ctx, change, ticket, actor, counter.number, state)


def _called(
    ctx: MallContext, change: Change, ticket: Ticket, actor: Actor, number: int, state: Any
) -> dict[str, Any]:
    """Call `ticket` to the counter whose row (`state`) this change holds locked: the
    counter's view for the event is known, not read again."""
    view = apply(ctx, change, ticket, "call", actor, counter=number)
    change.counter_views[number] = counter_view_of(ctx, number, state, ticket)
    return view


def _call_next_once(ctx: MallContext, counter: Counter, actor: Actor) -> dict[str, Any] | None:
    with changing(ctx) as change:
        conn = change.conn
        state = repository.existing_counter_row(conn, ctx.mall, counter.number, for_update=True)
        ensure_can_call(ctx, conn, counter.number, state)
        now = ctx.now()
        day = ctx.today().isoformat()
        read_whole: dict[str, Any] = {}
        heads = repository.queue_heads(
            conn,
            ctx.mall,
            day,
            counter.services,
            now,
            skip_locked=not ctx.uow.is_sqlite,
            whole=read_whole,
        )
        calling_rules = ctx.settings.calling
        booked_streak = 0
        if heads["booked"] is not None and heads["normal"] is not None:
            since = local_day_start(day, ctx.settings.mall.tz)
            booked_streak = streaks.booked_streak(
                conn, ctx.mall, counter.number, since, calling_rules.booking_ratio
            )
        chosen = choose_next(
            heads["priority"],
            heads["normal"],
            state.priority_streak,
            calling_rules.priority_ratio,
            oldest_booked=heads["booked"],
            booked_streak=booked_streak,
            booking_ratio=calling_rules.booking_ratio,
        )
        if chosen is None:
            return None
        if chosen.ticket_id in read_whole:  # read whole and locked with the heads
            ticket = repository.ticket_from_row(read_whole[chosen.ticket_id])
        else:
            ticket = repository.load_ticket(conn, ctx.mall, chosen.ticket_id, for_update=True)
        streak = next_streak(state.priority_streak, chosen)
        if streak != state.priority_streak:
            repository.set_priority_streak(conn, ctx.mall, counter.number, streak)
        return _called(ctx, change, ticket, actor, counter.number, state)


def _anyone_waiting(ctx: MallContext, services: tuple[str, ...]) -> bool:
    with ctx.uow.reading() as conn:
        day = ctx.today().isoformat()
        return any(repository.waiting_count(conn, ctx.mall, day, s) for s in services)
