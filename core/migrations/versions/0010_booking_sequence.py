"""A booking's iCalendar SEQUENCE: `bookings.sequence`, one more at each move or cancellation.

A phone's calendar that imported a booking's .ics replaces its event only when a later file
of the same UID carries a higher SEQUENCE; without it a moved booking stayed at its old time
and a cancelled one stayed on the calendar. Bookings made before this revision start at 0.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("bookings") as batch:
        batch.add_column(sa.Column("sequence", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("bookings") as batch:
        batch.drop_column("sequence")
