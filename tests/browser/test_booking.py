"""Booked visits in Debian's Chromium against a real server: a phone books, sees its code and
QR code, cancels and books again; a kiosk checks bookings in by a simulated barcode scanner
(fast keystrokes ending in Enter) and by its on-screen keypad."""

from __future__ import annotations

import io
import re
import socket
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
import zxingcpp
from PIL import Image
from playwright.sync_api import Browser, Page, Route, expect

from tests.browser.test_counter import sign_in
from tests.browser.test_kiosk import LANDSCAPE as LANDSCAPE_KIOSK
from tests.browser.test_kiosk import PORTRAIT as PORTRAIT_KIOSK
from tests.browser.test_kiosk import open_kiosk
from tests.support.live import LiveServer

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
SLOT_MARGIN = timedelta(minutes=10)
BOOKING_PAGE = re.compile(r"/booking/[A-Z0-9]{8}$")


# Indonesia's three zones, an hour apart: at any moment at least two are not in their last
# hour before midnight.
INDONESIAN_ZONES = ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")


def zone_before_its_last_hour() -> str:
    """An Indonesian zone whose day has a bookable slot left now. A check-in today needs a
    slot today, a slot is booked up to its start, and the last starts at 23:30: in Jakarta's
    last half hour every check-in test failed (no slot today, so the booking was tomorrow's
    and the kiosk rightly refused it)."""
    return next(z for z in INDONESIAN_ZONES if datetime.now(ZoneInfo(z)).hour < 23)


def open_for_bookings(server: LiveServer) -> LiveServer:
    """The all-day demo mall, where KTP bookings can be made up to the slot's start and
    checked in up to ten hours ahead, in a zone not in its last hour of the day: tests run
    at any hour."""
    data = yaml.safe_load(server.config_path.read_text())
    data["mall"]["timezone"] = zone_before_its_last_hour()
    for entry in data["services"]:
        if entry["code"] == "KTP":
            entry["booking"].update(
                same_day_cutoff_minutes=0,
                arrival_window={"before_min": 600, "after_min": 600},
                capacity_per_slot=50,
                online_quota=None,
            )
    server.config_path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    return server


def started_for_check_in(tmp_path: Path, printer: dict[str, Any] | None) -> LiveServer:
    """A started server open for check-in whose one kiosk, K1, has `printer` (None: a tablet
    kiosk without one)."""
    kiosks = [{"code": "K1", "name": "Anjungan Uji", "zone": "A", "printer": printer}]
    server = open_for_bookings(LiveServer(tmp_path, kiosks=kiosks))
    server.start()
    return server


def qr_ticket_id(source: str | None) -> str:
    """The ticket id in a kiosk QR image's address."""
    match = re.search(r"/kiosk/qr/([^/?]+)\.svg", source or "")
    assert match, source
    return match.group(1)


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    server = open_for_bookings(LiveServer(tmp_path))
    server.start()
    yield server
    server.stop()


def first_open_slot(server: LiveServer) -> tuple[str, str]:
    """The first day (from today) and slot of KTP with a free place that stays open for a
    while: a slot closes at its start, so one starting within minutes could close between
    this answer and the page's (it did, at 15:30 in Jakarta)."""
    mall_tz = ZoneInfo(yaml.safe_load(server.config_path.read_text())["mall"]["timezone"])
    soon = datetime.now(mall_tz) + SLOT_MARGIN
    day = date.today() - timedelta(days=1)  # the server's local day may be ahead of ours
    for _ in range(10):
        day += timedelta(days=1)
        response = server.api("GET", f"/services/KTP/slots?date={day.isoformat()}")
        if response.status_code != 200:
            continue
        for slot in response.json()["slots"]:
            start = datetime.combine(day, time.fromisoformat(slot["start"]), tzinfo=mall_tz)
            if slot["available"] > 0 and start > soon:
                return day.isoformat(), slot["start"]
    raise AssertionError("no open KTP slot in ten days")


def book(server: LiveServer, nik: str) -> str:
    day, slot = first_open_slot(server)
    body = {"service": "KTP", "date": day, "slot": slot, "nik": nik}
    response = server.api("POST", "/bookings", json=body)
    assert response.status_code == 201, response.text
    return response.json()["code"]


