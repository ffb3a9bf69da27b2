"""Shared fixtures: settings from the shipped demo, a controllable clock, a queue service."""

from __future__ import annotations

import dataclasses
import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.bus import InMemoryPublisher
from core.config import Settings, load_settings
from core.context import Actor
from core.handlers import QueueService
from core.store import UnitOfWork, make_engine

ROOT = Path(__file__).resolve().parent.parent
# Tuesday 24 November 2026, 09:00 WIB: every demo service is open.
OPENING_MORNING = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self, now: datetime = OPENING_MORNING) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


MAX_TEST_WORKERS = 4


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto`: one worker per core, at most four. Many tests start servers, browsers and
    databases of their own and wait on them; more workers than cores would turn their
    timeouts into the machine's load instead of the code's behaviour."""
    return max(1, min(MAX_TEST_WORKERS, os.cpu_count() or 1))


def services_required() -> bool:
    """In CI PostgreSQL and Redis are part of the machine: their tests must run, not skip."""
    return os.environ.get("ANTRIAN_REQUIRE_SERVICES") == "1" or bool(os.environ.get("CI"))


def require_program(program: str, package: str | None = None) -> str:
    """The path of a system program a test needs. Without it the test skips and says why; under
    `ANTRIAN_REQUIRE_SERVICES=1` (or CI), where the machine must have it, the test fails."""
    path = shutil.which(program)
    if path is None:
        reason = f"{program} is not installed (apt-get install {package or program})"
        if services_required():
            pytest.fail(f"{reason}; ANTRIAN_REQUIRE_SERVICES=1 requires it")
        pytest.skip(reason)
    return path


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="session")
def demo_settings() -> Settings:
    return load_settings(ROOT / "config.yaml", environ={})


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'antrian.db'}"


@pytest.fixture
def settings(demo_settings: Settings, sqlite_url: str) -> Settings:
    return dataclasses.replace(demo_settings, database_url=sqlite_url)


@pytest.fixture
def publisher() -> InMemoryPublisher:
    return InMemoryPublisher()


@pytest.fixture
def queue(
    settings: Settings, clock: FakeClock, publisher: InMemoryPublisher
) -> Iterator[QueueService]:
    engine = make_engine(settings.database_url)
    service = QueueService(settings, UnitOfWork(engine), publisher, clock=clock)
    service.ensure_ready()
    yield service
    engine.dispose()


KIOSK = Actor("kiosk", "kiosk-lobby", kiosk="K1")
ADMIN = Actor("admin", "admin")


def officer(counter: int, name: str | None = None) -> Actor:
    return Actor("officer", name or f"officer{counter}", counter=counter)
