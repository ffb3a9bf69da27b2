"""The simulated day's own database, of the kind the mall is configured with, thrown away after.

A day must start on an empty database and must never touch the mall's real one, yet it should
run on the same kind of database as the server (PostgreSQL's locking, its timestamp precision
and its query plans are part of what is being measured). So:

- SQLite: a file in a temporary folder, removed afterwards.
- PostgreSQL: a temporary database on the server of the configured URL; when the role may not
  create databases (an application role usually owns its database and nothing more), a
  temporary schema in the configured database, reached through the URL's `search_path`, as
  the integration tests do. Either is dropped afterwards, also when the day fails or is
  interrupted (Ctrl-C raises KeyboardInterrupt through the `finally`; `antrian simulate`
  turns SIGTERM into the same).

The schema itself is made by the caller the way the server makes it (`QueueService.
ensure_ready`: the migrations to their head), not by `create_all`.
"""

from __future__ import annotations

import re
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.pool import NullPool

PREFIX = "antrian_sim_"


class DatabaseKindError(ValueError):
    """A database URL the simulator cannot run a day on."""


def kind(url: str) -> str:
    """'sqlite' or 'postgresql' for a database URL; DatabaseKindError for anything else."""
    backend = url.split(":", 1)[0].split("+", 1)[0].lower()
    if backend in ("sqlite", "postgresql"):
        return backend
    raise DatabaseKindError(
        f"database URL {url.split('://', 1)[0]}://... is neither SQLite nor PostgreSQL"
    )


@contextmanager
def temporary_database(url: str) -> Iterator[str]:
    """The URL of a new, empty database of `url`'s kind (on `url`'s server for PostgreSQL);
    the database is dropped when the block ends, however it ends."""
    if kind(url) == "sqlite":
        with _sqlite_file() as found:
            yield found
        return
    admin = _admin_engine(url)
    try:
        try:
            with _postgres_database(admin, url) as found:
                yield found
        except _MayNotCreateDatabases:
            with _postgres_schema(admin, url) as found:
                yield found
    finally:
        admin.dispose()


@contextmanager
def _sqlite_file() -> Iterator[str]:
    folder = tempfile.mkdtemp(prefix="antrian-sim-")
    try:
        yield f"sqlite:///{Path(folder) / 'sim.db'}"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


class _MayNotCreateDatabases(Exception):
    pass


def _admin_engine(url: str) -> Engine:
    # Unpooled and in autocommit: CREATE/DROP DATABASE may not run inside a transaction, and
    # no connection of ours may linger on the database being dropped.
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return create_engine(parsed, isolation_level="AUTOCOMMIT", poolclass=NullPool)


@contextmanager
def _postgres_database(admin: Engine, url: str) -> Iterator[str]:
    name = PREFIX + secrets.token_hex(6)
    # The CREATE inside the `try`: a stop that lands just after it still drops the database.
    try:
        try:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        except ProgrammingError as exc:
            if getattr(exc.orig, "sqlstate", None) == "42501":  # insufficient_privilege
                raise _MayNotCreateDatabases from None
            raise
        # A search_path of the URL names a schema of the configured database, not of the new
        # one: the new database's default path is the right one.
        yield _with_options(make_url(url).set(database=name), _other_options(url))
    finally:
        with admin.connect() as conn:
            # FORCE: a connection an interrupted day left open must not keep it alive.
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextmanager
def _postgres_schema(admin: Engine, url: str) -> Iterator[str]:
    name = PREFIX + secrets.token_hex(6)
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{name}"'))
        # Only this schema on the path: the migrations create every table, function and
        # trigger in it, and nothing of the configured database's own is seen.
        search = f"{_other_options(url)} -csearch_path={name}".strip()
        yield _with_options(make_url(url), search)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))


def _other_options(url: str) -> str:
    """The URL's libpq `options` less any search_path."""
    options = str(make_url(url).query.get("options", ""))
    return re.sub(r"-c\s*search_path=\S+", "", options).strip()


def _with_options(parsed: URL, options: str) -> str:
    if options:
        parsed = parsed.update_query_dict({"options": options})
    else:
        parsed = parsed.difference_update_query(["options"])
    return parsed.render_as_string(hide_password=False)
