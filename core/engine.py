"""The database engine, tuned per backend: SQLite's pragmas and transaction control, and
PostgreSQL's driver options. No connection is opened when an engine is made."""

from __future__ import annotations

import sqlite3
import time
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine tuned for the backend; no connection is opened here."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            echo=echo,
            # Pooled connections: opening one costs the PRAGMAs, and closing the last one
            # checkpoints the WAL file. The pool hands a connection to one thread at a time.
            pool_size=8,
            max_overflow=24,
            connect_args={"check_same_thread": False, "timeout": 30},
        )
        _configure_sqlite(engine)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    # Unprepared: a plan cached while today's queue was short stays bad (core/queue_lengths.py).
    args = {"prepare_threshold": None}
    return create_engine(
        url, echo=echo, pool_size=20, max_overflow=20, pool_pre_ping=True, connect_args=args
    )


def _configure_sqlite(engine: Engine) -> None:
    event.listen(engine, "connect", _on_sqlite_connect)
    event.listen(engine, "begin", _begin_sqlite)


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Take transaction control from pysqlite so BEGIN is ours to choose.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # The wait first: switching to (or confirming) WAL needs a lock another process may hold
    # while it migrates the schema at start.
    cursor.execute("PRAGMA busy_timeout=30000")
    _switch_to_wal(cursor)
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _switch_to_wal(cursor: Any) -> None:
    # On a new file, processes starting at once race to turn WAL on; SQLite may answer the
    # loser "database is locked" at once, without its busy handler: try again for a while.
    for attempt in range(300):
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == 299:
                raise
            time.sleep(0.1)


def _begin_sqlite(conn: Connection) -> None:
    mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
    # Straight to the driver: through exec_driver_sql this one statement cost more than the
    # rest of an empty transaction (every change and every read opens one).
    conn.connection.dbapi_connection.execute(f"BEGIN {mode}")  # type: ignore[union-attr]
