"""The kiosk's booking check-in in Debian's Chromium, beyond the happy path of
test_booking.py: the keypad's backspace, answers that are not JSON (a proxy's error page, a
dropped connection) and the QR code of a printed queue ticket held to the scanner."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.test_booking import book, open_for_bookings, scan
from tests.browser.test_kiosk import open_kiosk
from tests.support.live import LiveServer

pytestmark = pytest.mark.browser

PROXY_PAGE = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
UNREACHABLE = "Gagal terhubung ke server"


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    server = open_for_bookings(LiveServer(tmp_path))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def kiosk(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    page = open_kiosk(browser, live_server)
    yield page
    page.context.close()


def type_code(kiosk: Page, text: str) -> None:
    for ch in text:
        kiosk.locator(f"#checkin-keypad [data-key='{ch}']").click()


def test_the_keypad_s_backspace_takes_back_one_character(
    kiosk: Page, live_server: LiveServer
) -> None:
    """A visitor who taps a wrong key takes back that one, by touch or from the keyboard,
    instead of clearing all eight and starting over."""
    code = book(live_server, "3573011205900001")
    kiosk.locator("#booking-open").click()
    backspace = kiosk.get_by_role("button", name="Hapus satu karakter")
    expect(backspace).to_be_visible()
    expect(backspace).to_be_disabled()  # nothing typed yet
    wrong = "Z" if code[3] != "Z" else "Y"
    type_code(kiosk, code[:3] + wrong)
    expect(kiosk.locator("#checkin-code")).to_have_text(code[:3] + wrong)
    backspace.tap()
    expect(kiosk.locator("#checkin-code")).to_have_text(code[:3])
    type_code(kiosk, code[3:7] + wrong)
    expect(kiosk.locator("#checkin-code")).to_have_text(f"{code[:4]}-{code[4:7]}{wrong}")
    expect(kiosk.locator("#checkin-submit")).to_be_enabled()
    backspace.focus()
    kiosk.keyboard.press("Enter")
    expect(kiosk.locator("#checkin-code")).to_have_text(f"{code[:4]}-{code[4:7]}")
    expect(kiosk.locator("#checkin-submit")).to_be_disabled()  # seven characters
    type_code(kiosk, code[7])
    kiosk.locator("#checkin-submit").click()
    expect(kiosk.locator("#checkin-message")).to_contain_text("take your ticket")
    expect(backspace).to_be_disabled()  # the code was cleared for the next visitor


@pytest.mark.parametrize(
    "answer",
    [
        {"status": 502, "content_type": "text/html", "body": PROXY_PAGE},
        {"status": 200, "content_type": "text/html", "body": PROXY_PAGE},
        {"status": 503, "content_type": "application/json", "body": ""},
    ],
    ids=["proxy-502", "html-200", "empty-503"],
)
def test_a_check_in_answered_with_no_json_says_so_in_both_languages(
    kiosk: Page, live_server: LiveServer, answer: dict
) -> None:
    """A proxy's error page is no reason to show a JavaScript parser message: the visitor is
    told the server was not reached, keeps the typed code, and one more tap checks in."""
    code = book(live_server, "3573011205900001")
    route = f"{live_server.base_url}/api/v1/bookings/{code}/check-in"
    kiosk.route(route, lambda r: r.fulfill(**answer))
    kiosk.locator("#booking-open").click()
    type_code(kiosk, code)
    kiosk.locator("#checkin-submit").click()
    error = kiosk.locator("#checkin-error")
    expect(error).to_contain_text(UNREACHABLE)
    expect(error).to_contain_text("Cannot reach the server")
    expect(error).to_contain_text("ask an officer")
    assert "token" not in error.inner_text().lower()
    assert "JSON" not in error.inner_text()
    expect(kiosk.locator("#checkin-code")).to_have_text(f"{code[:4]}-{code[4:]}")
    kiosk.unroute(route)
    kiosk.locator("#checkin-submit").click()
    expect(kiosk.locator("#checkin-message")).to_contain_text("take your ticket")
    expect(error).to_be_hidden()


def test_a_check_in_whose_connection_drops_says_so_without_a_browser_message(
    kiosk: Page, live_server: LiveServer
) -> None:
    code = book(live_server, "3573011205900001")
    route = f"{live_server.base_url}/api/v1/bookings/{code}/check-in"
    kiosk.route(route, lambda r: r.abort("connectionreset"))
    kiosk.locator("#booking-open").click()
    type_code(kiosk, code)
    kiosk.locator("#checkin-submit").click()
    expect(kiosk.locator("#checkin-error")).to_contain_text(UNREACHABLE)
    assert "Failed to fetch" not in kiosk.locator("#checkin-error").inner_text()


def test_a_printed_ticket_s_qr_at_the_scanner_says_it_is_already_in_the_queue(
    kiosk: Page, live_server: LiveServer
) -> None:
    """The QR code on a walk-in's slip is its status address, not a booking: the visitor is
    told it is their ticket, already in the queue, and nothing is issued or changed."""
    other_kiosk = live_server.device_token("kiosk-2", "kiosk", kiosk="K1")
    issued = live_server.api("POST", "/tickets", other_kiosk, json={"service": "KTP"}).json()
    assert "#k=" in issued["status_url"]  # the address as printed, survey key and all
    scan(kiosk, issued["status_url"])
    error = kiosk.locator("#checkin-error")
    expect(error).to_contain_text(f"Ini tiket antrean {issued['number']}, bukan kode booking")
    expect(error).to_contain_text("Anda sudah dalam antrean (menunggu dipanggil)")
    expect(error).to_contain_text("you are already in the queue")
    expect(kiosk.locator("#checkin-result")).to_be_hidden()
    ticket = live_server.api("GET", f"/tickets/{issued['id']}").json()
    assert ticket["status"] == "waiting"
    services = live_server.api("GET", "/services").json()["services"]
    assert next(s for s in services if s["code"] == "KTP")["waiting"] == 1  # no second one
    # Another mall's slip, then a booking: the kiosk tells each and stays usable.
    scan(kiosk, "https://antrian.mpp-lain.example.go.id/t/Zz9_Other-Mall01")
    expect(error).to_contain_text("bukan tiket mal ini")
    scan(kiosk, book(live_server, "3573011205900001"))
    expect(kiosk.locator("#checkin-message")).to_contain_text("take your ticket")
    expect(error).to_be_hidden()