def scan(page: Page, code: str) -> None:
    """A USB barcode scanner types `code` and Enter within a millisecond or two. The keys are
    dispatched in the page in one go: typed one by one from here, each key is a round trip
    to the browser, and on a loaded machine the gaps grew past what the kiosk takes for a
    scan (it did in CI), so the kiosk rightly ignored them as slow typing."""
    page.evaluate(
        """code => [...code, "Enter"].forEach(key =>
            document.dispatchEvent(new KeyboardEvent("keydown", {key, bubbles: true})))""",
        code,
    )


def readable(page: Page, selector: str) -> bool:
    """The element's text colour differs from its background's."""
    colours = page.locator(selector).first.evaluate(
        "e => [getComputedStyle(e).color, getComputedStyle(e).backgroundColor]"
    )
    return colours[0] != colours[1]


def fill_the_form(page: Page, day: str, slot: str, nik: str) -> None:
    """KTP on `day` at `slot` for `nik`, not yet sent."""
    page.select_option("#service", "KTP")
    page.fill("#date", day)
    page.dispatch_event("#date", "change")
    # Every time can be read before one is chosen (they were white on white).
    assert readable(page, ".slot[aria-pressed='false']")
    page.locator(f".slot[data-slot='{slot}']").click()
    assert readable(page, ".slot[aria-pressed='true']")
    page.fill("#nik", nik)


def test_a_phone_books_sees_its_code_and_qr_cancels_and_books_again(
    browser: Browser, live_server: LiveServer
) -> None:
    page = browser.new_context(viewport=PHONE, has_touch=True).new_page()
    day, slot = first_open_slot(live_server)
    page.goto(f"{live_server.base_url}/booking/")
    fill_the_form(page, day, slot, "3573011205900001")
    page.locator("#submit").click()
    page.wait_for_url(BOOKING_PAGE)
    code = page.url.rsplit("/", 1)[1]
    assert len(code) == 8
    expect(page.locator("#code")).to_have_text(f"{code[:4]}-{code[4:]}")
    # The QR code on the page reads back as the booking code (what the kiosk scans).
    qr = page.locator("#qr")
    expect(qr).to_be_visible()
    decoded = [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(qr.screenshot())))]
    assert decoded == [code]
    assert page.locator("#ics").get_attribute("href").endswith(f"/bookings/{code}/calendar.ics")
    expect(page.locator("#status")).to_have_attribute("data-status", "booked")
    expect(page.locator("#status")).to_have_text("Terdaftar / Booked")
    # The same NIK cannot hold two bookings of KTP that day: cancel first, then book again.
    # Cancelling asks first; "no" leaves the booking as it was.
    page.locator("#cancel").click()
    page.locator("#cancel-no").click()
    expect(page.locator("#cancel")).to_be_visible()
    page.reload()
    expect(page.locator("#status")).to_have_attribute("data-status", "booked")
    page.locator("#cancel").click()
    page.locator("#cancel-yes").click()
    expect(page.locator("#status")).to_have_attribute("data-status", "cancelled")
    expect(page.locator("#status")).to_have_text("Dibatalkan / Cancelled")
    # A cancelled booking shows no QR code and no check-in time to act on.
    expect(page.locator("#qr")).to_have_count(0)
    expect(page.locator(".card")).not_to_contain_text("Check-in di anjungan")
    page.locator("a.button").click()
    fill_the_form(page, day, slot, "3573011205900001")
    page.locator("#submit").click()
    page.wait_for_url(BOOKING_PAGE)
    assert page.url.rsplit("/", 1)[1] != code
    expect(page.locator("#status")).to_have_attribute("data-status", "booked")
    page.context.close()


