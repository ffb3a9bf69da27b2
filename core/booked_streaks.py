"""How many booked visitors a counter called in a row among its non-priority calls: read
from its call events, not stored.

The call order (core/queueing.py) needs it to let a walk-in through after `booking_ratio`
booked calls. Reading it from `ticket_events` (the counter's latest non-priority calls
today, newest first, until the first walk-in) needs no column of its own, and is asked only
when a booked and a walk-in visitor both wait: otherwise the choice is forced.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, bindparam, func, select

from core.repository import BOOKING, as_utc
from core.store import ticket_events, tickets

_LATEST_CALLS = (
    select(tickets.c.channel, tickets.c.arrived_at, ticket_events.c.at)
    .join(tickets, tickets.c.seq == ticket_events.c.ticket_seq)
    .where(
        ticket_events.c.mall == bindparam("mall"),
        ticket_events.c.counter == bindparam("counter"),
        ticket_events.c.action == "call",
        ticket_events.c.at >= bindparam("since", type_=ticket_events.c.at.type),
        tickets.c.priority.is_(None),
    )
    # Newest first by time, then by id: the order of ix_ticket_events_counter, so the
    # database reads the few latest entries of this counter, not the day's events.
    .order_by(ticket_events.c.at.desc(), ticket_events.c.id.desc())
    .limit(bindparam("limit"))
)


def booked_streak(
    conn: Connection, mall: str, counter: int, day_start: datetime, ratio: int
) -> int:
    """The counter's booked calls in a row since `day_start`, counted up to `ratio` (all the
    rule needs to know)."""
    params = {"mall": mall, "counter": counter, "since": day_start, "limit": ratio}
    streak = 0
    for channel, arrived_at, at in conn.execute(_LATEST_CALLS, params):
        if channel != BOOKING or as_utc(arrived_at) > as_utc(at):  # type: ignore[operator]
            break
        streak += 1
    return streak


_BOOKED_TICKETS = select(func.count()).where(
    tickets.c.mall == bindparam("mall"),
    tickets.c.day == bindparam("day"),
    tickets.c.origin_service == bindparam("service"),
    tickets.c.channel.in_([BOOKING, "late_booking"]),
)


def booked_ticket_count(conn: Connection, mall: str, service: str, day: str) -> int:
    """Tickets of the day the service issued to checked-in bookings: they took numbers from
    the same series, but not from the walk-in `daily_quota` (bookings have their own)."""
    params = {"mall": mall, "service": service, "day": day}
    return int(conn.execute(_BOOKED_TICKETS, params).scalar_one())
