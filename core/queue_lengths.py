"""The queue's shape in the database: how many wait per service, and the heads' indexes.

Every issue and every call reports how many visitors wait for the service (the displays'
counts, the kiosk's "people ahead"). Counting the waiting rows made both grow with the
queue: on PostgreSQL a count has to visit every waiting row of the service (an index-only
scan still checks the heap for rows changed since the last vacuum, which in a live queue is
nearly all of them). `queue_lengths` keeps the count per mall, day and service, split into
normal and priority visitors, so reading it is one primary-key lookup.

The counts are kept by triggers on `tickets`, in the same transaction as the change of the
ticket, whoever writes it: a use case, the end of the day, a repair by hand in `psql`. That is
the reason for triggers over bookkeeping in Python, which every present and future path that
writes a ticket would have to remember. On PostgreSQL the count row is locked from the
ticket's change to the commit. A transaction only ever changes one service's waiting count,
except the close of an ended day (whose rows no live transaction touches) and SQLite's group
commit (one writer at a time), so no two transactions wait for each other's count rows; and
issuers of a service already queue on the service's number row, callers on the mall's version.

SQLite drops a table's triggers when a migration rebuilds the table (Alembic's batch mode
"move and copy"): a revision that does that to `tickets` must create them again.
`tests/integration/test_queue_depth.py` checks they are there at head and that the counts
equal a recount.

The two partial indexes hold only waiting tickets, one for each group of the call order, keyed
by arrival within a service: the head of a service's group is the first entry of a range, and
the index shrinks as visitors are called instead of growing all day.

PostgreSQL connections plan every execution for its own values (`plan_cache_mode =
force_custom_plan`, `make_engine`): psycopg prepares a statement it has run five times, and
PostgreSQL may then keep one generic plan for it. A plan chosen while today's queue was a few
rows long (a sort is cheap then) stayed in use after twenty thousand visitors joined, until
the next ANALYZE: in a measurement the queue heads took 87 ms instead of 2. Planned for each
run's own values, the heads always read their indexes; prepared, they are parsed only once.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Index, Integer, String, Table, event, text

from core.store import metadata, tickets

queue_lengths = Table(
    "queue_lengths",
    metadata,
    Column("mall", String(64), primary_key=True),
    Column("day", String(10), primary_key=True),
    Column("service", String(32), primary_key=True),
    Column("waiting_normal", Integer, nullable=False, default=0),
    Column("waiting_priority", Integer, nullable=False, default=0),
)

# The predicates are SQL text with the literal 'waiting' (never a bound value), and the queries
# that use the indexes say the same: the planners only use a partial index for a query whose
# own conditions imply the index's, and a bound value implies nothing (PostgreSQL's generic
# plans, which psycopg's prepared statements get after a few runs, would lose the index).
WAITING_NORMAL = "status = 'waiting' AND priority IS NULL"
WAITING_PRIORITY = "status = 'waiting' AND priority IS NOT NULL"
# Checked-in bookings (revision 0004): few, and called ahead once their slot began.
WAITING_BOOKED = "status = 'waiting' AND priority IS NULL AND channel = 'booking'"
BOOKED_HEAD_INDEX = Index(
    "ix_tickets_waiting_booked",
    tickets.c.mall,
    tickets.c.day,
    tickets.c.service,
    tickets.c.arrived_at,
    tickets.c.seq,
    postgresql_where=text(WAITING_BOOKED),
    sqlite_where=text(WAITING_BOOKED),
)
HEAD_INDEXES = {
    False: Index(
        "ix_tickets_waiting_normal",
        tickets.c.mall,
        tickets.c.day,
        tickets.c.service,
        tickets.c.arrived_at,
        tickets.c.seq,
        postgresql_where=text(WAITING_NORMAL),
        sqlite_where=text(WAITING_NORMAL),
    ),
    True: Index(
        "ix_tickets_waiting_priority",
        tickets.c.mall,
        tickets.c.day,
        tickets.c.service,
        tickets.c.arrived_at,
        tickets.c.seq,
        postgresql_where=text(WAITING_PRIORITY),
        sqlite_where=text(WAITING_PRIORITY),
    ),
}

# The same statements as migration 0003 (which keeps its own frozen copy), for databases made
# from the metadata (tests, benchmarks).
TRIGGERS: dict[str, tuple[str, ...]] = {
    "postgresql": (
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
    ),
    "sqlite": (
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
    ),
}
TRIGGER_NAMES = ("tickets_waiting_insert", "tickets_waiting_update", "tickets_waiting_delete")


def create_triggers(connection: Any) -> None:
    """The counting triggers, for the connection's database; again on one that has them."""
    if connection.dialect.name == "postgresql":  # CREATE OR REPLACE TRIGGER needs 14+
        for name in TRIGGER_NAMES:
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name} ON tickets")
    for statement in TRIGGERS.get(connection.dialect.name, ()):
        connection.exec_driver_sql(statement)


@event.listens_for(metadata, "after_create")
def _after_create(_target: Any, connection: Any, **_kw: Any) -> None:
    create_triggers(connection)
