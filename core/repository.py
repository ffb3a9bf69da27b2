"""Loading and saving tickets and counters: the only place that maps rows to entities.

The statements of the frequent paths (issuing, calling, the events of every change) are built
once, here, with bind parameters. Building a SQLAlchemy statement and its cache key costs
several times what SQLite spends running it; a prebuilt statement memoizes its cache key, so
each execution only binds values and finds its compiled form in the engine's cache
(bench/RESULTS-server.md has the measurements). The statements every issued ticket runs, and
every change's version bump and event rows, go one step further as `Prepared` statements:
compiled once and run on the driver's cursor (core/prepared.py says what that rules out).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Integer,
    and_,
    bindparam,
    case,
    func,
    insert,
    or_,
    select,
    text,
    update,
)

from core.prepared import Prepared
from core.queue_heads import (  # noqa: F401  (callers find the call order's classes here)
    _NOW,
    BOOKING,
    CLASS_FILTERS,
    CLASS_INDEX,
    CLASSES,
    as_utc,
    class_of,
    queue_heads,
    sqlite_booked,
)
from core.queue_lengths import WAITING_BOOKED, queue_lengths
from core.store import counter_state, mall_state, service_state, ticket_events, tickets
from core.tickets import ACTIVE_AT_COUNTER, NotFound, Priority, Ticket, TicketStatus

TICKET_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
WAITING = TicketStatus.WAITING.value
DONE = TicketStatus.DONE.value

_MALL = bindparam("mall")
_DAY = bindparam("day")

# `core.tickets.wait_starts_at` in SQL, for waits a query aggregates (the dashboard's longest
# wait): the later of a ticket's issue and its arrival (a checked-in booking's slot start).
# A CASE, not max()/GREATEST(): one spelling on SQLite and PostgreSQL.
WAIT_STARTS_AT = case(
    (tickets.c.arrived_at > tickets.c.issued_at, tickets.c.arrived_at),
    else_=tickets.c.issued_at,
)

_TICKET_BY_ID = select(tickets).where(tickets.c.mall == _MALL, tickets.c.id == bindparam("id"))
_LOAD_TICKET = Prepared(_TICKET_BY_ID)
_LOAD_TICKET_FOR_UPDATE = Prepared(_TICKET_BY_ID.with_for_update())
_INSERT_TICKET = Prepared(
    insert(tickets).returning(tickets.c.seq),
    columns=[c.name for c in tickets.c if c.name != "seq"],
)
_SAVE_TICKET = Prepared(
    update(tickets).where(tickets.c.seq == bindparam("ticket_seq")),
    columns=[
        "service",
        "status",
        "counter",
        "called_at",
        "started_at",
        "finished_at",
        "call_count",
        "transfers",
    ],
)


_ACTIVE_AT_COUNTER = Prepared(
    select(tickets)
    .where(
        tickets.c.mall == _MALL,
        tickets.c.counter == bindparam("counter"),
        # Not `in_`: its list is expanded per call, which a prepared statement cannot do.
        or_(*(tickets.c.status == s.value for s in sorted(ACTIVE_AT_COUNTER))),
    )
    .order_by(tickets.c.called_at.desc())
    .limit(1)
)
_WAITING_COUNTS = Prepared(
    select(
        queue_lengths.c.service,
        queue_lengths.c.waiting_normal + queue_lengths.c.waiting_priority,
    ).where(queue_lengths.c.mall == _MALL, queue_lengths.c.day == _DAY)
)
_LENGTH_OF = (queue_lengths.c.mall == _MALL, queue_lengths.c.day == _DAY)
# Sums, so that a service nobody queued for today answers 0 in the one row they return.
_WAITING_COUNT_OF = Prepared(
    select(
        func.coalesce(
            func.sum(queue_lengths.c.waiting_normal + queue_lengths.c.waiting_priority), 0
        )
    ).where(*_LENGTH_OF, queue_lengths.c.service == bindparam("service"))
)
_WAITING_SPLIT_OF = Prepared(
    select(
        func.coalesce(func.sum(queue_lengths.c.waiting_normal), 0),
        func.coalesce(func.sum(queue_lengths.c.waiting_priority), 0),
    ).where(*_LENGTH_OF, queue_lengths.c.service == bindparam("service"))
)
# Booked visitors whose slot began: read from their own partial index (a slot's worth).
_BOOKED_WAITING = Prepared(
    select(func.count()).where(
        tickets.c.mall == _MALL,
        tickets.c.day == _DAY,
        tickets.c.service == bindparam("service"),
        text(WAITING_BOOKED),
        tickets.c.arrived_at <= _NOW,
    ),
    sqlite=sqlite_booked("count(*)").columns(count=Integer),
)


def _ahead_in_class(kind: str) -> Any:
    """Waiting tickets of the same service and class that arrived first."""
    return select(func.count()).where(
        tickets.c.mall == _MALL,
        tickets.c.day == _DAY,
        tickets.c.service == bindparam("service"),
        text(CLASS_INDEX[kind]),  # its class's partial index
        *CLASS_FILTERS[kind],
        or_(
            tickets.c.arrived_at < bindparam("arrived_at", type_=tickets.c.arrived_at.type),
            and_(
                tickets.c.arrived_at == bindparam("same_arrival", type_=tickets.c.arrived_at.type),
                tickets.c.seq < bindparam("ticket_seq"),
            ),
        ),
    )


_AHEAD_IN_CLASS = {kind: Prepared(_ahead_in_class(kind)) for kind in CLASSES}
_COUNTER_STREAKS = Prepared(
    select(counter_state.c.number, counter_state.c.status, counter_state.c.priority_streak).where(
        counter_state.c.mall == _MALL
    )
)
_RECENT_SERVICE_TIMES = (
    select(tickets.c.started_at, tickets.c.finished_at)
    .where(
        tickets.c.mall == _MALL,
        tickets.c.day == _DAY,
        tickets.c.service == bindparam("service"),
        tickets.c.status == DONE,
        tickets.c.started_at.is_not(None),
    )
    .order_by(tickets.c.finished_at.desc())
    .limit(bindparam("limit"))
)
_COUNTER_ROWS = select(counter_state).where(counter_state.c.mall == _MALL)
_OPEN_COUNTERS = select(counter_state.c.number).where(
    counter_state.c.mall == _MALL, counter_state.c.status == "open"
)
_COUNTER_BY_NUMBER = select(counter_state).where(
    counter_state.c.mall == _MALL, counter_state.c.number == bindparam("number")
)
_COUNTER_ROW = Prepared(_COUNTER_BY_NUMBER)
_COUNTER_ROW_FOR_UPDATE = Prepared(_COUNTER_BY_NUMBER.with_for_update())
# Bind names in an UPDATE must differ from its column names (those name the SET values).
_SET_PRIORITY_STREAK = Prepared(
    update(counter_state)
    .where(
        counter_state.c.mall == bindparam("in_mall"),
        counter_state.c.number == bindparam("counter_number"),
    )
    .values(priority_streak=bindparam("streak"))
)
_SERVICE_CLOSED_REASON = select(service_state.c.closed_reason).where(
    service_state.c.mall == _MALL, service_state.c.service == bindparam("service")
)
_CLOSED_REASONS = Prepared(
    select(service_state.c.service, service_state.c.closed_reason).where(
        service_state.c.mall == _MALL, service_state.c.closed_reason.is_not(None)
    )
)
_VERSION = Prepared(select(mall_state.c.version).where(mall_state.c.mall == _MALL))
BUMP_VERSION = Prepared(
    update(mall_state)
    .where(mall_state.c.mall == bindparam("in_mall"))
    .values(version=mall_state.c.version + bindparam("steps"))
    .returning(mall_state.c.version)
)
_INSERT_TICKET_EVENT = Prepared(
    insert(ticket_events), columns=[c.name for c in ticket_events.c if c.name != "id"]
)


def ticket_from_row(row: Any) -> Ticket:
    return Ticket(
        id=row.id,
        service=row.service,
        prefix=row.prefix,
        sequence=row.sequence,
        day=row.day,
        issued_at=as_utc(row.issued_at),  # type: ignore[arg-type]
        arrived_at=as_utc(row.arrived_at),  # type: ignore[arg-type]
        status=TicketStatus(row.status),
        priority=Priority(row.priority) if row.priority else None,
        counter=row.counter,
        called_at=as_utc(row.called_at),
        started_at=as_utc(row.started_at),
        finished_at=as_utc(row.finished_at),
        call_count=row.call_count,
        transfers=list(row.transfers or []),
        seq=row.seq,
        channel=row.channel,
    )


def load_ticket(conn: Connection, mall: str, ticket_id: str, *, for_update: bool = False) -> Ticket:
    if not isinstance(ticket_id, str) or not TICKET_ID.fullmatch(ticket_id):
        # Ids are URL-safe tokens: anything else (a NUL byte, a megabyte) is no ticket of ours,
        # and must not reach a driver that rejects it with an error of its own.
        shown = str(ticket_id)[:40]
        raise NotFound(f"Tidak ada tiket dengan id {shown!r}. / No ticket with id {shown!r}.")
    query = _LOAD_TICKET_FOR_UPDATE if for_update else _LOAD_TICKET
    row = query.first(conn, {"mall": mall, "id": ticket_id})
    if row is None:
        raise NotFound(
            f"Tidak ada tiket dengan id {ticket_id!r}. / No ticket with id {ticket_id!r}."
        )
    return ticket_from_row(row)


def insert_tickets(conn: Connection, mall: str, new: list[tuple[Ticket, str, str]]) -> None:
    """Insert new tickets, each with its channel and issuer; sets their `seq`."""
    for ticket, channel, issued_by in new:
        row = {
            "id": ticket.id,
            "mall": mall,
            "day": ticket.day,
            "service": ticket.service,
            "origin_service": ticket.service,
            "prefix": ticket.prefix,
            "sequence": ticket.sequence,
            "status": ticket.status.value,
            "priority": ticket.priority.value if ticket.priority else None,
            "counter": ticket.counter,
            "issued_at": ticket.issued_at,
            "arrived_at": ticket.arrived_at,
            "called_at": None,
            "started_at": None,
            "finished_at": None,
            "call_count": 0,
            "transfers": [],
            "channel": channel,
            "issued_by": issued_by,
        }
        ticket.seq = int(_INSERT_TICKET.scalar(conn, row))
        ticket.channel = channel


def save_ticket(conn: Connection, ticket: Ticket) -> None:
    _SAVE_TICKET.run(
        conn,
        {
            "ticket_seq": ticket.seq,
            "service": ticket.service,
            "status": ticket.status.value,
            "counter": ticket.counter,
            "called_at": ticket.called_at,
            "started_at": ticket.started_at,
            "finished_at": ticket.finished_at,
            "call_count": ticket.call_count,
            "transfers": list(ticket.transfers),
        },
    )


def active_ticket_at(conn: Connection, mall: str, counter: int) -> Ticket | None:
    row = _ACTIVE_AT_COUNTER.first(conn, {"mall": mall, "counter": counter})
    return ticket_from_row(row) if row else None


def waiting_counts(conn: Connection, mall: str, day: str) -> dict[str, int]:
    """Waiting tickets of `day`, by service (those nobody waits for may be missing)."""
    rows = _WAITING_COUNTS.rows(conn, {"mall": mall, "day": day})
    return {service: int(count) for service, count in rows}


def waiting_count(conn: Connection, mall: str, day: str, service: str) -> int:
    """One service's waiting tickets of `day` (kept by the database: core/queue_lengths.py)."""
    params = {"mall": mall, "day": day, "service": service}
    return int(_WAITING_COUNT_OF.scalar(conn, params))


