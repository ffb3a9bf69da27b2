"""The queue heads get partial indexes of waiting tickets, and the waiting counts a table kept
by triggers on `tickets` (core/queue_lengths.py says why).

Frozen like every revision: the trigger statements are copied here, not imported.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 21:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

WAITING_NORMAL = "status = 'waiting' AND priority IS NULL"
WAITING_PRIORITY = "status = 'waiting' AND priority IS NOT NULL"
TRIGGER_NAMES = ("tickets_waiting_insert", "tickets_waiting_update", "tickets_waiting_delete")

POSTGRESQL = (
    """
    CREATE OR REPLACE FUNCTION queue_lengths_follow_tickets() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP <> 'INSERT' AND OLD.status = 'waiting' THEN
            UPDATE queue_lengths
            SET waiting_normal = waiting_normal - (OLD.priority IS NULL)::int,
                waiting_priority = waiting_priority - (OLD.priority IS NOT NULL)::int
            WHERE mall = OLD.mall AND day = OLD.day AND service = OLD.service;
        END IF;
        IF TG_OP <> 'DELETE' AND NEW.status = 'waiting' THEN
            INSERT INTO queue_lengths AS q
                (mall, day, service, waiting_normal, waiting_priority)
            VALUES (NEW.mall, NEW.day, NEW.service, (NEW.priority IS NULL)::int,
                    (NEW.priority IS NOT NULL)::int)
            ON CONFLICT (mall, day, service) DO UPDATE
            SET waiting_normal = q.waiting_normal + EXCLUDED.waiting_normal,
                waiting_priority = q.waiting_priority + EXCLUDED.waiting_priority;
        END IF;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER tickets_waiting_insert AFTER INSERT ON tickets
    FOR EACH ROW WHEN (NEW.status = 'waiting')
    EXECUTE FUNCTION queue_lengths_follow_tickets()
    """,
    """
    CREATE TRIGGER tickets_waiting_update
    AFTER UPDATE OF status, service, priority, day, mall ON tickets
    FOR EACH ROW WHEN (
        (OLD.status = 'waiting' OR NEW.status = 'waiting')
        AND (OLD.status, OLD.service, OLD.priority IS NULL, OLD.day, OLD.mall)
            IS DISTINCT FROM (NEW.status, NEW.service, NEW.priority IS NULL, NEW.day, NEW.mall)
    )
    EXECUTE FUNCTION queue_lengths_follow_tickets()
    """,
    """
    CREATE TRIGGER tickets_waiting_delete AFTER DELETE ON tickets
    FOR EACH ROW WHEN (OLD.status = 'waiting')
    EXECUTE FUNCTION queue_lengths_follow_tickets()
    """,
)
SQLITE = (
    """
    CREATE TRIGGER IF NOT EXISTS tickets_waiting_insert AFTER INSERT ON tickets
    WHEN NEW.status = 'waiting'
    BEGIN
        INSERT INTO queue_lengths (mall, day, service, waiting_normal, waiting_priority)
        VALUES (NEW.mall, NEW.day, NEW.service, NEW.priority IS NULL,
                NEW.priority IS NOT NULL)
        ON CONFLICT (mall, day, service) DO UPDATE
        SET waiting_normal = waiting_normal + excluded.waiting_normal,
            waiting_priority = waiting_priority + excluded.waiting_priority;
    END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS tickets_waiting_update
    AFTER UPDATE OF status, service, priority, day, mall ON tickets
    WHEN OLD.status = 'waiting' OR NEW.status = 'waiting'
    BEGIN
        UPDATE queue_lengths
        SET waiting_normal = waiting_normal - (OLD.priority IS NULL),
            waiting_priority = waiting_priority - (OLD.priority IS NOT NULL)
        WHERE OLD.status = 'waiting'
          AND mall = OLD.mall AND day = OLD.day AND service = OLD.service;
        INSERT INTO queue_lengths (mall, day, service, waiting_normal, waiting_priority)
        SELECT NEW.mall, NEW.day, NEW.service, NEW.priority IS NULL, NEW.priority IS NOT NULL
        WHERE NEW.status = 'waiting'
        ON CONFLICT (mall, day, service) DO UPDATE
        SET waiting_normal = waiting_normal + excluded.waiting_normal,
            waiting_priority = waiting_priority + excluded.waiting_priority;
    END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS tickets_waiting_delete AFTER DELETE ON tickets
    WHEN OLD.status = 'waiting'
    BEGIN
        UPDATE queue_lengths
        SET waiting_normal = waiting_normal - (OLD.priority IS NULL),
            waiting_priority = waiting_priority - (OLD.priority IS NOT NULL)
        WHERE mall = OLD.mall AND day = OLD.day AND service = OLD.service;
    END
    """,
)


def upgrade() -> None:
    op.create_table(
        "queue_lengths",
        sa.Column("mall", sa.String(length=64), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("service", sa.String(length=32), nullable=False),
        sa.Column("waiting_normal", sa.Integer(), nullable=False),
        sa.Column("waiting_priority", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("mall", "day", "service"),
    )
    for name, predicate in (
        ("ix_tickets_waiting_normal", WAITING_NORMAL),
        ("ix_tickets_waiting_priority", WAITING_PRIORITY),
    ):
        op.create_index(
            name,
            "tickets",
            ["mall", "day", "service", "arrived_at", "seq"],
            unique=False,
            postgresql_where=sa.text(predicate),
            sqlite_where=sa.text(predicate),
        )
    # The waiting tickets already there, counted once; the triggers keep the counts after.
    op.execute(
        "INSERT INTO queue_lengths (mall, day, service, waiting_normal, waiting_priority) "
        "SELECT mall, day, service, "
        "SUM(CASE WHEN priority IS NULL THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN priority IS NULL THEN 0 ELSE 1 END) "
        "FROM tickets WHERE status = 'waiting' GROUP BY mall, day, service"
    )
    dialect = op.get_bind().dialect.name
    for statement in {"postgresql": POSTGRESQL, "sqlite": SQLITE}.get(dialect, ()):
        op.execute(statement)


def downgrade() -> None:
    for name in TRIGGER_NAMES:
        if op.get_bind().dialect.name == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON tickets")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS queue_lengths_follow_tickets()")
    op.drop_index("ix_tickets_waiting_priority", table_name="tickets")
    op.drop_index("ix_tickets_waiting_normal", table_name="tickets")
    op.drop_table("queue_lengths")
