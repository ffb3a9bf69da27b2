"""`antrian` as an operator runs it: accounts, devices, config checks, the first start."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from core.accounts import Accounts, Unauthorized
from core.config import load_settings
from core.store import UnitOfWork, make_engine
from tests.support.live import ROOT, LiveServer, free_port, write_all_day_config


def antrian(config: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANTRIAN_")}
    return subprocess.run(
        [sys.executable, "-m", "core.server.cli", "--config", str(config), *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return write_all_day_config(tmp_path, port=5000)


@pytest.fixture
def accounts(config: Path):  # type: ignore[no-untyped-def]
    settings = load_settings(config, environ={})
    engine = make_engine(settings.database_url)
    yield Accounts(settings, UnitOfWork(engine))
    engine.dispose()


def test_user_add_reads_the_password_from_stdin(config: Path, accounts: Accounts):
    result = antrian(config, "user", "add", "siti", "--role", "officer", stdin="rahasia-123\n")
    assert result.returncode == 0, result.stderr
    assert "Added officer 'siti'" in result.stdout
    assert "rahasia-123" not in result.stdout + result.stderr
    token, actor = accounts.login("siti", "rahasia-123", 4)
    assert (actor.kind, actor.name, actor.counter) == ("officer", "siti", 4)
    with pytest.raises(Unauthorized):
        accounts.login("siti", "another-password", 4)

    listed = antrian(config, "user", "list")
    assert "siti" in listed.stdout and "officer" in listed.stdout


def test_user_add_with_counters_and_a_short_password(config: Path, accounts: Accounts):
    result = antrian(
        config, "user", "add", "budi", "--role", "officer", "--counters", "2,3", stdin="pw\n"
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "Error: The password needs at least 8 characters."
    ]
    result = antrian(
        config, "user", "add", "budi", "--role", "officer", "--counters", "2,3", stdin="12345678\n"
    )
    assert result.returncode == 0, result.stderr
    assert accounts.counters_for("budi") == [2, 3]


def test_device_add_prints_a_token_once_that_then_authenticates(config: Path, accounts: Accounts):
    result = antrian(
        config, "device", "add", "display-lantai-1", "--kind", "display", "--zone", "A"
    )
    assert result.returncode == 0, result.stderr
    lines = [line.strip() for line in result.stdout.splitlines() if line.strip()]
    marker = next(i for i, line in enumerate(lines) if "shown only this once" in line)
    token = lines[marker + 1]
    assert len(token) >= 40
    assert result.stdout.count(token) == 2  # the token, then the setup address carrying it
    actor = accounts.authenticate(token)
    assert (actor.kind, actor.name, actor.zone) == ("display", "display-lantai-1", "A")

    again = antrian(config, "device", "add", "display-lantai-1", "--kind", "display")
    assert again.returncode == 1
    assert "already exists" in again.stderr


def broken(tmp_path: Path, change) -> Path:  # type: ignore[no-untyped-def]
    config = write_all_day_config(tmp_path, port=5000)
    data = yaml.safe_load(config.read_text())
    change(data)
    config.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    return config


def duplicate_prefix(data: dict) -> None:
    data["services"][1]["prefix"] = "A"


def unknown_zone(data: dict) -> None:
    data["counters"][0]["zone"] = "Q"


def unknown_printer(data: dict) -> None:
    data["kiosks"][0]["printer"] = {"kind": "laser"}


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (duplicate_prefix, ["services[1].prefix", "'A'"]),
        (unknown_zone, ["counters[0].zone", "'Q'"]),
        (unknown_printer, ["laser"]),
    ],
)
def test_check_config_reports_a_broken_file_in_one_line(tmp_path: Path, change, words):  # type: ignore[no-untyped-def]
    result = antrian(broken(tmp_path, change), "check-config")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Configuration error: ")
    for word in words:
        assert word in lines[0]
    assert "Traceback" not in result.stderr + result.stdout


def test_check_config_on_unreadable_yaml_and_missing_files(tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("mall: [unclosed\n")
    for path in (bad, tmp_path / "missing.yaml"):
        result = antrian(path, "check-config")
        assert result.returncode == 2
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert "Traceback" not in result.stderr


def test_check_config_accepts_the_demo(config: Path):
    result = antrian(config, "check-config")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("OK: Mal Pelayanan Publik Merdeka Kota Malang")


def test_the_first_start_prints_how_the_admin_signs_in(tmp_path: Path):
    server = LiveServer(tmp_path, port=free_port())
    server.start()
    try:
        log = server.log_path.read_text()
        assert "username: admin" in log
        password = log.split("password: ", 1)[1].split()[0]
        assert len(password) >= 8
        assert "antrian user add" in log
        assert "antrian device add" in log
        login = server.api("POST", "/auth/login", json={"username": "admin", "password": password})
        assert login.status_code == 200, login.text
        assert login.json()["role"] == "admin"
        # A restart on the same database does not create or print another admin.
        server.restart()
        assert server.log_path.read_text().count("username: admin") == 1
    finally:
        server.stop()
