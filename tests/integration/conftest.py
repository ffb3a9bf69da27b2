"""Integration fixtures: a database URL per backend (SQLite file or a fresh PostgreSQL schema)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.pg import postgres_schema

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A PostgreSQL URL in a schema of its own (skips, or fails in CI, when unreachable)."""
    with postgres_schema() as url:
        yield url


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, sqlite_url: str) -> Iterator[str]:
    """The same test on a SQLite file (WAL) and on the real PostgreSQL."""
    if request.param == "sqlite":
        yield sqlite_url
    else:
        with postgres_schema() as url:
            yield url
