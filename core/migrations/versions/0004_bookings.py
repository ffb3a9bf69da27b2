"""Booked visits: the bookings and the places taken in their slots.

Revision ID: 0004
Revises: 0003b
Create Date: 2026-11-30 21:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003b"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bookings",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("mall", sa.String(length=64), nullable=False),
        sa.Column("service", sa.String(length=32), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("slot", sa.String(length=5), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("nik_hash", sa.String(length=64), nullable=True),
        sa.Column("active_nik", sa.String(length=64), nullable=True),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ticket_id", sa.String(length=32), nullable=True),
        sa.UniqueConstraint("code"),
        sa.UniqueConstraint("mall", "service", "day", "active_nik", name="uq_booking_active_nik"),
    )
    op.create_index("ix_bookings_day", "bookings", ["mall", "day"])
    op.create_table(
        "booking_slots",
        sa.Column("mall", sa.String(length=64), primary_key=True),
        sa.Column("service", sa.String(length=32), primary_key=True),
        sa.Column("day", sa.String(length=10), primary_key=True),
        sa.Column("slot", sa.String(length=5), primary_key=True),
        sa.Column("booked", sa.Integer(), nullable=False),
    )

    # Checked-in bookings are a class of the call order: their head is read from an index
    # of their own, so a queue of walk-ins is never walked to find one (core/queue_lengths.py).
    predicate = "status = 'waiting' AND priority IS NULL AND channel = 'booking'"
    op.create_index(
        "ix_tickets_waiting_booked",
        "tickets",
        ["mall", "day", "service", "arrived_at", "seq"],
        unique=False,
        postgresql_where=sa.text(predicate),
        sqlite_where=sa.text(predicate),
    )


def downgrade() -> None:
    op.drop_index("ix_tickets_waiting_booked", table_name="tickets")
    op.drop_table("booking_slots")
    op.drop_index("ix_bookings_day", table_name="bookings")
    op.drop_table("bookings")
