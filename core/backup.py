"""`antrian backup PATH`: a consistent copy of the embedded database while the server runs.

SQLite's online backup API copies the database page by page through a read transaction. In
WAL mode a reader never blocks the writers, so kiosks and counters go on while the copy is
made, and the copy is the database as it was at one commit (taken in one step, it cannot mix
pages from before and after a change). The copy goes to a temporary file beside the
destination and is renamed into place only after SQLite's integrity check passed, so a
backup that was cut off (disk full, kill) never leaves a half file under the name asked for.
Like the database, the copy is readable by its owner alone (0600).

PostgreSQL has its own tools for this (`pg_dump`, or base backups with WAL archiving for
point-in-time recovery); docs/deploy.md says how. `antrian backup` says so instead of
pretending.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from core.tickets import DomainError


@dataclass(frozen=True)
class BackupDone:
    path: Path
    size_bytes: int
    tickets: int
    revision: str | None


def backup_database(database_url: str, destination: str | os.PathLike[str]) -> BackupDone:
    """Copy the SQLite database at `database_url` to `destination` (which must not exist)."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        raise DomainError(
            "'antrian backup' menyalin basis data SQLite bawaan; server ini memakai "
            f"{url.get_backend_name()}. Cadangkan dengan alat basis data itu sendiri, mis. "
            "`pg_dump --format=custom --file=antrian.dump DATABASE` (docs/deploy.md, Backups). / "
            f"'antrian backup' copies the embedded SQLite database; this server uses "
            f"{url.get_backend_name()}. Back it up with its own tools, e.g. "
            "`pg_dump --format=custom --file=antrian.dump DATABASE` (docs/deploy.md, Backups)."
        )
    if not url.database or url.database == ":memory:":
        raise DomainError(
            "Basis data berada di memori: tidak ada yang dapat dicadangkan dari disk. / "
            "The database is in memory: there is nothing on disk to back up."
        )
    source = Path(url.database)
    if not source.exists():
        raise DomainError(
            f"Tidak ada basis data di {source}: apakah server pernah dijalankan? / "
            f"No database at {source}: has the server ever started?"
        )
    target = Path(destination)
    if target.exists():
        raise DomainError(
            f"{target} sudah ada; pilih nama berkas baru (tidak ada yang ditulis). / "
            f"{target} exists already; choose a new file name (nothing was written)."
        )
    if not target.parent.is_dir():
        raise DomainError(
            f"Folder {target.parent} tidak ada; buat folder itu terlebih dahulu. / "
            f"The folder {target.parent} does not exist; create it first."
        )
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    try:
        _copy(source, partial)
        tickets, revision = _check(partial)
        os.replace(partial, target)
    except sqlite3.Error as exc:
        raise DomainError(
            f"Pencadangan gagal dan berkasnya dihapus: {exc}. / "
            f"The backup failed and was removed: {exc}"
        ) from None
    except OSError as exc:
        raise DomainError(
            f"Tidak dapat menulis cadangan di {target.parent}: {exc.strerror or exc}; pilih "
            "folder yang boleh ditulis oleh pengguna ini (tidak ada yang ditulis). / "
            f"Cannot write the backup in {target.parent}: {exc.strerror or exc}; "
            "choose a folder this user may write to (nothing was written)."
        ) from None
    finally:
        partial.unlink(missing_ok=True)
    return BackupDone(target, target.stat().st_size, tickets, revision)


def _copy(source: Path, partial: Path) -> None:
    # The copy holds the database's NIK and phone numbers: readable by its owner alone (a
    # stricter umask still applies), like the database itself (core/engine.py).
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    # Read-only URI: a backup never creates or changes the source, even by mistake.
    with (
        sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30) as reader,
        sqlite3.connect(partial) as writer,
    ):
        reader.backup(writer)  # all pages in one step: one consistent read transaction
    reader.close()
    writer.close()


def _check(partial: Path) -> tuple[int, str | None]:
    connection = sqlite3.connect(partial)
    try:
        result = connection.execute("PRAGMA integrity_check").fetchone()[0]
        if result != "ok":
            raise sqlite3.DatabaseError(f"integrity check of the copy: {result}")
        listed = connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
        tables = {row[0] for row in listed}
        tickets = (
            connection.execute("SELECT count(*) FROM tickets").fetchone()[0]
            if "tickets" in tables
            else 0
        )
        revision = (
            connection.execute("SELECT version_num FROM alembic_version").fetchone()[0]
            if "alembic_version" in tables
            else None
        )
        return int(tickets), revision
    finally:
        connection.close()
