"""Booked visits at their edges, as a visitor on a phone meets them: digits typed by another
keyboard, a booking moved at the edge of the day's online quota, a code pasted with odd
characters. The clock is the demo's Tuesday morning (24 November 2026, 09:00 WIB)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

import pytest
from flask import Flask

from core.config import Settings
from core.server.app import create_app
from tests.conftest import FakeClock
from tests.integration.conftest import service_with
from tests.integration.test_bookings_api import NIK_MAN, TOMORROW, Client


@pytest.fixture
def api(app: Flask) -> Client:
    return Client(app)


def _other_digits(nik: str, zero: int) -> str:
    return "".join(chr(zero + int(digit)) for digit in nik)


@pytest.mark.parametrize("zero", [0xFF10, 0x0660], ids=["fullwidth", "arabic-indic"])
def test_a_nik_typed_in_other_digits_is_the_same_person(api: Client, zero: int):
    """Some phone keyboards type fullwidth or Arabic-Indic digits: the NIK is still the same
    person's, so a second booking for the same service and day is refused, not let through
    under another hash."""
    assert api.book(slot="08:00")[0] == 201
    status, body = api.book(slot="09:00", nik=_other_digits(NIK_MAN, zero))
    assert status == 409, body
    assert body["error"]["code"] == "already_booked"


def test_a_booking_moves_to_another_slot_of_its_day_when_the_day_s_quota_is_used_up(
    settings: Settings, clock: FakeClock
):
    """The booking already holds one of its day's online places: moving it within the day
    takes no new one, so a full day's quota must not refuse the move."""
    rules = dataclasses.replace(settings.service("KTP").booking, online_quota=2)
    app = create_app(
        service_with(settings, "KTP", booking=rules), clock=clock, test_config={"TESTING": True}
    )
    try:
        api = Client(app)
        code = api.book(slot="08:00")[1]["code"]
        assert api.book(slot="08:00", nik="3573015208850002")[0] == 201  # the day is full
        status, moved = api(
            "POST", f"/bookings/{code}/reschedule", {"date": TOMORROW, "slot": "10:00"}
        )
        assert status == 200, moved
        assert moved["slot"] == "10:00"
        day = api("GET", f"/services/KTP/slots?date={TOMORROW}")[1]["slots"]
        free = {slot["start"]: slot["available"] for slot in day}
        assert free["10:00"] == 0 and free["08:00"] == 0  # still two of two taken
    finally:
        app.extensions["antrian.engine"].dispose()


def test_the_slots_asked_for_a_move_count_the_booking_s_own_places_as_its_own(
    settings: Settings, clock: FakeClock
):
    """The booking page asks the day's slots for the booking it moves: on a day whose online
    quota is used up, its other slots have room for this move, the slot it holds is marked
    as its own, and the move the page then offers is made."""
    rules = dataclasses.replace(settings.service("KTP").booking, online_quota=2)
    app = create_app(
        service_with(settings, "KTP", booking=rules), clock=clock, test_config={"TESTING": True}
    )
    try:
        api = Client(app)
        code = api.book(slot="08:00")[1]["code"]
        other = api.book(slot="09:00", nik="3573015208850002")[1]["code"]  # the day is full

        def free(query: str) -> dict[str, int | str]:
            status, body = api("GET", f"/services/KTP/slots?date={TOMORROW}{query}")
            assert status == 200, body
            return {
                s["start"]: "yours" if s.get("yours") else s["available"] for s in body["slots"]
            }

        assert set(free("").values()) == {0}  # a new booking has no room that day
        mine = free(f"&booking={code.lower()}")
        assert mine["08:00"] == "yours" and mine["10:00"] == 1 and mine["09:00"] == 1
        # Another day: the move would take a place there, nothing of this one is given back.
        after = "2026-11-26"
        status, body = api("GET", f"/services/KTP/slots?date={after}&booking={code}")
        assert not any(s.get("yours") for s in body["slots"])
        assert body == api("GET", f"/services/KTP/slots?date={after}")[1]

        status, moved = api(
            "POST", f"/bookings/{code}/reschedule", {"date": TOMORROW, "slot": "10:00"}
        )
        assert (status, moved["slot"]) == (200, "10:00")
        assert free(f"&booking={code}")["10:00"] == "yours"
        # A cancelled booking holds no place: it is offered nothing more than anyone.
        api("DELETE", f"/bookings/{other}")
        assert free(f"&booking={other}") == free("")
    finally:
        app.extensions["antrian.engine"].dispose()


