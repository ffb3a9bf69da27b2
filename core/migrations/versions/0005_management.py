"""Mall management: supervisors bound to agencies, stored alerts, a service's quota for a day.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 21:55:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "supervisor_agencies",
        sa.Column("user_id", ID, nullable=False),
        sa.Column("agency", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("user_id", "agency"),
    )
    op.create_table(
        "alerts",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("mall", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("agency", sa.String(length=32), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cleared_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=64), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("open_key", sa.String(length=96), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("mall", "open_key", name="uq_alerts_open_key"),
    )
    op.create_index("ix_alerts_mall_raised", "alerts", ["mall", "raised_at"])
    op.create_table(
        "service_day_quota",
        sa.Column("mall", sa.String(length=64), nullable=False),
        sa.Column("service", sa.String(length=32), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("quota", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("mall", "service", "day"),
    )


def downgrade() -> None:
    op.drop_table("service_day_quota")
    op.drop_index("ix_alerts_mall_raised", table_name="alerts")
    op.drop_table("alerts")
    op.drop_table("supervisor_agencies")
