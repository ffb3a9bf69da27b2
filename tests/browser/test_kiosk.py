"""The kiosk in Debian's Chromium against a real server: by touch, live, and honest when it fails.

Each test runs its own server (`live_server`) and signs a kiosk in the way an installer does:
by opening `/kiosk/setup#TOKEN` once.
"""

from __future__ import annotations

import io
import re
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import Browser, Page, Route, expect

from tests.browser.conftest import wait_for_js
from tests.support.live import LiveServer

pytestmark = pytest.mark.browser

PORTRAIT = {"width": 1080, "height": 1920}
LANDSCAPE = {"width": 1920, "height": 1080}
MIN_TARGET_PX = 64


def open_kiosk(browser: Browser, server: LiveServer, viewport: dict[str, int] = PORTRAIT) -> Page:
    token = server.device_token("kiosk-lobby", "kiosk", kiosk="K1")
    context = browser.new_context(viewport=viewport, has_touch=True)
    page = context.new_page()
    page.goto(f"{server.base_url}/kiosk/setup#{token}")
    # Sign-in, page load and the first snapshot; generous for a busy CI machine.
    expect(page.locator("body")).to_have_attribute("data-online", "online", timeout=15_000)
    return page


@pytest.fixture
def kiosk(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    page = open_kiosk(browser, live_server)
    yield page
    page.context.close()


@pytest.fixture
def admin_token(live_server: LiveServer) -> str:
    # The server made its own "admin" on first start; tests use another one.
    live_server.add_admin("kepala-mpp")
    return live_server.login("kepala-mpp", "rahasia-admin")


def service(server: LiveServer, code: str) -> dict[str, Any]:
    rows = server.api("GET", "/services").json()["services"]
    return next(row for row in rows if row["code"] == code)


def take_number(page: Page, agency: str, service_code: str) -> None:
    page.locator(f"[data-agency={agency}]").click()
    page.locator(f"[data-service={service_code}]").click()
    page.locator("#confirm-take").click()


def issued_ticket_id(page: Page) -> str:
    source = page.locator("#issued-qr").get_attribute("src") or ""
    match = re.search(r"/kiosk/qr/([^/]+)\.svg(\?[\w=&-]+)?$", source)
    assert match, source
    return match.group(1)


def ticket_posts(page: Page) -> list[dict[str, str]]:
    """Headers of every POST /api/v1/tickets the page sends from now on."""
    seen: list[dict[str, str]] = []
    page.on(
        "request",
        lambda request: (
            seen.append(request.headers)
            if request.method == "POST" and request.url.endswith("/api/v1/tickets")
            else None
        ),
    )
    return seen


def test_a_visitor_takes_a_number_by_touch(kiosk: Page, live_server: LiveServer) -> None:
    # The setup address signed the kiosk in and dropped the token from the address bar.
    expect(kiosk).to_have_url(f"{live_server.base_url}/kiosk/")
    expect(kiosk.locator("h1:visible")).to_have_text("Pilih instansi")

    kiosk.locator("[data-agency=DISDUKCAPIL]").click()
    card = kiosk.locator("[data-service=KTP]")
    expect(card).to_contain_text("Perekaman & Cetak KTP-el")
    expect(card).to_contain_text("Sisa kuota")
    card.click()
    expect(kiosk.locator("#confirm-service")).to_have_text("Perekaman & Cetak KTP-el")
    kiosk.locator("#confirm-take").click()

    expect(kiosk.locator("#issued-number")).to_have_text("A001")
    issued = kiosk.locator("#screen-issued")
    expect(issued).to_contain_text("Silakan menunggu panggilan")
    expect(issued).to_contain_text("Dinas Kependudukan dan Pencatatan Sipil Kota Malang")
    expect(kiosk.locator("#issued-ahead")).to_have_text("0 orang")
    expect(kiosk.locator("#print-failed")).to_be_hidden()
    row = service(live_server, "KTP")
    assert (row["waiting"], row["quota_left"]) == (1, 149)

    # The QR code on screen opens this ticket's status page, with the visitor's survey key.
    ticket_id = issued_ticket_id(kiosk)
    wait_for_js(kiosk, "document.getElementById('issued-qr').naturalWidth > 0")
    picture = Image.open(io.BytesIO(kiosk.locator("#issued-qr").screenshot()))
    decoded = [result.text for result in zxingcpp.read_barcodes(picture)]
    assert len(decoded) == 1
    assert re.fullmatch(
        re.escape(f"{live_server.base_url}/t/{ticket_id}#k=") + r"[\w-]{16}", decoded[0]
    )

    kiosk.locator("#issued-done").click()
    expect(kiosk.locator("body")).to_have_attribute("data-screen", "home")


def test_a_visitor_with_nobody_ahead_is_told_they_are_next(
    kiosk: Page, live_server: LiveServer
) -> None:
    # An officer signed into counter 1 makes the estimate known (it serves KTP).
    live_server.add_officer("siti", counters=[1])
    live_server.login("siti", counter=1)

    take_number(kiosk, "DISDUKCAPIL", "KTP")

    expect(kiosk.locator("#issued-number")).to_have_text("A001")
    expect(kiosk.locator("#issued-ahead")).to_have_text("0 orang")
    expect(kiosk.locator("#issued-eta")).to_have_text("Anda berikutnya")
    kiosk.locator("#lang").click()
    expect(kiosk.locator("#issued-eta")).to_have_text("You are next")


def test_the_english_toggle_changes_every_label(kiosk: Page) -> None:
    toggle = kiosk.locator("#lang")
    expect(toggle).to_have_text("English")

    toggle.click()

    expect(kiosk.locator("h1:visible")).to_have_text("Choose an agency")
    expect(kiosk.locator("#priority-open")).to_contain_text("Priority Queue")
    expect(kiosk.locator("[data-agency=DISDUKCAPIL]")).to_contain_text(
        "Population and Civil Registry Office"
    )
    expect(toggle).to_have_text("Bahasa Indonesia")
    kiosk.locator("[data-agency=DISDUKCAPIL]").click()
    card = kiosk.locator("[data-service=KTP]")
    expect(card).to_contain_text("Electronic ID card")
    expect(card).to_contain_text("Waiting")
    expect(card).to_contain_text("Quota left")
    expect(kiosk.locator("#screen-services .back")).to_contain_text("Back")

    toggle.click()
    expect(card).to_contain_text("Perekaman & Cetak KTP-el")
    expect(card).to_contain_text("Menunggu")


def test_a_number_taken_in_english_is_issued_and_shown_in_english(
    kiosk: Page, live_server: LiveServer
) -> None:
    bodies: list[Any] = []
    kiosk.on(
        "request",
        lambda request: (
            bodies.append(request.post_data_json)
            if request.method == "POST" and request.url.endswith("/api/v1/tickets")
            else None
        ),
    )
    kiosk.locator("#lang").click()

    take_number(kiosk, "DISDUKCAPIL", "KTP")

    expect(kiosk.locator("#issued-number")).to_have_text("A001")
    assert [body["language"] for body in bodies] == ["en"]
    issued = kiosk.locator("#screen-issued")
    expect(issued).to_contain_text("Your queue number")
    expect(kiosk.locator("#issued-service")).to_have_text(
        "Electronic ID card (recording and printing)"
    )
    expect(kiosk.locator("#issued-agency")).to_have_text("Population and Civil Registry Office")
    # The QR code on screen opens the phone page in English, as the printed one does, with
    # the visitor's survey key in its fragment.
    ticket_id = issued_ticket_id(kiosk)
    wait_for_js(kiosk, "document.getElementById('issued-qr').naturalWidth > 0")
    picture = Image.open(io.BytesIO(kiosk.locator("#issued-qr").screenshot()))
    decoded = [result.text for result in zxingcpp.read_barcodes(picture)]
    assert len(decoded) == 1
    assert re.fullmatch(
        re.escape(f"{live_server.base_url}/t/{ticket_id}?lang=en#k=") + r"[\w-]{16}", decoded[0]
    )


def test_a_closed_service_is_greyed_with_its_reason_and_cannot_be_taken(
    kiosk: Page, live_server: LiveServer, admin_token: str
) -> None:
    kiosk.locator("[data-agency=DISDUKCAPIL]").click()
    card = kiosk.locator("[data-service=KIA]")
    expect(card).to_have_attribute("data-open", "true")
    posts = ticket_posts(kiosk)

    closed = live_server.api(
        "POST",
        "/services/KIA/availability",
        admin_token,
        json={"closed_reason": "Blangko KIA habis"},
    )
    assert closed.status_code == 200

    # Live, without a reload: greyed, with the reason.
    expect(card).to_have_attribute("data-open", "false")
    expect(card).to_have_class(re.compile(r"\bis-closed\b"))
    expect(card).to_contain_text("TUTUP")
    expect(card).to_contain_text("Blangko KIA habis")
    assert card.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(229, 231, 235)"

    # A tap does nothing: no confirm screen, no request, no ticket.
    card.click(force=True)
    card.dispatch_event("click")
    expect(kiosk.locator("body")).to_have_attribute("data-screen", "services")
    expect(kiosk.locator("#screen-confirm")).to_be_hidden()
    assert posts == []
    assert service(live_server, "KIA")["quota_left"] == 60

    reopened = live_server.api(
        "POST", "/services/KIA/availability", admin_token, json={"closed_reason": None}
    )
    assert reopened.status_code == 200
    expect(card).to_have_attribute("data-open", "true")
    expect(card).not_to_contain_text("Blangko KIA habis")


def test_double_and_impatient_taps_issue_one_ticket(kiosk: Page, live_server: LiveServer) -> None:
    posts = ticket_posts(kiosk)
    kiosk.locator("[data-agency=POLRESTA]").click()
    kiosk.locator("[data-service=SIM]").click()

    kiosk.locator("#confirm-take").dblclick()

    expect(kiosk.locator("#issued-number")).to_have_text("G001")
    assert len(posts) == 1
    assert service(live_server, "SIM")["waiting"] == 1

    # A finger tapping three times as fast as the screen can take it, at the same spot.
    kiosk.locator("#issued-done").click()
    kiosk.locator("[data-agency=POLRESTA]").click()
    kiosk.locator("[data-service=SIM]").click()
    take = kiosk.locator("#confirm-take")
    expect(take).to_be_enabled()
    box = take.bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    for _ in range(3):
        kiosk.mouse.click(x, y)

    expect(kiosk.locator("#issued-number")).to_have_text("G002")
    assert len(posts) == 2
    # Each confirm screen sent its own key.
    keys = [headers.get("idempotency-key") for headers in posts]
    assert all(keys) and keys[0] != keys[1]
    assert service(live_server, "SIM")["waiting"] == 2


def test_a_lost_answer_shows_an_error_and_the_retry_returns_the_same_ticket(
    kiosk: Page, live_server: LiveServer
) -> None:
    posts = ticket_posts(kiosk)
    answers: list[int] = []

    def lose_the_first_answer(route: Route) -> None:
        # The request reaches the server (a ticket is issued), but the answer never arrives.
        response = route.fetch()
        answers.append(response.status)
        if len(answers) == 1:
            route.abort("connectionreset")
        else:
            route.fulfill(response=response)

    kiosk.route("**/api/v1/tickets", lose_the_first_answer)
    take_number(kiosk, "SAMSAT", "PKB")

    error = kiosk.locator("#screen-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("Nomor belum diambil")
    expect(kiosk.locator("#issued-number")).to_have_text("")
    assert answers == [201]

    kiosk.locator("#error-retry").click()

    expect(kiosk.locator("#issued-number")).to_be_visible()
    number = kiosk.locator("#issued-number").inner_text()
    assert answers == [201, 201]
    assert posts[0]["idempotency-key"] == posts[1]["idempotency-key"]
    row = service(live_server, "PKB")
    assert row["waiting"] == 1  # one ticket, shown after the retry
    ticket = live_server.api("GET", f"/tickets/{issued_ticket_id(kiosk)}").json()
    assert ticket["number"] == number


def test_a_ticket_issued_elsewhere_updates_the_waiting_count_live(
    kiosk: Page, live_server: LiveServer
) -> None:
    kiosk.evaluate("window.notReloaded = true")
    tile = kiosk.locator("[data-agency=DISDUKCAPIL]")
    expect(tile).to_have_attribute("data-waiting", "0")
    tile.click()
    waiting = kiosk.locator("[data-service=KK] [data-stat=waiting]")
    expect(waiting).to_have_text("0 orang")

    other_kiosk = live_server.device_token("kiosk-lantai-2", "kiosk", kiosk="K2")
    for expected in ("1 orang", "2 orang"):
        response = live_server.api("POST", "/tickets", other_kiosk, json={"service": "KK"})
        assert response.status_code == 201
        expect(waiting).to_have_text(expected)

    expect(kiosk.locator("[data-service=KK] [data-stat=quota_left]")).to_have_text("118")
    expect(tile).to_have_attribute("data-waiting", "2")
    assert kiosk.evaluate("window.notReloaded") is True


def test_the_kiosk_says_plainly_when_the_server_is_unreachable(
    kiosk: Page, live_server: LiveServer
) -> None:
    offline = kiosk.locator("#offline")
    expect(offline).to_be_hidden()

    live_server.stop()
    expect(offline).to_be_visible()
    expect(offline).to_contain_text("Tidak terhubung ke server")

    live_server.start()
    expect(offline).to_be_hidden(timeout=15_000)
    # Back to work: a ticket can be taken again.
    take_number(kiosk, "PLN", "LISTRIK")
    expect(kiosk.locator("#issued-number")).to_have_text(re.compile(r"^[A-Z]+001$"))


def test_a_kiosk_that_is_not_set_up_explains_how(browser: Browser, live_server: LiveServer) -> None:
    context = browser.new_context(viewport=PORTRAIT)
    page = context.new_page()
    try:
        page.goto(f"{live_server.base_url}/kiosk/")
        expect(page.locator("h1")).to_have_text("Anjungan belum dipasang")
        expect(page.locator("body")).to_contain_text(
            "antrian device add kiosk-lobby --kind kiosk --kiosk K1"
        )
        expect(page.locator("body")).to_contain_text("/kiosk/setup#TOKEN")
        page.locator("#lang").click()
        expect(page.locator("h1")).to_have_text("This kiosk is not set up yet")
    finally:
        context.close()


def test_the_priority_path_issues_a_priority_ticket(kiosk: Page, live_server: LiveServer) -> None:
    kiosk.locator("#priority-open").click()
    expect(kiosk.locator("#screen-priority")).to_contain_text("lansia")
    kiosk.locator("[data-priority=ibu_hamil]").click()
    expect(kiosk.locator("#priority-mode")).to_contain_text("Mode prioritas: Ibu hamil")

    kiosk.locator("[data-agency=BPJSKES]").click()
    kiosk.locator("[data-service=JKN]").click()
    expect(kiosk.locator("#confirm-priority")).to_have_text("PRIORITAS · Ibu hamil")
    kiosk.locator("#confirm-take").click()

    expect(kiosk.locator("#issued-priority")).to_be_visible()
    ticket = live_server.api("GET", f"/tickets/{issued_ticket_id(kiosk)}").json()
    assert ticket["priority"] is True
    assert ticket["number"] == kiosk.locator("#issued-number").inner_text()

    kiosk.locator("#issued-done").click()
    expect(kiosk.locator("#priority-open")).to_be_visible()
    expect(kiosk.locator("#priority-mode")).to_be_hidden()


def server_printing_to(tmp_path: Path, port: int, timeout_seconds: float = 1) -> LiveServer:
    """A server whose kiosk K1 prints to `port` on 127.0.0.1."""
    printer = {"kind": "network", "host": "127.0.0.1", "port": port}
    printer["timeout_seconds"] = timeout_seconds
    server = LiveServer(
        tmp_path, kiosks=[{"code": "K1", "name": "Anjungan Uji", "zone": "A", "printer": printer}]
    )
    server.start()
    return server


def server_with_an_unreachable_printer(tmp_path: Path) -> LiveServer:
    """A server whose kiosk K1 prints to a port on 127.0.0.1 where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    return server_printing_to(tmp_path, closed_port)


def ticket_kept_on_screen(browser: Browser, server: LiveServer, *banner: str) -> Page:
    """Take an IKD number at K1: its number and QR stay on the screen under a banner that
    says each of `banner`."""
    page = open_kiosk(browser, server)
    take_number(page, "DISDUKCAPIL", "IKD")
    expect(page.locator("#issued-number")).to_have_text("F001")
    shown = page.locator("#print-failed")
    expect(shown).to_be_visible()
    for text in banner:
        expect(shown).to_contain_text(text)
    expect(page.locator("#issued-qr")).to_be_visible()
    return page


def test_a_failed_print_keeps_the_number_and_qr_on_screen(browser: Browser, tmp_path: Path) -> None:
    server = server_with_an_unreachable_printer(tmp_path)
    try:
        page = ticket_kept_on_screen(browser, server, "Printer gagal mencetak", "foto")
        # The printer's trouble also shows in the kiosk's header (printer.status event).
        expect(page.locator("#printer-warning")).to_be_visible()
        # Kept on screen longer than a printed ticket (20 s) for the photo.
        countdown = page.locator("#issued-countdown").inner_text()
        assert int(re.search(r"\d+", countdown).group()) > 60  # type: ignore[union-attr]
        page.context.close()
    finally:
        server.stop()


def test_a_print_the_printer_did_not_confirm_keeps_the_number_on_screen(
    browser: Browser, tmp_path: Path
) -> None:
    # A printer that accepts the ticket but never answers its status request (the kernel
    # takes the connection; nobody reads): the slip may or may not have come out.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        server = server_printing_to(tmp_path, silent.getsockname()[1], timeout_seconds=2)
        try:
            page = ticket_kept_on_screen(
                browser, server, "tidak memastikan", "Jika tiket tidak keluar"
            )
            page.context.close()
        finally:
            server.stop()


def test_a_ticket_still_printing_is_not_called_a_failed_print(kiosk: Page) -> None:
    """A retry answered while the first request still prints its slip (`status` pending):
    the slip may yet come out, so the kiosk must not say the printer failed."""

    def still_printing(route: Route) -> None:
        response = route.fetch()
        body = response.json()
        body["print"] = {
            "job": 1,
            "status": "pending",
            "error": None,
            "printer_state": "unknown",
            "note": "the first request is still printing this ticket",
            "show_on_screen": True,
        }
        route.fulfill(response=response, json=body)

    kiosk.route("**/api/v1/tickets", still_printing)
    take_number(kiosk, "SAMSAT", "PKB")

    shown = kiosk.locator("#print-failed")
    expect(shown).to_be_visible()
    expect(shown).to_contain_text("tidak memastikan")
    expect(shown).not_to_contain_text("gagal")
    expect(kiosk.locator("#issued-qr")).to_be_visible()


def test_a_broken_printer_shows_its_warning_before_anyone_takes_a_number(
    browser: Browser, tmp_path: Path
) -> None:
    server = server_with_an_unreachable_printer(tmp_path)
    try:
        page = open_kiosk(browser, server)
        # Asked when the kiosk connected; nobody has printed anything yet.
        expect(page.locator("#printer-warning")).to_be_visible()
        page.reload()
        expect(page.locator("#printer-warning")).to_be_visible()  # from the snapshot
        page.context.close()
    finally:
        server.stop()


@pytest.mark.parametrize("name,viewport", [("portrait", PORTRAIT), ("landscape", LANDSCAPE)])
def test_every_screen_fits_without_scrolling_with_large_targets(
    browser: Browser, live_server: LiveServer, artifacts: Path, name: str, viewport: dict[str, int]
) -> None:
    page = open_kiosk(browser, live_server, viewport)

    def check(screen: str) -> None:
        expect(page.locator("body")).to_have_attribute("data-screen", screen)
        overflow = page.evaluate(
            "() => [document.documentElement.scrollWidth - innerWidth,"
            " document.documentElement.scrollHeight - innerHeight]"
        )
        assert overflow == [0, 0], f"{screen} scrolls in {name}"
        small = page.evaluate(
            """min => [...document.querySelectorAll('button')]
                .filter(b => b.offsetParent !== null)
                .map(b => [b.textContent.trim().slice(0, 30), b.getBoundingClientRect()])
                .filter(([, r]) => r.width < min || r.height < min)
                .map(([text, r]) => `${text}: ${Math.round(r.width)}x${Math.round(r.height)}`)""",
            MIN_TARGET_PX,
        )
        assert small == [], f"targets under {MIN_TARGET_PX} px on {screen}: {small}"
        page.screenshot(path=str(artifacts / f"kiosk-{name}-{screen}.png"))

    check("home")
    page.locator("[data-agency=DISDUKCAPIL]").click()
    check("services")
    page.locator("[data-service=KTP]").click()
    check("confirm")
    page.locator("#confirm-take").click()
    expect(page.locator("#issued-number")).to_have_text("A001")
    wait_for_js(page, "document.getElementById('issued-qr').naturalWidth > 0")
    check("issued")
    page.locator("#issued-done").click()
    page.locator("#priority-open").click()
    check("priority")
    page.context.close()


def test_after_a_short_idle_time_the_kiosk_is_ready_for_the_next_visitor(
    browser: Browser, live_server: LiveServer
) -> None:
    token = live_server.device_token("kiosk-lobby", "kiosk", kiosk="K1")
    context = browser.new_context(viewport=PORTRAIT, has_touch=True)
    context.clock.install()  # real time flows; the test jumps ahead instead of sleeping
    page = context.new_page()
    try:
        page.goto(f"{live_server.base_url}/kiosk/setup#{token}")
        expect(page.locator("body")).to_have_attribute("data-online", "online", timeout=15_000)
        page.locator("#lang").click()
        take_number(page, "KEMENAG", "NIKAH")
        expect(page.locator("#issued-number")).to_have_text(re.compile(r"\d{3}$"))
        expect(page.locator("#issued-countdown")).to_have_text("Back to the start in 20 s")

        page.clock.fast_forward(10_000)
        expect(page.locator("body")).to_have_attribute("data-screen", "issued")
        page.clock.fast_forward(11_000)

        expect(page.locator("body")).to_have_attribute("data-screen", "home")
        expect(page.locator("h1:visible")).to_have_text("Pilih instansi")  # Indonesian again
    finally:
        context.close()


def test_switching_language_on_the_services_screen_renames_the_agency_banner(kiosk: Page) -> None:
    kiosk.locator("[data-agency=DISDUKCAPIL]").click()
    banner = kiosk.locator("#services-agency .agency-banner-name")
    expect(banner).to_have_text("Dinas Kependudukan dan Pencatatan Sipil Kota Malang")

    kiosk.locator("#lang").click()
    expect(kiosk.locator("h1:visible")).to_have_text("Choose a service")
    expect(banner).to_have_text("Population and Civil Registry Office")

    kiosk.locator("#lang").click()
    expect(banner).to_have_text("Dinas Kependudukan dan Pencatatan Sipil Kota Malang")


def test_english_counts_are_singular_for_one(kiosk: Page, live_server: LiveServer) -> None:
    other_kiosk = live_server.device_token("kiosk-lantai-2", "kiosk", kiosk="K2")
    response = live_server.api("POST", "/tickets", other_kiosk, json={"service": "PKB"})
    assert response.status_code == 201
    kiosk.locator("#lang").click()

    # Samsat offers one service, and one visitor waits for it.
    samsat = kiosk.locator("[data-agency=SAMSAT]")
    expect(samsat).to_contain_text("1 service ·")
    expect(kiosk.locator("[data-agency=KEMENAG]")).to_contain_text("2 services ·")
    samsat.click()
    expect(kiosk.locator("[data-service=PKB] [data-stat=waiting]")).to_have_text("1 person")
    kiosk.locator("[data-service=PKB]").click()
    expect(kiosk.locator("#confirm-waiting")).to_have_text("1 person")
    kiosk.locator("#confirm-take").click()
    expect(kiosk.locator("#issued-ahead")).to_have_text("1 person")
    kiosk.locator("#issued-done").click()  # back in Indonesian, which has no plural
    kiosk.locator("[data-agency=SAMSAT]").click()
    expect(kiosk.locator("[data-service=PKB] [data-stat=waiting]")).to_have_text("2 orang")
    kiosk.locator("#lang").click()
    expect(kiosk.locator("[data-service=PKB] [data-stat=waiting]")).to_have_text("2 people")


def test_the_mall_name_stays_whole_in_portrait_while_the_printer_warning_shows(
    browser: Browser, tmp_path: Path, artifacts: Path
) -> None:
    server = server_with_an_unreachable_printer(tmp_path)
    try:
        page = open_kiosk(browser, server, PORTRAIT)
        expect(page.locator("#printer-warning")).to_be_visible()
        for language in ("id", "en"):
            if language == "en":
                page.locator("#lang").click()
                expect(page.locator("#printer-warning")).to_have_text(
                    "The kiosk printer has a problem"
                )
            page.screenshot(path=str(artifacts / f"kiosk-portrait-printer-{language}.png"))
            name = page.locator(".brand-name")
            expect(name).to_have_text(server.settings.mall.name)
            # Not cut off by an ellipsis or by the edge of the bar.
            clipped = name.evaluate("n => n.scrollWidth > n.clientWidth")
            assert clipped is False, language
            box, bar = name.bounding_box(), page.locator("header.bar").bounding_box()
            assert box and bar and box["x"] >= bar["x"], (language, box)
            assert box["x"] + box["width"] <= bar["x"] + bar["width"], (language, box, bar)
            warning = page.locator("#printer-warning").bounding_box()
            assert warning is not None
            overlaps = not (
                warning["x"] >= box["x"] + box["width"]
                or box["x"] >= warning["x"] + warning["width"]
                or warning["y"] >= box["y"] + box["height"]
                or box["y"] >= warning["y"] + warning["height"]
            )
            assert not overlaps, (language, box, warning)
        page.context.close()
    finally:
        server.stop()


def test_the_kiosk_gets_its_assets_gzipped_once_then_from_the_browser_cache(
    browser: Browser, live_server: LiveServer
) -> None:
    page = open_kiosk(browser, live_server)
    try:
        cdp = page.context.new_cdp_session(page)
        cdp.send("Network.enable")
        script: dict[str, Any] = {}  # requestId -> the response's headers (lower-case names)
        from_cache: list[str] = []
        cdp.on(
            "Network.responseReceived",
            lambda event: (
                script.update(
                    {
                        event["requestId"]: {
                            k.lower(): v for k, v in event["response"]["headers"].items()
                        }
                    }
                )
                if "/static/vendor/socket.io.min.js?v=" in event["response"]["url"]
                else None
            ),
        )
        cdp.on(
            "Network.requestServedFromCache", lambda event: from_cache.append(event["requestId"])
        )
        # Opened again, as a kiosk reloads its page: the script comes from the browser's cache.
        page.goto(f"{live_server.base_url}/kiosk/")
        expect(page.locator("body")).to_have_attribute("data-online", "online", timeout=15_000)
        ((request_id, headers),) = script.items()
        assert request_id in from_cache
        # What the server sent the first time, kept by the cache: gzipped and immutable.
        assert headers["content-encoding"] == "gzip"
        assert headers["cache-control"] == "public, max-age=31536000, immutable"
    finally:
        page.context.close()


def test_an_unavailable_server_says_so_and_the_visitor_can_try_again(kiosk: Page) -> None:
    unavailable = {
        "error": {
            "code": "unavailable",
            "message": "Layanan sementara tidak tersedia / Temporarily unavailable",
        }
    }
    refusals = []

    def refuse(route: Any) -> None:
        refusals.append(route.request.url)
        route.fulfill(status=503, json=unavailable, headers={"Retry-After": "30"})

    kiosk.route("**/api/v1/tickets", refuse)
    take_number(kiosk, "DISDUKCAPIL", "KTP")
    expect(kiosk.locator("#error-detail")).to_contain_text("sementara tidak tersedia")
    expect(kiosk.locator("#error-retry")).to_be_visible()
    assert refusals

    kiosk.unroute("**/api/v1/tickets")
    kiosk.locator("#error-retry").click()
    expect(kiosk.locator("#issued-number")).to_have_text("A001")


def test_a_busy_kiosk_says_so_and_the_visitor_can_try_again(kiosk: Page) -> None:
    busy = {"error": {"code": "rate_limited", "message": "Anjungan … / The kiosk …"}}
    kiosk.route(
        "**/api/v1/tickets",
        lambda route: route.fulfill(status=429, json=busy, headers={"Retry-After": "20"}),
    )
    take_number(kiosk, "DISDUKCAPIL", "KTP")
    expect(kiosk.locator("#error-detail")).to_contain_text("Anjungan ini sedang sibuk")
    expect(kiosk.locator("#error-retry")).to_be_visible()
    kiosk.unroute("**/api/v1/tickets")
    kiosk.locator("#error-retry").click()
    expect(kiosk.locator("#issued-number")).to_have_text("A001")


def test_a_service_closed_while_its_confirm_screen_is_open_says_why_and_waits(
    kiosk: Page, live_server: LiveServer, admin_token: str
) -> None:
    kiosk.locator("[data-agency=DISDUKCAPIL]").click()
    kiosk.locator("[data-service=KIA]").click()
    take = kiosk.locator("#confirm-take")
    expect(take).to_be_enabled()
    posts = ticket_posts(kiosk)

    closed = live_server.api(
        "POST", "/services/KIA/availability", admin_token, json={"closed_reason": "Blangko habis"}
    )
    assert closed.status_code == 200
    # Live: the reason on the confirm screen, and no number offered.
    expect(kiosk.locator("#confirm-closed")).to_contain_text("Blangko habis")
    expect(take).to_be_disabled()
    assert posts == []

    reopened = live_server.api(
        "POST", "/services/KIA/availability", admin_token, json={"closed_reason": None}
    )
    assert reopened.status_code == 200
    expect(kiosk.locator("#confirm-closed")).to_be_hidden()
    expect(take).to_be_enabled()
    take.click()
    expect(kiosk.locator("#issued-number")).to_be_visible()