def test_the_slots_asked_for_an_unknown_booking_are_refused_in_both_languages(api: Client):
    status, body = api("GET", f"/services/KTP/slots?date={TOMORROW}&booking=ZZZZ2222")
    assert status == 404
    assert body["error"]["message"].startswith("Kode booking ZZZZ-2222 tidak dikenal. / ")


def test_a_calendar_file_asked_with_a_line_break_in_the_code_is_not_a_server_error(
    api: Client,
):
    code = api.book()[1]["code"]
    odd = f"{code[:4]}%0D%0A{code[4:].lower()}"
    response = api.http.get(f"/api/v1/bookings/{odd}/calendar.ics")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == f'attachment; filename="booking-{code}.ics"'


def test_a_slot_past_today_s_cut_off_is_refused_in_indonesian_first_then_english(api: Client):
    """The booking page shows the refusal as it comes; a slot that closed while the page
    was open is told in Bahasa Indonesia first, like every other refusal."""
    status, body = api.book(day="2026-11-24", slot="09:30")  # 30 minutes away, cut-off 60
    assert (status, body["error"]["code"]) == (409, "slot_closed")
    first, _, english = body["error"]["message"].partition(" / ")
    assert "09:30" in first and "tidak dapat" in first.lower() and "'slot'" in english


def test_a_check_in_at_a_closed_service_is_told_in_indonesian_first(
    api: Client, app: Flask, clock: FakeClock
):
    """The kiosk shows the refusal of a check-in as it comes: a booked visitor who arrives
    while the service is closed reads why in Bahasa Indonesia first."""
    from tests.conftest import ADMIN

    code = api.book(day="2026-11-24", slot="10:00")[1]["code"]
    clock.now = datetime(2026, 11, 24, 2, 40, tzinfo=UTC)  # 09:40 WIB, within the window
    app.extensions["antrian.queue"].set_service_closed("KTP", "Jaringan SIAK terputus", ADMIN)
    status, body = api("POST", f"/bookings/{code}/check-in", {}, token=api.kiosk())
    assert (status, body["error"]["code"]) == (409, "service_closed")
    first, _, english = body["error"]["message"].partition(" / ")
    assert first.startswith("Perekaman & Cetak KTP-el tidak") and "Jaringan SIAK" in first
    assert "not taking visitors" in english
    assert api("GET", f"/bookings/{code}")[1]["status"] == "booked"  # nothing was used up


def test_bookings_made_before_a_service_stopped_taking_them_are_still_honoured(
    settings: Settings, clock: FakeClock
):
    """config.yaml turns a service's bookings off (`enabled: false`) while visitors hold
    some: new bookings and moves are refused, but the ones made can still be seen, cancelled
    and checked in, never a server error."""
    before = create_app(settings, clock=clock, test_config={"TESTING": True})
    try:
        api = Client(before)
        kept = api.book(day="2026-11-24", slot="10:00")[1]["code"]
        dropped = api.book(day="2026-11-24", slot="10:00", nik="3573015208850002")[1]["code"]
    finally:
        before.extensions["antrian.engine"].dispose()
    rules = dataclasses.replace(settings.service("KTP").booking, enabled=False)
    after = create_app(
        service_with(settings, "KTP", booking=rules), clock=clock, test_config={"TESTING": True}
    )
    try:
        api = Client(after)
        status, view = api("GET", f"/bookings/{kept}")
        assert status == 200 and view["check_in_from"] == "09:30"
        assert after.test_client().get(f"/booking/{kept}").status_code == 200
        assert api.http.get(f"/api/v1/bookings/{kept}/calendar.ics").status_code == 200
        status, moved = api(
            "POST", f"/bookings/{kept}/reschedule", {"date": TOMORROW, "slot": "10:00"}
        )
        assert (status, moved["error"]["code"]) == (409, "booking_disabled")
        assert api("DELETE", f"/bookings/{dropped}")[1]["status"] == "cancelled"
        clock.now = datetime(2026, 11, 24, 2, 40, tzinfo=UTC)  # 09:40 WIB, within the window
        status, ticket = api("POST", f"/bookings/{kept}/check-in", {}, token=api.kiosk())
        assert status == 201 and ticket["channel"] == "booking"
    finally:
        after.extensions["antrian.engine"].dispose()


