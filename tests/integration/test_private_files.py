"""The database and its backups hold visitors' NIK and phone numbers: only their owner may
read them, whatever the umask of the shell or service manager that started the process."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.test_cli import antrian
from tests.support.live import LiveServer, write_all_day_config

NOBODY = 65534  # a user other than this one, for the folder of a service user


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The loosest umask, for this process and the ones it starts: what a file gets is then
    what the code asked for."""
    before = os.umask(0)
    yield
    os.umask(before)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_running_server_keeps_its_database_files_to_its_own_user(
    tmp_path: Path, open_umask: None
):
    server = LiveServer(tmp_path)
    server.start()
    try:
        files = {p.name: mode(p) for p in tmp_path.iterdir() if p.name.startswith("antrian.db")}
    finally:
        server.stop()
    assert files == {"antrian.db": 0o600, "antrian.db-wal": 0o600, "antrian.db-shm": 0o600}


def test_a_backup_is_readable_by_its_owner_alone(tmp_path: Path, open_umask: None):
    config = write_all_day_config(tmp_path, port=5000)
    assert antrian(config, "db", "upgrade").returncode == 0
    done = antrian(config, "backup", str(tmp_path / "copy.db"))
    assert done.returncode == 0, done.stderr
    assert mode(tmp_path / "copy.db") == 0o600
    assert not [p.name for p in tmp_path.iterdir() if "partial" in p.name]


def test_a_stricter_umask_still_applies(tmp_path: Path):
    config = write_all_day_config(tmp_path, port=5000)
    before = os.umask(0o177)
    try:
        assert antrian(config, "db", "upgrade").returncode == 0
    finally:
        os.umask(before)
    assert mode(tmp_path / "antrian.db") == 0o600  # and not widened to 0644 by SQLite


def test_a_database_made_by_root_in_the_service_users_folder_belongs_to_that_user(
    tmp_path: Path,
):
    """`antrian db upgrade` run as root (an install script) before the service, which runs
    as the folder's owner, starts: the new file must be the service's to open. Run as any
    other user, the folder is that user's own and so is the file."""
    folder = tmp_path / "data"
    folder.mkdir()
    if os.geteuid() == 0:
        os.chown(folder, NOBODY, NOBODY)
    config = write_all_day_config(tmp_path, port=5000, database_url=f"sqlite:///{folder}/a.db")
    result = antrian(config, "db", "upgrade")
    assert result.returncode == 0, result.stderr
    made = (folder / "a.db").stat()
    owner = folder.stat()
    assert (made.st_uid, made.st_gid, stat.S_IMODE(made.st_mode)) == (
        owner.st_uid,
        owner.st_gid,
        0o600,
    )
