"""What was last said of each kiosk printer: `printer_states`, one row per printer.

A process that started knew nothing of the printers until their next print or health check:
a roll running low, or a printer found offline by a health check, was forgotten by a restart,
and the first alert round cleared its open alert. The last `printer.status` of each printer
is now kept; a database without rows falls back to the kiosks' last print jobs, as before.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "printer_states",
        sa.Column("mall", sa.String(length=64), nullable=False),
        sa.Column("printer", sa.String(length=64), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("paper_low", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("mall", "printer"),
    )


def downgrade() -> None:
    op.drop_table("printer_states")
