"""The schema under Alembic: head matches the tables, old databases are adopted, and any number
of processes may start at once on an empty database (SQLite file and PostgreSQL)."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import threading
import time
from pathlib import Path

import pytest
import requests
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, func, inspect, select, text

from core import live_log, migrations
from core.accounts import Accounts
from core.config import Settings
from core.handlers import QueueService
from core.server.app import _stored_secret
from core.store import (
    UnitOfWork,
    app_settings,
    counter_state,
    make_engine,
    mall_state,
    metadata,
    ticket_events,
    tickets,
    users,
)
from tests.conftest import KIOSK, FakeClock, officer
from tests.integration.conftest import undo_later_revisions
from tests.integration.test_production_mode import REDIS_URL, redis_or_skip
from tests.integration.test_serve import children, own_mall
from tests.support.live import LiveServer

SERVERS = 4
WORKERS = 2


@pytest.fixture
def engine(database_url: str):  # type: ignore[no-untyped-def]
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def differences(engine: Engine) -> list:
    """What Alembic's autogenerate would change to make the database match the tables."""
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, metadata)


def version_rows(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return [row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version"))]


def count(engine: Engine, table) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_the_revisions_have_one_head_and_start_at_the_baseline():
    scripts = migrations._scripts()
    assert scripts.get_heads() == [migrations.head()]
    assert scripts.get_bases() == [migrations.BASELINE]
    # Each revision file is numbered by its revision: 0001_baseline.py, 0002_…
    for script in scripts.walk_revisions():
        assert Path(script.path).name.startswith(f"{script.revision}_")


def test_upgrade_head_makes_exactly_the_tables_and_indexes(engine: Engine):
    assert migrations.current(engine) is None
    done = migrations.upgrade(engine)
    assert (done.before, done.after, done.adopted, done.changed) == (
        None,
        migrations.head(),
        False,
        True,
    )
    assert migrations.current(engine) == migrations.head()
    assert differences(engine) == []
    tables = set(inspect(engine).get_table_names())
    assert tables == set(metadata.tables) | {"alembic_version"}
    # Again: nothing to do, and nothing done.
    again = migrations.upgrade(engine)
    assert (again.before, again.changed) == (migrations.head(), False)
    assert version_rows(engine) == [migrations.head()]


def test_a_database_made_before_migrations_is_adopted_with_its_data(
    database_url: str,
    settings: Settings,
    clock: FakeClock,
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
):
    settings = dataclasses.replace(settings, database_url=database_url)
    # The previous start-up path: create_all, then the state rows (ensure_ready did both).
    # Today's code runs on it, so what later revisions added goes only once it has written.
    with monkeypatch.context() as previous:
        previous.setattr(migrations, "upgrade", lambda engine: UnitOfWork(engine).create_all())
        old = QueueService(settings, UnitOfWork(engine), clock=clock)
        old.ensure_ready()
        # The code of then wrote no live-event log (0003b).
        previous.setattr(live_log, "record", lambda _conn, _rows: None)
        issued = [old.issue_ticket("KTP", None, KIOSK) for _ in range(3)]
        old.open_counter(1, officer(1))
        called = old.call_next(1, officer(1))
    accounts = Accounts(settings, UnitOfWork(engine), clock=clock)
    accounts.add_user("siti", "rahasia-123", "officer", [1, 2])
    secret = _stored_secret(UnitOfWork(engine))
    undo_later_revisions(engine)
    assert "alembic_version" not in inspect(engine).get_table_names()
    assert migrations.current(engine) == migrations.LEGACY
    present = set(inspect(engine).get_table_names())
    rows_before = {t.name: count(engine, t) for t in metadata.sorted_tables if t.name in present}
    rows_before["live_events"] = 0  # made by 0003b

    done = migrations.upgrade(engine)

    assert (done.adopted, done.before, done.after) == (True, None, migrations.head())
    assert version_rows(engine) == [migrations.head()]
    assert differences(engine) == []
    assert {name: count(engine, metadata.tables[name]) for name in rows_before} == rows_before
    # The new start-up path on the adopted database: the same tickets, accounts and key.
    queue = QueueService(settings, UnitOfWork(engine), clock=clock)
    queue.ensure_ready()
    assert [queue.ticket_status(t["id"])["number"] for t in issued] == ["A001", "A002", "A003"]
    assert queue.ticket_status(called["id"])["status"] == "called"
    fourth = queue.issue_ticket("KTP", None, KIOSK)
    # The two still waiting were counted by the upgrade (queue_lengths, revision 0003).
    assert (fourth["number"], fourth["ahead"]) == ("A004", 2)
    assert accounts.login("siti", "rahasia-123", 2)[1].name == "siti"
    assert _stored_secret(UnitOfWork(engine)) == secret
    assert count(engine, mall_state) == 1
    assert count(engine, counter_state) == len(settings.counters)


def test_a_database_with_only_some_of_the_tables_is_left_alone(engine: Engine):
    with engine.begin() as conn:
        metadata.tables["tickets"].create(conn)
        metadata.tables["ticket_events"].create(conn)
    with pytest.raises(migrations.SchemaError, match="not app_settings"):
        migrations.upgrade(engine)
    assert "alembic_version" not in inspect(engine).get_table_names()


def test_upgrades_racing_from_many_connections_upgrade_once(database_url: str):
    """Each thread has its own engine, like a process: one upgrades, the others wait and
    find the schema at head."""
    engines = [make_engine(database_url) for _ in range(6)]
    start = threading.Barrier(len(engines))
    outcomes: list[migrations.Upgrade] = []
    errors: list[BaseException] = []

    def run(engine: Engine) -> None:
        start.wait()
        try:
            outcomes.append(migrations.upgrade(engine))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(engine,)) for engine in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    try:
        assert errors == []
        assert len(outcomes) == len(engines)
        assert sum(outcome.changed for outcome in outcomes) == 1
        assert {outcome.after for outcome in outcomes} == {migrations.head()}
        assert version_rows(engines[0]) == [migrations.head()]
        assert differences(engines[0]) == []
    finally:
        for engine in engines:
            engine.dispose()


def test_start_up_rows_are_inserted_once_when_processes_race(
    settings: Settings, database_url: str, clock: FakeClock
):
    """ensure_ready, the stored secret key and the first admin from several engines at once."""
    settings = dataclasses.replace(settings, database_url=database_url)
    engines = [make_engine(database_url) for _ in range(4)]
    start = threading.Barrier(len(engines))
    secrets: list[str] = []
    admins: list[bool] = []
    errors: list[BaseException] = []

    def run(engine: Engine) -> None:
        uow = UnitOfWork(engine)
        start.wait()
        try:
            QueueService(settings, uow, clock=clock).ensure_ready()
            secrets.append(_stored_secret(uow))
            admins.append(Accounts(settings, uow, clock=clock).add_first_admin("rahasia-admin"))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(engine,)) for engine in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    try:
        assert errors == []
        assert len(set(secrets)) == 1 and len(secrets) == len(engines)
        assert sorted(admins) == [False, False, False, True]
        assert count(engines[0], users) == 1
        assert count(engines[0], mall_state) == 1
        assert count(engines[0], counter_state) == len(settings.counters)
        # One signing secret, and the day closer's marker and today's promised close (each
        # written once, under the marker's lock).
        with engines[0].connect() as conn:
            keys = sorted(conn.execute(select(app_settings.c.key)).scalars())
        assert keys == [
            f"closed_through:{settings.mall.code}",
            f"day_closes:{settings.mall.code}",
            "must_change_password:1",  # the first admin chooses their own password
            "secret_key",
        ]
    finally:
        for engine in engines:
            engine.dispose()


