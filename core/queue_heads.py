"""The head of each class of the call order, read from the partial indexes.

One range read per service and class (priority, booked, normal), in the order of the class's
partial index (core/queue_lengths.py), merged in Python: a single `ORDER BY` across an `IN`
list of services made PostgreSQL read and sort every waiting ticket of those services
(tests/integration/test_queue_depth.py holds the plans).

On PostgreSQL each class is one read joined laterally to the array of the counter's services
(`_lateral_heads_statement`): the same range reads, one per service, from a statement that
does not grow with the services. Written out per service, the heads of four services were a
6.7 KB statement of twelve subqueries that PostgreSQL took 0.5 ms to plan, on every call (it
plans each execution for its own values, core/engine.py), three times what running it took.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Connection,
    String,
    and_,
    bindparam,
    func,
    literal_column,
    or_,
    select,
    text,
    true,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY

from core.prepared import Prepared
from core.queue_lengths import (
    BOOKED_HEAD_INDEX,
    WAITING_BOOKED,
    WAITING_NORMAL,
    WAITING_PRIORITY,
)
from core.queueing import Candidate
from core.store import tickets
from core.tickets import Ticket

_MALL = bindparam("mall")
_DAY = bindparam("day")


def as_utc(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything we store is UTC."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


BOOKING = "booking"
_NOW = bindparam("now", type_=tickets.c.arrived_at.type)
# The three classes of the call order (core/queueing.py): priority, booked (a checked-in
# booking whose slot, its arrival, has begun) and normal (walk-ins, and booked visitors
# whose slot has not begun yet). Each class is read from a partial index (core/queue_lengths.py)
# whose predicate the query repeats as literal SQL, so both planners use it.
_IS_BOOKED = and_(tickets.c.channel == BOOKING, tickets.c.arrived_at <= _NOW)
_NOT_BOOKED_YET = or_(tickets.c.channel != BOOKING, tickets.c.arrived_at > _NOW)
CLASS_INDEX = {"priority": WAITING_PRIORITY, "booked": WAITING_BOOKED, "normal": WAITING_NORMAL}
CLASS_FILTERS = {
    "priority": (),
    # Booked tickets are indexed apart: their head is the first row of that index.
    "booked": (tickets.c.arrived_at <= _NOW,),
    # Walk-ins skip the booked tickets whose slot began: at most a slot's capacity of rows.
    "normal": (_NOT_BOOKED_YET,),
}
CLASSES = tuple(CLASS_INDEX)
BOOKED_INDEX_NAME = str(BOOKED_HEAD_INDEX.name)


def class_of(ticket: Ticket, now: datetime) -> str:
    """The ticket's class in the call order at `now`."""
    if ticket.priority is not None:
        return "priority"
    return "booked" if ticket.channel == BOOKING and ticket.arrived_at <= now else "normal"


def sqlite_booked(select_list: str, service: str = "service") -> Any:
    """A read of the booked visitors whose slot began, as SQLite must run it: from the
    booked index by name (see `_sqlite_booked_head`). `select_list`: what to select."""
    return text(
        f"SELECT {select_list} FROM tickets INDEXED BY {BOOKED_INDEX_NAME}"
        f" WHERE mall = :mall AND day = :day AND service = :{service}"
        f" AND {WAITING_BOOKED} AND arrived_at <= :now"
    ).bindparams(_MALL, _DAY, _NOW, bindparam(service))


def _sqlite_booked_head(i: int) -> Any:
    """The booked head on SQLite, read from the booked index by name: SQLite's planner takes
    the general queue index instead (its `priority IS NULL` counts as one more equal column)
    and walks every walk-in of the service looking for a booking; the booked index holds only
    the few checked-in bookings. (SQLAlchemy renders no table hints for SQLite.)"""
    head = sqlite_booked("id, arrived_at, seq, 'booked' AS kind", f"service_{i}")
    return (
        text(f"{head.text} ORDER BY arrived_at, seq LIMIT 1")
        .bindparams(_MALL, _DAY, _NOW, bindparam(f"service_{i}"))
        .columns(
            tickets.c.id,
            tickets.c.arrived_at,
            tickets.c.seq,
            literal_column("kind"),
        )
    )


