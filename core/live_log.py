"""The live-event log: every published event, as sent on the wire, kept by `version`.

Why a table of its own: `ticket_events` records ticket actions, but a live client also hears
counter, printer and service changes, and it needs the exact payload (the ticket's public view,
the waiting counts, the counter) as of that version, which the ticket rows cannot rebuild
later. The row is written in the unit of work that bumps the version (core/usecases/unit.py),
so the log is complete exactly when the change is committed.

Versions are committed in version order: the bump is an `UPDATE ... RETURNING` on the mall's
one `mall_state` row, whose row lock (PostgreSQL) or the database's single writer (SQLite) is
held until commit, so a transaction that got version v+1 commits after the one that got v.
Hence a reader who sees v+1 also sees v, and `after(conn, mall, v)` never skips a committed
version that a later read would show: the relay (core/server/relay.py) fills a gap from here.

The log is only needed for a short while (a relay that fell behind, an outage of the message
queue); `prune` keeps the newest `KEEP_EVENTS` per mall. A client further behind than that
takes a snapshot, as after any real loss.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Connection,
    String,
    Table,
    bindparam,
    delete,
    insert,
    select,
)

from core.prepared import Prepared
from core.store import metadata
from core.store_types import UtcDateTime

# A few hours of a busy mall (an event every second or two), a minute at 300 issues a second;
# at about 1 kB a row, some 20 MB at most.
KEEP_EVENTS = 20_000

live_events = Table(
    "live_events",
    metadata,
    Column("mall", String(64), primary_key=True),
    Column("version", BigInteger, primary_key=True, autoincrement=False),
    Column("name", String(32), nullable=False),
    # Routes the event to the visitor's own page as well; never part of the broadcast.
    Column("ticket_id", String(32)),
    Column("payload", JSON, nullable=False),
    Column("at", UtcDateTime(), nullable=False),
)

_INSERT = Prepared(
    insert(live_events), columns=["mall", "version", "name", "ticket_id", "payload", "at"]
)


def record(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Append one unit of work's events (one driver call), inside its transaction."""
    _INSERT.run_many(conn, rows)


def row_for(
    mall: str, version: int, name: str, ticket_id: str | None, payload: dict[str, Any], at: datetime
) -> dict[str, Any]:
    return {
        "mall": mall,
        "version": version,
        "name": name,
        "ticket_id": ticket_id or None,
        "payload": payload,
        "at": at,
    }


def after(
    conn: Connection, mall: str, version: int, limit: int
) -> list[tuple[int, str, str | None, dict[str, Any]]]:
    """The committed events past `version`, oldest first: (version, name, ticket id, payload)."""
    rows = conn.execute(
        select(
            live_events.c.version,
            live_events.c.name,
            live_events.c.ticket_id,
            live_events.c.payload,
        )
        .where(live_events.c.mall == mall, live_events.c.version > version)
        .order_by(live_events.c.version)
        .limit(limit)
    ).all()
    return [(int(v), name, ticket_id, payload) for v, name, ticket_id, payload in rows]


def prune(conn: Connection, mall: str, newest: int, keep: int = KEEP_EVENTS) -> int:
    """Forget all but the newest `keep` events of the mall (by version, the primary key)."""
    result = conn.execute(
        delete(live_events).where(
            live_events.c.mall == mall, live_events.c.version <= bindparam("below")
        ),
        {"below": newest - keep},
    )
    return int(result.rowcount or 0)
