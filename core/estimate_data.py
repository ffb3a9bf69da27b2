"""What the wait estimate reads from the database: today's waiting visitors in call-order
terms, each counter's state and current visitor, and recent counter times per service.

Kept apart from `core/repository.py` (the ticket lifecycle's own reads): these are read-only
queries that only the estimate needs."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, and_, bindparam, case, func, select

from core.prepared import Prepared, PreparedPerCount, any_of, one_of
from core.repository import BOOKING, as_utc
from core.store import counter_state, ticket_events, tickets
from core.store_bookings import bookings

RECENT_DAYS = 7
SAMPLE_LIMIT = 200


class WaitingRow(NamedTuple):
    id: str
    service: str
    priority: bool
    arrived_at: datetime
    seq: int
    sequence: int  # the number within its service's series (of the service it was issued for)
    booked: bool = False  # a checked-in booking: `arrived_at` is its slot's start


class CounterRow(NamedTuple):
    number: int
    status: str
    streak: int
    busy_since: datetime | None  # when its current visitor was called
    busy_service: str | None
    status_since: datetime | None = None  # when an officer last set its status


# Written once and run on the driver's cursor (core/prepared.py): every ticket issued plays
# its part of the mall, and building these anew for each play was a third of their cost
# (the values still go through the column types). Those with a list of services or counters
# are prepared once for each length of the list.
_MALL, _DAY = bindparam("mall"), bindparam("day")


def _waiting(services: int) -> Any:
    return select(
        tickets.c.id,
        tickets.c.service,
        tickets.c.priority,
        tickets.c.arrived_at,
        tickets.c.seq,
        tickets.c.sequence,
        tickets.c.channel,
    ).where(
        tickets.c.mall == _MALL,
        tickets.c.day == _DAY,
        tickets.c.status == "waiting",
        any_of(tickets.c.service, "services", services),
    )


def _at_counters(numbers: int) -> Any:
    return select(tickets.c.counter, tickets.c.called_at, tickets.c.service).where(
        tickets.c.mall == _MALL,
        any_of(tickets.c.counter, "numbers", numbers),
        one_of(tickets.c.status, ("called", "serving", "on_hold")),
    )


def _counter_states(numbers: int) -> Any:
    return (
        select(
            counter_state.c.number,
            counter_state.c.status,
            counter_state.c.priority_streak,
            counter_state.c.updated_at,
        )
        .where(counter_state.c.mall == _MALL, any_of(counter_state.c.number, "numbers", numbers))
        .order_by(counter_state.c.number)
    )


def _issued_today(services: int) -> Any:
    priority_since = and_(
        tickets.c.priority.is_not(None), tickets.c.issued_at >= bindparam("since")
    )
    return (
        select(
            tickets.c.origin_service,
            func.count(),
            func.count(tickets.c.priority),
            func.count(case((priority_since, 1))),
        )
        .where(
            tickets.c.mall == _MALL,
            tickets.c.day == _DAY,
            any_of(tickets.c.origin_service, "services", services),
        )
        .group_by(tickets.c.origin_service)
    )


def _bookings_to_come(services: int) -> Any:
    return select(bookings.c.service, bookings.c.slot).where(
        bookings.c.mall == _MALL,
        bookings.c.day == _DAY,
        any_of(bookings.c.service, "services", services),
        bookings.c.status == "booked",
    )


_WAITING = PreparedPerCount(_waiting, "services")
_AT_COUNTERS = PreparedPerCount(_at_counters, "numbers")
_COUNTER_STATES = PreparedPerCount(_counter_states, "numbers")
_ISSUED_TODAY = PreparedPerCount(_issued_today, "services")
_BOOKINGS_TO_COME = PreparedPerCount(_bookings_to_come, "services")
_COUNTER_TIMES_QUERY = (
    select(tickets.c.id, tickets.c.called_at, tickets.c.finished_at, tickets.c.counter)
    .where(
        tickets.c.mall == _MALL,
        tickets.c.day == _DAY,
        tickets.c.service == bindparam("service"),
        one_of(tickets.c.status, ("done", "no_show")),
        tickets.c.called_at.is_not(None),
        tickets.c.finished_at.is_not(None),
    )
    .order_by(tickets.c.finished_at.desc())
    .limit(SAMPLE_LIMIT)
)
_COUNTER_TIMES = Prepared(_COUNTER_TIMES_QUERY)
_COUNTER_TIMES_SINCE = Prepared(
    _COUNTER_TIMES_QUERY.where(tickets.c.finished_at >= bindparam("since"))
)


def waiting(conn: Connection, mall: str, day: str, services: Iterable[str]) -> list[WaitingRow]:
    """Today's waiting visitors of `services` (one part of the mall's queues is played at a
    time, and the rest can be many thousands of rows)."""
    params = {"mall": mall, "day": day, "services": sorted(services)}
    rows = _WAITING.rows(conn, params)
    return [
        WaitingRow(id_, service, priority is not None, as_utc(at), seq, sequence, ch == BOOKING)  # type: ignore[arg-type]
        for id_, service, priority, at, seq, sequence, ch in rows
    ]


def counters(conn: Connection, mall: str, numbers: Iterable[int]) -> list[CounterRow]:
    """The counters `numbers`, each with the visitor it calls or serves now, if any. Asked
    by number: "any counter" would read the index of every visitor ever served."""
    params = {"mall": mall, "numbers": sorted(numbers)}
    active = {
        counter: (as_utc(called_at), service)
        for counter, called_at, service in _AT_COUNTERS.rows(conn, params)
    }
    return [
        CounterRow(
            number, status, int(streak), *active.get(number, (None, None)), as_utc(updated_at)
        )
        for number, status, streak, updated_at in _COUNTER_STATES.rows(conn, params)
    ]


def counter_minutes_by_day(
    conn: Connection, mall: str, first: date, last: date, service: str
) -> list[list[float]]:
    """How long the visitors of `service` from day `first` to `last` held a counter (call to
    finish, no-shows included: a no-show takes counter time too), one list per day: their
    mean, and how much one day's differs from another's (`core/pace.py`)."""
    rows = conn.execute(
        select(tickets.c.day, tickets.c.called_at, tickets.c.finished_at).where(
            tickets.c.mall == mall,
            tickets.c.day >= first.isoformat(),
            tickets.c.day <= last.isoformat(),
            tickets.c.service == service,
            tickets.c.status.in_(("done", "no_show")),
            tickets.c.called_at.is_not(None),
            tickets.c.finished_at.is_not(None),
        )
    )
    days: dict[str, list[float]] = {}
    for day, called_at, finished_at in rows:
        minutes = (as_utc(finished_at) - as_utc(called_at)).total_seconds() / 60  # type: ignore[operator]
        days.setdefault(day, []).append(max(0.0, minutes))
    return [days[day] for day in sorted(days)]


def counter_times(
    conn: Connection, mall: str, day: date, service: str, since: datetime | None
) -> list[tuple[str, datetime, tuple[float, int | None]]]:
    """Today's visits of `service` that ended at a counter (finished or no-show) at or after
    `since` (None: the latest `SAMPLE_LIMIT`), as (ticket id, finished at, (minutes from call
    to finish, counter)), newest first."""
    params = {"mall": mall, "day": day.isoformat(), "service": service, "since": since}
    found = []
    statement = _COUNTER_TIMES if since is None else _COUNTER_TIMES_SINCE
    for id_, called_at, finished_at, counter in statement.rows(conn, params):
        finished = as_utc(finished_at)
        minutes = max(0.0, (finished - as_utc(called_at)).total_seconds() / 60)  # type: ignore[operator]
        found.append((id_, finished, (minutes, counter)))
    return found  # type: ignore[return-value]


def bookings_to_come(
    conn: Connection, mall: str, day: str, services: Iterable[str]
) -> list[tuple[str, str]]:
    """Today's bookings of `services` not checked in yet, as (service, slot "HH:MM"): they
    will be called ahead of the walk-ins from their slot's start."""
    params = {"mall": mall, "day": day, "services": sorted(services)}
    return [(service, slot) for service, slot in _BOOKINGS_TO_COME.rows(conn, params)]


