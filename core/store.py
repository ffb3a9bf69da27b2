"""Tables, the engine and the unit of work (SQLAlchemy 2.x Core, no Flask).

SQLite (WAL) is the embedded default; PostgreSQL is the production path. Every write runs in
`UnitOfWork.writing()`: on SQLite it opens with `BEGIN IMMEDIATE`, so two processes on one file
serialize at the start of the transaction instead of failing on upgrade from a read lock.
Reads use a deferred transaction, which WAL lets run beside a writer.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Connection,
    Engine,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from core.engine import (
    POOL_WAIT_SECONDS,
    make_engine,  # noqa: F401  (where callers have always found it)
)
from core.health import DATABASE_ERRORS, StorageHealth
from core.store_types import UtcDateTime
from core.write_turns import POSTGRES_WRITERS, WriteTurns

metadata = MetaData()

# Bigint ids on PostgreSQL; SQLite only makes INTEGER PRIMARY KEY an auto-incrementing rowid.
Id = BigInteger().with_variant(Integer(), "sqlite")

mall_state = Table(
    "mall_state",
    metadata,
    Column("mall", String(64), primary_key=True),
    # Bumped by every change inside its transaction: live clients detect gaps with it.
    Column("version", BigInteger, nullable=False, default=0),
)


daily_sequences = Table(
    "daily_sequences",
    metadata,
    Column("mall", String(64), primary_key=True),
    Column("service", String(32), primary_key=True),
    Column("day", String(10), primary_key=True),
    Column("last_number", Integer, nullable=False),
)

tickets = Table(
    "tickets",
    metadata,
    Column("seq", Id, primary_key=True, autoincrement=True),
    Column("id", String(32), nullable=False, unique=True),  # unguessable, public
    Column("mall", String(64), nullable=False),
    Column("day", String(10), nullable=False),
    Column("service", String(32), nullable=False),
    Column("origin_service", String(32), nullable=False),
    Column("prefix", String(3), nullable=False),
    Column("sequence", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("priority", String(16)),
    Column("counter", Integer),
    Column("issued_at", UtcDateTime(), nullable=False),
    Column("arrived_at", UtcDateTime(), nullable=False),
    Column("called_at", UtcDateTime()),
    Column("started_at", UtcDateTime()),
    Column("finished_at", UtcDateTime()),
    Column("call_count", Integer, nullable=False, default=0),
    Column("transfers", JSON, nullable=False, default=list),
    Column("channel", String(16), nullable=False, default="kiosk"),
    Column("issued_by", String(64)),
    UniqueConstraint("mall", "day", "origin_service", "sequence", name="uq_ticket_number"),
    # The day's queue of a service: queue heads, waiting counts and people ahead read only
    # index entries (the day leads, so yesterday's leftovers are never walked).
    Index("ix_tickets_day_queue", "mall", "day", "service", "status", "priority", "arrived_at"),
    # A counter's active ticket (any day), and its tickets of one day by status.
    Index("ix_tickets_counter", "mall", "counter", "status", "day"),
)

ticket_events = Table(
    "ticket_events",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("mall", String(64), nullable=False),
    Column("ticket_seq", Id, ForeignKey("tickets.seq"), nullable=False),
    Column("action", String(16), nullable=False),
    Column("from_status", String(16)),
    Column("to_status", String(16), nullable=False),
    Column("service", String(32), nullable=False),
    Column("to_service", String(32)),
    Column("counter", Integer),
    Column("officer", String(64)),
    Column("at", UtcDateTime(), nullable=False),
    Column("version", BigInteger, nullable=False),
    Index("ix_ticket_events_ticket", "ticket_seq"),
    Index("ix_ticket_events_mall_at", "mall", "at"),
    # A counter's latest calls of the day, newest first (the booked streak of the call order).
    Index("ix_ticket_events_counter", "mall", "counter", "at", "id"),
)

counter_state = Table(
    "counter_state",
    metadata,
    Column("mall", String(64), primary_key=True),
    Column("number", Integer, primary_key=True),
    Column("status", String(16), nullable=False, default="closed"),  # open | break | closed
    Column("reason", String(200)),
    Column("officer", String(64)),
    Column("priority_streak", Integer, nullable=False, default=0),
    Column("updated_at", UtcDateTime()),
)

service_state = Table(
    "service_state",
    metadata,
    Column("mall", String(64), primary_key=True),
    Column("service", String(32), primary_key=True),
    Column("closed_reason", String(200)),  # set by an admin; null = follows its hours
)

users = Table(
    "users",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("password_hash", String(255), nullable=False),
    Column("role", String(16), nullable=False),  # officer | admin
    Column("counters", JSON, nullable=False, default=list),  # empty: any counter
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", UtcDateTime(), nullable=False),
)

devices = Table(
    "devices",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),  # kiosk | display | survey
    Column("zone", String(32)),
    Column("kiosk", String(32)),
    Column("counter", Integer),  # a survey tablet's counter
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", UtcDateTime(), nullable=False),
)

auth_sessions = Table(
    "auth_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", Id, ForeignKey("users.id"), nullable=False),
    Column("counter", Integer),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("revoked", Boolean, nullable=False, default=False),
)

print_jobs = Table(
    "print_jobs",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("mall", String(64), nullable=False),
    Column("ticket_seq", Id, ForeignKey("tickets.seq"), nullable=False),
    Column("kiosk", String(32), nullable=False),
    Column("status", String(16), nullable=False),  # pending | printed | failed
    Column("error", Text),
    Column("requested_by", String(64)),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("finished_at", UtcDateTime()),
    # A kiosk's latest outcome (dashboard, alerts, the next print) and a ticket's jobs.
    Index("ix_print_jobs_kiosk", "mall", "kiosk", "id"),
    Index("ix_print_jobs_ticket", "ticket_seq"),
)

# What was last said of each kiosk printer (the last `printer.status` about it, written in the
# same transaction): a process that starts, or restarts, knows at once that a printer is
# offline, out of paper or low on paper, instead of only after its next print or health
# check; and every process's alerts judge the printer from the same row. `printer` is the
# printer's identity (core/server/printing.py), shared by the kiosks configured with it.
printer_states = Table(
    "printer_states",
    metadata,
    Column("mall", String(64), primary_key=True),
    Column("printer", String(64), primary_key=True),
    Column("ok", Boolean, nullable=False),
    Column("message", Text, nullable=False),
    Column("paper_low", Boolean, nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("mall", String(64), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("actor", String(64)),
    Column("action", String(64), nullable=False),
    Column("detail", Text, nullable=False),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    # A client's retry of the same request (a double tap, a resend after a network drop)
    # returns the first answer instead of acting twice.
    Column("key", String(80), primary_key=True),
    Column("actor", String(64), primary_key=True),
    Column("status_code", Integer, nullable=False),  # 0 while the first attempt runs
    Column("body", JSON),
    Column("created_at", UtcDateTime(), nullable=False),
    # What the request was (method, path, body), so a key sent again with another request
    # is refused instead of answered with the first one's answer. NULL on older rows.
    Column("fingerprint", String(64)),
)

app_settings = Table(
    "app_settings",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)


from core import store_bookings  # noqa: E402, F401  (its tables join the metadata)

# Indexes replaced by better ones, dropped by `create_all` from databases that still have them.
OBSOLETE_INDEXES = ("ix_tickets_queue",)


def insert_if_absent(
    conn: Connection, table: Table, rows: Mapping[str, Any] | Sequence[Mapping[str, Any]]
) -> None:
    """Insert the rows whose keys are not there yet (`ON CONFLICT DO NOTHING`).

    For rows that several processes may insert at once (start-up): checking first and then
    inserting lets two of them both find nothing, and the second fails on the key."""
    if isinstance(rows, Mapping):
        rows = [rows]
    if rows:
        conn.execute(dialect_insert(conn, table).on_conflict_do_nothing(), list(rows))


def dialect_insert(conn: Connection, table: Table) -> Any:
    """The backend's own INSERT, which has `on_conflict_do_nothing()`."""
    if conn.dialect.name == "sqlite":
        return sqlite_insert(table)
    return postgresql_insert(table)


