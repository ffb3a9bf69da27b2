"""The public phone pages: browse the services, read what to bring, take a number from home,
and be alerted on the ticket's status page when near the front and when called."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import wait_for_js
from tests.support.live import LiveServer

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0 Mobile Safari/537.36"
)
# Records every navigator.vibrate call, so the test sees what the page asked the phone to do.
RECORD_VIBRATIONS = """
window.vibrations = [];
Object.defineProperty(Navigator.prototype, "vibrate", {
  configurable: true,
  value: function (pattern) { window.vibrations.push(pattern); return true; },
});
"""


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        viewport=PHONE, has_touch=True, is_mobile=True, user_agent=ANDROID
    )
    context.add_init_script(RECORD_VIBRATIONS)
    yield context.new_page()
    context.close()


def api_ok(server: LiveServer, path: str, token: str, status: int = 200, **kw: Any) -> Any:
    response = server.api("POST", path, token, **kw)
    assert response.status_code == status, response.text
    return response.json()


def vibrations(page: Page) -> int:
    return page.evaluate("() => window.vibrations.length")


def test_a_visitor_reads_the_requirements_takes_a_number_from_home_and_is_alerted(
    phone: Page, live_server: LiveServer, artifacts: Path
) -> None:
    kiosk = live_server.device_token("kiosk-lobby", "kiosk", kiosk="K1")
    in_hall = [api_ok(live_server, "/tickets", kiosk, 201, json={"service": "KTP"}) for _ in "1234"]

    # The mall's address on a phone opens the catalogue.
    phone.goto(f"{live_server.base_url}/")
    assert phone.url.endswith("/layanan/")
    expect(phone.locator("#agency-DISDUKCAPIL")).to_be_visible()
    phone.screenshot(path=str(artifacts / "public-catalogue.png"))

    # A service without numbers from home says where to get one instead.
    phone.locator("[data-service=PASPOR]").click()
    expect(phone.locator("#remote-unavailable")).to_contain_text("anjungan")
    expect(phone.locator("#take")).to_have_count(0)

    # The KTP page in English, then back to Indonesian with the toggle.
    phone.goto(f"{live_server.base_url}/layanan/KTP?lang=en")
    expect(phone.locator("#requirements li").first).to_have_text("Copy of the family card (KK)")
    expect(phone.locator("#fee")).to_have_text("Free")
    phone.locator("#lang").click()
    expect(phone.locator("#requirements li").first).to_have_text("Fotokopi Kartu Keluarga (KK)")
    expect(phone.locator("#waiting")).to_have_text("4 orang")
    phone.screenshot(path=str(artifacts / "public-service.png"))

    phone.locator("#take").click()
    phone.wait_for_url("**/t/*")
    expect(phone.locator("#number")).to_have_text("A005")
    expect(phone.locator("#ahead")).to_have_text("4 orang")
    expect(phone.locator("#near")).to_be_hidden()
    assert vibrations(phone) == 0

    # One visitor ahead is called: 3 left, the alert distance of the demo mall.
    live_server.add_officer("siti", counters=[1])
    siti = live_server.login("siti", counter=1)
    first = api_ok(live_server, "/counters/1/call-next", siti)
    assert first["id"] == in_hall[0]["id"]
    expect(phone.locator("#ahead")).to_have_text("3 orang")
    expect(phone.locator("#near")).to_be_visible()
    wait_for_js(phone, "() => document.title.startsWith('(3) Segera dipanggil')")
    assert phone.title() == "(3) Segera dipanggil — A005"
    assert vibrations(phone) == 1
    phone.screenshot(path=str(artifacts / "public-status-near.png"))

    # Called: the title, a vibration and the counter in large type.
    api_ok(live_server, f"/tickets/{first['id']}/start", siti)
    api_ok(live_server, f"/tickets/{first['id']}/finish", siti)
    mine = phone.url.rsplit("/", 1)[1].split("#")[0].split("?")[0]
    called = api_ok(live_server, f"/tickets/{mine}/call", siti, json={"counter": 1})
    assert called["channel"] == "online"
    expect(phone.locator("body")).to_have_attribute("data-alerts", "1")
    wait_for_js(phone, "() => document.title.startsWith('(!) Dipanggil')")
    assert phone.title() == "(!) Dipanggil — A005"
    assert vibrations(phone) == 2
    expect(phone.locator("#called-counter")).to_have_text("Loket 1")

    # Back on the service page the phone remembers the number it took.
    phone.goto(f"{live_server.base_url}/layanan/KTP")
    expect(phone.locator("#mine")).to_contain_text("A005")


def test_a_number_from_home_is_offered_the_survey_once_served(
    phone: Page, live_server: LiveServer
) -> None:
    """The phone that took the number holds its survey key: the status page it opens carries
    it, so once the visit is finished the visitor is asked to rate it, as a kiosk's ticket
    is (its QR code carries the key)."""
    phone.goto(f"{live_server.base_url}/layanan/KTP")
    phone.locator("#take").click()
    phone.wait_for_url("**/t/*")
    assert "#k=" in phone.url
    mine = phone.url.rsplit("/", 1)[1].split("#")[0].split("?")[0]
    live_server.add_officer("siti", counters=[1])
    siti = live_server.login("siti", counter=1)
    api_ok(live_server, f"/tickets/{mine}/call", siti, json={"counter": 1})
    api_ok(live_server, f"/tickets/{mine}/start", siti)
    api_ok(live_server, f"/tickets/{mine}/finish", siti)
    expect(phone.locator("#survey")).to_be_visible()
    expect(phone.locator("#survey button[type=submit]")).to_be_visible()
    # Opened again from the service page's reminder (no key in that address), still asked.
    phone.goto(f"{live_server.base_url}/layanan/KTP")
    phone.locator("#mine-link").click()
    phone.wait_for_url("**/t/*")
    expect(phone.locator("#survey button[type=submit]")).to_be_visible()