def visits_ended(
    conn: Connection, mall: str, since: datetime, services: Iterable[str]
) -> tuple[dict[str, int], dict[tuple[str, str], int]]:
    """Since `since` (today's start), visits of `services` that ended at a counter: per
    service, all of them (finished or sent on), and per (service, target) those sent on to
    another service (a transfer). Their ratio says how many of the visitors still waiting
    will join another queue after their turn."""
    rows = conn.execute(
        select(
            ticket_events.c.action,
            ticket_events.c.service,
            ticket_events.c.to_service,
            func.count(),
        )
        .where(
            ticket_events.c.mall == mall,
            ticket_events.c.at >= since,
            ticket_events.c.action.in_(("finish", "transfer")),
            ticket_events.c.service.in_(sorted(services)),
        )
        .group_by(ticket_events.c.action, ticket_events.c.service, ticket_events.c.to_service)
    )
    ended: dict[str, int] = {}
    moved: dict[tuple[str, str], int] = {}
    for action, service, target, n in rows:
        ended[service] = ended.get(service, 0) + int(n)
        if action == "transfer" and target:
            moved[(service, target)] = moved.get((service, target), 0) + int(n)
    return ended, moved


def issued(
    conn: Connection, mall: str, first: date, last: date, service: str
) -> list[tuple[str, datetime, bool]]:
    """Tickets `service` issued (as the service taken at the kiosk) from day `first` to
    `last`: (day, issued at, priority). Recent days' give the shape of a day's arrivals."""
    rows = conn.execute(
        select(tickets.c.day, tickets.c.issued_at, tickets.c.priority).where(
            tickets.c.mall == mall,
            tickets.c.day >= first.isoformat(),
            tickets.c.day <= last.isoformat(),
            tickets.c.origin_service == service,
        )
    )
    return [(r.day, as_utc(r.issued_at), r.priority is not None) for r in rows]  # type: ignore[misc]


def issued_today(
    conn: Connection, mall: str, day: str, services: Iterable[str], since: datetime
) -> dict[str, tuple[int, int, int]]:
    """Per service of `services` (as taken at the kiosk), tickets issued today so far: all
    of them, the priority ones, and the priority ones since `since` (their rate tells how
    many will still come before a normal visitor's turn). Services with none are absent.
    One read for a play's group of services."""
    params = {"mall": mall, "day": day, "services": sorted(services), "since": since}
    return {
        service: (int(n), int(p), int(recent))
        for service, n, p, recent in _ISSUED_TODAY.rows(conn, params)
    }


def transfer_pairs(conn: Connection, mall: str, since: datetime) -> set[tuple[str, str]]:
    """(service, target) of every transfer since `since` (today's start)."""
    rows = conn.execute(
        select(ticket_events.c.service, ticket_events.c.to_service)
        .where(
            ticket_events.c.mall == mall,
            ticket_events.c.at >= since,
            ticket_events.c.action == "transfer",
        )
        .distinct()
    )
    return {(r.service, r.to_service) for r in rows if r.to_service}
