"""Helpers for integration tests: an all-day mall, PostgreSQL schemas, a recording printer.

Every PostgreSQL test runs in its own freshly created schema (named in the connection URL's
`options=-csearch_path=...`), so parallel runs on one server never see each other's rows.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import time
from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from core.config import Counter, Settings, TimeRange
from tests.conftest import services_required

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
ALL_DAY = TimeRange(time(0, 0), time.max)


def postgres_base_url() -> str:
    return os.environ.get("ANTRIAN_TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL


def _driver_url(url: str) -> str:
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def with_search_path(url: str, schema: str) -> str:
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options={quote(f'-csearch_path={schema}')}"


@contextmanager
def postgres_schema() -> Iterator[str]:
    """A database URL whose connections live in a new, empty schema; dropped afterwards.

    Skips when PostgreSQL is unreachable, or fails when the services are required (CI).
    """
    base = postgres_base_url()
    admin = create_engine(_driver_url(base), isolation_level="AUTOCOMMIT")
    schema = f"antrian_test_{secrets.token_hex(6)}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except OperationalError as exc:
        admin.dispose()
        reason = f"PostgreSQL at {base} is unreachable: {str(exc).splitlines()[0]}"
        if services_required():
            pytest.fail(reason)
        pytest.skip(reason)
    try:
        yield with_search_path(base, schema)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def all_day(
    settings: Settings,
    *,
    database_url: str | None = None,
    no_quotas: bool = False,
    counters: Iterable[Counter] | None = None,
) -> Settings:
    """The same mall open around the clock, every day: tests do not depend on the hour."""
    mall = dataclasses.replace(settings.mall, opening_hours=dict.fromkeys(range(7), ALL_DAY))
    services = tuple(
        dataclasses.replace(s, hours=None, daily_quota=None if no_quotas else s.daily_quota)
        for s in settings.services
    )
    changes: dict[str, Any] = {"mall": mall, "services": services}
    if database_url is not None:
        changes["database_url"] = database_url
    if counters is not None:
        changes["counters"] = tuple(counters)
    return dataclasses.replace(settings, **changes)


def counters_for(service: str, how_many: int, zone: str = "A") -> list[Counter]:
    """`how_many` counters 1..n that all call tickets of `service`."""
    return [
        Counter(number=n, name=f"Loket {n}", agency="DISDUKCAPIL", services=(service,), zone=zone)
        for n in range(1, how_many + 1)
    ]


@dataclasses.dataclass
class _Health:
    ok: bool = True
    message: str = "OK"


class RecordingPrinter:
    """Keeps what it was asked to print; stands in for a kiosk's thermal printer."""

    def __init__(self, spec: Any = None) -> None:
        self.spec = spec
        self.printed: list[bytes] = []

    def print_bytes(self, data: bytes, timeout: float) -> None:
        self.printed.append(data)

    def check(self, timeout: float) -> _Health:
        return _Health()
