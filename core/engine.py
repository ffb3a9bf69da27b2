"""The database engine, tuned per backend: SQLite's pragmas and transaction control, and
PostgreSQL's driver options. No connection is opened when an engine is made."""

from __future__ import annotations

import os
import sqlite3
import time
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DisconnectionError

from core.config.values import DEFAULT_DATABASE_CONNECTIONS

# How long a request waits for a free connection before it is answered 503 (core/health.py).
POOL_WAIT_SECONDS = 10
# A pooled PostgreSQL connection idle this long is pinged before it is used again.
PING_AFTER_IDLE_SECONDS = 1.0


def make_engine(
    url: str,
    *,
    echo: bool = False,
    connections: int = DEFAULT_DATABASE_CONNECTIONS,
    application_name: str = "antrian",
    connect_timeout: int | None = None,
) -> Engine:
    """An engine tuned for the backend; no connection is opened here.

    On PostgreSQL it holds at most `connections` (`database_connections`, per process) and
    names them `application_name` (pg_stat_activity shows it; PGAPPNAME wins). A process
    serves hundreds of sockets and requests on as many threads, but its cores run only a few
    statements at once: the rest wait their turn for a connection. A deployment asks
    PostgreSQL for processes x connections (`connection_shortfall`). `connect_timeout`
    (seconds, PostgreSQL): give up on a server that does not answer, instead of waiting as
    long as the network does."""
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
    args: dict[str, Any] = {}
    # libpq's PGAPPNAME or a name in the URL wins: the operator's (or a test's) name stands.
    if "PGAPPNAME" not in os.environ and "application_name" not in url:
        args["application_name"] = application_name[:63]
    if connect_timeout is not None:
        args["connect_timeout"] = connect_timeout
    # No overflow: a burst of socket connections once opened 40 per process and PostgreSQL,
    # at its default 100, refused the third process ("too many clients already").
    engine = create_engine(
        url,
        echo=echo,
        pool_size=connections,
        max_overflow=0,
        pool_timeout=POOL_WAIT_SECONDS,
        connect_args=args,
    )
    event.listen(engine, "connect", _plan_every_execution)
    _ping_when_idle(engine)
    return engine


def _ping_when_idle(engine: Engine) -> None:
    """Ping a pooled connection before use only when it sat idle (`PING_AFTER_IDLE_SECONDS`).

    A connection idle overnight may have been cut by a restart of PostgreSQL or a firewall:
    the ping finds out and the pool opens a new one, so the first kiosk of the morning is not
    answered 503. `pool_pre_ping` pinged before every transaction, a round trip each: an
    issue (two transactions) paid two more than its own statements. A connection in steady
    use is back in the pool within milliseconds; one cut while in use fails its request
    either way (503, retried with its key), and the pool then replaces every connection
    opened before the cut (SQLAlchemy's disconnect handling)."""

    def note_idle(_dbapi: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    def ping_if_idle(dbapi: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.pop("idle_since", None)
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
            return
        dialect = engine.dialect
        try:
            dialect.do_ping(dbapi)
        except dialect.loaded_dbapi.Error as exc:
            if dialect.is_disconnect(exc, dbapi, None):  # the pool opens a new one
                raise DisconnectionError("a pooled connection was closed by the server") from exc
            raise

    event.listen(engine, "checkin", note_idle)
    event.listen(engine, "checkout", ping_if_idle)


def _plan_every_execution(dbapi_connection: Any, _record: Any) -> None:
    # psycopg prepares a statement run often, sparing PostgreSQL its parsing; a prepared
    # statement may then be given one generic plan, and one chosen while the day's queue was
    # short kept sorting it after 19,000 visitors joined (core/queue_lengths.py). Custom
    # plans only: each execution is planned for its own values, as an unprepared one is.
    autocommit = dbapi_connection.autocommit
    dbapi_connection.autocommit = True
    dbapi_connection.execute("SET plan_cache_mode = force_custom_plan")
    dbapi_connection.autocommit = autocommit


def connection_shortfall(engine: Engine, wanted: int) -> str | None:
    """Why PostgreSQL may refuse some of the `wanted` connections a deployment's processes
    can open, in words for the operator; None when they fit (or on SQLite, which has no
    server to refuse)."""
    if engine.dialect.name != "postgresql":
        return None
    with engine.connect() as conn:
        limit = int(conn.exec_driver_sql("SHOW max_connections").scalar_one())
        reserved = int(conn.exec_driver_sql("SHOW superuser_reserved_connections").scalar_one())
        others = conn.exec_driver_sql(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"
        ).scalar_one()
    room = limit - reserved - others
    if wanted <= room:
        return None
    return (
        f"the server processes may open {wanted} PostgreSQL connections, but PostgreSQL "
        f"takes {limit} (max_connections) less {reserved} kept for superusers, and {others} "
        f"are open now: {room} left. Lower database_connections or --workers, or raise "
        "max_connections, or requests will wait and some be refused with 503."
    )


def _configure_sqlite(engine: Engine) -> None:
    event.listen(engine, "do_connect", _create_private_file)
    event.listen(engine, "connect", _on_sqlite_connect)
    event.listen(engine, "begin", _begin_sqlite)


def _create_private_file(
    _dialect: Any, _record: Any, cargs: list[Any], cparams: dict[str, Any]
) -> None:
    """Create a new database file readable by its owner alone, before SQLite does.

    The file holds visitors' NIK and phone numbers, and SQLite would create it 0644 (less
    the umask) for every local user to read. Made here 0600 (a stricter umask still
    applies); SQLite gives the -wal and -shm files it adds the database file's own mode.
    A file that exists is left as it is. Run as root (`antrian db upgrade` from an install
    script) in a folder the service user owns, the file goes to that user, as SQLite does
    for the -wal and -shm files, so the service can still open it."""
    path = cargs[0] if cargs else cparams.get("database")
    if not isinstance(path, str) or path in ("", ":memory:") or cparams.get("uri"):
        return
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError:  # there already, or no folder to create it in: SQLite's own error says
        return
    try:
        folder = os.stat(os.path.dirname(os.path.abspath(path)))
        if getattr(os, "geteuid", lambda: -1)() == 0 and folder.st_uid != 0:
            os.fchown(fd, folder.st_uid, folder.st_gid)
    finally:
        os.close(fd)


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