def waiting_by_class(
    conn: Connection, mall: str, day: str, service: str, now: datetime
) -> dict[str, int]:
    """One service's waiting tickets of `day` by class of the call order at `now`."""
    params = {"mall": mall, "day": day, "service": service}
    normal, priority = _WAITING_SPLIT_OF.rows(conn, params)[0]
    booked = int(_BOOKED_WAITING.scalar(conn, {**params, "now": now}))
    return {"priority": int(priority), "booked": booked, "normal": int(normal) - booked}


def ahead_in_class(conn: Connection, mall: str, ticket: Ticket, now: datetime) -> int:
    """Waiting tickets of the ticket's service and class that arrived before it: the ones
    the call order surely puts first."""
    params = {
        "mall": mall,
        "day": ticket.day,
        "service": ticket.service,
        "arrived_at": ticket.arrived_at,
        "same_arrival": ticket.arrived_at,
        "ticket_seq": ticket.seq,
        "now": now,
    }
    return int(_AHEAD_IN_CLASS[class_of(ticket, now)].scalar(conn, params))


def counter_streaks(conn: Connection, mall: str) -> dict[int, tuple[str, int]]:
    """Each counter's (status, priority streak)."""
    return {
        number: (status, int(streak))
        for number, status, streak in _COUNTER_STREAKS.rows(conn, {"mall": mall})
    }


