"""A malformed `date`, `slot` or `service` on any booking endpoint is refused as every other
booking refusal is: a 4xx whose message is Bahasa Indonesia first, then English naming the
field, as the booking page shows it. The clock is the demo's Tuesday morning (24 November
2026, 09:00 WIB)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.integration.test_bookings_api import NIK_MAN, TOMORROW, Client


@pytest.fixture
def api(app: Flask) -> Client:
    return Client(app)


def assert_bilingual(status: int, body: Any, field: str, indonesian: str) -> None:
    assert 400 <= status < 500, body
    message = body["error"]["message"]
    first, separator, english = message.partition(" / ")
    assert separator, f"no Indonesian part before the English one: {message!r}"
    assert first.startswith(indonesian), message
    assert f"'{field}'" not in first and f"'{field}'" in english, message


MALFORMED = [
    ("date", 20261125, "Tanggal harus diisi dengan format TTTT-BB-HH"),
    ("date", "25-11-2026", "Tanggal '25-11-2026' tidak dikenali"),
    ("date", "2026-11-25 08:00", "Tanggal '2026-11-25 08:00' tidak dikenali"),
    ("slot", 800, "Jam harus diisi dengan jam mulai JJ:MM"),
    ("slot", None, "Jam harus diisi dengan jam mulai JJ:MM"),
    ("service", 7, "Layanan harus diisi dengan kode layanan"),
    ("service", "", "Layanan harus diisi dengan kode layanan"),
    ("service", "NOPE", "Layanan 'NOPE' tidak dikenal"),
]


@pytest.mark.parametrize(("field", "value", "indonesian"), MALFORMED)
def test_a_malformed_field_of_a_new_booking_is_told_in_indonesian_first(
    api: Client, field: str, value: object, indonesian: str
):
    body = {"service": "KTP", "date": TOMORROW, "slot": "08:00", "nik": NIK_MAN, field: value}
    assert_bilingual(*api("POST", "/bookings", body), field, indonesian)


@pytest.mark.parametrize(
    ("field", "value", "indonesian"), [m for m in MALFORMED if m[0] != "service"]
)
def test_a_malformed_field_of_a_move_is_told_in_indonesian_first(
    api: Client, field: str, value: object, indonesian: str
):
    code = api.book()[1]["code"]
    body = {"date": TOMORROW, "slot": "10:00", field: value}
    assert_bilingual(*api("POST", f"/bookings/{code}/reschedule", body), field, indonesian)
    assert api("GET", f"/bookings/{code}")[1]["slot"] == "08:00"  # not moved


@pytest.mark.parametrize(
    ("query", "field", "indonesian"),
    [
        ("", "date", "Tanggal harus diisi dengan format TTTT-BB-HH"),
        ("?date=tomorrow", "date", "Tanggal 'tomorrow' tidak dikenali"),
    ],
)
def test_a_malformed_date_of_the_slots_is_told_in_indonesian_first(
    api: Client, query: str, field: str, indonesian: str
):
    assert_bilingual(*api("GET", f"/services/KTP/slots{query}"), field, indonesian)


def test_an_unknown_service_of_the_slots_is_told_in_indonesian_first(api: Client):
    status, body = api("GET", f"/services/NOPE/slots?date={TOMORROW}")
    assert status == 404
    assert_bilingual(status, body, "service", "Layanan 'NOPE' tidak dikenal")