def test_a_booking_whose_reply_was_lost_is_found_by_sending_again(
    browser: Browser, live_server: LiveServer
) -> None:
    """The server made the booking but the phone never heard back (a mobile network):
    the visitor is told to try again, and sending again opens the booking made, not
    "already booked" for a code they never saw."""
    context = browser.new_context(viewport=PHONE, has_touch=True)
    page = context.new_page()
    made: list[str] = []

    def reply_lost(route: Route) -> None:
        if route.request.method != "POST":
            route.continue_()
            return
        reply = route.fetch()  # the server books...
        made.append(reply.json()["code"])
        route.abort("connectionreset")  # ...and the phone never hears back

    try:
        day, slot = first_open_slot(live_server)
        page.route(f"{live_server.base_url}/api/v1/bookings", reply_lost)
        page.goto(f"{live_server.base_url}/booking/")
        fill_the_form(page, day, slot, "3573011205900004")
        page.locator("#submit").click()
        expect(page.locator("#error")).to_contain_text("Tidak tersambung")
        assert len(made) == 1

        page.unroute(f"{live_server.base_url}/api/v1/bookings")
        page.locator("#submit").click()
        page.wait_for_url(BOOKING_PAGE)
        assert page.url.rsplit("/", 1)[1] == made[0]
        expect(page.locator("#status")).to_have_attribute("data-status", "booked")
    finally:
        context.close()


def test_a_slot_taken_while_the_form_was_open_is_shown_full_and_another_can_be_chosen(
    browser: Browser, tmp_path: Path
) -> None:
    """Someone else took the last place between the page's list and the tap: the visitor is
    told so, and the list is read again, the full slot no longer offered as free."""
    server = open_for_bookings(LiveServer(tmp_path))
    data = yaml.safe_load(server.config_path.read_text())
    next(s for s in data["services"] if s["code"] == "KTP")["booking"]["capacity_per_slot"] = 1
    server.config_path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    server.start()
    try:
        page = browser.new_context(viewport=PHONE, has_touch=True).new_page()
        day, slot = first_open_slot(server)
        page.goto(f"{server.base_url}/booking/")
        fill_the_form(page, day, slot, "3573011205900001")
        body = {"service": "KTP", "date": day, "slot": slot, "nik": "3573015208850002"}
        assert server.api("POST", "/bookings", json=body).status_code == 201
        page.locator("#submit").click()
        expect(page.locator("#error")).to_contain_text("sudah penuh")
        taken = page.locator(f".slot[data-slot='{slot}']")
        expect(taken).to_be_disabled()
        expect(taken).to_have_attribute("aria-pressed", "false")
        expect(page.locator("#error")).to_contain_text("sudah penuh")  # still said
        later = page.locator(".slot:not([disabled])").first
        later.click()
        page.locator("#submit").click()
        page.wait_for_url(BOOKING_PAGE)
        page.context.close()
    finally:
        server.stop()


def test_a_proxy_s_error_page_is_told_plainly_and_the_booking_can_be_sent_again(
    browser: Browser, live_server: LiveServer
) -> None:
    """A reverse proxy answers 502 with its own HTML page while the server restarts: the
    phone says so in both languages (not a JSON parser's error), and sending again books."""
    page = browser.new_context(viewport=PHONE, has_touch=True).new_page()
    day, slot = first_open_slot(live_server)
    bookings = f"{live_server.base_url}/api/v1/bookings"
    page.route(
        bookings,
        lambda route: route.fulfill(
            status=502, content_type="text/html", body="<html><h1>502 Bad Gateway</h1></html>"
        ),
    )
    page.goto(f"{live_server.base_url}/booking/")
    fill_the_form(page, day, slot, "3573011205900001")
    page.locator("#submit").click()
    error = page.locator("#error")
    expect(error).to_contain_text("silakan coba lagi")
    expect(error).to_contain_text("please try again")
    expect(error).not_to_contain_text("JSON")
    page.unroute(bookings)
    page.locator("#submit").click()
    page.wait_for_url(BOOKING_PAGE)
    page.context.close()


