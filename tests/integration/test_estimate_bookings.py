"""The wait estimate puts booked visitors where the call order does: a checked-in booking
whose slot began goes ahead of the walk-ins (within the booking ratio), and a booking not
checked in yet is expected from its slot's start."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from core import repository
from core.bookings_desk import BookingDesk
from core.config import Settings
from core.forecast import Span
from tests.conftest import KIOSK, FakeClock, officer
from tests.integration.pg import all_day, counters_for, insert_booking, insert_waiting_ktp


def _queue(demo_settings: Settings, sqlite_url: str, make_queue):  # type: ignore[no-untyped-def]
    settings = all_day(demo_settings, database_url=sqlite_url, counters=counters_for("KTP", 1))
    settings = dataclasses.replace(
        settings, calling=dataclasses.replace(settings.calling, booking_ratio=2)
    )
    queue = make_queue(settings)
    assert settings.service("KTP").booking is not None  # the demo takes KTP bookings
    return queue


def _waiting(queue, clock: FakeClock, line: list[tuple[str, int]]) -> list[str]:  # type: ignore[no-untyped-def]
    """Tickets of KTP that arrived `minutes` ago (a booking: its slot began then)."""
    with queue.uow.writing() as conn:
        return [
            insert_waiting_ktp(
                conn,
                queue,
                f"{kind}{i}",
                clock.now - timedelta(minutes=minutes),
                channel="booking" if kind == "booked" else "kiosk",
            )
            for i, (kind, minutes) in enumerate(line)
        ]


def test_a_checked_in_booking_is_told_it_goes_first(
    demo_settings: Settings, sqlite_url: str, clock: FakeClock, make_queue
) -> None:
    queue = _queue(demo_settings, sqlite_url, make_queue)
    queue.ctx.estimator.plan = lambda day: {1: [Span(0, 24 * 60)]}
    first_walk_in, second_walk_in, booked = _waiting(
        queue, clock, [("walk", 30), ("walk", 20), ("booked", 5)]
    )
    queue.open_counter(1, officer(1))
    minutes = {t: queue.ticket_status(t)["eta_minutes"] for t in (first_walk_in, booked)}
    assert minutes == {booked: 0, first_walk_in: 6}  # KTP's default 6 minutes each
    assert queue.ticket_status(second_walk_in)["eta_minutes"] == 12
    assert queue.call_next(1, officer(1))["id"] == booked  # as the call order has it


def test_a_booking_still_to_come_is_expected_from_its_slot(
    demo_settings: Settings, sqlite_url: str, clock: FakeClock, make_queue
) -> None:
    queue = _queue(demo_settings, sqlite_url, make_queue)
    queue.ctx.estimator.plan = lambda day: {1: [Span(0, 24 * 60)]}
    walk_ins = _waiting(queue, clock, [("walk", 30), ("walk", 20), ("walk", 10)])
    queue.open_counter(1, officer(1))
    assert queue.ticket_status(walk_ins[2])["eta_minutes"] == 12
    slot = clock.now.astimezone(queue.settings.mall.tz) + timedelta(minutes=10)
    with queue.uow.writing() as conn:
        insert_booking(conn, queue, "TESTBOOK", slot)
        repository.advance_version(conn, queue.mall, 1)  # a booking made elsewhere moves it
    # Called at 12 minutes, once its slot (at 10) has begun: the third walk-in comes after.
    assert queue.ticket_status(walk_ins[2])["eta_minutes"] == 18
    assert queue.ticket_status(walk_ins[1])["eta_minutes"] == 6


def test_a_visitor_checking_in_is_told_the_wait_from_their_own_place(
    demo_settings: Settings, sqlite_url: str, clock: FakeClock, make_queue
) -> None:
    """The check-in's answer (kiosk screen, printed ticket) estimates from the booked
    visitor's place ahead of the walk-ins, not a newcomer's at the end of the queue (on the
    simulated busy day that told visitors called within minutes to wait up to 172)."""
    queue = _queue(demo_settings, sqlite_url, make_queue)
    queue.ctx.estimator.plan = lambda day: {1: [Span(0, 24 * 60)]}
    _waiting(queue, clock, [("walk", 30), ("walk", 20), ("walk", 10)])
    queue.open_counter(1, officer(1))
    slot = clock.now.astimezone(queue.settings.mall.tz)
    with queue.uow.writing() as conn:
        insert_booking(conn, queue, "TSTBK234", slot)
    view, issued = BookingDesk(queue.ctx, "a server secret").check_in("TSTBK234", KIOSK)
    assert issued and view["channel"] == "booking"
    assert view["ahead"] == 0
    assert view["eta_minutes"] == 0  # next, where a newcomer would hear 18
    assert view["eta_range"] is not None and view["eta_today"] is True
    assert queue.ticket_status(view["id"])["eta_minutes"] == view["eta_minutes"]
    assert queue.call_next(1, officer(1))["id"] == view["id"]


def test_a_walk_in_after_booked_calls_in_a_row_is_told_it_is_next(
    demo_settings: Settings, sqlite_url: str, clock: FakeClock, make_queue
) -> None:
    """A counter that called `booking_ratio` booked visitors in a row calls a walk-in next:
    the estimate reads the counter's streak as the call order does, not from nought."""
    queue = _queue(demo_settings, sqlite_url, make_queue)  # booking_ratio 2
    queue.ctx.estimator.plan = lambda day: {1: [Span(0, 24 * 60)]}
    walk_in, *booked = _waiting(
        queue, clock, [("walk", 30), ("booked", 8), ("booked", 6), ("booked", 4)]
    )
    queue.open_counter(1, officer(1))
    for expected in booked[:2]:
        ticket = queue.call_next(1, officer(1))
        assert ticket is not None and ticket["id"] == expected
        queue.act(expected, "start", officer(1))
        clock.advance(minutes=6)
        queue.act(expected, "finish", officer(1))
    walk_in_eta = queue.ticket_status(walk_in)["eta_minutes"]
    last_booked_eta = queue.ticket_status(booked[2])["eta_minutes"]
    assert walk_in_eta == 0  # next: the streak of two lets the walk-in through
    assert last_booked_eta > 0
    called = queue.call_next(1, officer(1))
    assert called is not None and called["id"] == walk_in
