"""Read model: how right the wait estimates were on the mall's real days.

Each visitor's first estimate (core/promises.py) against the wait they then had: from the
moment it was given to their first call. Visitors never called (unserved, cancelled, still
waiting) have no real wait to compare and are counted apart. The figures are those the
simulator reports for a simulated day (`eta.model` in its report.json), so a manager can put
the real days beside the simulated ones.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, func, select

from core.promises import accuracy
from core.store import ticket_events, tickets
from core.store_reports import wait_promises

if TYPE_CHECKING:
    from core.context import MallContext


def estimate_accuracy(
    ctx: MallContext,
    conn: Connection,
    start: date,
    end: date,
    services: Collection[str] | None = None,
) -> dict[str, Any]:
    """The period's figures overall and per service (the service the estimate was for)."""
    first_call = (
        select(
            ticket_events.c.ticket_seq.label("seq"),
            func.min(ticket_events.c.at).label("called_at"),
        )
        .where(ticket_events.c.mall == ctx.mall, ticket_events.c.action == "call")
        .group_by(ticket_events.c.ticket_seq)
        .subquery()
    )
    query = (
        select(
            wait_promises.c.service,
            wait_promises.c.given_at,
            wait_promises.c.minutes,
            wait_promises.c.low,
            wait_promises.c.high,
            first_call.c.called_at,
        )
        .join(tickets, tickets.c.id == wait_promises.c.ticket_id)
        .outerjoin(first_call, first_call.c.seq == tickets.c.seq)
        .where(
            wait_promises.c.mall == ctx.mall,
            wait_promises.c.day >= start.isoformat(),
            wait_promises.c.day <= end.isoformat(),
        )
    )
    if services is not None:
        query = query.where(wait_promises.c.service.in_(sorted(services)))
    pairs: dict[str, list[tuple[float, float, int | None, int | None]]] = defaultdict(list)
    not_called: dict[str, int] = defaultdict(int)
    for row in conn.execute(query):
        if row.called_at is None or row.called_at < row.given_at:
            not_called[row.service] += 1
            continue
        real = (row.called_at - row.given_at) / timedelta(minutes=1)
        pairs[row.service].append((float(row.minutes), real, row.low, row.high))
    every = [pair for rows in pairs.values() for pair in rows]
    return {
        "overall": {**accuracy(every), "not_called": sum(not_called.values())},
        "services": {
            code: {**accuracy(pairs.get(code, [])), "not_called": not_called.get(code, 0)}
            for code in sorted(set(pairs) | set(not_called))
        },
    }
