"""Daily report summaries, satisfaction survey responses, and survey tablets bound to a counter.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 22:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
# The histogram buckets as this revision made them (core.reporting.BOUNDS at the time): a
# revision never follows later code.
BUCKETS = 95
COUNTS = (
    "issued",
    "served",
    "no_show",
    "cancelled",
    "unserved",
    "transferred_out",
    "transferred_in",
    "waits",
    "within_target",
)


def upgrade() -> None:
    with op.batch_alter_table("devices") as batch:
        batch.add_column(sa.Column("counter", sa.Integer(), nullable=True))
    op.create_table(
        "report_days",
        sa.Column("mall", sa.String(length=64), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("service", sa.String(length=32), nullable=False),
        sa.Column("counter", sa.Integer(), nullable=False),
        sa.Column("officer", sa.String(length=64), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS),
        sa.Column("weekday", sa.SmallInteger(), nullable=False),
        # w0…w94, s0…s94: wait and service time histograms; h0…h23: arrivals per hour.
        *(sa.Column(f"w{i}", sa.Integer(), nullable=False) for i in range(BUCKETS)),
        *(sa.Column(f"s{i}", sa.Integer(), nullable=False) for i in range(BUCKETS)),
        *(sa.Column(f"h{i}", sa.Integer(), nullable=False) for i in range(24)),
        sa.PrimaryKeyConstraint("mall", "day", "service", "counter", "officer"),
    )
    op.create_table(
        "report_months",
        sa.Column("mall", sa.String(length=64), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("service", sa.String(length=32), nullable=False),
        sa.Column("counter", sa.Integer(), nullable=False),
        sa.Column("officer", sa.String(length=64), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS),
        *(sa.Column(f"w{i}", sa.Integer(), nullable=False) for i in range(BUCKETS)),
        *(sa.Column(f"s{i}", sa.Integer(), nullable=False) for i in range(BUCKETS)),
        *(sa.Column(f"h{i}", sa.Integer(), nullable=False) for i in range(24)),
        sa.PrimaryKeyConstraint("mall", "month", "service", "counter", "officer"),
    )
    op.create_table(
        "report_months_built",
        sa.Column("mall", sa.String(length=64), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("mall", "month"),
    )
    op.create_table(
        "report_day_channels",
        sa.Column("mall", sa.String(length=64), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("service", sa.String(length=32), nullable=False),
        sa.Column("counter", sa.Integer(), nullable=False),
        sa.Column("officer", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("tickets", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("mall", "day", "service", "counter", "officer", "channel"),
    )
    op.create_table(
        "report_days_built",
        sa.Column("mall", sa.String(length=64), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("mall", "day"),
    )
    op.create_table(
        "skm_responses",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("mall", sa.String(length=64), nullable=False),
        sa.Column("ticket_seq", Id, nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("service", sa.String(length=32), nullable=False),
        sa.Column("agency", sa.String(length=32), nullable=False),
        sa.Column("counter", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        *(sa.Column(f"u{n}", sa.SmallInteger(), nullable=False) for n in range(1, 10)),
        sa.Column("suggestion", sa.Text(), nullable=True),
        sa.Column("sex", sa.String(length=8), nullable=True),
        sa.Column("age_band", sa.String(length=8), nullable=True),
        sa.Column("education", sa.String(length=8), nullable=True),
        sa.Column("occupation", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(["ticket_seq"], ["tickets.seq"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ticket_seq"),
    )
    op.create_index("ix_skm_responses_day", "skm_responses", ["mall", "day", "service"])


def downgrade() -> None:
    op.drop_index("ix_skm_responses_day", table_name="skm_responses")
    op.drop_table("skm_responses")
    op.drop_table("report_days_built")
    op.drop_table("report_day_channels")
    op.drop_table("report_months_built")
    op.drop_table("report_months")
    op.drop_table("report_days")
    with op.batch_alter_table("devices") as batch:
        batch.drop_column("counter")
