"""A request that waited in vain for a pooled connection is answered 503 like any database
trouble, but the server does not call itself unhealthy for it: the database is fine."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.pool import QueuePool

from core.server.app import health_problems
from core.store import UnitOfWork


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
