"""Moving a booking from its page in Debian's Chromium on a day whose online quota is used
up: the booking's own place is given back by the move, so the page offers the day's other
slots (the API always allowed the move; the page showed every slot full)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import Browser, expect

from tests.browser.test_booking import PHONE, open_for_bookings
from tests.support.live import LiveServer

pytestmark = pytest.mark.browser


@pytest.fixture
def full_day_server(tmp_path: Path) -> Iterator[LiveServer]:
    """KTP with two online places a day."""
    server = open_for_bookings(LiveServer(tmp_path))
    data = yaml.safe_load(server.config_path.read_text())
    next(s for s in data["services"] if s["code"] == "KTP")["booking"]["online_quota"] = 2
    server.config_path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    server.start()
    yield server
    server.stop()


def a_later_day_with_slots(server: LiveServer) -> tuple[str, list[str]]:
    """A KTP day after the mall's today (no slot closes while the test runs) and its slots:
    the machine's day after tomorrow is later than the mall's today in any time zone."""
    for ahead in range(2, 12):
        day = (date.today() + timedelta(days=ahead)).isoformat()
        found = server.api("GET", f"/services/KTP/slots?date={day}").json()["slots"]
        if len(found) >= 4:
            return day, [slot["start"] for slot in found]
    raise AssertionError("no KTP day with slots in ten days")


def test_a_booking_moves_to_another_slot_of_its_full_day_from_its_page(
    browser: Browser, full_day_server: LiveServer
) -> None:
    server = full_day_server
    day, starts = a_later_day_with_slots(server)
    codes = []
    for nik in ("3573011205900001", "3573015208850002"):
        body = {"service": "KTP", "date": day, "slot": starts[0], "nik": nik}
        response = server.api("POST", "/bookings", json=body)
        assert response.status_code == 201, response.text
        codes.append(response.json()["code"])
    full = server.api("GET", f"/services/KTP/slots?date={day}").json()["slots"]
    assert {slot["available"] for slot in full} == {0}  # no room for a new booking

    page = browser.new_context(viewport=PHONE, has_touch=True).new_page()
    try:
        page.goto(f"{server.base_url}/booking/{codes[0]}")
        page.fill("#date", day)
        page.dispatch_event("#date", "change")
        own = page.locator(f".slot[data-slot='{starts[0]}']")
        expect(own).to_contain_text("jadwal Anda / your slot")
        expect(own).to_be_disabled()
        later = page.locator(f".slot[data-slot='{starts[3]}']")
        expect(later).to_be_enabled()
        later.click()
        page.locator("#reschedule button[type=submit]").click()
        expect(page.locator("#when")).to_contain_text(f"{day}, {starts[3]}")
        expect(page.locator("#error")).to_be_hidden()
    finally:
        page.context.close()
    moved = server.api("GET", f"/bookings/{codes[0]}").json()
    assert (moved["date"], moved["slot"]) == (day, starts[3])
