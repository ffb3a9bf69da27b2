"""Booked visits at their edges, as a visitor on a phone meets them: digits typed by another
keyboard, a booking moved at the edge of the day's online quota, a code pasted with odd
characters. The clock is the demo's Tuesday morning (24 November 2026, 09:00 WIB)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from core.config import Settings
from core.server.app import create_app
from tests.conftest import FakeClock
from tests.integration.test_bookings_api import NIK_MAN, Client


@pytest.fixture
def app(settings: Settings, clock: FakeClock) -> Iterator[Flask]:
    app = create_app(settings, clock=clock, test_config={"TESTING": True})
    yield app
    app.extensions["antrian.engine"].dispose()


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
