"""The management pages speak the page's language, not the server's codes or the browser's
clock: audit times in the mall's own zone and Indonesian style, ticket states, roles and device
kinds in words, in both languages."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.support.live import LiveServer

pytestmark = pytest.mark.browser

PASSWORD = "rahasia-admin"
MONTHS_ID = ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"]
MONTHS_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sept", "Oct", "Nov", "Dec"]


@pytest.fixture
def browser_far_away(browser: Any) -> Iterator[Any]:
    """A browser whose own clock and language are not the mall's: New York, US English."""
    context = browser.new_context(
        viewport={"width": 1440, "height": 1000}, timezone_id="America/New_York", locale="en-US"
    )
    yield context.new_page()
    context.close()


def sign_in(page: Any, server: LiveServer, username: str) -> None:
    page.goto(f"{server.base_url}/admin/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server.base_url}/admin")


def toggle_language(page: Any) -> None:
    page.locator("[data-lang-toggle]").click()


def test_audit_times_are_the_malls_wall_clock_whatever_the_browsers_zone(
    live_server: LiveServer, browser_far_away: Any
) -> None:
    page = browser_far_away
    live_server.add_admin("kepala", password=PASSWORD)
    token = live_server.login("kepala", password=PASSWORD)
    added = live_server.api(
        "POST", "/admin/devices", token, json={"name": "tv-aula", "kind": "display", "zone": "A"}
    )
    assert added.status_code == 201, added.text
    entries = live_server.api("GET", "/admin/audit?action=device", token).json()["entries"]
    instant = datetime.fromisoformat(entries[0]["at"])
    at = instant.astimezone(live_server.settings.mall.tz)
    far = instant.astimezone(ZoneInfo("America/New_York"))
    assert at.utcoffset() != far.utcoffset(), "the browser's zone must not be the mall's"

    sign_in(page, live_server, "kepala")
    page.goto(f"{live_server.base_url}/admin/audit")
    cell = page.locator("tr[data-action='device.add'] td").first
    expect(cell).to_have_text(f"{at.day} {MONTHS_ID[at.month - 1]} {at.year} {at:%H.%M.%S}")
    toggle_language(page)
    expect(cell).to_have_text(f"{at.day} {MONTHS_EN[at.month - 1]} {at.year} {at:%H:%M:%S}")
