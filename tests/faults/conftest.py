"""Fault-test fixtures: a real server process on each backend, stopped (by PID) afterwards."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.faults.harness import FaultServer
from tests.integration.pg import postgres_schema

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A SQLite file (WAL) or a fresh PostgreSQL schema (skips locally, fails in CI, when
    PostgreSQL is unreachable)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'antrian.db'}"
    else:
        with postgres_schema() as url:
            yield url


@pytest.fixture
def postgres_url() -> Iterator[str]:
    with postgres_schema() as url:
        yield url


@pytest.fixture
def make_server(tmp_path: Path) -> Iterator[Callable[..., FaultServer]]:
    """Servers in folders of their own under tmp_path; all stopped at the end.

    Ask for it after the database fixture (`database_url, make_server`): fixtures end in the
    reverse order, so the servers stop before their PostgreSQL schema is dropped (a server
    still writing deadlocked with the DROP SCHEMA)."""
    servers: list[FaultServer] = []

    def build(name: str = "server", **overrides: Any) -> FaultServer:
        directory = tmp_path / name
        directory.mkdir()
        server = FaultServer(directory, **overrides)
        servers.append(server)
        return server

    yield build
    for server in servers:
        server.stop()
    for server in servers:
        if server._accounts is not None:
            server.accounts.uow.engine.dispose()
