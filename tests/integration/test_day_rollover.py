"""At local midnight (Asia/Jakarta) numbering restarts at 1; yesterday stays in the records."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from core.bus import InMemoryPublisher
from core.config import Settings
from core.handlers import QueueService
from core.store import UnitOfWork, daily_sequences, make_engine, ticket_events, tickets
from core.tickets import QuotaReached, TicketStatus
from tests.conftest import KIOSK, FakeClock, officer
from tests.integration.pg import all_day

# Tuesday 24 November 2026, 23:50 WIB (UTC+7).
LATE_EVENING = datetime(2026, 11, 24, 16, 50, tzinfo=UTC)
LOCAL_MIDNIGHT = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)


@pytest.fixture
def queue(demo_settings: Settings, database_url: str) -> Iterator[QueueService]:
    settings = all_day(demo_settings, database_url=database_url)
    services = tuple(
        dataclasses.replace(s, daily_quota=3) if s.code == "KTP" else s for s in settings.services
    )
    settings = dataclasses.replace(settings, services=services)
    engine = make_engine(database_url)
    service = QueueService(
        settings, UnitOfWork(engine), InMemoryPublisher(), clock=FakeClock(LATE_EVENING)
    )
    service.ensure_ready()
    yield service
    engine.dispose()


def issue(queue: QueueService, service: str = "KTP") -> dict:
    return queue.issue_ticket(service, None, KIOSK)


def test_numbering_restarts_at_local_midnight_and_history_is_kept(queue: QueueService):
    clock: FakeClock = queue.clock  # type: ignore[assignment]
    yesterday = [issue(queue) for _ in range(3)]
    assert [t["number"] for t in yesterday] == ["A001", "A002", "A003"]
    queue.open_counter(1, officer(1))
    queue.call_next(1, officer(1))
    queue.act(yesterday[0]["id"], "start", officer(1))
    queue.act(yesterday[0]["id"], "finish", officer(1))
    with pytest.raises(QuotaReached):
        issue(queue)
    clock.now = datetime(2026, 11, 24, 16, 59, 59, 999000, tzinfo=UTC)  # 23:59:59.999 WIB
    with pytest.raises(QuotaReached):  # still the same local day
        issue(queue)
    version_before = queue.version()

    clock.now = LOCAL_MIDNIGHT  # 00:00 WIB on Wednesday, still 24 November in UTC
    today = [issue(queue) for _ in range(3)]

    assert [t["number"] for t in today] == ["A001", "A002", "A003"]
    assert queue.ticket(today[0]["id"]).day == "2026-11-25"
    assert queue.version() > version_before  # the mall's version never restarts
    # Yesterday is kept: tickets with their final states and every event row; those nobody
    # served ended with the day.
    old = [queue.ticket(t["id"]) for t in yesterday]
    assert [t.day for t in old] == ["2026-11-24"] * 3
    assert [t.status for t in old] == [
        TicketStatus.DONE,
        TicketStatus.UNSERVED,
        TicketStatus.UNSERVED,
    ]
    with queue.uow.reading() as conn:
        days = {
            row.day: row.last_number
            for row in conn.execute(select(daily_sequences.c.day, daily_sequences.c.last_number))
        }
        assert days == {"2026-11-24": 3, "2026-11-25": 3}
        assert len(conn.execute(select(tickets)).all()) == 6
        actions = [row.action for row in conn.execute(select(ticket_events.c.action))]
    assert actions.count("issue") == 6
    assert actions.count("finish") == 1
    assert actions.count("close_day") == 2

    # Today's queue and displays start empty of yesterday's visitors.
    ktp = {s["code"]: s for s in queue.services_overview()}["KTP"]
    assert (ktp["waiting"], ktp["quota_left"], ktp["open"]) == (3, 0, False)
    assert queue.snapshot("A")["calls"] == []
    queue.open_counter(1, officer(1))  # closed with yesterday
    assert queue.call_next(1, officer(1))["id"] == today[0]["id"]
    assert queue.counter_state(1, officer(1))["figures"]["served"] == 0


def test_utc_midnight_is_not_a_new_day_in_jakarta(queue: QueueService):
    clock: FakeClock = queue.clock  # type: ignore[assignment]
    clock.now = datetime(2026, 11, 25, 23, 30, tzinfo=UTC)  # 06:30 WIB, 26 November
    first = issue(queue, "IKD")
    clock.now = datetime(2026, 11, 26, 0, 30, tzinfo=UTC)  # 07:30 WIB, 26 November
    second = issue(queue, "IKD")
    assert (first["number"], second["number"]) == ("F001", "F002")
    assert queue.ticket(first["id"]).day == queue.ticket(second["id"]).day == "2026-11-26"
