"""The waits of visitors never called, in the report rows: `not_called` and a histogram
`n0`…`n94` on `report_days` and `report_months` (core/reporting.py).

A visitor who waited and was never called (closed unserved with the day, or cancelled) was
left out of the reports' waits, so the worst days looked best. The rows of the days built
before this revision are filled in from their events here, once, and the built months with
them, so a report over old and new days counts everyone the same way.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 22:00:00
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# The histogram buckets as core.reporting.BOUNDS made them at this revision: a revision never
# follows later code.
BOUNDS = (*range(0, 60), *range(60, 180, 5), *range(180, 480, 30), 480)
BUCKETS = len(BOUNDS)  # 95
COLUMNS = ("not_called", *(f"n{i}" for i in range(BUCKETS)))
TABLES = ("report_days", "report_months")

_events = sa.table(
    "ticket_events",
    sa.column("id", sa.Integer()),
    sa.column("ticket_seq", sa.Integer()),
    sa.column("action", sa.String()),
    sa.column("service", sa.String()),
    sa.column("to_service", sa.String()),
    sa.column("at", sa.DateTime(timezone=True)),
)
_tickets = sa.table(
    "tickets", sa.column("seq", sa.Integer()), sa.column("mall", sa.String()),
    sa.column("day", sa.String()),
)  # fmt: skip
_built = sa.table(
    "report_days_built", sa.column("mall", sa.String()), sa.column("day", sa.String())
)
_months_built = sa.table(
    "report_months_built", sa.column("mall", sa.String()), sa.column("month", sa.String())
)


def upgrade() -> None:
    for name in TABLES:
        with op.batch_alter_table(name) as batch:
            for column in COLUMNS:
                # The default gives the old rows their zero (SQLite adds a column in place).
                batch.add_column(
                    sa.Column(column, sa.Integer(), nullable=False, server_default="0")
                )
    _fill_in_the_built_days(op.get_bind())


def downgrade() -> None:
    for name in TABLES:
        with op.batch_alter_table(name) as batch:
            for column in COLUMNS:
                batch.drop_column(column)


def _fill_in_the_built_days(conn: sa.Connection) -> None:
    months = {(r.mall, r.month) for r in conn.execute(sa.select(_months_built))}
    for mall, day in conn.execute(sa.select(_built.c.mall, _built.c.day)).all():
        for service, waits in _not_called_waits(conn, mall, day).items():
            values = {"not_called": sum(waits.values())}
            values |= {f"n{i}": count for i, count in waits.items()}
            sets = ", ".join(f"{c} = {c} + :{c}" for c in values)
            conn.execute(
                sa.text(
                    f"UPDATE report_days SET {sets} WHERE mall = :mall AND day = :day "
                    "AND service = :service AND counter = 0 AND officer = ''"
                ),
                {**values, "mall": mall, "day": day, "service": service},
            )
            if (mall, day[:7]) in months:
                conn.execute(
                    sa.text(
                        f"UPDATE report_months SET {sets} WHERE mall = :mall AND month = :month "
                        "AND service = :service AND counter = 0 AND officer = ''"
                    ),
                    {**values, "mall": mall, "month": day[:7], "service": service},
                )


def _not_called_waits(conn: sa.Connection, mall: str, day: str) -> dict[str, Counter[int]]:
    """Per service, the histogram of the waits of the visits of `day` that ended unserved or
    cancelled before any call: from their issue (or transfer in) to that end."""
    query = (
        sa.select(_events.c.ticket_seq, _events.c.action, _events.c.service,
                  _events.c.to_service, _events.c.at)
        .join(_tickets, _tickets.c.seq == _events.c.ticket_seq)
        .where(_tickets.c.mall == mall, _tickets.c.day == day)
        .order_by(_events.c.ticket_seq, _events.c.id)
    )  # fmt: skip
    found: dict[str, Counter[int]] = {}
    visits: dict[int, tuple[str, datetime, bool]] = {}  # ticket: (service, since, called)
    for seq, action, service, to_service, at in conn.execute(query):
        visit = visits.get(seq)
        if action == "issue" or visit is None:
            visit = (service, at, False)
        if action == "transfer":
            visit = (to_service, at, False)
        elif action == "call":
            visit = (visit[0], visit[1], True)
        elif action in ("cancel", "close_day") and not visit[2]:
            minutes = max(0, int((at - visit[1]).total_seconds() // 60))
            found.setdefault(visit[0], Counter())[bisect_right(BOUNDS, minutes) - 1] += 1
        visits[seq] = visit
    return found
