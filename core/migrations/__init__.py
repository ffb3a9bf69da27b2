"""The schema's history (Alembic revisions in `versions/`) and bringing a database to its head.

Every process upgrades the database before it serves (`usecases/setup.ensure_ready`), so any
number of them may start at once on an empty database: the first takes a lock, upgrades in one
transaction and commits; the others wait at the lock, then find the schema at head.

- PostgreSQL: `pg_advisory_lock(LOCK_KEY)` on a connection of its own, held until the upgrade,
  which runs in one transaction on a second connection, has committed. The server drops the
  lock by itself if the process dies.
- SQLite: the upgrade runs inside `BEGIN EXCLUSIVE` on one dedicated connection. That lock is
  the database file's own write lock, the one every writer already meets, so it needs no file
  of its own, no cleanup after a crash and no platform-specific locking; and since SQLite's DDL
  is transactional, the upgrade commits or rolls back as a whole. A lock file beside the
  database would give none of that atomicity.

A database made before migrations (today's tables from `metadata.create_all`, no
`alembic_version` table) is adopted: its indexes are brought to the baseline, as `create_all`
did at each start, it is stamped at `BASELINE` and then upgraded like any other.

There is no alembic.ini: `alembic_config` builds the configuration and hands `env.py` the open
connection, so the settings' database URL is the only one used.
"""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text

from core.store_types import UtcDateTime

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
BASELINE = "0001"
# One fixed advisory-lock key ("antrian" in ASCII) for every Antrian database on a server.
LOCK_KEY = 0x616E747269616E
# How long a process waits for another one's SQLite upgrade before it gives up.
SQLITE_WAIT_MS = 10 * 60 * 1000
# The tables of the baseline: all of them mark a database made before migrations.
BASELINE_TABLES = frozenset(
    {
        "mall_state",
        "daily_sequences",
        "tickets",
        "ticket_events",
        "counter_state",
        "service_state",
        "users",
        "devices",
        "auth_sessions",
        "print_jobs",
        "audit_log",
        "idempotency_keys",
        "app_settings",
    }
)
LEGACY = "made before migrations"


class SchemaError(RuntimeError):
    """The database is in a state no revision accounts for."""


