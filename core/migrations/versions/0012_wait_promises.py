"""The wait each visitor was first told: `wait_promises`, for the estimate's real accuracy.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "wait_promises",
        sa.Column("ticket_id", sa.String(32), sa.ForeignKey("tickets.id"), primary_key=True),
        sa.Column("mall", sa.String(64), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("service", sa.String(32), nullable=False),
        sa.Column("given_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("minutes", sa.SmallInteger(), nullable=False),
        sa.Column("low", sa.SmallInteger()),
        sa.Column("high", sa.SmallInteger()),
    )
    op.create_index("ix_wait_promises_day", "wait_promises", ["mall", "day", "service"])


def downgrade() -> None:
    op.drop_index("ix_wait_promises_day", table_name="wait_promises")
    op.drop_table("wait_promises")
