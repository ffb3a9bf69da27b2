"""`antrian` as an operator runs it: accounts, devices, config checks, the first start."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from sqlalchemy import inspect

from core import migrations
from core.accounts import Accounts, Unauthorized
from core.config import load_settings
from core.server import cli
from core.store import UnitOfWork, make_engine
from tests.integration.conftest import tables_as_before_migrations
from tests.support.live import ROOT, LiveServer, free_port, write_all_day_config


def antrian(
    config: Path, *args: str, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The command in its own process, with only the `ANTRIAN_` variables of `env`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANTRIAN_")} | (env or {})
    return subprocess.run(
        [sys.executable, "-m", "core.server.cli", "--config", str(config), *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def run_main(
    config: Path, *args: str, stdin: str = "", capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    """The same command in this process (quicker): exit code, stdout, stderr."""
    capsys.readouterr()
    saved = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        code = cli.main(["--config", str(config), *args])
    finally:
        sys.stdin = saved
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(autouse=True)
def no_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands run in this process read only the config file, like the subprocesses."""
    for name in [n for n in os.environ if n.startswith("ANTRIAN_")]:
        monkeypatch.delenv(name)


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


def test_user_add_with_counters_and_a_short_password(
    config: Path, accounts: Accounts, capsys: pytest.CaptureFixture[str]
):
    args = ("user", "add", "budi", "--role", "officer", "--counters", "2,3")
    code, _, err = run_main(config, *args, stdin="pw\n", capsys=capsys)
    assert code == 1
    assert err.strip().splitlines() == [
        "Error: Kata sandi minimal 8 karakter. / The password needs at least 8 characters."
    ]
    code, out, err = run_main(config, *args, stdin="12345678\n", capsys=capsys)
    assert code == 0, err
    assert accounts.counters_for("budi") == [2, 3]
    code, out, _ = run_main(config, "user", "list", capsys=capsys)
    assert code == 0
    assert "budi" in out and "counters=2,3" in out


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


def test_a_device_name_is_used_once(config: Path, capsys: pytest.CaptureFixture[str]):
    args = ("device", "add", "kiosk-lobby", "--kind", "kiosk", "--kiosk", "K1")
    assert run_main(config, *args, capsys=capsys)[0] == 0
    code, out, err = run_main(config, *args, capsys=capsys)
    assert code == 1
    assert "already exists" in err
    code, _, err = run_main(
        config, "device", "add", "tv-9", "--kind", "display", "--zone", "Q", capsys=capsys
    )
    assert (code, "Unknown zone 'Q'" in err) == (1, True)


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


def test_check_config_reports_a_broken_file_in_one_line_and_exits_2(tmp_path: Path):
    result = antrian(broken(tmp_path, duplicate_prefix), "check-config")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Configuration error: services[1].prefix: 'A'")
    assert "Traceback" not in result.stderr + result.stdout


def unserved_service(data: dict) -> None:
    """No counter serves the last service any more (a counter left with none goes too)."""
    code = data["services"][-1]["code"]
    for counter in data["counters"]:
        counter["services"] = [s for s in counter["services"] if s != code]
    data["counters"] = [c for c in data["counters"] if c["services"]]


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (duplicate_prefix, ["services[1].prefix", "'A'"]),
        (unknown_zone, ["counters[0].zone", "'Q'"]),
        (unknown_printer, ["laser"]),
        (unserved_service, ["services[", ".code", "no counter serves"]),
    ],
)
def test_each_config_mistake_is_one_line(  # type: ignore[no-untyped-def]
    tmp_path: Path, change, words, capsys: pytest.CaptureFixture[str]
):
    code, out, err = run_main(broken(tmp_path, change), "check-config", capsys=capsys)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("Configuration error: ")
    for word in words:
        assert word in lines[0]


def test_check_config_on_unreadable_yaml_and_missing_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    bad = tmp_path / "bad.yaml"
    bad.write_text("mall: [unclosed\n")
    for path in (bad, tmp_path / "missing.yaml"):
        code, _, err = run_main(path, "check-config", capsys=capsys)
        assert code == 2
        assert len(err.strip().splitlines()) == 1, err


