"""A counter as the hall sees it, and everything an officer's terminal shows."""

from __future__ import annotations

import statistics
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, and_, distinct, func, not_, or_, select

from core import repository
from core.booked_streaks import booked_streak
from core.channels import channel_badge
from core.context import iso, minutes_between
from core.counter_hours import day_closes_at
from core.numbering import local_day_start
from core.queueing import call_order
from core.repository import BOOKING
from core.store import ticket_events, tickets
from core.tickets import Ticket, TicketStatus, format_number, wait_starts_at
from core.views.tickets import officer_view

if TYPE_CHECKING:
    from core.context import MallContext

RECENT_NO_SHOWS = 10
# The terminal warns this long before the day closes (core/usecases/closing.py).
DAY_CLOSE_WARNING = timedelta(minutes=30)
WAITING_SHOWN = 100  # of the waiting list, in call order; `waiting_total` counts them all


def counter_view(ctx: MallContext, conn: Connection, number: int) -> dict[str, Any]:
    row = repository.existing_counter_row(conn, ctx.mall, number)
    current = repository.active_ticket_at(conn, ctx.mall, number)
    return counter_view_of(ctx, number, row, current)


def counter_view_of(
    ctx: MallContext, number: int, row: Any, current: Ticket | None
) -> dict[str, Any]:
    """The counter's view from its state row (`status`, `reason`) and its current ticket,
    for a use case that holds both already."""
    counter = ctx.settings.counter(number)
    return {
        "number": counter.number,
        "name": counter.name,
        "zone": counter.zone,
        "agency": counter.agency,
        "agency_name": ctx.settings.agency(counter.agency).name,
        "services": list(counter.services),
        "status": row.status,
        "reason": row.reason,
        "current": (
            {
                "number": current.number,
                "status": current.status.value,
                "service": current.service,
                "channel_badge": channel_badge(current.channel),
            }
            if current
            else None
        ),
    }


def counter_state(ctx: MallContext, number: int) -> dict[str, Any]:
    """Everything an officer's terminal shows: current ticket, held tickets, the waiting
    list in the order this counter will call it, today's no-shows it may call back, the
    counter's own figures. The caller has checked the officer may see it."""
    counter = ctx.settings.counter(number)
    day = ctx.today().isoformat()
    with ctx.uow.reading() as conn:
        current = repository.active_ticket_at(conn, ctx.mall, number)
        held = _tickets_at_counter(ctx, conn, number, day, TicketStatus.ON_HOLD)
        no_shows = _tickets_at_counter(ctx, conn, number, day, TicketStatus.NO_SHOW)[::-1]
        state = repository.existing_counter_row(conn, ctx.mall, number)
        return {
            "counter": counter_view(ctx, conn, number),
            "current": officer_view(ctx, conn, current) if current else None,
            "on_hold": [officer_view(ctx, conn, t) for t in held],
            "no_shows": [officer_view(ctx, conn, t) for t in no_shows[:RECENT_NO_SHOWS]],
            "waiting": _waiting_in_call_order(ctx, conn, counter.services, day, state),
            "waiting_total": sum(
                repository.waiting_count(conn, ctx.mall, day, code) for code in counter.services
            ),
            "figures": counter_figures(ctx, conn, number, day),
            "services": [
                {"code": s.code, "name": s.name, "name_en": s.name_en, "agency": s.agency}
                for s in ctx.settings.services
            ],
            "day_close": day_close(ctx),
            "version": repository.version(conn, ctx.mall),
        }


def day_close(ctx: MallContext) -> dict[str, Any]:
    """When today closes (`at`, and `local_time` on the mall's clock) and from when the
    terminal warns of it (`warn_from`): visitors not called by then end unserved."""
    closes = day_closes_at(ctx.settings, ctx.today(), ctx.promised_close)
    return {
        "at": iso(closes),
        "warn_from": iso(closes - DAY_CLOSE_WARNING),
        "local_time": closes.strftime("%H:%M"),
    }


def _tickets_at_counter(
    ctx: MallContext, conn: Connection, number: int, day: str, status: TicketStatus
) -> list[Ticket]:
    rows = conn.execute(
        select(tickets)
        .where(
            tickets.c.mall == ctx.mall,
            tickets.c.day == day,
            tickets.c.counter == number,
            tickets.c.status == status.value,
        )
        .order_by(tickets.c.seq)
    ).all()
    return [repository.ticket_from_row(row) for row in rows]


