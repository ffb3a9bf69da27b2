"""A booking's calendar file (`GET /bookings/{code}/calendar.ics`) keeps a phone's calendar
right: one UID for the booking, a SEQUENCE that grows at each move and at the cancellation,
and a cancelled booking's file a CANCEL with STATUS:CANCELLED. Lines are folded at 75 octets
of UTF-8 with CRLF ends. The clock is the demo's Tuesday morning (24 November 2026, 09:00
WIB); KTP books 30-minute slots."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator

import pytest
from flask import Flask

from core.config import Settings
from core.server.app import create_app
from tests.conftest import FakeClock
from tests.integration.test_bookings_api import TOMORROW, Client

NAME = "Mal Pelayanan Publik Kota Malang — Gedung Pelayanan Terpadu Łukasiewicz, Lantai 2"
ADDRESS = "Jl. Jenderal Sudirman No. 1; Klojen, Kota Malang, Jawa Timur 65119 🏛️"


@pytest.fixture
def app(settings: Settings, clock: FakeClock) -> Iterator[Flask]:
    mall = dataclasses.replace(settings.mall, name=NAME, address=ADDRESS)
    app = create_app(
        dataclasses.replace(settings, mall=mall), clock=clock, test_config={"TESTING": True}
    )
    yield app
    app.extensions["antrian.engine"].dispose()


@pytest.fixture
def api(app: Flask) -> Client:
    return Client(app)


def unescape(value: str) -> str:
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m[1] in "nN" else m[1], value)


def calendar(api: Client, code: str) -> tuple[bytes, dict[str, str]]:
    """The file as served, and its properties by name (unfolded, parameters dropped)."""
    response = api.http.get(f"/api/v1/bookings/{code}/calendar.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    raw = response.get_data()
    unfolded = re.sub("\r\n[ \t]", "", raw.decode("utf-8"))  # RFC 5545 section 3.1
    fields: dict[str, str] = {}
    for line in unfolded.split("\r\n")[:-1]:
        name, _, value = re.match(r'([A-Z-]+)((?:;[^:"]*(?:"[^"]*")?)*):(.*)', line).groups()
        fields.setdefault(name, value)
    return raw, fields


def test_a_booking_s_file_is_a_confirmed_event_at_sequence_zero(api: Client):
    code = api.book(slot="08:00")[1]["code"]
    _, event = calendar(api, code)
    assert event["METHOD"] == "PUBLISH" and event["STATUS"] == "CONFIRMED"
    assert event["SEQUENCE"] == "0" and event["UID"].startswith(f"{code}@")
    assert event["DTSTART"] == "20261125T010000Z" and event["ORGANIZER"]


def test_each_move_and_the_cancellation_revise_the_same_event(api: Client):
    code = api.book(slot="08:00")[1]["code"]
    uid = calendar(api, code)[1]["UID"]
    seen = []
    for slot in ("10:00", "11:00"):
        status, _ = api("POST", f"/bookings/{code}/reschedule", {"date": TOMORROW, "slot": slot})
        assert status == 200
        seen.append(calendar(api, code)[1])
    assert [e["SEQUENCE"] for e in seen] == ["1", "2"]
    assert [e["DTSTART"] for e in seen] == ["20261125T030000Z", "20261125T040000Z"]
    # Moving to where it already is changes nothing, so the event is not revised.
    api("POST", f"/bookings/{code}/reschedule", {"date": TOMORROW, "slot": "11:00"})
    assert calendar(api, code)[1]["SEQUENCE"] == "2"

    assert api("DELETE", f"/bookings/{code}")[0] == 200
    _, cancelled = calendar(api, code)
    assert cancelled["METHOD"] == "CANCEL" and cancelled["STATUS"] == "CANCELLED"
    assert cancelled["SEQUENCE"] == "3"
    assert "dibatalkan" in cancelled["DESCRIPTION"] and "cancelled" in cancelled["DESCRIPTION"]
    # Cancelled again (a lost reply): the same event, not a newer one.
    assert api("DELETE", f"/bookings/{code}")[0] == 200
    assert calendar(api, code)[1]["SEQUENCE"] == "3"
    assert {e["UID"] for e in [*seen, cancelled]} == {uid}


def test_long_bilingual_lines_are_folded_at_75_octets_and_unfold_to_the_text(api: Client):
    code = api.book(slot="08:00")[1]["code"]
    raw, event = calendar(api, code)
    assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b"")
    lines = raw[:-2].split(b"\r\n")
    assert max(len(line) for line in lines) <= 75
    assert any(len(line) >= 73 for line in lines), "the long lines were folded"
    for line in lines:
        line.decode("utf-8")  # no fold inside a multi-byte character
    assert unescape(event["LOCATION"]) == f"{NAME}, {ADDRESS}"
    about = unescape(event["DESCRIPTION"])
    indonesian, _, english = about.partition(" / ")
    assert indonesian.startswith("Kode booking ") and "di anjungan" in indonesian
    assert english.startswith("Booking code ") and english.endswith(f"/booking/{code}")


def test_a_cancelled_booking_s_page_offers_the_file_that_removes_the_event(api: Client):
    code = api.book(slot="08:00")[1]["code"]
    api("DELETE", f"/bookings/{code}")
    page = api.http.get(f"/booking/{code}").get_data(as_text=True)
    assert f'href="/api/v1/bookings/{code}/calendar.ics"' in page
    assert "Hapus dari kalender / Remove from calendar" in page
