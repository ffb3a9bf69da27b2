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

from tests.browser.test_admin import sign_in
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


def test_ticket_states_roles_and_device_kinds_are_words_in_both_languages(
    live_server: LiveServer, browser_far_away: Any
) -> None:
    page = browser_far_away
    live_server.add_admin("kepala", password=PASSWORD)
    live_server.add_officer("siti", counters=[1])
    officer = live_server.login("siti", counter=1)  # counter 1 (KTP) opens
    kiosk = live_server.device_token("kiosk-lobby", "kiosk", kiosk="K1")
    live_server.device_token("tv-aula", "display", zone="A")
    issued = live_server.api("POST", "/tickets", kiosk, json={"service": "KTP"})
    assert issued.status_code == 201, issued.text
    number = issued.json()["number"]
    called = live_server.api("POST", "/counters/1/call-next", officer, json={})
    assert called.status_code == 200, called.text

    sign_in(page, live_server, "kepala")
    expect(page.locator("header .who")).to_contain_text("kepala (Admin)")
    current = page.locator("tr[data-counter='1'] td").nth(3)
    expect(current).to_have_text(f"{number} (dipanggil)")
    toggle_language(page)
    expect(current).to_have_text(f"{number} (called)")

    page.goto(f"{live_server.base_url}/admin/officers")  # the language chosen is kept
    role = page.locator("tr[data-user='siti'] td").nth(1)
    expect(role).to_have_text("Counter officer")
    options = page.locator("#roles option")
    expect(options).to_have_text(["Counter officer", "Admin", "Supervisor"])
    toggle_language(page)
    expect(role).to_have_text("Petugas loket")
    expect(options).to_have_text(["Petugas loket", "Admin", "Penyelia"])
    # The form still sends the code.
    assert page.eval_on_selector_all("#roles option", "os => os.map(o => o.value)") == [
        "officer",
        "admin",
        "supervisor",
    ]

    page.goto(f"{live_server.base_url}/admin/devices")
    kind = page.locator("tr[data-device='tv-aula'] td").nth(1)
    expect(kind).to_have_text("Layar aula")
    expect(page.locator("tr[data-device='kiosk-lobby'] td").nth(1)).to_have_text("Anjungan")
    expect(page.locator("#add-device select[name=kind] option")).to_have_text(
        ["Layar aula", "Anjungan", "Tablet survei"]
    )
    toggle_language(page)
    expect(kind).to_have_text("Hall display")
    expect(page.locator("#add-device select[name=kind] option")).to_have_text(
        ["Hall display", "Kiosk", "Survey tablet"]
    )
