"""A booking of a 00:00 slot at a mall open around the clock: its check-in window would open
the evening before, when a ticket gets that evening's number and is closed with that day.
The window opens at the slot day's midnight instead, and the visitor is told when."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from flask import Flask

from core.config import Settings
from tests.conftest import FakeClock
from tests.integration.pg import all_day_app

NIK = "3573011205900001"


@pytest.fixture
def app(settings: Settings, clock: FakeClock) -> Iterator[Flask]:
    with all_day_app(settings, clock) as app:
        yield app


def test_a_midnight_slot_checks_in_on_its_own_day_only(app: Flask, clock: FakeClock):
    http = app.test_client()
    booked = http.post(
        "/api/v1/bookings",
        json={"service": "KTP", "date": "2026-11-25", "slot": "00:00", "nik": NIK},
    )
    assert booked.status_code == 201, booked.get_json()
    code = booked.get_json()["code"]
    seen = http.get(f"/api/v1/bookings/{code}").get_json()
    assert seen["check_in_from"] == "00:00"  # not 23:30 of the day before
    kiosk = app.extensions["antrian.accounts"].add_device("kiosk-1", "kiosk", kiosk="K1")
    headers = {"Authorization": f"Bearer {kiosk}"}

    clock.now = datetime(2026, 11, 24, 16, 50, tzinfo=UTC)  # 23:50 WIB the day before
    early = http.post(f"/api/v1/bookings/{code}/check-in", json={}, headers=headers)
    assert early.status_code == 409
    error = early.get_json()["error"]
    assert error["code"] == "too_early" and "on 2026-11-25 at 00:00" in error["message"]

    clock.now = datetime(2026, 11, 24, 17, 5, tzinfo=UTC)  # 00:05 WIB on the booking's day
    checked = http.post(f"/api/v1/bookings/{code}/check-in", json={}, headers=headers)
    assert checked.status_code == 201, checked.get_json()
    ticket = checked.get_json()
    assert ticket["channel"] == "booking" and ticket["slot"] == "00:00"
    assert ticket["number"] == "A001"