class UnitOfWork:
    """Opens transactions: `writing()` for changes, `reading()` for consistent reads."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        # SQLite has one writer at a time. Threads of this process queue on a lock, in order,
        # instead of polling the file lock in SQLite's busy handler, whose growing sleeps made
        # the slowest writes wait long after the lock was free. Other processes still meet
        # at the file lock (BEGIN IMMEDIATE with a busy timeout).
        self._write_lock = threading.RLock() if self.is_sqlite else None
        # PostgreSQL takes many writers, but a process's interpreter runs one at a time: a few
        # at once, the others waiting before they take any row (core/write_turns.py).
        self._write_turns = (
            None if self.is_sqlite else WriteTurns(POSTGRES_WRITERS, POOL_WAIT_SECONDS)
        )
        self.health = StorageHealth()

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        try:
            if self._write_turns is not None:
                with self._write_turns.turn(), self._begin_write() as conn:
                    yield conn
            else:
                assert self._write_lock is not None
                with self._write_lock, self._begin_write() as conn:
                    yield conn
        except DATABASE_ERRORS as exc:  # rolled back; health tells /healthz and the log
            self.health.write_failed(exc)
            raise
        self.health.write_succeeded()

    @contextmanager
    def _begin_write(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            if self.is_sqlite:
                conn = conn.execution_options(sqlite_begin="IMMEDIATE")
            with conn.begin():
                yield conn

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            if not self.is_sqlite:
                # One snapshot for the whole read (PostgreSQL's default READ COMMITTED gives
                # each statement its own), so a snapshot's contents match its version.
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                yield conn

    def create_all(self) -> None:
        """Create missing tables and indexes; drop indexes an earlier version made.

        Straight from the metadata, for tests and benchmarks: a server's start-up brings the
        schema to its head with core.migrations instead (`usecases/setup.ensure_ready`)."""
        metadata.create_all(self.engine)
        with self.engine.begin() as conn:
            for name in OBSOLETE_INDEXES:
                conn.exec_driver_sql(f"DROP INDEX IF EXISTS {name}")
            # create_all makes a table's indexes only with the table itself.
            for table in metadata.sorted_tables:
                for index in table.indexes:
                    index.create(conn, checkfirst=True)


from core import (  # noqa: E402, F401  (their tables are on `metadata`)
    admin_tables,
    live_log,
    queue_lengths,
    store_reports,
)
