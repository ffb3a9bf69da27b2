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
from core.queueing import people_ahead_in_call_order
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


def people_ahead(ctx: MallContext, conn: Connection, ticket: Ticket) -> int:
    """Tickets the call order puts before `ticket` (0 for a ticket that no longer waits)."""
    if ticket.status != TicketStatus.WAITING:
        return 0
    normal, priority = repository.waiting_split(conn, ctx.mall, ticket.day, ticket.service)
    is_priority = ticket.priority is not None
    other = normal if is_priority else priority
    return people_ahead_in_call_order(
        is_priority,
        repository.ahead_in_group(conn, ctx.mall, ticket),
        other,
        service_streak(ctx, conn, ticket.service) if other else 0,
        ctx.settings.calling.priority_ratio,
    )


def people_ahead_of_new(
    ctx: MallContext, conn: Connection, issued: Iterable[Ticket]
) -> dict[str, tuple[int, int]]:
    """For tickets just inserted together (in issue order): each one's people ahead at the
    moment it joined, and how many then waited for its service (itself included). Read
    with one count per service for the whole batch."""
    batch = list(issued)
    ratio = ctx.settings.calling.priority_ratio
    running: dict[str, list[int]] = {}  # service: [normal, priority] waiting before the batch
    streaks: dict[str, int] = {}  # read only where both groups wait: else it changes nothing
    for ticket in batch:
        if ticket.service not in running:
            normal, priority = repository.waiting_split(conn, ctx.mall, ticket.day, ticket.service)
            running[ticket.service] = [normal, priority]
    for ticket in batch:  # the batch's own tickets were counted: take them off
        running[ticket.service][ticket.priority is not None] -= 1
    result = {}
    for ticket in batch:
        counts = running[ticket.service]
        is_priority = ticket.priority is not None
        other = counts[not is_priority]
        if other and ticket.service not in streaks:
            streaks[ticket.service] = service_streak(ctx, conn, ticket.service)
        ahead = people_ahead_in_call_order(
            is_priority, counts[is_priority], other, streaks.get(ticket.service, 0), ratio
        )
        counts[is_priority] += 1
        result[ticket.id] = (ahead, counts[0] + counts[1])
    return result