def test_the_first_admin_is_not_added_where_an_account_exists(
    settings: Settings, database_url: str, clock: FakeClock
):
    settings = dataclasses.replace(settings, database_url=database_url)
    engine = make_engine(database_url)
    try:
        uow = UnitOfWork(engine)
        QueueService(settings, uow, clock=clock).ensure_ready()
        accounts = Accounts(settings, uow, clock=clock)
        accounts.add_user("siti", "rahasia-123", "officer")
        assert accounts.add_first_admin("rahasia-admin") is False
        assert [row["username"] for row in accounts.list_users()] == ["siti"]
    finally:
        engine.dispose()


# ----------------------------------------------------------------- real server processes
@pytest.mark.redis
def test_servers_starting_at_once_on_an_empty_database_all_come_up(
    tmp_path: Path, database_url: str
):
    """Four `antrian serve --workers 2` (gunicorn, 2 processes each, 12 in all) at once."""
    redis_or_skip()
    servers = []
    mall = own_mall()
    for i in range(SERVERS):
        directory = tmp_path / f"server{i}"
        directory.mkdir()
        server = LiveServer(
            directory, database_url=database_url, message_queue=REDIS_URL, mall=mall
        )
        server.serve_args = ["--workers", str(WORKERS)]
        servers.append(server)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANTRIAN_")}
    env["PYTHONUNBUFFERED"] = "1"
    for server in servers:  # all at once; each waits for none of the others
        with server.log_path.open("ab") as log:
            server.process = subprocess.Popen(
                server.command_line(),
                cwd=Path(__file__).resolve().parents[2],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
    try:
        up = _wait_until_all_answer(servers, timeout=120)
        logs = [server.log_path.read_text() for server in servers]
        assert up == SERVERS, "\n\n".join(log[-2000:] for log in logs)
        # Every worker booted (a worker that failed would have been replaced or ended all).
        for server in servers:
            assert server.process is not None
            assert len(children(server.process.pid)) == WORKERS
        assert all(log.count("Booting worker") == WORKERS for log in logs)
        engine = make_engine(database_url)
        try:
            assert version_rows(engine) == [migrations.head()]
            assert differences(engine) == []
            assert count(engine, users) == 1
            assert count(engine, mall_state) == 1
            with engine.connect() as conn:
                keys = sorted(conn.execute(select(app_settings.c.key)).scalars())
            mall = servers[0].settings.mall.code
            # Each written once; the first admin must choose their own password.
            assert keys == [
                f"closed_through:{mall}",
                f"day_closes:{mall}",
                "deployment_id",
                "must_change_password:1",
                "secret_key",
            ]
            assert count(engine, counter_state) == len(servers[0].settings.counters)
            assert count(engine, tickets) == count(engine, ticket_events) == 0
        finally:
            engine.dispose()
        assert sum("Database schema upgraded" in log for log in logs) == 1
        # One process added the first admin; its password went to a file, never to a log.
        assert sum("an admin 'admin' was created" in log for log in logs) == 1
        assert not any("password: " in log for log in logs)
        assert not any("Traceback" in log for log in logs)
        # And they serve the same mall: a ticket taken at one is seen by another.
        token = servers[0].device_token("kiosk-lobby", "kiosk", kiosk="K1")
        taken = servers[1].api("POST", "/tickets", token, json={"service": "KTP"})
        assert taken.status_code == 201, taken.text
        seen = servers[3].api("GET", f"/tickets/{taken.json()['id']}")
        assert seen.json()["number"] == taken.json()["number"]
    finally:
        for server in servers:
            server.stop()
        for server in servers:
            if server._accounts is not None:
                server._accounts.uow.engine.dispose()


def _wait_until_all_answer(servers: list[LiveServer], timeout: float) -> int:
    """How many of `servers` answer /healthz before the deadline (stops early if one exits)."""
    waiting = list(servers)
    deadline = time.monotonic() + timeout
    while waiting and time.monotonic() < deadline:
        for server in list(waiting):
            assert server.process is not None
            if server.process.poll() is not None:
                return len(servers) - len(waiting)
            try:
                if requests.get(f"{server.base_url}/healthz", timeout=1).ok:
                    waiting.remove(server)
            except requests.RequestException:
                pass
        time.sleep(0.1)
    return len(servers) - len(waiting)


def test_a_database_at_the_previous_revision_keeps_its_data_through_the_upgrade(engine: Engine):
    """0001 -> head with rows in the table 0002 alters (SQLite copies the table to do it)."""
    from alembic import command

    with engine.begin() as conn:
        command.upgrade(migrations.alembic_config(conn), "0001")
        conn.execute(
            text(
                "INSERT INTO idempotency_keys (key, actor, status_code, body, created_at) "
                "VALUES ('k-1', 'kiosk-lobby', 201, '{\"number\": \"A001\"}', :at)"
            ),
            {"at": "2026-11-24 02:00:00"},
        )
    assert migrations.current(engine) == "0001"

    done = migrations.upgrade(engine)

    assert (done.before, done.after) == ("0001", migrations.head())
    assert differences(engine) == []
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT key, actor, status_code, fingerprint FROM idempotency_keys")
        ).one()
    assert tuple(row) == ("k-1", "kiosk-lobby", 201, None)


def test_an_autogenerated_revision_writes_the_moments_as_plain_types(tmp_path: Path) -> None:
    """`antrian db revision --autogenerate` renders the tables' UTC moment type as the
    DateTime it creates: the revision runs without importing ours (Alembic would have written
    `core.store_types.UtcDateTime()` with no import)."""
    from alembic.autogenerate import produce_migrations, render_python_code
    from alembic.operations import Operations

    empty = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    try:
        with empty.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            script = produce_migrations(context, metadata)
            code = render_python_code(script.upgrade_ops, render_item=migrations.render_item)
            assert "UtcDateTime" not in code and "sa.DateTime(timezone=True)" in code
            import sqlalchemy as sa

            namespace = {"op": Operations(context), "sa": sa}
            exec("def upgrade():\n" + code, namespace)  # noqa: S102 - the rendered revision
            namespace["upgrade"]()
            conn.commit()
            assert "tickets" in inspect(conn).get_table_names()
    finally:
        empty.dispose()
