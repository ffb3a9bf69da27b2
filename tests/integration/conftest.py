"""Integration fixtures: a database URL per backend (SQLite file or a fresh PostgreSQL schema)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from flask import Flask

from core.bus import InMemoryPublisher
from core.config import Settings
from core.handlers import QueueService
from core.server.app import create_app
from core.store import UnitOfWork, make_engine
from tests.conftest import FakeClock
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


@pytest.fixture
def uow(database_url: str) -> Iterator[UnitOfWork]:
    """The tables, on each backend, with no mall in them: for storage-level tests."""
    unit = UnitOfWork(make_engine(database_url))
    unit.create_all()
    yield unit
    unit.engine.dispose()


def tables_as_before_migrations(engine) -> None:  # type: ignore[no-untyped-def]
    """The tables the code made with `create_all` before the schema was under Alembic: today's
    metadata less what later revisions added."""
    UnitOfWork(engine).create_all()
    undo_later_revisions(engine)


def undo_later_revisions(engine) -> None:  # type: ignore[no-untyped-def]
    """Take away from tables made by `create_all` what revisions after the baseline added
    (today's code needs some of it to run: call this once it has written its rows)."""
    from sqlalchemy import text

    from core.queue_lengths import TRIGGER_NAMES

    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE idempotency_keys DROP COLUMN fingerprint"))  # 0002
        on_tickets = " ON tickets" if conn.dialect.name == "postgresql" else ""  # 0003
        for name in TRIGGER_NAMES:
            conn.execute(text(f"DROP TRIGGER {name}{on_tickets}"))
        if conn.dialect.name == "postgresql":
            conn.execute(text("DROP FUNCTION queue_lengths_follow_tickets()"))
        conn.execute(text("DROP INDEX ix_tickets_waiting_normal"))
        conn.execute(text("DROP INDEX ix_tickets_waiting_priority"))
        conn.execute(text("DROP TABLE queue_lengths"))
        conn.execute(text("DROP TABLE live_events"))  # 0003b
        conn.execute(text("DROP TABLE bookings"))  # 0004
        conn.execute(text("DROP TABLE booking_slots"))
        conn.execute(text("DROP INDEX ix_tickets_waiting_booked"))
        for table in ("service_day_quota", "alerts", "supervisor_agencies"):  # 0005
            conn.execute(text(f"DROP TABLE {table}"))
        # 0006: the report and survey tables, and the survey tablets' counter.
        for table in (
            "skm_responses",
            "report_days_built",
            "report_day_channels",
            "report_days",
            "report_months",
            "report_months_built",
        ):
            conn.execute(text(f"DROP TABLE {table}"))
        conn.execute(text("ALTER TABLE devices DROP COLUMN counter"))
        conn.execute(text("DROP INDEX ix_ticket_events_counter"))  # 0007
        conn.execute(text("DROP INDEX ix_print_jobs_kiosk"))  # 0008
        conn.execute(text("DROP INDEX ix_print_jobs_ticket"))
        conn.execute(text("DROP INDEX ix_tickets_counter"))
        conn.execute(text("CREATE INDEX ix_tickets_counter ON tickets (mall, counter, status)"))
        conn.execute(text("DROP TABLE printer_states"))  # 0011
        conn.execute(text("DROP TABLE wait_promises"))  # 0012


def service_with(settings: Settings, code: str, **changes: object) -> Settings:
    services = tuple(
        dataclasses.replace(s, **changes) if s.code == code else s for s in settings.services
    )
    return dataclasses.replace(settings, services=services)


@pytest.fixture
def app(settings: Settings, clock: FakeClock) -> Iterator[Flask]:
    """The server's app on the demo mall at the test clock (a module may define its own)."""
    app = create_app(settings, clock=clock, test_config={"TESTING": True})
    yield app
    app.extensions["antrian.engine"].dispose()


@pytest.fixture
def make_queue(clock: FakeClock) -> Iterator:
    engines = []

    def build(settings: Settings, publisher: InMemoryPublisher | None = None) -> QueueService:
        engine = make_engine(settings.database_url)
        engines.append(engine)
        service = QueueService(settings, UnitOfWork(engine), publisher, clock=clock)
        service.ensure_ready()
        return service

    yield build
    for engine in engines:
        engine.dispose()