def _waiting_in_call_order(
    ctx: MallContext, conn: Connection, services: tuple[str, ...], day: str, state: Any
) -> list[dict[str, Any]]:
    """The counter's waiting visitors in the order it will call them (its own priority
    streak included), each with its place and why it stands there."""
    now = ctx.now()
    waiting_here = (
        tickets.c.mall == ctx.mall,
        tickets.c.day == day,
        tickets.c.service.in_(services),
        tickets.c.status == TicketStatus.WAITING.value,
    )
    begun = and_(tickets.c.channel == BOOKING, tickets.c.arrived_at <= now)
    # The first WAITING_SHOWN of each class are enough for the first WAITING_SHOWN of the
    # call order; a long queue is not read whole (the page refetches on every new ticket).
    rows = [
        row
        for only in (
            (tickets.c.priority.is_not(None),),
            (tickets.c.priority.is_(None), begun),
            (tickets.c.priority.is_(None), not_(begun)),
        )
        for row in conn.execute(
            select(tickets)
            .where(*waiting_here, *only)
            .order_by(tickets.c.arrived_at, tickets.c.seq)
            .limit(WAITING_SHOWN)
        )
    ]

    def booked(row: Any) -> bool:
        return row.channel == BOOKING and repository.as_utc(row.arrived_at) <= now

    rules = ctx.settings.calling
    order = call_order(
        [r for r in rows if r.priority],
        [r for r in rows if not r.priority and not booked(r)],
        state.priority_streak,
        rules.priority_ratio,
        booked=[r for r in rows if not r.priority and booked(r)],
        booked_streak=booked_streak(
            conn,
            ctx.mall,
            state.number,
            local_day_start(day, ctx.settings.mall.tz),
            rules.booking_ratio,
        ),
        booking_ratio=rules.booking_ratio,
    )
    return [
        {
            "id": row.id,
            "number": format_number(row.prefix, row.sequence),
            "service": row.service,
            "priority": row.priority,
            "position": place,
            # Why it stands where it does: priority visitors go first (within the fairness
            # ratio); a transferred visitor keeps the arrival time of their first ticket.
            "reason": "priority"
            if row.priority
            else "booking"
            if booked(row)
            else ("transferred" if row.transfers else None),
            "channel": row.channel,
            "slot": (
                f"{repository.as_utc(row.arrived_at).astimezone(ctx.settings.mall.tz):%H:%M}"
                if row.channel == BOOKING
                else None
            ),
            # As the reports count it: a booking's from its check-in or its slot, the later.
            "waiting_minutes": minutes_between(
                wait_starts_at(repository.as_utc(row.issued_at), repository.as_utc(row.arrived_at)),
                now,
            ),
            "transferred": bool(row.transfers),
            "channel_badge": channel_badge(
                row.channel,
                f"{repository.as_utc(row.arrived_at).astimezone(ctx.settings.mall.tz):%H:%M}"
                if row.channel == BOOKING
                else None,
            ),
            # The same estimate the visitor's phone shows, so the officer sees what was said.
            **ctx.estimator.for_waiting(conn, row.service, row.id).fields(),
        }
        for place, row in enumerate(order[:WAITING_SHOWN], start=1)
    ]


def counter_figures(ctx: MallContext, conn: Connection, number: int, day: str) -> dict[str, Any]:
    """The counter's day so far: served, no-shows, mean service time. A visitor counts once,
    as what they are now: one marked a no-show here and called back later (here or at
    another counter) is no longer a no-show, and one marked twice is one visitor."""
    rows = conn.execute(
        select(ticket_events.c.action, func.count(distinct(ticket_events.c.ticket_seq)))
        .join(tickets, tickets.c.seq == ticket_events.c.ticket_seq)
        .where(
            ticket_events.c.mall == ctx.mall,
            ticket_events.c.counter == number,
            # Today's events only (a visit ends on its day), from the counter's index: not
            # every event the counter ever had.
            ticket_events.c.at >= local_day_start(day, ctx.settings.mall.tz),
            tickets.c.day == day,
            or_(
                ticket_events.c.action == "finish",
                and_(
                    ticket_events.c.action == "no_show",
                    tickets.c.status == TicketStatus.NO_SHOW.value,
                ),
            ),
        )
        .group_by(ticket_events.c.action)
    )
    counts = dict(rows.all())
    durations = conn.execute(
        select(tickets.c.started_at, tickets.c.finished_at).where(
            tickets.c.mall == ctx.mall,
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
