"""An index on a counter's events in time order: call-next reads the counter's latest calls
of the day to know its booked streak, and without it the database walked the whole day's
events of every counter and sorted them.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 06:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_ticket_events_counter", "ticket_events", ["mall", "counter", "at", "id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_ticket_events_counter", table_name="ticket_events")