def recent_service_minutes(
    conn: Connection, mall: str, day: str, service: str, limit: int = 20
) -> list[float]:
    params = {"mall": mall, "day": day, "service": service, "limit": limit}
    minutes = []
    for started, finished in conn.execute(_RECENT_SERVICE_TIMES, params):
        started, finished = as_utc(started), as_utc(finished)
        if started and finished:
            minutes.append((finished - started).total_seconds() / 60)
    return minutes


def counter_rows(conn: Connection, mall: str) -> dict[int, Any]:
    return {row.number: row for row in conn.execute(_COUNTER_ROWS, {"mall": mall})}


def open_counters(conn: Connection, mall: str) -> set[int]:
    return set(conn.execute(_OPEN_COUNTERS, {"mall": mall}).scalars())


def counter_row(conn: Connection, mall: str, number: int, *, for_update: bool = False) -> Any:
    query = _COUNTER_ROW_FOR_UPDATE if for_update else _COUNTER_ROW
    return query.first(conn, {"mall": mall, "number": number})


def existing_counter_row(
    conn: Connection, mall: str, number: int, *, for_update: bool = False
) -> Any:
    """The counter's state row; NotFound if start-up never created it (a counter added to
    config.yaml while the server ran)."""
    row = counter_row(conn, mall, number, for_update=for_update)
    if row is None:
        raise NotFound(
            f"Status loket {number} belum ada; jalankan ulang server untuk membuatnya. / "
            f"No state for counter {number}; restart the server to create it."
        )
    return row


def set_priority_streak(conn: Connection, mall: str, number: int, streak: int) -> None:
    params = {"in_mall": mall, "counter_number": number, "streak": streak}
    _SET_PRIORITY_STREAK.run(conn, params)


def service_closed_reason(conn: Connection, mall: str, service: str) -> str | None:
    params = {"mall": mall, "service": service}
    return conn.execute(_SERVICE_CLOSED_REASON, params).scalar_one_or_none()


def closed_reasons(conn: Connection, mall: str) -> dict[str, str]:
    """The reason of each service an admin closed (a handful at most, often none)."""
    return dict(_CLOSED_REASONS.rows(conn, {"mall": mall}))


def version(conn: Connection, mall: str) -> int:
    return int(_VERSION.scalar(conn, {"mall": mall}))


def advance_version(conn: Connection, mall: str, steps: int) -> int:
    """Add `steps` to the mall's version inside the open transaction; returns the old one."""
    return int(BUMP_VERSION.scalar(conn, {"in_mall": mall, "steps": steps})) - steps


def insert_ticket_events(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Append one unit of work's event rows with one call (executemany)."""
    _INSERT_TICKET_EVENT.run_many(conn, rows)
