"""Loading and saving tickets and counters: the only place that maps rows to entities."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select, update

from core.queueing import Candidate
from core.store import counter_state, tickets
from core.tickets import ACTIVE_AT_COUNTER, NotFound, Priority, Ticket, TicketStatus


def as_utc(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything we store is UTC."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


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
    )


def load_ticket(conn: Connection, mall: str, ticket_id: str, *, for_update: bool = False) -> Ticket:
    query = select(tickets).where(tickets.c.mall == mall, tickets.c.id == ticket_id)
    if for_update:
        query = query.with_for_update()
    row = conn.execute(query).first()
    if row is None:
        raise NotFound(f"No ticket with id {ticket_id!r}.")
    return ticket_from_row(row)


def insert_ticket(conn: Connection, mall: str, ticket: Ticket, channel: str, issued_by: str) -> int:
    result = conn.execute(
        tickets.insert().values(
            id=ticket.id,
            mall=mall,
            day=ticket.day,
            service=ticket.service,
            origin_service=ticket.service,
            prefix=ticket.prefix,
            sequence=ticket.sequence,
            status=ticket.status.value,
            priority=ticket.priority.value if ticket.priority else None,
            counter=ticket.counter,
            issued_at=ticket.issued_at,
            arrived_at=ticket.arrived_at,
            call_count=0,
            transfers=[],
            channel=channel,
            issued_by=issued_by,
        )
    )
    seq = int(result.inserted_primary_key[0])
    ticket.seq = seq
    return seq


def save_ticket(conn: Connection, ticket: Ticket) -> None:
    conn.execute(
        update(tickets)
        .where(tickets.c.seq == ticket.seq)
        .values(
            service=ticket.service,
            status=ticket.status.value,
            counter=ticket.counter,
            called_at=ticket.called_at,
            started_at=ticket.started_at,
            finished_at=ticket.finished_at,
            call_count=ticket.call_count,
            transfers=list(ticket.transfers),
        )
    )


def queue_heads(
    conn: Connection, mall: str, day: str, services: tuple[str, ...], *, skip_locked: bool
) -> tuple[Candidate | None, Candidate | None]:
    """The oldest waiting priority ticket and the oldest waiting normal ticket.

    On PostgreSQL both rows are locked with SKIP LOCKED, so racing counters each get a
    different head instead of waiting on, then colliding over, the same row.
    """
    heads: list[Candidate | None] = []
    for is_priority in (True, False):
        query = (
            select(tickets.c.id, tickets.c.arrived_at, tickets.c.seq)
            .where(
                tickets.c.mall == mall,
                tickets.c.day == day,
                tickets.c.service.in_(services),
                tickets.c.status == TicketStatus.WAITING.value,
                tickets.c.priority.is_not(None) if is_priority else tickets.c.priority.is_(None),
            )
            .order_by(tickets.c.arrived_at, tickets.c.seq)
            .limit(1)
        )
        if skip_locked:
            query = query.with_for_update(skip_locked=True)
        row = conn.execute(query).first()
        heads.append(
            Candidate(row.id, as_utc(row.arrived_at), row.seq, is_priority)  # type: ignore[arg-type]
            if row
            else None
        )
    return heads[0], heads[1]


def active_ticket_at(conn: Connection, mall: str, counter: int) -> Ticket | None:
    row = conn.execute(
        select(tickets)
        .where(
            tickets.c.mall == mall,
            tickets.c.counter == counter,
            tickets.c.status.in_([s.value for s in ACTIVE_AT_COUNTER]),
        )
        .order_by(tickets.c.called_at.desc())
        .limit(1)
    ).first()
    return ticket_from_row(row) if row else None


def waiting_counts(conn: Connection, mall: str, day: str) -> dict[str, int]:
    rows = conn.execute(
        select(tickets.c.service, func.count())
        .where(
            tickets.c.mall == mall,
            tickets.c.day == day,
            tickets.c.status == TicketStatus.WAITING.value,
        )
        .group_by(tickets.c.service)
    )
    return {service: int(count) for service, count in rows}


def people_ahead(conn: Connection, mall: str, ticket: Ticket) -> int:
    if ticket.status != TicketStatus.WAITING:
        return 0
    return int(
        conn.execute(
            select(func.count()).where(
                tickets.c.mall == mall,
                tickets.c.day == ticket.day,
                tickets.c.service == ticket.service,
                tickets.c.status == TicketStatus.WAITING.value,
                or_(
                    tickets.c.arrived_at < ticket.arrived_at,
                    and_(tickets.c.arrived_at == ticket.arrived_at, tickets.c.seq < ticket.seq),
                ),
            )
        ).scalar_one()
    )


def recent_service_minutes(
    conn: Connection, mall: str, day: str, service: str, limit: int = 20
) -> list[float]:
    rows = conn.execute(
        select(tickets.c.started_at, tickets.c.finished_at)
        .where(
            tickets.c.mall == mall,
            tickets.c.day == day,
            tickets.c.service == service,
            tickets.c.status == TicketStatus.DONE.value,
            tickets.c.started_at.is_not(None),
        )
        .order_by(tickets.c.finished_at.desc())
        .limit(limit)
    )
    minutes = []
    for started, finished in rows:
        started, finished = as_utc(started), as_utc(finished)
        if started and finished:
            minutes.append((finished - started).total_seconds() / 60)
    return minutes


def counter_rows(conn: Connection, mall: str) -> dict[int, Any]:
    return {
        row.number: row
        for row in conn.execute(select(counter_state).where(counter_state.c.mall == mall))
    }
