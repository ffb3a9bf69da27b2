"""A booked visitor's wait counts from the later of their check-in and their slot's start, in
the day's report (live and built), the dashboard and the counter's waiting list, on SQLite and
PostgreSQL (the dashboard's longest wait is an SQL aggregate).

The day (Tuesday 24 November 2026, WIB; KTP's target wait 20 minutes; the demo's arrival
window is 30 minutes before a slot to 15 after it, later visitors get a walk-in ticket):

    09:35  E checks in early for the 10:00 slot     called 10:05: waited 5 (not 30)
    09:40  W takes a number at the kiosk            called 10:50: waited 70
    10:10  L checks in late, in the window          called 10:30: waited 20 (not 30)
    10:20  X checks in after the window (a walk-in) called 10:45: waited 25
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from core.bookings_desk import BookingDesk
from core.config import Settings
from core.context import SYSTEM
from core.handlers import QueueService
from core.reporting import WAIT_COLUMNS, bucket
from core.scope import scope_for
from core.store_reports import report_days
from core.views.dashboard import service_rows
from core.views.reports import report
from tests.conftest import KIOSK, FakeClock, officer

DAY = date(2026, 11, 24)
NIKS = ("3573011205900001", "3573011205900002", "3573011205900003")


def wib(day: int, hour: int, minute: int) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC) - timedelta(hours=7)


@pytest.fixture
def queue(make_queue, settings: Settings, database_url: str) -> QueueService:
    return make_queue(dataclasses.replace(settings, database_url=database_url))


def booked(queue: QueueService, clock: FakeClock, count: int) -> list[str]:
    """`count` bookings of KTP's 10:00 slot, made the day before."""
    desk = BookingDesk(queue.ctx, "a server secret")
    clock.now = wib(23, 10, 0)
    return [desk.book("KTP", DAY.isoformat(), "10:00", nik)["code"] for nik in NIKS[:count]]


def check_in(queue: QueueService, code: str) -> dict:
    ticket, created = BookingDesk(queue.ctx, "a server secret").check_in(code, KIOSK)
    assert created
    return ticket


def serve(queue: QueueService, clock: FakeClock, ticket_id: str, hour: int, minute: int) -> None:
    clock.now = wib(24, hour, minute)
    queue.call_ticket(ticket_id, 1, officer(1))
    queue.act(ticket_id, "start", officer(1))
    clock.now += timedelta(minutes=3)
    queue.act(ticket_id, "finish", officer(1))


def test_the_report_counts_a_booked_wait_from_check_in_or_slot_whichever_is_later(
    queue: QueueService, clock: FakeClock
):
    early, late, too_late = booked(queue, clock, 3)
    clock.now = wib(24, 9, 35)
    e = check_in(queue, early)
    clock.now = wib(24, 9, 40)
    w = queue.issue_ticket("KTP", None, KIOSK)
    clock.now = wib(24, 10, 10)
    lt = check_in(queue, late)
    clock.now = wib(24, 10, 20)
    x = check_in(queue, too_late)
    assert (e["channel"], lt["channel"], x["channel"]) == ("booking", "booking", "late_booking")
    queue.open_counter(1, officer(1))
    serve(queue, clock, e["id"], 10, 5)
    serve(queue, clock, lt["id"], 10, 30)
    serve(queue, clock, x["id"], 10, 45)
    serve(queue, clock, w["id"], 10, 50)

    # Waits 5 20 25 70: ranks 2 and 4. Within the target of 20: E and L, 2 of 4. Counted from
    # the check-in, E waited 30: p50 25, and 1 of 4 within target.
    expected = {
        "served": 4, "wait_p50": 20, "wait_p90": 70, "called_wait_p50": 20,
        "called_wait_p90": 70, "within_target": 2, "within_target_share": 0.5,
        "channels": {"booking": 2, "kiosk": 1, "late_booking": 1},
    }  # fmt: skip

    def ktp() -> dict:
        rows = {row["key"]: row for row in report(queue.ctx, DAY, DAY, "service")["rows"]}
        return {name: rows["KTP"][name] for name in expected}

    assert ktp() == expected  # today, live from the events
    clock.now = wib(24, 17, 0)  # after the demo's close and its hour of grace
    queue.close_ended_days()
    assert ktp() == expected  # the day's built rows
    d = report_days.c
    with queue.uow.reading() as conn:
        row = conn.execute(
            select(report_days).where(d.day == DAY.isoformat(), d.counter == 1)
        ).one()
    histogram = {i for i, column in enumerate(WAIT_COLUMNS) if row._mapping[column]}
    assert histogram == {bucket(5), bucket(20), bucket(25), bucket(70)}


def test_the_dashboard_and_the_counter_count_a_booked_wait_as_the_report_does(
    queue: QueueService, clock: FakeClock
):
    (late,) = booked(queue, clock, 1)
    clock.now = wib(24, 10, 10)  # ten minutes into the 10:00 slot: it waits from 10:10
    ticket = check_in(queue, late)
    queue.open_counter(1, officer(1))
    clock.now = wib(24, 10, 25)
    with queue.uow.reading() as conn:
        board = {r["code"]: r for r in service_rows(queue.ctx, conn, scope_for(SYSTEM, None))}
    assert board["KTP"]["longest_wait_minutes"] == 15  # not 25, from the slot it missed
    (listed,) = queue.counter_state(1, officer(1))["waiting"]
    assert (listed["id"], listed["waiting_minutes"]) == (ticket["id"], 15)
    called = queue.call_ticket(ticket["id"], 1, officer(1))
    assert called["waiting_minutes"] == 15


def test_an_early_booked_visitor_has_not_waited_before_the_slot_begins(
    queue: QueueService, clock: FakeClock
):
    (early,) = booked(queue, clock, 1)
    clock.now = wib(24, 9, 35)
    ticket = check_in(queue, early)
    queue.open_counter(1, officer(1))
    clock.now = wib(24, 9, 55)
    with queue.uow.reading() as conn:
        board = {r["code"]: r for r in service_rows(queue.ctx, conn, scope_for(SYSTEM, None))}
    assert board["KTP"]["longest_wait_minutes"] == 0
    assert queue.counter_state(1, officer(1))["waiting"][0]["waiting_minutes"] == 0
    clock.now = wib(24, 10, 7)
    assert queue.counter_state(1, officer(1))["waiting"][0]["waiting_minutes"] == 7
    assert ticket["channel"] == "booking"
