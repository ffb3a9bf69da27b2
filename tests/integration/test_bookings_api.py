"""Booked visits through the REST API: slots, booking, view, cancel, reschedule, check-in,
and every refusal a clear 4xx naming the field. The clock is the demo's Tuesday morning
(24 November 2026, 09:00 WIB); KTP books 30-minute slots with 4 places."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from core.config import Settings
from core.server.app import create_app
from core.store_bookings import bookings
from tests.conftest import FakeClock
from tests.integration.pg import RecordingPrinter

# Valid NIKs: Jawa Timur (35), Kota Malang (73), a district; born 12-05-1990 (a man) and
# 52-08-1985 (a woman: day + 40); serials.
NIK_MAN = "3573011205900001"
NIK_WOMAN = "3573015208850002"
TOMORROW = "2026-11-25"


@pytest.fixture
def app(settings: Settings, clock: FakeClock) -> Iterator[Flask]:
    app = create_app(
        settings, clock=clock, printer_factory=RecordingPrinter, test_config={"TESTING": True}
    )
    yield app
    app.extensions["antrian.engine"].dispose()


class Client:
    def __init__(self, app: Flask) -> None:
        self.app = app
        self.http: FlaskClient = app.test_client()

    def __call__(
        self, method: str, path: str, json: Any = None, token: str | None = None
    ) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = self.http.open(f"/api/v1{path}", method=method, json=json, headers=headers)
        return response.status_code, response.get_json(silent=True)

    def book(self, slot: str = "08:00", nik: str = NIK_MAN, day: str = TOMORROW, **more: Any):  # type: ignore[no-untyped-def]
        return self(
            "POST", "/bookings", {"service": "KTP", "date": day, "slot": slot, "nik": nik, **more}
        )

    def kiosk(self) -> str:
        return self.app.extensions["antrian.accounts"].add_device("kiosk-1", "kiosk", kiosk="K1")


@pytest.fixture
def api(app: Flask) -> Client:
    return Client(app)


def test_the_slots_of_a_day_follow_the_service_hours_and_the_friday_break(api: Client):
    status, body = api("GET", f"/services/KTP/slots?date={TOMORROW}")
    assert status == 200
    slots = body["slots"]
    assert slots[0] == {"start": "08:00", "end": "08:30", "capacity": 4, "available": 4}
    assert slots[-1]["end"] == "14:30" and len(slots) == 13
    # Friday 27 November: KTP opens 08:00-11:00, the break (11:30-13:00) is after it.
    status, friday = api("GET", "/services/KTP/slots?date=2026-11-27")
    assert [s["start"] for s in friday["slots"]][-1] == "10:30"
    # A holiday has no slots and says why (PASPOR books 30 days ahead).
    status, holiday = api("GET", "/services/PASPOR/slots?date=2026-12-25")
    assert status == 200 and holiday["slots"] == []
    assert "Natal" in holiday["closed_reason"]


def test_book_view_cancel_and_rebook(api: Client):
    status, booked = api.book()
    assert status == 201, booked
    code = booked["code"]
    assert booked["service"] == "KTP" and booked["date"] == TOMORROW and booked["slot"] == "08:00"
    assert booked["status"] == "booked" and len(code) == 8
    assert not set(code) & set("0O1IL")
    assert NIK_MAN not in str(booked)  # never shown back
    assert api("GET", f"/services/KTP/slots?date={TOMORROW}")[1]["slots"][0]["available"] == 3
    status, seen = api("GET", f"/bookings/{code.lower()}")
    assert status == 200 and seen["code"] == code and seen["check_in_from"] == "07:30"
    # One active booking per NIK per service per day.
    status, again = api.book(slot="09:00")
    assert status == 409 and again["error"]["code"] == "already_booked"
    assert "'nik'" in again["error"]["message"]
    status, cancelled = api("DELETE", f"/bookings/{code}")
    assert status == 200 and cancelled["status"] == "cancelled"
    assert api("GET", f"/services/KTP/slots?date={TOMORROW}")[1]["slots"][0]["available"] == 4
    # Sent again (the first reply was lost): the same answer, the place not given back twice.
    status, twice = api("DELETE", f"/bookings/{code}")
    assert status == 200 and twice == cancelled
    assert api("GET", f"/services/KTP/slots?date={TOMORROW}")[1]["slots"][0]["available"] == 4
    status, rebooked = api.book(slot="09:00")
    assert status == 201 and rebooked["code"] != code


def test_reschedule_moves_the_place(api: Client):
    code = api.book()[1]["code"]
    status, moved = api("POST", f"/bookings/{code}/reschedule", {"date": TOMORROW, "slot": "10:00"})
    assert status == 200 and moved["slot"] == "10:00"
    slots = {
        s["start"]: s["available"]
        for s in api("GET", f"/services/KTP/slots?date={TOMORROW}")[1]["slots"]
    }
    assert slots["08:00"] == 4 and slots["10:00"] == 3


def test_the_database_keeps_a_keyed_hash_never_the_nik(api: Client, app: Flask):
    api.book()
    with app.extensions["antrian.engine"].connect() as conn:
        row = conn.execute(bookings.select()).one()
    assert NIK_MAN not in str(tuple(row))
    assert len(row.nik_hash) == 64 and row.nik_hash == row.active_nik


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"nik": "1234"}, 400, "'nik'"),
        ({"nik": "9973011205900001"}, 400, "'nik'"),  # no province 99
        ({"nik": "3573013205900001"}, 400, "'nik'"),  # 32 May is no date
        ({"date": "2026-11-23"}, 400, "'date'"),  # yesterday
        ({"date": "2027-03-01"}, 400, "'date'"),  # beyond 14 days
        ({"date": "25-11-2026"}, 400, "'date'"),
        ({"service": "PASPOR", "date": "2026-12-24"}, 409, "Cuti bersama"),
        ({"service": "PASPOR", "date": "2026-12-29"}, 409, "paspor"),  # a local closure
        ({"slot": "08:10"}, 400, "'slot'"),
        ({"slot": "15:00"}, 400, "'slot'"),
        ({"service": "NOPE"}, 404, "NOPE"),
        ({"service": "KK"}, 409, "KK"),  # takes no bookings
    ],
)
def test_bad_input_gets_a_clear_4xx_naming_the_field(
    api: Client, change: dict, status: int, field: str
):
    body = {"service": "KTP", "date": TOMORROW, "slot": "08:00", "nik": NIK_MAN, **change}
    got, answer = api("POST", "/bookings", body)
    assert got == status, answer
    assert field in answer["error"]["message"]


def test_a_full_slot_and_today_s_cut_off(api: Client, clock: FakeClock):
    for i in range(4):
        assert api.book(nik=f"35730112059000{i + 1:02d}")[0] == 201
    status, full = api.book(nik=NIK_WOMAN)
    assert status == 409 and full["error"]["code"] == "slot_full"
    # Today 09:00: the 09:30 slot is within the 60-minute cut-off, 10:00 is not.
    status, late = api.book(day="2026-11-24", slot="09:30", nik=NIK_WOMAN)
    assert status == 409 and late["error"]["code"] == "slot_closed"
    assert api.book(day="2026-11-24", slot="10:00", nik=NIK_WOMAN)[0] == 201


@pytest.fixture
def app_on_each_database(
    settings: Settings, clock: FakeClock, database_url: str
) -> Iterator[Flask]:
    app = create_app(
        dataclasses.replace(settings, database_url=database_url),
        clock=clock,
        printer_factory=RecordingPrinter,
        test_config={"TESTING": True},
    )
    yield app
    app.extensions["antrian.engine"].dispose()


def test_a_booking_sent_again_with_its_key_gets_the_booking_made(
    app_on_each_database: Flask, clock: FakeClock
):
    """The phone's reply was lost: sent again with the same Idempotency-Key and body, the
    visitor gets the code of the booking made (also once the slot has closed for new
    bookings), never "already booked" for a code they never saw."""
    app = app_on_each_database
    api = Client(app)
    http = app.test_client()
    body = {"service": "KTP", "date": "2026-11-24", "slot": "10:00", "nik": NIK_MAN}
    key = {"Idempotency-Key": "0f6c2b9e-3a41-4d7e-9b1a-5c2e8d4f7a60"}
    first = http.post("/api/v1/bookings", json=body, headers=key)
    assert first.status_code == 201, first.get_json()
    code = first.get_json()["code"]
    again = http.post("/api/v1/bookings", json=body, headers=key)
    assert again.status_code == 201 and again.get_json() == first.get_json()
    assert again.headers["Location"] == f"/api/v1/bookings/{code}"
    # 09:30: the 10:00 slot is within the cut-off now; the retry still gets its booking.
    clock.advance(minutes=30)
    assert api.book(day="2026-11-24", slot="10:00", nik=NIK_WOMAN)[1]["error"]["code"] == (
        "slot_closed"
    )
    late = http.post("/api/v1/bookings", json=body, headers=key)
    assert late.status_code == 201 and late.get_json()["code"] == code
    # Without the key it is a new request: one active booking per NIK and day.
    status, refused = api.book(day="2026-11-24", slot="11:00")
    assert status == 409 and refused["error"]["code"] == "already_booked"
    # The key with another booking asked for is refused, and names the key.
    other = http.post("/api/v1/bookings", json={**body, "slot": "11:00"}, headers=key)
    assert other.status_code == 422
    assert other.get_json()["error"]["code"] == "idempotency_key_reused"
    # A public key must be unguessable.
    short = http.post("/api/v1/bookings", json=body, headers={"Idempotency-Key": "1"})
    assert short.status_code == 400 and "16" in short.get_json()["error"]["message"]
    with app.extensions["antrian.engine"].connect() as conn:
        made = conn.execute(bookings.select()).all()
    assert [row.code for row in made] == [code]


def test_unknown_codes_are_404_and_count_against_the_client(api: Client, app: Flask):
    app.extensions["antrian.settings"]  # the limit is read from the settings
    status, body = api("GET", "/bookings/ABCD2345")
    assert status == 404 and body["error"]["code"] == "not_found"
    assert api("GET", "/bookings/0000")[0] == 404


def test_the_per_client_booking_limit_answers_429_with_retry_after(
    settings: Settings, clock: FakeClock
):
    import dataclasses

    from core.config.booking import BookingSettings

    limited = dataclasses.replace(settings, bookings=BookingSettings(client_limits="2 per minute"))
    app = create_app(limited, clock=clock, test_config={"TESTING": True})
    try:
        http = app.test_client()
        body = {"service": "KTP", "date": TOMORROW, "slot": "08:00", "nik": NIK_MAN}
        answers = [http.post("/api/v1/bookings", json=body) for _ in range(3)]
        assert [a.status_code for a in answers] == [201, 409, 429]
        assert int(answers[2].headers["Retry-After"]) >= 1
        message = answers[2].get_json()["error"]["message"]
        assert "2 per minute" in message
        # Bahasa Indonesia first, as on every visitor's page.
        assert message.startswith("Terlalu banyak permintaan booking dari alamat ini")
        assert "paling banyak 2 per menit" in message
    finally:
        app.extensions["antrian.engine"].dispose()


def test_check_in_issues_one_ticket_within_the_window(api: Client, clock: FakeClock):
    code = api.book(day="2026-11-24", slot="10:00")[1]["code"]
    kiosk = api.kiosk()
    status, early = api("POST", f"/bookings/{code}/check-in", {}, token=kiosk)
    assert status == 409 and early["error"]["code"] == "too_early"
    assert "09:30" in early["error"]["message"]
    clock.now = datetime(2026, 11, 24, 2, 40, tzinfo=UTC)  # 09:40 WIB
    status, ticket = api("POST", f"/bookings/{code}/check-in", {}, token=kiosk)
    assert status == 201, ticket
    assert ticket["channel"] == "booking" and ticket["slot"] == "10:00"
    assert ticket["number"] == "A001" and ticket["print"]["status"] == "printed"
    status, again = api("POST", f"/bookings/{code}/check-in", {}, token=kiosk)
    assert status == 200 and again["id"] == ticket["id"] and again["repeat"] is True
    assert api("GET", f"/bookings/{code}")[1]["ticket"]["number"] == "A001"
    # Anonymous callers cannot check in.
    assert api("POST", f"/bookings/{code}/check-in", {})[0] == 401


def test_a_repeated_check_in_is_not_counted_against_the_kiosk(api: Client, clock: FakeClock):
    code = api.book(day="2026-11-24", slot="10:00")[1]["code"]
    kiosk = api.kiosk()
    clock.now = datetime(2026, 11, 24, 2, 40, tzinfo=UTC)  # 09:40 WIB
    status, ticket = api("POST", f"/bookings/{code}/check-in", {}, token=kiosk)
    assert status == 201
    # The kiosk may issue 10 a minute; a visitor scanning the same code again and again
    # gets the same ticket each time, and the kiosk can still issue afterwards.
    for _ in range(12):
        status, again = api("POST", f"/bookings/{code}/check-in", {}, token=kiosk)
        assert (status, again["id"]) == (200, ticket["id"])
    assert api("POST", "/tickets", {"service": "KK"}, token=kiosk)[0] == 201


def test_late_visitors_follow_the_service_rule(api: Client, clock: FakeClock):
    code = api.book(day="2026-11-24", slot="10:00")[1]["code"]
    kiosk = api.kiosk()
    clock.now = datetime(2026, 11, 24, 3, 20, tzinfo=UTC)  # 10:20 WIB, window closed 10:15
    status, ticket = api("POST", f"/bookings/{code}/check-in", {}, token=kiosk)
    assert status == 201 and ticket["channel"] == "late_booking" and ticket["slot"] is None


def test_the_printed_ticket_is_marked_with_the_slot_time(api: Client, clock: FakeClock, app: Flask):
    code = api.book(day="2026-11-24", slot="10:00")[1]["code"]
    clock.now = datetime(2026, 11, 24, 2, 40, tzinfo=UTC)  # 09:40 WIB
    ticket = api("POST", f"/bookings/{code}/check-in", {}, token=api.kiosk())[1]
    slip = app.extensions["antrian.printing"].slip(ticket["id"])
    assert slip.booking_label == "BOOKING 10:00"


def test_the_calendar_file_has_the_slot_in_utc(api: Client):
    code = api.book(slot="08:00")[1]["code"]
    response = api.http.get(f"/api/v1/bookings/{code}/calendar.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    text = response.get_data(as_text=True)
    assert "DTSTART:20261125T010000Z" in text and "DTEND:20261125T013000Z" in text
    assert NIK_MAN not in text


def test_personal_data_is_deleted_after_the_retention_days(
    api: Client, app: Flask, clock: FakeClock
):
    from core.server import housekeeping

    api.book()
    desk = app.extensions["antrian.bookings"]
    queue = app.extensions["antrian.queue"]
    clock.advance(days=30)  # the visit was on the 25th: 29 days past, kept
    housekeeping.run_once(queue, desk)
    with app.extensions["antrian.engine"].connect() as conn:
        assert conn.execute(bookings.select()).one().nik_hash is not None
    clock.advance(days=2)
    housekeeping.run_once(queue, desk)
    with app.extensions["antrian.engine"].connect() as conn:
        row = conn.execute(bookings.select()).one()
    assert row.nik_hash is None and row.active_nik is None


def test_an_officer_checks_a_booking_in_and_a_display_cannot(
    api: Client, clock: FakeClock, app: Flask
):
    accounts = app.extensions["antrian.accounts"]
    accounts.add_user("siti", "rahasia-123", "officer")
    token = api(
        "POST", "/auth/login", {"username": "siti", "password": "rahasia-123", "counter": 1}
    )[1]["token"]
    display = accounts.add_device("tv-1", "display", zone="A")
    code = api.book(day="2026-11-24", slot="10:00")[1]["code"]
    clock.now = datetime(2026, 11, 24, 2, 40, tzinfo=UTC)
    status, refused = api("POST", f"/bookings/{code}/check-in", {}, token=display)
    assert status == 403
    published = app.extensions["antrian.queue"].publisher
    seen: list = []
    published.subscribe(seen.append)
    status, ticket = api("POST", f"/bookings/{code}/check-in", {}, token=token)
    assert status == 201 and ticket["channel"] == "booking" and "print" not in ticket
    # The live event of the check-in: the new ticket, its channel and slot, no personal data.
    issued = [e for e in seen if e.name == "ticket.issued"]
    assert (
        issued and issued[0].ticket["channel"] == "booking" and issued[0].ticket["slot"] == "10:00"
    )
    assert NIK_MAN not in repr(issued[0])


def test_checked_in_bookings_do_not_use_up_the_walk_in_quota(settings: Settings, clock: FakeClock):
    import dataclasses

    from tests.integration.conftest import service_with

    small = service_with(settings, "KTP", daily_quota=1)
    small = service_with(small, "KTP", booking=dataclasses.replace(small.service("KTP").booking))
    app = create_app(small, clock=clock, test_config={"TESTING": True})
    try:
        api = Client(app)
        kiosk = api.kiosk()
        code = api.book(day="2026-11-24", slot="10:00")[1]["code"]
        clock.now = datetime(2026, 11, 24, 2, 40, tzinfo=UTC)
        assert api("POST", f"/bookings/{code}/check-in", {}, token=kiosk)[0] == 201
        assert api("POST", "/tickets", {"service": "KTP"}, token=kiosk)[0] == 201  # A002
        status, full = api("POST", "/tickets", {"service": "KTP"}, token=kiosk)
        assert status == 409 and full["error"]["code"] == "quota_reached"
    finally:
        app.extensions["antrian.engine"].dispose()


def test_walk_ins_are_refused_on_a_holiday_with_its_reason(api: Client, clock: FakeClock):
    clock.now = datetime(2026, 12, 25, 2, 0, tzinfo=UTC)  # Hari Raya Natal, 09:00 WIB
    status, body = api("POST", "/tickets", {"service": "SIM"}, token=api.kiosk())
    assert status == 409 and "Natal" in body["error"]["message"]


def test_a_code_whose_ticket_is_over_is_refused(api: Client, clock: FakeClock, app: Flask):
    from tests.conftest import officer

    queue = app.extensions["antrian.queue"]
    code = api.book(day="2026-11-24", slot="10:00")[1]["code"]
    clock.now = datetime(2026, 11, 24, 2, 40, tzinfo=UTC)
    ticket = api("POST", f"/bookings/{code}/check-in", {}, token=api.kiosk())[1]
    queue.open_counter(1, officer(1))
    called = queue.call_next(1, officer(1))
    assert called["id"] == ticket["id"] and called["channel"] == "booking"
    # Displays show the booked visitor's slot with the call (snapshot and live event).
    assert queue.snapshot()["calls"][0]["slot"] == "10:00"
    queue.act(ticket["id"], "start", officer(1))
    queue.act(ticket["id"], "finish", officer(1))
    kiosk = app.extensions["antrian.accounts"].add_device("kiosk-2", "kiosk", kiosk="K1")
    status, used = api("POST", f"/bookings/{code}/check-in", {}, token=kiosk)
    assert status == 409 and used["error"]["code"] == "booking_used"
    assert api("DELETE", f"/bookings/{code}")[1]["error"]["code"] == "booking_used"


def test_a_booking_whose_day_passed_is_missed_and_cannot_change(api: Client, clock: FakeClock):
    code = api.book()[1]["code"]  # the 25th
    clock.advance(days=2)
    assert api("GET", f"/bookings/{code}")[1]["status"] == "missed"
    assert api("DELETE", f"/bookings/{code}")[1]["error"]["code"] == "booking_expired"
    status, late = api("POST", f"/bookings/{code}/check-in", {}, token=api.kiosk())
    assert status == 409 and late["error"]["code"] == "too_late"


def test_a_booked_elderly_visitor_is_still_served_first(api: Client, clock: FakeClock):
    """A booking does not say who is elderly: the kiosk's priority mode does at check-in, and
    the ticket then goes ahead of an earlier booking and the walk-ins."""
    kiosk = api.kiosk()
    first = api.book(day="2026-11-24", slot="10:00")[1]["code"]
    elderly = api.book(day="2026-11-24", slot="10:00", nik=NIK_WOMAN)[1]["code"]
    clock.now = datetime(2026, 11, 24, 3, 5, tzinfo=UTC)  # 10:05 WIB: both slots began
    walk_in = api("POST", "/tickets", {"service": "KTP"}, token=kiosk)[1]
    status, wrong = api("POST", f"/bookings/{elderly}/check-in", {"priority": "vip"}, token=kiosk)
    assert status == 400 and "'priority'" in wrong["error"]["message"]
    assert "lansia" in wrong["error"]["message"]
    assert api("GET", f"/bookings/{elderly}")[1]["status"] == "booked"  # nothing was issued
    booked = api("POST", f"/bookings/{first}/check-in", {}, token=kiosk)[1]
    status, ticket = api(
        "POST", f"/bookings/{elderly}/check-in", {"priority": "lansia"}, token=kiosk
    )
    assert status == 201 and ticket["channel"] == "booking"
    assert ticket["priority"] is True and ticket["ahead"] == 0
    assert api("GET", f"/tickets/{booked['id']}")[1]["ahead"] == 1
    assert api("GET", f"/tickets/{walk_in['id']}")[1]["ahead"] == 2


@pytest.mark.parametrize(
    ("change", "code", "indonesian"),
    [
        ({"nik": "123"}, "invalid_nik", "NIK harus tepat 16 angka"),
        ({"nik": "3573010000900001"}, "invalid_nik", "bukan tanggal"),
        ({"day": "2026-11-01"}, "date_in_past", "sudah lewat"),
        ({"day": "2027-03-01"}, "date_too_far", "terlalu jauh"),
        ({"slot": "03:00"}, "unknown_slot", "tidak ada untuk KTP"),
    ],
)
def test_what_a_visitor_is_told_is_in_indonesian_first_then_english(
    api: Client, change: dict[str, str], code: str, indonesian: str
):
    # The booking page shows the message as it comes: Bahasa Indonesia first, then English.
    status, body = api.book(**change)
    assert status in (400, 409, 422), body
    assert body["error"]["code"] == code
    message = body["error"]["message"]
    first, _, english = message.partition(" / ")
    assert indonesian in first and english, message


def test_a_second_booking_and_an_unknown_code_are_told_in_both_languages(api: Client):
    assert api.book()[0] == 201
    status, body = api.book(slot="08:30")
    assert (status, body["error"]["code"]) == (409, "already_booked")
    assert body["error"]["message"].startswith("NIK ini sudah punya booking KTP")
    status, body = api("POST", "/bookings/ZZZZ2222/check-in", {}, token=api.kiosk())
    assert status == 404
    assert body["error"]["message"].startswith("Kode booking ZZZZ-2222 tidak dikenal. / ")


def test_a_check_in_cut_off_before_its_slip_printed_prints_it_when_scanned_again(
    api: Client, clock: FakeClock, app: Flask, monkeypatch: pytest.MonkeyPatch
):
    """The server died between the check-in's commit and its print (a kill, a crash): the
    kiosk's retry, or the visitor scanning again, gets the ticket and its slip, once."""
    code = api.book(day="2026-11-24", slot="10:00")[1]["code"]
    kiosk = api.kiosk()
    clock.now = datetime(2026, 11, 24, 2, 40, tzinfo=UTC)  # 09:40 WIB
    printing = app.extensions["antrian.printing"]
    printer = printing.printers["K1"]

    def killed(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the process died while printing")

    with monkeypatch.context() as patch, pytest.raises(RuntimeError):
        patch.setattr(printing, "print_ticket", killed)
        api("POST", f"/bookings/{code}/check-in", {}, token=kiosk)
    assert printer.printed == []

    status, again = api("POST", f"/bookings/{code}/check-in", {}, token=kiosk)
    status_3, third = api("POST", f"/bookings/{code}/check-in", {}, token=kiosk)

    assert status == 200 and again["repeat"] is True
    assert again["print"]["status"] == "printed" and again["print"]["show_on_screen"] is False
    assert status_3 == 200 and third["print"]["job"] == again["print"]["job"]
    assert len(printer.printed) == 1, "printed once, not once per scan"
