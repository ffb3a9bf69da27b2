"""Where a waiting ticket stands in the real call order: the "people ahead" every surface
shows (kiosk, printed ticket, phone page, counter) and the estimate is computed from.

Counting the tickets that merely arrived earlier was wrong for priority visitors (told "2
ahead" and then called next) and for everyone behind them. The call order is the rule of
`core/queueing.py`: priority tickets first, but at most `priority_ratio` of them in a row
while a normal visitor waits, oldest arrival first within each group; transferred tickets
keep their arrival time and held tickets do not wait. How far a counter is into its
priority streak matters too: of the open counters serving the service, the one furthest
from a forced normal call is taken (the smallest streak).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from sqlalchemy import Connection

from core import repository
from core.booked_streaks import booked_streak
from core.numbering import local_day_start
from core.queueing import people_ahead_of
from core.tickets import Ticket, TicketStatus

if TYPE_CHECKING:
    from core.context import MallContext


def service_streak(ctx: MallContext, conn: Connection, service: str) -> int:
    """The priority streak that decides the service's next call."""
    states = repository.counter_streaks(conn, ctx.mall)
    serving = [
        states[c.number] for c in ctx.settings.counters_serving(service) if c.number in states
    ]
    open_streaks = [streak for status, streak in serving if status == "open"]
    return min(open_streaks or [streak for _, streak in serving], default=0)


def service_booked_streak(ctx: MallContext, conn: Connection, service: str, day: str) -> int:
    """The booked streak that decides the service's next non-priority call: the smallest of
    its open counters' (the one that will call a booked visitor soonest)."""
    states = repository.counter_streaks(conn, ctx.mall)
    since = local_day_start(day, ctx.settings.mall.tz)
    ratio = ctx.settings.calling.booking_ratio
    numbers = [c.number for c in ctx.settings.counters_serving(service) if c.number in states]
    open_numbers = [n for n in numbers if states[n][0] == "open"] or numbers
    return min((booked_streak(conn, ctx.mall, n, since, ratio) for n in open_numbers), default=0)


def _ahead(
    ctx: MallContext,
    conn: Connection,
    service: str,
    day: str,
    kind: str,
    same_class_ahead: int,
    waiting: dict[str, int],
) -> int:
    """Place in the call order from the counts, reading the streaks only where they matter."""
    non_priority = waiting["booked"] + waiting["normal"]
    priority_streak = 0
    if waiting["priority"] and non_priority:
        priority_streak = service_streak(ctx, conn, service)
    streak = 0
    if waiting["booked"] and waiting["normal"]:
        streak = service_booked_streak(ctx, conn, service, day)
    rules = ctx.settings.calling
    return people_ahead_of(
        kind,
        same_class_ahead,
        waiting,
        (priority_streak, streak),
        (rules.priority_ratio, rules.booking_ratio),
    )


def people_ahead(ctx: MallContext, conn: Connection, ticket: Ticket) -> int:
    """Tickets the call order puts before `ticket` (0 for a ticket that no longer waits)."""
    if ticket.status != TicketStatus.WAITING:
        return 0
    now = ctx.now()
    waiting = repository.waiting_by_class(conn, ctx.mall, ticket.day, ticket.service, now)
    return _ahead(
        ctx,
        conn,
        ticket.service,
        ticket.day,
        repository.class_of(ticket, now),
        repository.ahead_in_class(conn, ctx.mall, ticket, now),
        waiting,
    )


def people_ahead_of_new(
    ctx: MallContext, conn: Connection, issued: Iterable[Ticket]
) -> dict[str, tuple[int, int]]:
    """For tickets just inserted together (in issue order): each one's people ahead at the
    moment it joined, and how many then waited for its service (itself included). Read
    with one count per service for the whole batch. A new walk-in joins the end of its
    class; a checked-in booking's place is read (its arrival is its slot's start)."""
    batch = list(issued)
    now = ctx.now()
    running: dict[str, dict[str, int]] = {}  # service: waiting by class before the batch
    for ticket in batch:
        if ticket.service not in running:
            running[ticket.service] = repository.waiting_by_class(
                conn, ctx.mall, ticket.day, ticket.service, now
            )
    for ticket in batch:  # the batch's own tickets were counted: take them off
        running[ticket.service][repository.class_of(ticket, now)] -= 1
    result = {}
    for ticket in batch:
        counts = running[ticket.service]
        kind = repository.class_of(ticket, now)
        if ticket.channel == repository.BOOKING:
            same = repository.ahead_in_class(conn, ctx.mall, ticket, now)
        else:
            same = counts[kind]
        counts[kind] += 1
        ahead = _ahead(ctx, conn, ticket.service, ticket.day, kind, same, counts)
        result[ticket.id] = (ahead, sum(counts.values()))
    return result
