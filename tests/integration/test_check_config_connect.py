"""`antrian check-config --connect`: asks the database and the message queue what a start
would meet, writing nothing; exit 1 with one line per cause when a start would fail."""

from __future__ import annotations

import os
import socket
import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import inspect

from core import migrations
from core.config import load_settings
from core.server import preflight
from core.store import make_engine
from tests.integration.test_cli import antrian, run_main
from tests.integration.test_production_mode import REDIS_URL, redis_or_skip
from tests.support.live import free_port, write_all_day_config


def test_on_sqlite_it_reads_the_schema_revision_and_creates_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # In this process (quicker), reading the config file alone like the command's own process.
    for name in [n for n in os.environ if n.startswith("ANTRIAN_")]:
        monkeypatch.delenv(name)
    config = write_all_day_config(tmp_path, port=5000)

    def check() -> tuple[int, str, str]:
        return run_main(config, "check-config", "--connect", capsys=capsys)

    code, out, err = check()
    assert code == 0, err
    assert "OK: database: reachable, no tables yet (the first start creates them)." in out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.yaml"]

    assert run_main(config, "db", "upgrade", capsys=capsys)[0] == 0
    code, out, err = check()
    assert code == 0, err
    assert f"schema at {migrations.head()} (head)" in out

    with sqlite3.connect(tmp_path / "antrian.db") as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0001'")
    conn.close()
    code, out, err = check()
    assert code == 0, err
    assert "schema at 0001; the next start (or 'antrian db upgrade') upgrades it to" in out
    with sqlite3.connect(tmp_path / "antrian.db") as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0999'")
    conn.close()
    code, out, err = check()
    assert code == 1
    assert err.startswith("Database: the database's schema is at revision '0999'")
    assert "restore a backup" in err


def test_what_does_not_answer_is_named_with_what_to_do(tmp_path: Path) -> None:
    # Nothing listens on either port: both causes are told, each on its own line.
    config = write_all_day_config(
        tmp_path,
        port=5000,
        database_url=f"postgresql://postgres@127.0.0.1:{free_port()}/test",
        message_queue=f"redis://127.0.0.1:{free_port()}/0",
    )
    offline = antrian(config, "check-config")
    assert offline.returncode == 0, offline.stderr  # without --connect nothing is asked
    result = antrian(config, "check-config", "--connect")
    assert result.returncode == 1
    database, queue = result.stderr.splitlines()
    assert database.startswith("Database: cannot use the database postgresql://postgres@")
    assert "Connection refused" in database and "Check that the database server runs" in database
    assert queue.startswith("Message queue: message queue unreachable:")
    assert queue.endswith(
        "Start Redis, or correct message_queue in config.yaml (or ANTRIAN_MESSAGE_QUEUE)."
    )


@pytest.mark.postgres
@pytest.mark.redis
def test_on_postgresql_with_redis_it_plans_the_connections(
    tmp_path: Path, postgres_url: str
) -> None:
    redis_or_skip()
    config = write_all_day_config(
        tmp_path, port=5000, database_url=postgres_url, message_queue=REDIS_URL
    )
    result = antrian(config, "check-config", "--connect")
    assert result.returncode == 0, result.stderr
    assert "OK: database: reachable, no tables yet" in result.stdout
    assert "OK: message queue: answers." in result.stdout
    assert result.stderr == ""
    engine = make_engine(postgres_url)
    try:
        assert inspect(engine).get_table_names() == []  # it only read
    finally:
        engine.dispose()
    # More processes than PostgreSQL takes connections for: a warning, not a failure.
    crowded = antrian(config, "check-config", "--connect", "--workers", "500")
    assert crowded.returncode == 0, crowded.stderr
    assert crowded.stderr.startswith("Warning: The server processes may open ")
    assert "Lower database_connections or --workers" in crowded.stderr


def test_a_database_that_never_answers_is_given_up_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as silent:
        # The kernel completes the handshake for the backlog; nobody ever answers.
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        config = write_all_day_config(
            tmp_path, port=5000, database_url=f"postgresql://postgres@127.0.0.1:{port}/test"
        )
        monkeypatch.setattr(preflight, "CONNECT_TIMEOUT_SECONDS", 2)
        settings = load_settings(config, environ={})
        found: list[preflight.Findings] = []
        # In a thread: were the timeout lost, the test fails instead of hanging (closing the
        # listening socket then resets the connection it waits on).
        check = threading.Thread(
            target=lambda: found.append(preflight.check_connected(settings)), daemon=True
        )
        check.start()
        check.join(timeout=30)
    assert found, "the check still waits for a database that never answers"
    problems = found[0].problems
    assert len(problems) == 1
    assert problems[0].startswith("Database: cannot use the database postgresql://")
    assert "timeout" in problems[0]