def test_a_booking_whose_reply_was_lost_is_found_again_after_the_page_is_reloaded(
    browser: Browser, live_server: LiveServer
) -> None:
    """On a flaky mobile network the visitor reloads the page before sending again: the
    same booking asked again still gets the booking made, not "already booked" for a code
    they never saw. The phone keeps no NIK for that, only a fingerprint of the request."""
    context = browser.new_context(viewport=PHONE, has_touch=True)
    page = context.new_page()
    made: list[str] = []

    def reply_lost(route: Route) -> None:
        reply = route.fetch()  # the server books...
        made.append(reply.json()["code"])
        route.abort("connectionreset")  # ...and the phone never hears back

    try:
        day, slot = first_open_slot(live_server)
        bookings = f"{live_server.base_url}/api/v1/bookings"
        page.route(bookings, reply_lost)
        page.goto(f"{live_server.base_url}/booking/")
        fill_the_form(page, day, slot, "3573011205900004")
        page.locator("#submit").click()
        expect(page.locator("#error")).to_contain_text("Tidak tersambung")
        assert len(made) == 1
        stored = page.evaluate("() => JSON.stringify(window.sessionStorage)")
        assert "3573011205900004" not in stored

        page.unroute(bookings)
        page.reload()
        fill_the_form(page, day, slot, "3573011205900004")
        page.locator("#submit").click()
        page.wait_for_url(BOOKING_PAGE)
        assert page.url.rsplit("/", 1)[1] == made[0]
    finally:
        context.close()


def test_a_phone_is_told_what_is_wrong_with_its_nik(
    browser: Browser, live_server: LiveServer
) -> None:
    page = browser.new_context(viewport=PHONE).new_page()
    day, slot = first_open_slot(live_server)
    page.goto(f"{live_server.base_url}/booking/")
    page.fill("#date", day)
    page.dispatch_event("#date", "change")
    page.locator(f".slot[data-slot='{slot}']").click()
    page.fill("#nik", "12345")
    page.locator("#submit").click()
    expect(page.locator("#error")).to_contain_text("'nik'")
    page.context.close()


def test_a_kiosk_checks_in_by_scanner_and_by_keypad(
    browser: Browser, live_server: LiveServer
) -> None:
    kiosk = open_kiosk(browser, live_server)
    scanned = book(live_server, "3573011205900001")
    # Slow typing is not a scanner (the kiosk has no keyboard): it checks nothing in.
    kiosk.keyboard.type(scanned, delay=120)
    kiosk.keyboard.press("Enter")
    expect(kiosk.locator("#screen-checkin")).to_be_hidden()
    assert live_server.api("GET", f"/bookings/{scanned}").json()["ticket"] is None
    scan(kiosk, scanned)
    expect(kiosk.locator("#checkin-result")).to_be_visible()
    first = kiosk.locator("#checkin-number").inner_text()
    assert first.startswith("A")
    expect(kiosk.locator("#checkin-slot")).to_contain_text("BOOKING")
    expect(kiosk.locator("#checkin-message")).to_contain_text("0 di depan Anda")
    # A second scan shows the same ticket, never a second one.
    scan(kiosk, scanned)
    expect(kiosk.locator("#checkin-message")).to_contain_text("issued before")
    assert kiosk.locator("#checkin-number").inner_text() == first
    # The keypad: a visitor without a scanner types the code.
    typed = book(live_server, "3573015208850002")
    kiosk.locator("#screen-checkin [data-go=home]").click()
    kiosk.locator("#booking-open").click()
    for ch in typed:
        kiosk.locator(f"#checkin-keypad [data-key='{ch}']").click()
    kiosk.locator("#checkin-submit").click()
    expect(kiosk.locator("#checkin-message")).to_contain_text("take your ticket")
    assert kiosk.locator("#checkin-number").inner_text() != first
    expect(kiosk.locator("#checkin-slot")).not_to_contain_text("PRIORITAS")
    kiosk.context.close()


def test_a_code_typed_at_the_kiosk_is_kept_when_the_server_was_not_reached(
    browser: Browser, live_server: LiveServer
) -> None:
    """The kiosk lost its network for a moment: the visitor who typed the eight characters
    is told so and checks in with one more tap, without typing them again."""
    kiosk = open_kiosk(browser, live_server)
    code = book(live_server, "3573011205900001")
    kiosk.locator("#booking-open").click()
    for ch in code:
        kiosk.locator(f"#checkin-keypad [data-key='{ch}']").click()
    check_in = f"{live_server.base_url}/api/v1/bookings/{code}/check-in"
    kiosk.route(check_in, lambda route: route.abort("connectionreset"))  # never sent
    kiosk.locator("#checkin-submit").click()
    expect(kiosk.locator("#checkin-error")).to_contain_text("Gagal terhubung")
    expect(kiosk.locator("#checkin-code")).to_have_text(f"{code[:4]}-{code[4:]}")
    kiosk.unroute(check_in)
    kiosk.locator("#checkin-submit").click()
    expect(kiosk.locator("#checkin-message")).to_contain_text("take your ticket")
    ticket = live_server.api("GET", f"/bookings/{code}").json()["ticket"]
    expect(kiosk.locator("#checkin-number")).to_have_text(ticket["number"])
    expect(kiosk.locator("#checkin-code")).to_have_text("")  # ready for the next visitor
    kiosk.context.close()