def test_check_config_accepts_the_demo(config: Path, capsys: pytest.CaptureFixture[str]):
    code, out, err = run_main(config, "check-config", capsys=capsys)
    assert code == 0, err
    assert out.startswith("OK: Mal Pelayanan Publik Merdeka Kota Malang")


BAD_SESSION_CHECKS = ["sepuluh", "0", "-5", "nan", "inf", "86400"]


@pytest.mark.parametrize("value", BAD_SESSION_CHECKS)
def test_check_config_refuses_a_bad_session_check_interval_in_one_line(
    config: Path, value: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    monkeypatch.setenv("ANTRIAN_SESSION_CHECK_SECONDS", value)
    code, _, err = run_main(config, "check-config", capsys=capsys)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("Configuration error: ANTRIAN_SESSION_CHECK_SECONDS: ")
    assert repr(value) in lines[0] and "0.2 to 3600" in lines[0]


@pytest.mark.parametrize("value", ["sepuluh", "0"])
def test_serve_refuses_a_bad_session_check_interval_before_anything_starts(
    config: Path, value: str
):
    result = antrian(
        config, "serve", "--port", str(free_port()), env={"ANTRIAN_SESSION_CHECK_SECONDS": value}
    )
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Configuration error: ANTRIAN_SESSION_CHECK_SECONDS: ")
    assert not (config.parent / "antrian.db").exists()  # refused before the database


def test_a_good_session_check_interval_passes_check_config(
    config: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    monkeypatch.setenv("ANTRIAN_SESSION_CHECK_SECONDS", " 2.5 ")
    code, out, err = run_main(config, "check-config", capsys=capsys)
    assert (code, out.startswith("OK: ")) == (0, True), err


def test_the_first_start_keeps_the_admin_password_out_of_the_log(tmp_path: Path):
    """Output to a file (not a terminal): the password goes to a 0600 file beside the
    database, the log only says where, and the password must be changed before use."""
    server = LiveServer(tmp_path, port=free_port())
    server.start()
    try:
        log = server.log_path.read_text()
        secret_file = tmp_path / cli.FIRST_ADMIN_FILE
        assert str(secret_file) in log
        assert "antrian user add" in log
        assert "antrian device add" in log
        assert secret_file.stat().st_mode & 0o777 == 0o600
        content = secret_file.read_text()
        assert "username: admin" in content
        password = content.split("password: ", 1)[1].split()[0]
        assert len(password) >= 12
        assert password not in log
        login = server.api("POST", "/auth/login", json={"username": "admin", "password": password})
        assert login.status_code == 200, login.text
        assert login.json()["role"] == "admin"
        assert login.json()["password_change_required"] is True
        token = login.json()["token"]
        # Nothing but the change (and who am I, sign out) until the password is changed.
        refused = server.api("GET", "/snapshot", token)
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "password_change_required"
        assert "/api/v1/auth/password" in refused.json()["error"]["message"]
        assert server.api("GET", "/auth/me", token).json()["password_change_required"] is True
        same = server.api(
            "POST",
            "/auth/password",
            token,
            json={"current_password": password, "new_password": password},
        )
        assert same.status_code == 400
        wrong = server.api(
            "POST",
            "/auth/password",
            token,
            json={"current_password": "salah-sekali", "new_password": "kata-sandi-baru"},
        )
        assert wrong.status_code == 401
        changed = server.api(
            "POST",
            "/auth/password",
            token,
            json={"current_password": password, "new_password": "kata-sandi-baru"},
        )
        assert changed.status_code == 200, changed.text
        assert server.api("GET", "/snapshot", token).status_code == 200
        assert server.login("admin", "kata-sandi-baru")
        # A restart on the same database does not create another admin or touch the file.
        server.restart()
        assert server.log_path.read_text().count("First start") == 1
        assert secret_file.read_text() == content
    finally:
        server.stop()


def test_check_config_only_reads_it_creates_no_database_file(tmp_path: Path):
    config = write_all_day_config(tmp_path, port=5000)
    before = sorted(p.name for p in tmp_path.iterdir())
    result = antrian(config, "check-config")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("OK: ")
    assert sorted(p.name for p in tmp_path.iterdir()) == before == ["config.yaml"]


@pytest.mark.postgres
def test_check_config_creates_no_table_on_postgresql(
    tmp_path: Path, postgres_url: str, capsys: pytest.CaptureFixture[str]
):
    config = write_all_day_config(tmp_path, port=5000, database_url=postgres_url)
    code, out, err = run_main(config, "check-config", capsys=capsys)
    assert code == 0, err
    engine = make_engine(postgres_url)
    try:
        assert inspect(engine).get_table_names() == []
    finally:
        engine.dispose()


def test_db_current_and_upgrade(config: Path, capsys: pytest.CaptureFixture[str]):
    database = config.parent / "antrian.db"
    code, out, _ = run_main(config, "db", "current", capsys=capsys)
    assert code == 0
    assert out.splitlines()[0] == "none: no tables yet"
    assert not database.exists()  # reading the revision creates no file
    code, out, err = run_main(config, "db", "upgrade", capsys=capsys)
    assert (code, out.strip()) == (0, f"Upgraded: no revision -> {migrations.head()} (head)."), err
    code, out, _ = run_main(config, "db", "current", capsys=capsys)
    assert (code, out.strip()) == (0, f"{migrations.head()} (head)")
    code, out, _ = run_main(config, "db", "upgrade", capsys=capsys)
    assert (code, out.strip()) == (0, f"Already at {migrations.head()} (head).")


def test_db_upgrade_adopts_a_database_made_before_migrations(
    config: Path, capsys: pytest.CaptureFixture[str]
):
    settings = load_settings(config, environ={})
    engine = make_engine(settings.database_url)
    tables_as_before_migrations(engine)
    engine.dispose()
    code, out, _ = run_main(config, "db", "current", capsys=capsys)
    assert code == 0
    assert out.startswith("none: tables made before migrations")
    code, out, err = run_main(config, "db", "upgrade", capsys=capsys)
    assert code == 0, err
    assert out.splitlines() == [
        f"Tables made before migrations: stamped at {migrations.BASELINE}.",
        f"Upgraded: no revision -> {migrations.head()} (head).",
    ]
    code, out, _ = run_main(config, "db", "current", capsys=capsys)
    assert out.strip() == f"{migrations.head()} (head)"


def test_on_a_terminal_the_first_password_is_shown_once_and_no_file_is_written(
    tmp_path: Path, config: Path
) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    settings = load_settings(config, environ={})
    engine = make_engine(settings.database_url)
    uow = UnitOfWork(engine)
    uow.create_all()
    accounts = Accounts(settings, uow)
    out = Terminal()
    cli._first_admin(accounts, settings, out)
    engine.dispose()
    shown = out.getvalue()
    password = shown.split("password: ", 1)[1].split()[0]
    assert "must be changed" in shown
    assert not (tmp_path / cli.FIRST_ADMIN_FILE).exists()
    assert accounts.password_change_required("admin")
    token, _ = accounts.login("admin", password, None)
    assert token


def test_what_the_command_line_changes_is_in_the_audit_log(
    config: Path, capsys: pytest.CaptureFixture[str]
):
    """Like the admin pages' changes, under the system user who ran the command."""
    from sqlalchemy import select

    from core.store import audit_log

    steps = [
        (("user", "add", "rina", "--role", "officer"), "12345678\n"),
        (("user", "disable", "rina"), ""),
        (("user", "password", "rina"), "87654321\n"),
        (("device", "add", "kiosk-2", "--kind", "kiosk", "--kiosk", "K1"), ""),
        (("device", "revoke", "kiosk-2"), ""),
        (("user", "list"), ""),  # reads: nothing to note
    ]
    for args, stdin in steps:
        code, _, err = run_main(config, *args, stdin=stdin, capsys=capsys)
        assert code == 0, err
    engine = make_engine(load_settings(config, environ={}).database_url)
    with engine.connect() as conn:
        rows = conn.execute(select(audit_log.c.actor, audit_log.c.action, audit_log.c.detail)).all()
    engine.dispose()
    noted = [(action, detail) for actor, action, detail in rows if actor.startswith("cli:")]
    assert [action for action, _ in noted] == [
        "user.add",
        "user.disable",
        "user.reset_password",
        "device.add",
        "device.revoke",
    ]
    assert noted[3][1] == "kiosk kiosk-2" and noted[1][1] == "rina"