def test_a_booking_on_a_day_closed_after_it_was_made_is_refused_with_the_reason(
    settings: Settings, clock: FakeClock
):
    """A closure added to the calendar after the booking (the agency's system down for the
    day): the walk-in is refused with its reason, and so is the booked visitor, rather than
    given a number the closed service will never call."""
    from core.config.booking import ClosedDate

    before = create_app(settings, clock=clock, test_config={"TESTING": True})
    try:
        code = Client(before).book(day="2026-11-24", slot="10:00")[1]["code"]
    finally:
        before.extensions["antrian.engine"].dispose()
    closure = ClosedDate(date(2026, 11, 24), "closure", "Jaringan SIAK pusat dimatikan", ("KTP",))
    calendar = dataclasses.replace(settings.calendar, closed=(*settings.calendar.closed, closure))
    after = create_app(
        dataclasses.replace(settings, calendar=calendar), clock=clock, test_config={"TESTING": True}
    )
    try:
        api = Client(after)
        clock.now = datetime(2026, 11, 24, 2, 40, tzinfo=UTC)  # 09:40 WIB, within the window
        status, body = api("POST", f"/bookings/{code}/check-in", {}, token=api.kiosk())
        assert (status, body["error"]["code"]) == (409, "service_closed")
        assert "Jaringan SIAK pusat dimatikan" in body["error"]["message"]
        # The booking's own page says so before the visitor sets out.
        view = api("GET", f"/bookings/{code}")[1]
        assert view["status"] == "booked"
        assert view["closed_reason"] == "Jaringan SIAK pusat dimatikan"
        page = after.test_client().get(f"/booking/{code}").get_data(as_text=True)
        assert "Jaringan SIAK pusat dimatikan" in page
    finally:
        after.extensions["antrian.engine"].dispose()


def test_a_visitor_who_comes_on_the_wrong_day_is_told_the_booking_s_day(api: Client):
    """Coming a day early is the commonest mistake: the kiosk says the booking is for
    another day and when to come back, not only "too early"."""
    code = api.book()[1]["code"]  # tomorrow, 08:00
    status, body = api("POST", f"/bookings/{code}/check-in", {}, token=api.kiosk())
    assert (status, body["error"]["code"]) == (409, "too_early")
    first, _, english = body["error"]["message"].partition(" / ")
    assert f"untuk {TOMORROW}" in first and "bukan hari ini" in first
    assert f"pada {TOMORROW} pukul 07:30" in first
    assert "not today" in english and f"on {TOMORROW} at 07:30" in english


def test_a_booking_page_after_its_check_in_closed_says_what_is_left(
    settings: Settings, clock: FakeClock
):
    """Past the check-in window the page no longer invites the visitor to check in then:
    with `late: refuse` it says the time is past and to reschedule; with `late: walk_in`
    that the kiosk gives an ordinary number."""
    refuse = dataclasses.replace(settings.service("KTP").booking, late="refuse")
    app = create_app(
        service_with(settings, "KTP", booking=refuse), clock=clock, test_config={"TESTING": True}
    )
    try:
        api = Client(app)
        code = api.book(day="2026-11-24", slot="10:00")[1]["code"]
        page = app.test_client().get(f"/booking/{code}").get_data(as_text=True)
        assert "Check-in di anjungan pukul 09:30" in page
        clock.now = datetime(2026, 11, 24, 3, 30, tzinfo=UTC)  # 10:30 WIB, closed at 10:15
        view = api("GET", f"/bookings/{code}")[1]
        assert view["status"] == "booked" and view["check_in_closed"] is True
        page = app.test_client().get(f"/booking/{code}").get_data(as_text=True)
        assert "Check-in di anjungan pukul" not in page
        assert "sudah lewat" in page and "reschedule" in page.lower()
    finally:
        app.extensions["antrian.engine"].dispose()
    other = create_app(settings, clock=clock, test_config={"TESTING": True})  # walk_in
    try:
        api = Client(other)
        clock.now = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
        code = api.book(day="2026-11-24", slot="10:00", nik="3573015208850002")[1]["code"]
        clock.now = datetime(2026, 11, 24, 3, 30, tzinfo=UTC)
        page = other.test_client().get(f"/booking/{code}").get_data(as_text=True)
        assert "nomor biasa" in page and "ordinary number" in page
    finally:
        other.extensions["antrian.engine"].dispose()