def test_a_check_in_whose_reply_never_comes_gives_up_and_can_be_sent_again(
    browser: Browser, live_server: LiveServer
) -> None:
    """A request that hangs (the kiosk's network half up) must not leave the check-in busy
    for good: after a while the visitor is told to try again, and trying again works."""
    token = live_server.device_token("kiosk-lobby", "kiosk", kiosk="K1")
    kiosk = browser.new_context(viewport={"width": 1080, "height": 1920}).new_page()
    kiosk.clock.install()  # real time runs on; the test jumps it ahead
    kiosk.goto(f"{live_server.base_url}/kiosk/setup#{token}")
    expect(kiosk.locator("body")).to_have_attribute("data-online", "online", timeout=15_000)
    code = book(live_server, "3573011205900001")
    check_in = f"{live_server.base_url}/api/v1/bookings/{code}/check-in"
    held: list[Route] = []
    kiosk.route(check_in, lambda route: held.append(route))  # never answered
    kiosk.locator("#booking-open").click()
    for ch in code:
        kiosk.locator(f"#checkin-keypad [data-key='{ch}']").click()
    kiosk.locator("#checkin-submit").click()
    expect(kiosk.locator("#checkin-submit")).to_be_disabled()  # sent, waiting
    kiosk.clock.fast_forward(31_000)
    expect(kiosk.locator("#checkin-error")).to_contain_text("Gagal terhubung")
    kiosk.unroute(check_in)
    kiosk.locator("#checkin-submit").click()
    expect(kiosk.locator("#checkin-message")).to_contain_text("take your ticket")
    assert held  # the first request did hang
    kiosk.context.close()


def test_a_scan_in_priority_mode_checks_the_booking_in_as_priority(
    browser: Browser, live_server: LiveServer
) -> None:
    kiosk = open_kiosk(browser, live_server)
    kiosk.locator("#priority-open").click()
    kiosk.locator("[data-priority=lansia]").click()
    expect(kiosk.locator("#priority-mode")).to_be_visible()
    scanned = book(live_server, "3573011205900001")
    scan(kiosk, scanned)
    expect(kiosk.locator("#checkin-slot")).to_contain_text("PRIORITAS / PRIORITY")
    ticket = live_server.api("GET", f"/bookings/{scanned}").json()["ticket"]
    status = live_server.api("GET", f"/tickets/{ticket['id']}").json()
    assert status["priority"] is True
    kiosk.context.close()


def test_an_officer_checks_a_booking_in_again_after_the_network_failed(
    browser: Browser, live_server: LiveServer
) -> None:
    """The counter's check-in for a visitor without a phone: with the network gone the
    officer is told to try again (not the browser's own message); trying again issues the
    ticket, and once more answers with the same one."""
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    try:
        sign_in(page, live_server, 1)
        code = book(live_server, "3573011205900003")
        page.locator("#checkin-code").fill(code)
        context.set_offline(True)
        page.locator("#checkin-submit").click()
        answer = page.locator("#checkin-answer")
        expect(answer).to_contain_text("Gagal terhubung ke server")
        expect(answer).to_have_attribute("data-ok", "false")
        expect(page.locator("#checkin-code")).to_have_value(code)  # kept to send again

        context.set_offline(False)
        page.locator("#checkin-submit").click()
        expect(answer).to_have_attribute("data-ok", "true")
        expect(answer).to_contain_text("Tiket A")
        number = answer.inner_text().split("Tiket ")[1].split(" ")[0]
        page.locator("#checkin-code").fill(code)
        page.locator("#checkin-submit").click()
        expect(answer).to_contain_text(f"Sudah check-in: tiket {number}")
    finally:
        context.close()


