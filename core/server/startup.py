"""Why a command cannot use its database, in one line for the operator.

`antrian serve`, `db upgrade`, `backup` and the account commands open the database first. When
that fails (PostgreSQL not running, a data folder the service user may not write, a schema a
newer version upgraded) the operator used to get forty lines of SQLAlchemy, driver and Alembic
traceback, with the cause at the bottom and no word on what to do. `database_problem` turns
such a failure into one line saying what is wrong and what to do; the CLI prints it and exits
non-zero. An exception it does not recognise is left alone: a bug keeps its traceback.

The SQLite folder checks are only `stat` and `access` calls, so `antrian check-config` (which
opens no database) asks them too: run as the service's user, it finds the folder the server
could not write before the server tries.
"""

from __future__ import annotations

import os
import pwd
import sqlite3
from pathlib import Path

from alembic.util import CommandError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DatabaseError, InterfaceError, OperationalError

from core import migrations
from core.health import describe

WHERE_THE_URL_IS = "database_url in config.yaml (or ANTRIAN_DATABASE_URL)"


def database_problem(exc: BaseException, database_url: str) -> str | None:
    """What `exc`, raised while opening or upgrading the database at `database_url`, means
    for the operator, or None when it is not such a failure."""
    if isinstance(exc, migrations.SchemaError):
        return f"{exc}."
    if isinstance(exc, CommandError):  # Alembic's own, e.g. a revision it cannot find
        return f"the schema cannot be upgraded: {describe(exc)}."
    opening = isinstance(exc, OperationalError | InterfaceError | sqlite3.OperationalError)
    # The plain DatabaseError, not its kinds (a broken constraint is no start-up problem):
    # SQLite raises it for a file that is not a database.
    if not opening and type(exc) not in (DatabaseError, sqlite3.DatabaseError):
        return None
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        return sqlite_folder_problem(database_url) or _sqlite_failure(exc, url.database)
    shown = url.render_as_string(hide_password=True)
    return (
        f"cannot use the database {shown}: {describe(exc)}. Check that the database server "
        f"runs and lets this user in, and that {WHERE_THE_URL_IS} is right."
    )


def sqlite_folder_problem(database_url: str) -> str | None:
    """Why this user could not keep a SQLite database at `database_url`, without opening it:
    a missing folder, one it may not write (SQLite adds the -wal and -shm files beside the
    database), or a database file it may not read and write. None when fine, or not SQLite."""
    url = make_url(database_url)
    database = url.database
    if url.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    if database.startswith("file:"):
        return None  # a URI: SQLite reads its own options
    path = Path(database).absolute()
    folder = path.parent
    if not folder.exists():
        return (
            f"the data folder {folder} does not exist: create it, owned by the user the "
            f"server runs as, or correct {WHERE_THE_URL_IS}."
        )
    if not folder.is_dir():
        return f"{folder} is not a folder: correct {WHERE_THE_URL_IS}."
    who = _user()
    if not os.access(folder, os.W_OK | os.X_OK):
        return (
            f"the data folder {folder} is not writable by the user {who}, and SQLite keeps "
            f"{path.name} and its -wal and -shm files there: give the folder to the user the "
            "server runs as (chown), or run the server as its owner."
        )
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        return (
            f"the database file {path} cannot be read and written by the user {who}: give it "
            "to the user the server runs as (chown), or run the server as its owner."
        )
    return None


def first_admin_file_problem(path: Path) -> str | None:
    """Why the first admin's password could not be written to `path` (the server's output
    is no terminal), or None. Asked before the admin is created: an admin whose password
    went nowhere would lock the operator out of a new mall."""
    folder = path.parent
    writable = os.access(path, os.W_OK) if path.exists() else os.access(folder, os.W_OK | os.X_OK)
    if writable:
        return None
    user = _user()
    return (
        f"Saat pertama kali dijalankan, server menulis kata sandi admin baru ke {path}, tetapi "
        f"pengguna {user} tidak boleh menulis di sana: jadikan {folder} dapat ditulis oleh "
        "pengguna itu, atau jalankan server sekali di terminal (kata sandinya ditampilkan), "
        "atau tambahkan admin dengan 'antrian user add'. / "
        f"the first start writes the new admin's password to {path}, but the user {user} "
        f"may not write there: make {folder} writable for that user, or start the server "
        "once on a terminal (it shows the password), or add an admin with 'antrian user add'."
    )


def _sqlite_failure(exc: BaseException, database: str | None) -> str:
    said = describe(exc)
    damaged = "not a database" in said or "malformed" in said
    hint = " It is damaged or not Antrian's: restore a backup (docs/deploy.md, Backups)." * damaged
    return f"cannot open the SQLite database {database}: {said}.{hint}"


def _user() -> str:
    """The name of the user this process runs as (not $USER, which `sudo` may keep)."""
    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:  # no name for this uid (a bare container)
        return str(os.geteuid())
