"""A request that waited in vain for a pooled connection, or on PostgreSQL for its turn to
write, is answered 503 like any database trouble, but the server does not call itself
unhealthy for it: the database is fine."""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.pool import QueuePool

import core.store
from core.config import Settings
from core.server.app import create_app, health_problems
from core.store import UnitOfWork
from core.write_turns import POSTGRES_WRITERS
from tests.conftest import FakeClock


def test_a_pool_timeout_leaves_the_server_healthy(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'pool.db'}"
    engine = create_engine(url, poolclass=QueuePool, pool_size=1, max_overflow=0, pool_timeout=0.2)
    uow = UnitOfWork(engine)
    uow.create_all()
    try:
        # The only connection, held by someone else.
        with engine.connect(), pytest.raises(PoolTimeout), uow.writing() as conn:
            conn.execute(text("SELECT 1"))
        assert uow.health.failure is None
        assert health_problems(uow, url) == []
        uow.health.write_failed(OperationalError("INSERT", {}, Exception("disk I/O error")))
        assert health_problems(uow, url) == ["database writes fail: disk I/O error"]
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_a_write_that_waited_in_vain_for_its_turn_is_answered_503_and_healthy(
    postgres_url: str,
    demo_settings: Settings,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On PostgreSQL a process runs at most POSTGRES_WRITERS write transactions at once
    (core/write_turns.py); a request that waited for a turn in vain is refused like one that
    waited for a connection, and the database is not called unhealthy for it."""
    monkeypatch.setattr(core.store, "POOL_WAIT_SECONDS", 0.2)
    settings = dataclasses.replace(demo_settings, database_url=postgres_url)
    app = create_app(settings, clock=clock, test_config={"TESTING": True})
    uow: UnitOfWork = app.extensions["antrian.queue"].uow
    kiosk = app.extensions["antrian.accounts"].add_device("kiosk-lobby", "kiosk", kiosk="K1")
    held = threading.Barrier(POSTGRES_WRITERS + 1)
    release = threading.Event()

    def hold() -> None:
        with uow.writing():
            held.wait(5)
            release.wait(10)

    holders = [threading.Thread(target=hold) for _ in range(POSTGRES_WRITERS)]
    for thread in holders:
        thread.start()
    try:
        held.wait(5)
        answer = app.test_client().post(
            "/api/v1/tickets", json={"service": "KTP"}, headers={"Authorization": f"Bearer {kiosk}"}
        )
        assert answer.status_code == 503, answer.get_json()
        assert answer.headers["Retry-After"] == "30"
        assert uow.health.failure is None
    finally:
        release.set()
        for thread in holders:
            thread.join(10)
    try:
        assert health_problems(uow, postgres_url) == []
        answer = app.test_client().post(
            "/api/v1/tickets", json={"service": "KTP"}, headers={"Authorization": f"Bearer {kiosk}"}
        )
        assert answer.status_code == 201, answer.get_json()
    finally:
        app.extensions["antrian.engine"].dispose()