def test_a_check_in_whose_slip_did_not_print_keeps_its_qr_on_screen(
    browser: Browser, tmp_path: Path
) -> None:
    """The kiosk's printer is off: the check-in must not say "please take your ticket" when
    none came out, but say the printer failed and show the ticket's QR code for a photo."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    printer = {"kind": "network", "host": "127.0.0.1", "port": closed_port, "timeout_seconds": 1}
    server = started_for_check_in(tmp_path, printer)
    try:
        kiosk = open_kiosk(browser, server)
        code = book(server, "3573011205900001")
        scan(kiosk, code)
        expect(kiosk.locator("#checkin-result")).to_be_visible()
        message = kiosk.locator("#checkin-message")
        expect(message).to_contain_text("Printer gagal mencetak")
        expect(message).not_to_contain_text("take your ticket")
        qr = kiosk.locator("#checkin-qr")
        expect(qr).to_be_visible()
        ticket = server.api("GET", f"/tickets/{qr_ticket_id(qr.get_attribute('src'))}").json()
        assert ticket["number"] == kiosk.locator("#checkin-number").inner_text()
        # Scanned again (no slip came out): the same ticket, its QR code with the visitor's
        # survey key, as the first answer's.
        kiosk.evaluate("document.getElementById('checkin-number').textContent = ''")
        scan(kiosk, code)
        expect(kiosk.locator("#checkin-number")).to_have_text(ticket["number"])
        expect(message).to_contain_text("Printer gagal mencetak")
        expect(qr).to_have_attribute("src", re.compile(r"[?&]k="))
        # The kiosk does not scroll: the message and the QR fit the screen either way round.
        for viewport in (PORTRAIT_KIOSK, LANDSCAPE_KIOSK):
            kiosk.set_viewport_size(viewport)
            for part in (message, qr):
                box = part.bounding_box()
                assert box is not None and box["y"] + box["height"] <= viewport["height"]
        kiosk.context.close()
    finally:
        server.stop()


def test_a_check_in_at_a_kiosk_without_a_printer_shows_its_qr_instead_of_a_slip(
    browser: Browser, tmp_path: Path
) -> None:
    """A tablet kiosk has no printer: nothing to take, so the check-in shows the ticket's QR
    code to scan or photograph, as the walk-in's issued screen always does."""
    server = started_for_check_in(tmp_path, printer=None)
    try:
        kiosk = open_kiosk(browser, server)
        scan(kiosk, book(server, "3573011205900001"))
        expect(kiosk.locator("#checkin-result")).to_be_visible()
        message = kiosk.locator("#checkin-message")
        expect(message).to_contain_text("Nomor Anda sudah tercatat")
        expect(message).not_to_contain_text("ambil tiket")
        expect(kiosk.locator("#checkin-qr")).to_be_visible()
        kiosk.context.close()
    finally:
        server.stop()


def test_a_check_in_result_leaves_the_screen_for_the_next_visitor(
    browser: Browser, live_server: LiveServer
) -> None:
    """The check-in's number and QR code (with the visitor's survey key) are theirs alone:
    after a minute untouched the kiosk goes back to its start, as every other screen does."""
    token = live_server.device_token("kiosk-lobby", "kiosk", kiosk="K1")
    context = browser.new_context(viewport=PORTRAIT_KIOSK, has_touch=True)
    context.clock.install()  # real time flows; the test jumps ahead instead of sleeping
    page = context.new_page()
    try:
        page.goto(f"{live_server.base_url}/kiosk/setup#{token}")
        expect(page.locator("body")).to_have_attribute("data-online", "online", timeout=15_000)
        scan(page, book(live_server, "3573011205900001"))
        expect(page.locator("#checkin-result")).to_be_visible()

        page.clock.fast_forward(61_000)

        expect(page.locator("body")).to_have_attribute("data-screen", "home")
        expect(page.locator("#screen-checkin")).to_be_hidden()
        page.locator("#booking-open").click()
        expect(page.locator("#checkin-result")).to_be_hidden()
    finally:
        context.close()