@dataclass(frozen=True)
class Upgrade:
    before: str | None  # the revision found; None for an empty database or an adopted one
    after: str
    adopted: bool = False  # made before migrations, stamped at the baseline

    @property
    def changed(self) -> bool:
        return self.adopted or self.before != self.after


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration, built here: the revisions beside this file, `connection` for
    `env.py` to run them on."""
    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    if importlib.util.find_spec("ruff") is not None:
        # A new revision file comes out formatted like the rest of the code.
        config.set_section_option("post_write_hooks", "hooks", "ruff")
        config.set_section_option("post_write_hooks", "ruff.type", "module")
        config.set_section_option("post_write_hooks", "ruff.module", "ruff")
        config.set_section_option(
            "post_write_hooks", "ruff.options", "format REVISION_SCRIPT_FILENAME"
        )
    config.attributes["connection"] = connection
    return config


@cache
def render_item(kind: str, item: object, autogen_context: object) -> str | Literal[False]:
    """How `db revision --autogenerate` writes a column type: the shared UTC type
    (core/store_types.py) as the plain type it creates, so a revision needs no import of
    ours; everything else as Alembic would."""
    if kind == "type" and isinstance(item, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head() -> str:
    """The newest revision (one head: two would be a merge to write)."""
    found = _scripts().get_current_head()
    if found is None:
        raise SchemaError("no revisions found beside core/migrations/env.py")
    return found


def current(engine: Engine) -> str | None:
    """The database's revision; None if it has no tables yet, LEGACY if made before migrations.

    Only reads (a SQLite file that does not exist yet is not created)."""
    if engine.dialect.name == "sqlite" and not _sqlite_file_exists(engine):
        return None
    with engine.connect() as conn:
        return _found(conn)


def is_unknown(revision: str | None) -> bool:
    """Whether `revision`, read from a database, names no revision of this code: a newer
    version of Antrian upgraded the database (or it belongs to another program)."""
    if revision is None or revision == LEGACY:
        return False
    return revision not in {script.revision for script in _scripts().walk_revisions()}


def newer_schema(revision: str) -> SchemaError:
    return SchemaError(
        f"the database's schema is at revision {revision!r}, which this version of Antrian "
        f"does not know (its newest is {head()!r}): a newer version has upgraded it. Run that "
        "version, or restore a backup taken before the upgrade (docs/deploy.md, Backups)"
    )


def upgrade(engine: Engine) -> Upgrade:
    """Bring the database to head under the lock; safe to run from many processes at once."""
    target = head()
    with engine.connect() as conn:
        before = _found(conn)
    if before == target:
        return Upgrade(before, target)  # the usual start: nothing to lock
    if is_unknown(before):
        assert before is not None
        raise newer_schema(before)  # not Alembic's traceback: going back is no upgrade
    with _locked(engine) as conn:
        before = _found(conn)  # again, under the lock: another process may have done it
        if before == target:
            return Upgrade(before, target)
        adopted = before == LEGACY
        if adopted:
            _adopt(conn)
            command.stamp(alembic_config(conn), BASELINE)
            before = None
        command.upgrade(alembic_config(conn), "head")
        after = _found(conn)
    if after != target:
        raise SchemaError(f"upgraded to {after!r}, expected {target!r}")
    if adopted:
        log.info("Database made before migrations: stamped at baseline %s", BASELINE)
    log.info("Database schema upgraded: %s -> %s (head)", before or "empty", after)
    return Upgrade(before, after, adopted)


def new_revision(engine: Engine, message: str, *, autogenerate: bool) -> Path:
    """Write the next revision file (0002_…); with `autogenerate`, from what the database at
    head lacks of `core.store.metadata`. Returns its path."""
    number = sum(1 for _ in _scripts().walk_revisions()) + 1
    with engine.connect() as conn:
        script = command.revision(
            alembic_config(conn),
            message=message,
            autogenerate=autogenerate,
            rev_id=f"{number:04d}",
        )
    _scripts.cache_clear()
    if script is None or isinstance(script, list):
        raise SchemaError("alembic wrote no single revision")
    return Path(script.path)


def _found(conn: Connection) -> str | None:
    tables = set(inspect(conn).get_table_names())
    if "alembic_version" in tables:
        # Read directly (Alembic's own reader logs a line at every start).
        found = [row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version"))]
        if len(found) > 1:
            raise SchemaError(f"the database is at several revisions at once: {found}")
        return found[0] if found else None
    ours = tables & BASELINE_TABLES
    if not ours:
        return None
    if ours != BASELINE_TABLES:
        missing = ", ".join(sorted(BASELINE_TABLES - ours))
        raise SchemaError(f"the database has Antrian tables but not {missing}; not touching it")
    return LEGACY


def _adopt(conn: Connection) -> None:
    """A database made before migrations, brought to the baseline. `create_all` replaced the
    first queue index at each start; a database no later version has started on still has it.
    (Frozen here: the baseline never changes.)"""
    indexes = {index["name"] for index in inspect(conn).get_indexes("tickets")}
    if "ix_tickets_queue" in indexes:
        conn.exec_driver_sql("DROP INDEX ix_tickets_queue")
    if "ix_tickets_day_queue" not in indexes:
        conn.exec_driver_sql(
            "CREATE INDEX ix_tickets_day_queue "
            "ON tickets (mall, day, service, status, priority, arrived_at)"
        )


@contextmanager
def _locked(engine: Engine) -> Iterator[Connection]:
    """A connection inside one transaction, held by this process alone until it commits."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as holder:
            holder.execution_options(isolation_level="AUTOCOMMIT")
            holder.execute(text("SELECT pg_advisory_lock(:key)"), {"key": LOCK_KEY})
            try:
                with engine.connect() as conn, conn.begin():
                    yield conn
            finally:
                holder.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
    elif engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            raw = conn.connection.dbapi_connection
            assert raw is not None
            waited = raw.execute("PRAGMA busy_timeout").fetchone()[0]
            # Outside any transaction (inside one these pragmas do nothing): wait as long as an
            # upgrade may take, and let a later revision copy a table (batch mode) without
            # foreign keys cascading or refusing midway; they are checked before the commit.
            raw.execute(f"PRAGMA busy_timeout={SQLITE_WAIT_MS}")
            raw.execute("PRAGMA foreign_keys=OFF")
            try:
                conn.execution_options(sqlite_begin="EXCLUSIVE")
                with conn.begin():
                    yield conn
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise SchemaError(f"the upgrade broke foreign keys: {broken[:5]}")
            finally:
                raw.execute("PRAGMA foreign_keys=ON")
                raw.execute(f"PRAGMA busy_timeout={int(waited)}")
    else:
        with engine.begin() as conn:
            yield conn


def _sqlite_file_exists(engine: Engine) -> bool:
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return True  # in memory, or a URI: not checked
    return Path(database).exists()
