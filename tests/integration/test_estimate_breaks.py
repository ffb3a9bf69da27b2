"""The live estimate counts planned breaks in: a ticket taken shortly before a counter's lunch
or the mall's break waits it out, and a counter on break during a planned one is expected back
when the planned one ends. The plan is the one built from config.yaml (no plan handed in)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from core.bus import InMemoryPublisher
from core.config import Settings, TimeRange
from core.handlers import QueueService
from core.store import UnitOfWork, make_engine
from tests.conftest import KIOSK, FakeClock, officer

# Tuesday 24 November 2026, 11:50 WIB: KTP is open (08:00-14:30) and counters 2 and 3, its
# other counters, are closed well into their hours, so counter 1 alone serves it.
BEFORE_NOON = datetime(2026, 11, 24, 4, 50, tzinfo=UTC)
NOON = TimeRange(time(12, 0), time(12, 30))
TZ = ZoneInfo("Asia/Jakarta")


def planned(
    settings: Settings, counters: dict[int, tuple[TimeRange, ...]], mall: TimeRange | None
) -> Settings:
    """The demo settings with these counters' own breaks (every day; the others none) and
    Tuesday's mall-wide break."""
    every_day = {number: (own,) * 7 if own else () for number, own in counters.items()}
    return dataclasses.replace(
        settings,
        counters=tuple(
            dataclasses.replace(c, breaks=every_day.get(c.number, ())) for c in settings.counters
        ),
        calendar=dataclasses.replace(settings.calendar, breaks={1: mall}),
    )


@contextmanager
def queue_with(settings: Settings, clock: FakeClock) -> Iterator[QueueService]:
    engine = make_engine(settings.database_url)
    service = QueueService(settings, UnitOfWork(engine), InMemoryPublisher(), clock=clock)
    service.ensure_ready()
    try:
        yield service
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("counter", "mall", "third_eta"),
    [
        pytest.param((), None, 12, id="no break"),
        # Free again at 12:02, inside the break: the third is called at its end.
        pytest.param((NOON,), None, 40, id="counter lunch 12:00-12:30"),
        pytest.param((), TimeRange(time(12), time(13)), 70, id="mall break 12:00-13:00"),
    ],
)
def test_a_ticket_taken_before_a_planned_break_waits_it_out(
    settings: Settings, counter: tuple[TimeRange, ...], mall: TimeRange | None, third_eta: int
) -> None:
    with queue_with(planned(settings, {1: counter}, mall), FakeClock(BEFORE_NOON)) as queue:
        queue.open_counter(1, officer(1))
        queue.issue_ticket("KTP", None, KIOSK)
        queue.call_next(1, officer(1))  # at the counter until 11:56 (KTP's default 6 min)
        second = queue.issue_ticket("KTP", None, KIOSK)
        third = queue.issue_ticket("KTP", None, KIOSK)
        assert second["eta_minutes"] == 6
        assert third["eta_minutes"] == third_eta
        assert queue.ticket_status(third["id"])["eta_today"] is True


@pytest.mark.parametrize(
    ("counter", "expected_back"),
    [
        pytest.param((), 15, id="unplanned: back in 15 minutes"),
        pytest.param((NOON,), 35, id="planned 12:00-12:30: back at 12:30"),
    ],
)
def test_a_counter_leaving_for_its_planned_break_is_back_at_its_end(
    settings: Settings, counter: tuple[TimeRange, ...], expected_back: int
) -> None:
    clock = FakeClock(BEFORE_NOON)
    with queue_with(planned(settings, {1: counter}, None), clock) as queue:
        clock.advance(minutes=5)  # 11:55, five minutes early for the lunch
        queue.open_counter(1, officer(1))
        queue.set_counter_status(1, "break", "Istirahat", officer(1))
        assert queue.issue_ticket("KTP", None, KIOSK)["eta_minutes"] == expected_back


def test_on_break_inside_the_planned_break_the_planned_end_counts(
    settings: Settings,
) -> None:
    clock = FakeClock(BEFORE_NOON)
    with queue_with(planned(settings, {1: (NOON,)}, None), clock) as queue:
        queue.open_counter(1, officer(1))
        clock.advance(minutes=15)  # 12:05, at lunch
        queue.set_counter_status(1, "break", "Istirahat", officer(1))
        ticket = queue.issue_ticket("KTP", None, KIOSK)
        assert ticket["eta_minutes"] == 25  # 12:30, not 12:20
        clock.advance(minutes=20)  # 12:25
        assert queue.ticket_status(ticket["id"])["eta_minutes"] == 5


def test_a_counter_nobody_opened_is_not_expected_after_its_break(settings: Settings) -> None:
    clock = FakeClock(BEFORE_NOON)
    lunch_at_half_past = (TimeRange(time(12, 30), time(13, 0)),)
    with queue_with(planned(settings, {2: lunch_at_half_past}, None), clock) as queue:
        clock.advance(minutes=50)  # 12:40: counter 2, closed all day, is "at lunch"
        queue.open_counter(1, officer(1))
        etas = [queue.issue_ticket("KTP", None, KIOSK)["eta_minutes"] for _ in range(6)]
        # Counter 1 alone, 6 minutes each; counter 2 counted from 13:00 would take the fifth.
        assert etas == [0, 6, 12, 18, 24, 30]


@pytest.mark.parametrize(
    ("closed_at", "eta"),
    [
        # Inside its planned lunch (12:00-12:30), or five minutes early for it: back at its
        # end, 25 minutes after 12:05.
        pytest.param(time(12, 5), 25, id="closed in the planned break"),
        pytest.param(time(11, 55), 25, id="closed just before the planned break"),
        # An hour before it: closed for the day, not expected after lunch (no estimate).
        pytest.param(time(11, 0), None, id="closed long before the planned break"),
    ],
)
def test_a_counter_closed_for_its_planned_break_is_back_at_its_end(
    settings: Settings, closed_at: time, eta: int | None
) -> None:
    """Some officers close the counter for Friday prayers rather than set a break."""
    clock = FakeClock(datetime(2026, 11, 24, 3, 30, tzinfo=UTC))  # 10:30 WIB
    with queue_with(planned(settings, {1: (NOON,)}, None), clock) as queue:
        queue.open_counter(1, officer(1))
        clock.now = datetime.combine(clock.now.date(), closed_at, TZ).astimezone(UTC)
        queue.set_counter_status(1, "closed", None, officer(1))
        clock.now = datetime.combine(clock.now.date(), time(12, 5), TZ).astimezone(UTC)
        assert queue.issue_ticket("KTP", None, KIOSK)["eta_minutes"] == eta
