"""A command that cannot use its database says so in one line and exits non-zero.

Each case runs `antrian` in its own process, as an operator (or systemd) does: a PostgreSQL
that is not listening, a data folder that is missing or not writable, a schema a newer version
upgraded. What the operator reads is one line saying what is wrong and what to do, never a
traceback.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.store import make_engine, users
from tests.support.live import ROOT, free_port, write_all_day_config

# Root may write into any folder, whatever its mode: a test run as root (a container's CI)
# starts the command through this launcher, which gives that power up for good before the
# command's Python starts (dropped from the bounding set, it is gone after the exec), so the
# folder's mode counts. Other users have no such power to give up.
AS_AN_ORDINARY_USER = """
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
for capability in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
    if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
        raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")
os.execv(sys.executable, [sys.executable, "-m", "core.server.cli", *sys.argv[1:]])
"""


def antrian(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANTRIAN_")}
    start = ["-c", AS_AN_ORDINARY_USER] if os.geteuid() == 0 else ["-m", "core.server.cli"]
    return subprocess.run(
        [sys.executable, *start, "--config", str(config), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def one_line(result: subprocess.CompletedProcess[str], prefix: str = "Database error: ") -> str:
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(prefix), lines[0]
    return lines[0]


def serve() -> tuple[str, ...]:
    return ("serve", "--host", "127.0.0.1", "--port", str(free_port()))


COMMANDS: list[Callable[[], tuple[str, ...]]] = [
    serve,
    lambda: ("db", "upgrade"),
    lambda: ("user", "list"),
]
IDS = ["serve", "db upgrade", "user list"]


# --------------------------------------------------------------------------- PostgreSQL


@pytest.mark.parametrize("command", COMMANDS, ids=IDS)
def test_postgresql_not_listening(tmp_path: Path, command: Callable[[], tuple[str, ...]]):
    port = free_port()  # nothing listens there once the probe socket is closed
    url = f"postgresql+psycopg://antrian:rahasia@127.0.0.1:{port}/antrian"
    config = write_all_day_config(tmp_path, port=5000, database_url=url)
    line = one_line(antrian(config, *command()))
    assert f"cannot use the database postgresql+psycopg://antrian:***@127.0.0.1:{port}" in line
    assert "rahasia" not in line
    assert "database_url" in line


# --------------------------------------------------------------------------- SQLite folder


def in_folder(tmp_path: Path, folder: Path) -> Path:
    return write_all_day_config(tmp_path, port=5000, database_url=f"sqlite:///{folder}/a.db")


@pytest.mark.parametrize("command", COMMANDS, ids=IDS)
def test_a_missing_data_folder(tmp_path: Path, command: Callable[[], tuple[str, ...]]):
    folder = tmp_path / "data"
    line = one_line(antrian(in_folder(tmp_path, folder), *command()))
    assert f"the data folder {folder} does not exist" in line
    assert not folder.exists()


@pytest.mark.parametrize("command", COMMANDS, ids=IDS)
@pytest.mark.parametrize("database", ["new", "existing"])
def test_a_data_folder_the_server_may_not_write(
    tmp_path: Path, command: Callable[[], tuple[str, ...]], database: str
):
    folder = tmp_path / "data"
    folder.mkdir()
    config = in_folder(tmp_path, folder)
    if database == "existing":
        assert antrian(config, "db", "upgrade").returncode == 0
    folder.chmod(0o555)
    try:
        line = one_line(antrian(config, *command()))
    finally:
        folder.chmod(0o755)
    assert f"the data folder {folder} is not writable by the user " in line
    assert "-wal and -shm" in line


@pytest.mark.parametrize("kind", ["missing", "read-only"])
def test_check_config_finds_the_data_folder_the_server_could_not_use(tmp_path: Path, kind: str):
    folder = tmp_path / "data"
    if kind == "read-only":
        folder.mkdir(mode=0o555)
    try:
        result = antrian(in_folder(tmp_path, folder), "check-config")
    finally:
        if folder.exists():
            folder.chmod(0o755)
    assert result.returncode == 2
    line = one_line(result, "Configuration error: database_url: the data folder ")
    assert ("does not exist" if kind == "missing" else "is not writable") in line
    assert not folder.exists() or list(folder.iterdir()) == []  # and it created nothing


def test_a_backup_into_a_folder_it_may_not_write(tmp_path: Path):
    config = write_all_day_config(tmp_path, port=5000)
    assert antrian(config, "db", "upgrade").returncode == 0
    folder = tmp_path / "backups"
    folder.mkdir(mode=0o555)
    try:
        line = one_line(antrian(config, "backup", str(folder / "copy.db")), "Error: ")
    finally:
        folder.chmod(0o755)
    assert f"Cannot write the backup in {folder}" in line
    assert list(folder.iterdir()) == []


# --------------------------------------------------------------------------- schema


@pytest.mark.parametrize("command", COMMANDS, ids=IDS)
def test_a_schema_upgraded_by_a_newer_version(
    tmp_path: Path, command: Callable[[], tuple[str, ...]]
):
    config = write_all_day_config(tmp_path, port=5000)
    assert antrian(config, "db", "upgrade").returncode == 0
    with sqlite3.connect(tmp_path / "antrian.db") as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0999'")
    conn.close()
    line = one_line(antrian(config, *command()))
    assert "at revision '0999', which this version of Antrian does not know" in line
    assert "restore a backup" in line
    current = antrian(config, "db", "current")
    assert current.stdout.startswith("0999: newer than this version of Antrian")
    assert "upgrades" not in current.stdout  # no upgrade goes backwards


# --------------------------------------------------------------------------- first admin


@pytest.mark.postgres
def test_the_first_start_refuses_to_make_an_admin_whose_password_it_cannot_write(
    tmp_path: Path, postgres_url: str
):
    """On PostgreSQL the password file goes beside the configuration file; under a service
    manager that folder may be read-only (/etc/antrian). The server says so before it makes
    an admin nobody could sign in as."""
    folder = tmp_path / "etc"
    folder.mkdir()
    config = write_all_day_config(folder, port=5000, database_url=postgres_url)
    assert antrian(config, "db", "upgrade").returncode == 0  # its log lines out of the way
    folder.chmod(0o555)
    try:
        line = one_line(antrian(config, *serve()), "Error: ")
    finally:
        folder.chmod(0o755)
    assert f"writes the new admin's password to {folder / 'antrian-admin-password.txt'}" in line
    assert "antrian user add" in line
    engine = make_engine(postgres_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(users)).scalar_one() == 0
    finally:
        engine.dispose()
