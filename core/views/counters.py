"""A counter as the hall sees it, and everything an officer's terminal shows."""

from __future__ import annotations

import statistics
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, func, select

from core import repository
from core.context import minutes_between
from core.store import ticket_events, tickets
from core.tickets import TicketStatus
from core.views.tickets import officer_view

if TYPE_CHECKING:
    from core.context import MallContext


def counter_view(ctx: MallContext, conn: Connection, number: int) -> dict[str, Any]:
    counter = ctx.settings.counter(number)
    row = repository.existing_counter_row(conn, ctx.mall, number)
    current = repository.active_ticket_at(conn, ctx.mall, number)
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
            }
            if current
            else None
        ),
    }


def counter_state(ctx: MallContext, number: int) -> dict[str, Any]:
    """Everything an officer's terminal shows: current ticket, held tickets, the waiting
    list, the counter's own figures. The caller has checked the officer may see it."""
    counter = ctx.settings.counter(number)
    day = ctx.today().isoformat()
    with ctx.uow.reading() as conn:
        current = repository.active_ticket_at(conn, ctx.mall, number)
        held = conn.execute(
            select(tickets)
            .where(
                tickets.c.mall == ctx.mall,
                tickets.c.day == day,
                tickets.c.counter == number,
                tickets.c.status == TicketStatus.ON_HOLD.value,
            )
            .order_by(tickets.c.seq)
        ).all()
        waiting_rows = conn.execute(
            select(tickets)
            .where(
                tickets.c.mall == ctx.mall,
                tickets.c.day == day,
                tickets.c.service.in_(counter.services),
                tickets.c.status == TicketStatus.WAITING.value,
            )
            .order_by(tickets.c.arrived_at, tickets.c.seq)
        ).all()
        now = ctx.now()
        waiting = [
            {
                "id": row.id,
                "number": repository.ticket_from_row(row).number,
                "service": row.service,
                "priority": row.priority,
                "waiting_minutes": minutes_between(repository.as_utc(row.arrived_at), now),
                "transferred": bool(row.transfers),
            }
            for row in waiting_rows
        ]
        return {
            "counter": counter_view(ctx, conn, number),
            "current": officer_view(ctx, conn, current) if current else None,
            "on_hold": [officer_view(ctx, conn, repository.ticket_from_row(r)) for r in held],
            "waiting": waiting,
            "figures": counter_figures(ctx, conn, number, day),
            "services": [
                {"code": s.code, "name": s.name, "name_en": s.name_en, "agency": s.agency}
                for s in ctx.settings.services
            ],
            "version": repository.version(conn, ctx.mall),
        }


def counter_figures(ctx: MallContext, conn: Connection, number: int, day: str) -> dict[str, Any]:
    """The counter's day so far: served, no-shows, mean service time."""
    rows = conn.execute(
        select(ticket_events.c.action, func.count())
        .join(tickets, tickets.c.seq == ticket_events.c.ticket_seq)
        .where(
            ticket_events.c.mall == ctx.mall,
            ticket_events.c.counter == number,
            tickets.c.day == day,
            ticket_events.c.action.in_(["finish", "no_show"]),
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
