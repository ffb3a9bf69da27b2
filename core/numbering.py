"""Per-service, per-local-day ticket numbers (SQL, no Flask).

One atomic upsert claims the next number: `INSERT ... ON CONFLICT DO UPDATE SET last_number =
last_number + 1 RETURNING last_number`. The row lock it takes (PostgreSQL) or the write lock of
`BEGIN IMMEDIATE` (SQLite) makes concurrent issuers queue up, and since the claim lives in the
same transaction as the ticket row, a refused or failed issue rolls the number back: no gaps.
"""

from __future__ import annotations

from datetime import date, datetime, tzinfo

from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql, sqlite

from core.store import daily_sequences


def local_day(moment: datetime, tz: tzinfo) -> date:
    """The mall's calendar day at `moment`: numbering restarts at local midnight."""
    return moment.astimezone(tz).date()


def claim_next_number(conn: Connection, mall: str, service: str, day: date) -> int:
    """Reserve and return the next number of `service` on `day` inside the open transaction."""
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    statement = insert(daily_sequences).values(
        mall=mall, service=service, day=day.isoformat(), last_number=1
    )
    statement = statement.on_conflict_do_update(
        index_elements=["mall", "service", "day"],
        set_={"last_number": daily_sequences.c.last_number + 1},
    ).returning(daily_sequences.c.last_number)
    return int(conn.execute(statement).scalar_one())


def issued_count(conn: Connection, mall: str, service: str, day: date) -> int:
    """How many numbers `service` has given out on `day` (for quotas)."""
    value = conn.execute(
        daily_sequences.select()
        .with_only_columns(daily_sequences.c.last_number)
        .where(
            daily_sequences.c.mall == mall,
            daily_sequences.c.service == service,
            daily_sequences.c.day == day.isoformat(),
        )
    ).scalar_one_or_none()
    return int(value or 0)