def _queue_heads_statement(services: int, skip_locked: bool, *, sqlite: bool = False) -> Any:
    """The head of each class of each of `services` services, one row each.

    One range read per service and class, in the order of its partial index (arrival, then
    seq), merged in Python: a single `ORDER BY` across an `IN` list of services made
    PostgreSQL read and sort every waiting ticket of those services.
    """
    heads = []
    for i in range(services):
        for kind in CLASSES:
            if sqlite and kind == "booked":
                heads.append(select(_sqlite_booked_head(i).subquery(f"head_{i}_{kind}")))
                continue
            head = (
                select(
                    tickets.c.id,
                    tickets.c.arrived_at,
                    tickets.c.seq,
                    literal_column(f"'{kind}'").label("kind"),
                )
                .where(
                    tickets.c.mall == _MALL,
                    tickets.c.day == _DAY,
                    tickets.c.service == bindparam(f"service_{i}"),
                    text(CLASS_INDEX[kind]),
                    *CLASS_FILTERS[kind],
                )
                .order_by(tickets.c.arrived_at, tickets.c.seq)
                .limit(1)
            )
            if skip_locked:
                head = head.with_for_update(skip_locked=True)
            heads.append(select(head.subquery(f"head_{i}_{kind}")))
    return union_all(*heads)


def _lateral_heads_statement(skip_locked: bool) -> Any:
    """PostgreSQL: the head of each class of each service in the `services` array, one row
    each, the whole ticket. Per class, the array's services joined laterally to a range read
    of the class's partial index: one read per service, planned once for all of them. The
    head is locked and read whole at once, so the call need not read the one it chooses
    again (a round trip of every call)."""
    heads = []
    for kind in CLASSES:
        services = (
            func.unnest(bindparam("services", type_=ARRAY(String)))
            .table_valued("service")
            .render_derived(name=f"services_{kind}")
        )
        head = (
            select(tickets)
            .where(
                tickets.c.mall == _MALL,
                tickets.c.day == _DAY,
                tickets.c.service == services.c.service,
                text(CLASS_INDEX[kind]),
                *CLASS_FILTERS[kind],
            )
            .order_by(tickets.c.arrived_at, tickets.c.seq)
            .limit(1)
        )
        if skip_locked:
            head = head.with_for_update(skip_locked=True)
        row = head.lateral(f"head_{kind}")
        heads.append(
            select(*row.c, literal_column(f"'{kind}'").label("kind"))
            .select_from(services)
            .join(row, true())
        )
    return union_all(*heads)


# Run on the driver's cursor (core/prepared.py): every call reads its heads.
_QUEUE_HEADS: dict[tuple[int, bool, bool], Prepared] = {}
_LATERAL_HEADS: dict[bool, Prepared] = {}


def queue_heads(
    conn: Connection,
    mall: str,
    day: str,
    services: tuple[str, ...],
    now: datetime,
    *,
    skip_locked: bool,
    whole: dict[str, Any] | None = None,
) -> dict[str, Candidate | None]:
    """The oldest waiting ticket of each class (priority, booked, normal) of `services`.
    `whole`, where given, gets each head's whole row by its id where the read gave it (on
    PostgreSQL; `repository.ticket_from_row` reads it).

    On PostgreSQL each service's heads are locked with SKIP LOCKED, so racing counters each
    get a different head instead of waiting on, then colliding over, the same row. The heads
    not chosen stay locked until this call commits (milliseconds): a counter racing it for the
    same service meanwhile takes the visitor behind.
    """
    params: dict[str, Any] = {"mall": mall, "day": day, "now": now}
    if conn.dialect.name == "postgresql":
        statement = _LATERAL_HEADS.get(skip_locked)
        if statement is None:
            statement = _LATERAL_HEADS[skip_locked] = Prepared(
                _lateral_heads_statement(skip_locked)
            )
        params["services"] = list(services)
        kept = whole  # this read gives the whole row
    else:
        kept = None
        key = (len(services), skip_locked, conn.dialect.name == "sqlite")
        statement = _QUEUE_HEADS.get(key)
        if statement is None:
            statement = _QUEUE_HEADS[key] = Prepared(
                _queue_heads_statement(key[0], skip_locked, sqlite=key[2])
            )
        params.update({f"service_{i}": service for i, service in enumerate(services)})
    heads: dict[str, Candidate | None] = dict.fromkeys(CLASSES)
    for row in statement.rows(conn, params):
        kind = str(row.kind)
        if kept is not None:
            kept[row.id] = row
        candidate = Candidate(
            row.id,
            as_utc(row.arrived_at),  # type: ignore[arg-type]
            row.seq,
            kind == "priority",
            kind == "booked",
        )
        best = heads[kind]
        if best is None or candidate.order_key < best.order_key:
            heads[kind] = candidate
    return heads
