"""Indexes that keep a mall's past out of its day's reads.

Print jobs by kiosk and by ticket: the dashboard and the alert round read each kiosk's latest
outcome every few seconds, a kiosk reads its last one after every print, and the officer's
view reads a ticket's jobs; each walked every print job the mall ever had. A counter's
tickets by status and day: the counter terminal's figures of the day read the counter's
finished tickets of every day to find today's.

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
    op.drop_index("ix_tickets_counter", table_name="tickets")
    op.create_index(
        "ix_tickets_counter", "tickets", ["mall", "counter", "status", "day"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_tickets_counter", table_name="tickets")
    op.create_index("ix_tickets_counter", "tickets", ["mall", "counter", "status"], unique=False)
    op.drop_index("ix_print_jobs_ticket", table_name="print_jobs")
    op.drop_index("ix_print_jobs_kiosk", table_name="print_jobs")
