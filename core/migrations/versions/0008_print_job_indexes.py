"""Indexes on print jobs by kiosk and by ticket: the dashboard and the alert round read each
kiosk's latest outcome every few seconds, a kiosk reads its last one after every print, and
the officer's view reads a ticket's jobs; each walked every print job the mall ever had.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 01:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_print_jobs_kiosk", "print_jobs", ["mall", "kiosk", "id"], unique=False)
    op.create_index("ix_print_jobs_ticket", "print_jobs", ["ticket_seq"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_print_jobs_ticket", table_name="print_jobs")
    op.drop_index("ix_print_jobs_kiosk", table_name="print_jobs")
