"""Whether the database takes writes, as the server last saw it (no Flask).

A full disk used to give every visitor a generic 500 while `/healthz` said ok. Every write
transaction now reports here how it ended (core/store.py): the first failure is logged once
with the database's own words, `/healthz` turns unhealthy, the API answers 503 "temporarily
unavailable", and the first write that works again clears it and says so in the log.
"""

from __future__ import annotations

import logging
import shutil
import sqlite3
import threading
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

log = logging.getLogger(__name__)

# The database could not do its part (disk full, file unwritable, connection lost, locked too
# long, every pooled connection busy past the wait), as SQLAlchemy raises it or, from
# `Prepared` statements, the driver itself. A broken constraint is not among them: that is a
# bug, and stays a 500.
try:
    import psycopg

    DATABASE_ERRORS: tuple[type[BaseException], ...] = (
        OperationalError,
        PoolTimeout,
        sqlite3.OperationalError,
        psycopg.OperationalError,
    )
except ImportError:  # pragma: no cover - psycopg is a dependency
    DATABASE_ERRORS = (OperationalError, PoolTimeout, sqlite3.OperationalError)

# Below this much free space next to a SQLite file the next page may not fit.
MIN_FREE_BYTES = 16 * 1024 * 1024


def describe(exc: BaseException) -> str:
    """The database's own first line, without SQLAlchemy's statement dump."""
    original = getattr(exc, "orig", None) or exc
    return (str(original).splitlines() or [type(original).__name__])[0][:200]


class StorageHealth:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.failure: str | None = None

    def write_failed(self, exc: BaseException) -> None:
        if isinstance(exc, PoolTimeout):
            # Every pooled connection was busy for the wait: this process is overloaded, the
            # database is not at fault. Marked unhealthy, the server stayed so until its next
            # write (none comes to a server a balancer took out of service), and a balancer
            # moving its load to the others overloads them in turn. A database that hangs
            # holds /healthz's own probe past the same wait: "unreachable".
            log.warning("every database connection stayed busy: %s", describe(exc))
            return
        message = describe(exc)
        with self._lock:
            first, self.failure = self.failure is None, message
        if first:
            log.error("database writes are failing: %s", message)

    def write_succeeded(self) -> None:
        if self.failure is None:  # the usual case: no lock on the hot path
            return
        with self._lock:
            self.failure = None
        log.warning("database writes work again")


def sqlite_free_bytes(database_url: str) -> int | None:
    """Free bytes on the disk of a SQLite database file (None for other databases)."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    folder = Path(url.database).resolve().parent
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return None


def sqlite_shared_memory_lost(database_url: str) -> bool:
    """True when a SQLite database in WAL mode has lost its `-shm` file while in use (someone
    deleted it): connections opened from now on do not share memory with the open ones, which
    may read stale pages or die of SIGBUS. Only a restart of every process mends it."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return False
    database = Path(url.database).resolve()
    wal = database.with_name(database.name + "-wal")
    shm = database.with_name(database.name + "-shm")
    return database.exists() and wal.exists() and not shm.exists()


_MESSAGE_QUEUE_CLIENTS: dict[str, object] = {}
_MESSAGE_QUEUE_LOCK = threading.Lock()
MESSAGE_QUEUE_TIMEOUT_SECONDS = 1.0


def message_queue_problem(url: str | None) -> str | None:
    """Why the message queue (Redis) cannot be used now, or None when it answers a PING.

    Without it every process still serves, and the events of the others reach its screens
    through the database, about a second late: the server is degraded, not down. The
    client is kept per URL (its connection pool reconnects by itself) and waits at most a
    second, so a health probe never hangs on a dead Redis."""
    if not url:
        return None
    import redis

    with _MESSAGE_QUEUE_LOCK:
        client = _MESSAGE_QUEUE_CLIENTS.get(url)
        if client is None:
            client = redis.Redis.from_url(
                url,
                socket_timeout=MESSAGE_QUEUE_TIMEOUT_SECONDS,
                socket_connect_timeout=MESSAGE_QUEUE_TIMEOUT_SECONDS,
            )
            _MESSAGE_QUEUE_CLIENTS[url] = client
    try:
        client.ping()  # type: ignore[attr-defined]
    except (redis.RedisError, OSError) as exc:
        return f"message queue unreachable: {describe(exc)}"
    return None
