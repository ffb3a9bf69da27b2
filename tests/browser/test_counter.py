"""The officer's counter terminal in Debian's Chromium, against a real server."""

from __future__ import annotations

import contextlib
import re
import socket
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.support.live import LiveServer

pytestmark = pytest.mark.browser

PASSWORD = "rahasia-123"
ADMIN_NAME = "kepala"  # the server itself creates "admin" on first start
LIVE = 10_000  # ms: upper bound for a live update to reach the page


@pytest.fixture
def contexts(browser: Browser) -> Iterator[Any]:
    opened: list[BrowserContext] = []

    def new_page(viewport: dict[str, int] | None = None) -> Page:
        context = browser.new_context(viewport=viewport or {"width": 1366, "height": 900})
        opened.append(context)
        return context.new_page()

    yield new_page
    for context in opened:
        context.close()


@pytest.fixture
def admin(live_server: LiveServer) -> str:
    live_server.add_admin(ADMIN_NAME)
    return live_server.login(ADMIN_NAME, "rahasia-admin")


def issue(server: LiveServer, admin: str, service: str, count: int = 1) -> list[dict[str, Any]]:
    tickets = []
    for _ in range(count):
        response = server.api("POST", "/tickets", admin, json={"service": service})
        assert response.status_code == 201, response.text
        tickets.append(response.json())
    return tickets


def sign_in(page: Page, server: LiveServer, counter: int, name: str | None = None) -> str:
    name = name or f"petugas-{uuid.uuid4().hex[:6]}"
    server.add_officer(name, PASSWORD, [counter])
    page.goto(f"{server.base_url}/counter")
    expect(page).to_have_url(f"{server.base_url}/counter/login")
    page.get_by_label("Nama pengguna").fill(name)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_label("Loket").select_option(str(counter))
    page.get_by_role("button", name="Masuk").click()
    expect(page).to_have_url(f"{server.base_url}/counter")
    expect(page.locator("#counter-status")).to_have_attribute("data-status", "open")
    # The badge is rendered by the server; a key pressed before the script has wired its
    # shortcuts would be lost, so wait for the terminal to say it is ready: `ready`, set once
    # the keys are wired, not its namespace, which a page of several scripts may make first.
    page.wait_for_function("() => window.AntrianTerminal?.ready === true")
    return name


def button(page: Page, label: str) -> Any:
    return page.locator("button[data-action]", has_text=label)


def test_an_officer_signs_in_calls_recalls_and_finishes(
    live_server: LiveServer, admin: str, contexts: Any, artifacts: Path
) -> None:
    first, second = issue(live_server, admin, "KTP", 2)
    page = contexts()
    sign_in(page, live_server, 1)
    expect(page.locator("#waiting-list tr")).to_have_count(2)
    expect(button(page, "Selesai")).to_be_disabled()

    button(page, "Panggil berikutnya").click()
    expect(page.locator("#current-number")).to_have_text(first["number"])
    expect(page.locator("#current-service")).to_have_text("Perekaman & Cetak KTP-el")
    expect(page.locator("#current-status")).to_have_text("Dipanggil")
    expect(page.locator("#waiting-list tr")).to_have_count(1)
    # The visitor left waiting sees an estimate on their phone; the officer sees the same.
    expect(page.locator("#waiting-list tr .eta")).to_have_text(
        re.compile(r"^→ (≈\d+|\d+–\d+) mnt$")
    )
    expect(button(page, "Panggil berikutnya")).to_be_disabled()
    expect(button(page, "Selesai")).to_be_disabled()  # not before service started

    button(page, "Panggil ulang").click()
    expect(page.locator("#current-calls")).to_have_text("Dipanggil 2×")

    button(page, "Mulai layani").click()
    expect(page.locator("#current-status")).to_have_text("Sedang dilayani")
    expect(button(page, "Panggil ulang")).to_be_disabled()

    button(page, "Selesai").click()
    expect(page.locator("#current-empty")).to_be_visible()
    expect(page.locator("#figure-served")).to_have_text("1")
    expect(button(page, "Panggil berikutnya")).to_be_enabled()
    expect(page.locator("#waiting-list tr")).to_have_attribute("data-number", second["number"])
    page.screenshot(path=str(artifacts / "counter-terminal.png"))

    # English on request, kept across a reload.
    page.get_by_role("button", name="English").click()
    expect(button(page, "Call next")).to_be_visible()
    page.reload()
    expect(button(page, "Call next")).to_be_visible()
    expect(page.locator("#figures-title")).to_have_text("Today's figures")


def test_keyboard_shortcuts_drive_the_terminal(
    live_server: LiveServer, admin: str, contexts: Any
) -> None:
    first, second, third = issue(live_server, admin, "SIM", 3)
    page = contexts()
    sign_in(page, live_server, 7)
    expect(page.locator("#btn-call-next kbd")).to_have_text("N")
    current = page.locator("#current-number")

    page.keyboard.press("n")
    expect(current).to_have_text(first["number"])
    page.keyboard.press("r")
    expect(page.locator("#current-calls")).to_have_text("Dipanggil 2×")
    page.keyboard.press("s")
    expect(page.locator("#current-status")).to_have_text("Sedang dilayani")
    page.keyboard.press("f")
    expect(page.locator("#figure-served")).to_have_text("1")

    page.keyboard.press("n")
    expect(current).to_have_text(second["number"])
    page.keyboard.press("x")  # sent after the undo window
    expect(page.locator("#figure-no-show")).to_have_text("1", timeout=15_000)

    page.keyboard.press("n")
    expect(current).to_have_text(third["number"])
    page.keyboard.press("h")
    expect(page.locator("#on-hold-list li")).to_have_attribute("data-number", third["number"])
    expect(page.locator("#current-empty")).to_be_visible()

    # Letters typed into a field are text, not shortcuts.
    page.locator("#break-reason").fill("")
    page.locator("#break-reason").press_sequentially("Nanti")
    expect(page.locator("#current-empty")).to_be_visible()

    page.locator("body").click()
    page.keyboard.press("u")  # the held visitor is back: served here again, nowhere else
    expect(page.locator("#on-hold-list li")).to_have_count(0)
    expect(current).to_have_text(third["number"])
    expect(page.locator("#waiting-list tr")).to_have_count(0)


def test_transfer_with_the_searchable_picker_and_call_a_chosen_ticket(
    live_server: LiveServer, admin: str, contexts: Any
) -> None:
    (ticket,) = issue(live_server, admin, "KTP")
    page = contexts()
    sign_in(page, live_server, 3)  # Loket 3 serves KTP and KIA

    page.keyboard.press("n")
    expect(page.locator("#current-number")).to_have_text(ticket["number"])
    page.keyboard.press("t")
    picker = page.locator("#transfer-dialog")
    expect(picker).to_be_visible()
    search = page.get_by_role("searchbox")
    search.fill("identitas anak")
    expect(picker.locator("button.pick")).to_have_count(1)
    expect(picker.locator("button.pick")).to_have_attribute("data-service", "KIA")
    search.fill("zzz-nothing")
    expect(page.locator("#transfer-empty")).to_be_visible()
    search.fill("kia")
    search.press("Enter")
    expect(picker).to_be_hidden()

    # The ticket waits again, now for KIA, marked as transferred; call it from the list.
    row = page.locator(f'#waiting-list tr[data-number="{ticket["number"]}"]')
    expect(row).to_contain_text("Kartu Identitas Anak")
    expect(row).to_contain_text("dialihkan")
    row.get_by_role("button", name="Panggil").click()
    expect(page.locator("#current-number")).to_have_text(ticket["number"])
    expect(page.locator("#current-transfers")).to_have_text(
        "Perekaman & Cetak KTP-el → Kartu Identitas Anak (KIA)"
    )
    status = live_server.api("GET", f"/tickets/{ticket['id']}").json()
    assert (status["service"], status["status"], status["counter"]) == ("KIA", "called", 3)


def test_another_counter_sees_the_change_live(
    live_server: LiveServer, admin: str, contexts: Any
) -> None:
    one, two = contexts(), contexts()
    sign_in(one, live_server, 1)
    sign_in(two, live_server, 2)  # both serve KTP
    expect(two.locator("#waiting-empty")).to_be_visible()

    first, second = issue(live_server, admin, "KTP", 2)
    expect(two.locator("#waiting-list tr")).to_have_count(2, timeout=LIVE)
    expect(one.locator("#waiting-list tr")).to_have_count(2, timeout=LIVE)

    one.keyboard.press("n")
    expect(one.locator("#current-number")).to_have_text(first["number"])
    expect(two.locator("#waiting-list tr")).to_have_count(1, timeout=LIVE)
    expect(two.locator("#waiting-list tr")).to_have_attribute("data-number", second["number"])

    two.keyboard.press("n")
    expect(two.locator("#current-number")).to_have_text(second["number"])
    expect(one.locator("#waiting-empty")).to_be_visible(timeout=LIVE)

    response = live_server.api(
        "POST", "/tickets", admin, json={"service": "KTP", "priority": "lansia"}
    )
    elderly = one.locator(f'#waiting-list tr[data-number="{response.json()["number"]}"]')
    expect(elderly).to_contain_text("Lansia", timeout=LIVE)
    expect(elderly).to_have_class("priority")


def test_the_hallway_display_shows_the_call_and_the_break_live(
    live_server: LiveServer, admin: str, contexts: Any
) -> None:
    display = contexts()
    token = live_server.device_token("display-lantai-1", "display", zone="A")
    display.goto(f"{live_server.base_url}/display/setup#{token}")
    display.wait_for_url("**/display/")
    display.goto(f"{live_server.base_url}/display/?voice=off")
    tile = display.locator('#counters li[data-counter="5"]')
    expect(tile).to_have_attribute("data-status", "closed")

    (ticket,) = issue(live_server, admin, "AKTA")
    page = contexts()
    sign_in(page, live_server, 5)
    expect(tile).to_have_attribute("data-status", "open", timeout=LIVE)

    page.keyboard.press("n")
    expect(display.locator("#now-number")).to_have_text(ticket["number"], timeout=LIVE)

    # No break while a visitor is called here: the display would drop the call while the
    # visitor's phone still sends them to this counter.
    page.locator("#break-reason").fill("Salat Zuhur")
    page.get_by_role("button", name="Istirahat", exact=True).click()
    expect(page.locator("#message")).to_contain_text("Selesaikan dulu")
    expect(page.locator("#counter-status")).to_have_attribute("data-status", "open")
    expect(display.locator("#now-number")).to_have_text(ticket["number"])
    page.keyboard.press("s")
    expect(page.locator("#current-status")).to_have_text("Sedang dilayani")
    page.keyboard.press("f")
    expect(page.locator("#figure-served")).to_have_text("1")
    page.get_by_role("button", name="Istirahat", exact=True).click()
    expect(page.locator("#counter-status")).to_have_attribute("data-status", "break")
    expect(page.locator("#counter-status-reason")).to_have_text("Salat Zuhur")
    expect(tile).to_have_attribute("data-status", "break", timeout=LIVE)

    # A reason typed as one long word wraps in the header instead of widening the page.
    page.locator("#btn-open").click()
    expect(page.locator("#counter-status")).to_have_attribute("data-status", "open")
    page.locator("#break-reason").fill("Istirahat" * 20)
    page.locator("#btn-break").click()
    expect(page.locator("#counter-status-reason")).to_have_text("Istirahat" * 20)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_the_offline_banner_shows_while_the_server_is_away_and_an_action_is_sent_once(
    live_server: LiveServer, admin: str, contexts: Any
) -> None:
    first, second = issue(live_server, admin, "SKCK", 2)
    page = contexts()
    sign_in(page, live_server, 9)
    banner = page.locator("#offline-banner")
    expect(banner).to_be_hidden()

    keys: list[str | None] = []
    page.on(
        "request",
        lambda request: (
            keys.append(request.headers.get("idempotency-key"))
            if request.url.endswith("/call-next")
            else None
        ),
    )
    live_server.stop()
    expect(banner).to_be_visible(timeout=LIVE)
    expect(banner).to_contain_text("Koneksi ke server terputus")

    # Pressed while offline: kept and retried with the same Idempotency-Key.
    page.keyboard.press("n")
    expect(page.locator("#message")).to_contain_text("mengirim ulang", timeout=LIVE)

    live_server.start()
    expect(banner).to_be_hidden(timeout=20_000)
    expect(page.locator("#current-number")).to_have_text(first["number"], timeout=LIVE)
    # The call's answer shows the current ticket at once; the waiting list follows with the
    # terminal's next read (until then it still lists both: a locator of two rows).
    expect(page.locator("#waiting-list tr")).to_have_count(1, timeout=LIVE)
    expect(page.locator("#waiting-list tr")).to_have_attribute("data-number", second["number"])
    second_status = live_server.api("GET", f"/tickets/{second['id']}").json()
    assert second_status["status"] == "waiting"
    assert len(keys) >= 2, "the action was not retried"
    assert len(set(keys)) == 1 and keys[0], f"retries must reuse one key: {keys}"


def test_a_reload_keeps_the_session_and_signing_out_ends_it(
    live_server: LiveServer, contexts: Any
) -> None:
    page = contexts()
    name = sign_in(page, live_server, 21)
    page.reload()
    expect(page).to_have_url(f"{live_server.base_url}/counter")
    expect(page.locator("#officer-name")).to_have_text(name)
    expect(page.locator("#counter-name")).to_have_text("Loket 21")

    # The terminal reads nothing more with the token it is giving up: the sign-out's own
    # change (the counter closing) reached it as an event and, read with the ended session,
    # left a 401 in the console.
    refused: list[str] = []
    page.on("response", lambda r: refused.append(r.url) if r.status == 401 else None)
    page.get_by_role("button", name="Keluar").click()
    expect(page).to_have_url(f"{live_server.base_url}/counter/login?notice=signed_out")
    assert refused == []
    expect(page.locator("#login-notice")).to_have_text("Anda sudah keluar.")
    page.goto(f"{live_server.base_url}/counter")
    expect(page).to_have_url(f"{live_server.base_url}/counter/login")


def test_an_officer_disabled_by_an_admin_sees_the_signed_out_state(
    live_server: LiveServer, admin: str, contexts: Any
) -> None:
    page = contexts()
    name = sign_in(page, live_server, 24)
    expect(page.locator("#signed-out")).to_be_hidden()

    response = live_server.api("POST", f"/users/{name}/disable", admin)
    assert response.status_code == 200

    expect(page.locator("#signed-out")).to_be_visible(timeout=LIVE)
    expect(page.locator("#signed-out-title")).to_have_text("Anda sudah keluar")
    expect(button(page, "Panggil berikutnya")).to_be_disabled()
    expect(page.locator("#offline-banner")).to_be_hidden()


def test_a_kiosk_printer_failure_is_shown_on_the_terminal(tmp_path: Path, contexts: Any) -> None:
    from tests.support.live import free_port

    dead_port = free_port()  # nothing listens here: the printer "is switched off"
    server = LiveServer(
        tmp_path,
        kiosks=[
            {
                "code": "K1",
                "name": "Anjungan Pintu Utama",
                "zone": "A",
                "printer": {
                    "kind": "network",
                    "host": "127.0.0.1",
                    "port": dead_port,
                    "paper": 80,
                    "timeout_seconds": 2,
                },
            }
        ],
    )
    server.start()
    try:
        page = contexts()
        # Here the failure comes as an event: the terminal must be connected before the
        # print fails, so wait for its first snapshot.
        snapshots: list[str] = []
        page.on(
            "websocket",
            lambda ws: ws.on(
                "framereceived",
                lambda frame: snapshots.append("x") if '"snapshot"' in str(frame) else None,
            ),
        )
        sign_in(page, server, 1)
        banner = page.locator("#printer-banner")
        expect(banner).to_be_hidden()
        for _ in range(300):
            if snapshots:
                break
            page.wait_for_timeout(50)
        assert snapshots, "the terminal's live connection never got its snapshot"
        kiosk = server.device_token("kiosk-lobby", "kiosk", kiosk="K1")
        response = server.api("POST", "/tickets", kiosk, json={"service": "KTP"})
        assert response.status_code == 201, response.text
        assert response.json()["print"]["status"] == "failed"
        expect(banner).to_be_visible()
        expect(banner).to_contain_text("K1")
    finally:
        server.stop()


def test_a_printer_that_failed_before_the_officer_signed_in_is_shown_at_once(
    tmp_path: Path, contexts: Any
) -> None:
    """The paper ran out at 07:55; the officer signs in at 08:00. The terminal's snapshot
    carries the kiosks' printers, so the banner shows without waiting for another failure."""
    from tests.support.live import free_port

    printer = {"kind": "network", "host": "127.0.0.1", "port": free_port(), "timeout_seconds": 1}
    server = LiveServer(
        tmp_path,
        kiosks=[{"code": "K1", "name": "Anjungan Pintu Utama", "zone": "A", "printer": printer}],
    )
    server.start()
    try:
        kiosk = server.device_token("kiosk-lobby", "kiosk", kiosk="K1")
        response = server.api("POST", "/tickets", kiosk, json={"service": "KTP"})
        assert response.json()["print"]["status"] == "failed"

        page = contexts()
        sign_in(page, server, 1)

        banner = page.locator("#printer-banner")
        expect(banner).to_be_visible()
        expect(banner).to_contain_text("K1")
        # The printer's reason in the page's language, not the English half beside it.
        expect(banner).to_contain_text(f"printer 127.0.0.1:{printer['port']} menolak sambungan")
        expect(banner).not_to_contain_text("refused")
    finally:
        server.stop()


class _PrinterLowOnPaper:
    """A network printer on 127.0.0.1 that takes every ticket and answers each paper-status
    request (DLE EOT 4) with its near-end sensor on: 0x12 (the fixed bits) | 0x0C."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        with contextlib.suppress(OSError):
            while True:
                connection, _ = self.server.accept()
                threading.Thread(target=self._talk, args=(connection,), daemon=True).start()

    def _talk(self, connection: socket.socket) -> None:
        with connection, contextlib.suppress(OSError):
            while chunk := connection.recv(65536):
                connection.sendall(b"\x1e" * chunk.count(b"\x10\x04\x04"))


def test_a_kiosk_printer_running_low_on_paper_is_a_warning_on_the_counter(
    tmp_path: Path, contexts: Any
) -> None:
    """The roll's near-end sensor came on at the last ticket: the ticket printed, and the
    officer who signs in next reads that someone should fetch a roll."""
    printer = _PrinterLowOnPaper()
    server = LiveServer(
        tmp_path,
        kiosks=[
            {
                "code": "K1",
                "name": "Anjungan Pintu Utama",
                "zone": "A",
                "printer": {"kind": "network", "host": "127.0.0.1", "port": printer.port},
            }
        ],
    )
    server.start()
    try:
        kiosk = server.device_token("kiosk-lobby", "kiosk", kiosk="K1")
        response = server.api("POST", "/tickets", kiosk, json={"service": "KTP"})
        assert response.json()["print"]["status"] == "printed", response.text

        page = contexts()
        sign_in(page, server, 1)

        banner = page.locator("#printer-banner")
        expect(banner).to_be_visible()
        expect(banner).to_have_text(
            "Kertas printer anjungan K1 hampir habis: siapkan gulungan baru."
        )
    finally:
        server.stop()
        printer.server.close()


# The officers' screens: a 1366x768 laptop, the most common size in the malls.
LAPTOP = {"width": 1366, "height": 768}

# How many separate lines the text of each element matched by `selector` takes.
LINES_OF = """selector => [...document.querySelectorAll(selector)].map(node => {
    const range = document.createRange();
    range.selectNodeContents(node);
    const rects = [...range.getClientRects()].filter(r => r.width > 0 && r.height > 0)
        .sort((a, b) => a.top - b.top);
    let lines = 0, bottom = -Infinity;
    for (const r of rects) {
        if (r.top >= bottom - 1) { lines += 1; }
        bottom = Math.max(bottom, r.bottom);
    }
    return lines;
})"""


def test_the_terminal_fits_a_laptop_screen_with_long_service_names_and_a_ticket_on_hold(
    live_server: LiveServer, admin: str, contexts: Any, artifacts: Path
) -> None:
    # Loket 15 serves the two longest names of the demo mall.
    issue(live_server, admin, "BPHTB")
    for _ in range(6):
        issue(live_server, admin, "BPHTB")
        issue(live_server, admin, "PBB")
    page = contexts(LAPTOP)
    sign_in(page, live_server, 15)
    page.keyboard.press("n")  # one served, so the average shows with its unit
    expect(page.locator("#current-status")).to_have_text("Dipanggil")
    page.keyboard.press("s")
    expect(page.locator("#current-status")).to_have_text("Sedang dilayani")
    page.keyboard.press("f")
    expect(page.locator("#figure-average")).to_have_text("0 menit")
    page.keyboard.press("n")
    expect(page.locator("#current-status")).to_have_text("Dipanggil")
    page.keyboard.press("h")
    expect(page.locator("#on-hold-list li")).to_have_count(1)
    page.keyboard.press("n")
    expect(page.locator("#current-status")).to_have_text("Dipanggil")
    expect(page.locator("#waiting-list tr")).to_have_count(10)

    for language in ("id", "en"):
        if language == "en":
            page.get_by_role("button", name="English").click()
            expect(page.locator("#figures-title")).to_have_text("Today's figures")
        page.screenshot(path=str(artifacts / f"counter-laptop-{language}.png"))
        height = LAPTOP["height"]
        # The whole right column (on hold, status, figures) is above the fold.
        side = page.locator("aside.side").bounding_box()
        assert side is not None and side["y"] + side["height"] <= height, (language, side)
        # Long names take at most two lines, so most of the queue shows without scrolling.
        assert max(page.evaluate(LINES_OF, "#waiting-list td.service")) <= 2, language
        rows = page.locator("#waiting-list tr")
        on_screen = [
            box
            for box in (rows.nth(i).bounding_box() for i in range(rows.count()))
            if box and box["y"] + box["height"] <= height
        ]
        assert len(on_screen) >= 8, (language, len(on_screen))
        # A figure and its unit stay on one line ("0 menit", not "0" over "menit").
        assert page.evaluate(LINES_OF, ".figures dd") == [1, 1, 1], language
        assert page.evaluate("document.documentElement.scrollWidth") <= LAPTOP["width"]


def test_call_next_during_a_break_says_why_nothing_happens(
    live_server: LiveServer, admin: str, contexts: Any
) -> None:
    issue(live_server, admin, "SKCK")
    page = contexts()
    sign_in(page, live_server, 10)
    page.locator("#break-reason").fill("Salat Asar")
    page.get_by_role("button", name="Istirahat", exact=True).click()
    expect(page.locator("#counter-status")).to_have_attribute("data-status", "break")
    expect(page.locator("#message")).to_contain_text("Status loket: Istirahat")

    page.locator("body").click()
    page.keyboard.press("n")
    message = page.locator("#message")
    expect(message).to_have_text(
        "Loket sedang istirahat. Buka loket dulu untuk memanggil berikutnya."
    )
    expect(message).to_have_attribute("data-kind", "warn")
    expect(page.locator("#current-empty")).to_be_visible()  # nobody was called

    page.get_by_role("button", name="English").click()
    expect(message).to_have_text(
        "The counter is on a break. Open it first to call the next visitor."
    )

    # Busy with a ticket: N names the reason too.
    page.get_by_role("button", name="Open counter").click()
    expect(page.locator("#counter-status")).to_have_attribute("data-status", "open")
    page.locator("body").click()
    page.keyboard.press("n")
    expect(page.locator("#current-status")).to_have_text("Called")
    page.keyboard.press("n")
    expect(message).to_have_text("Finish the ticket that is active at this counter first.")


def test_the_terminal_names_its_buttons_and_headers_for_screen_readers(
    live_server: LiveServer, admin: str, contexts: Any
) -> None:
    first, second = issue(live_server, admin, "KK", 2)
    page = contexts()
    sign_in(page, live_server, 4)
    expect(page.locator("#waiting-list tr")).to_have_count(2)

    expect(page.locator("h1")).to_have_count(1)
    expect(page.locator("h1")).to_have_text("Loket 4")
    headers = page.locator("#waiting-table th")
    assert all(text.strip() for text in headers.all_text_contents()), headers.all_text_contents()
    expect(page.get_by_role("columnheader", name="Tindakan")).to_have_count(1)

    for ticket in (first, second):
        expect(
            page.get_by_role("button", name=f"Panggil {ticket['number']}", exact=True)
        ).to_have_count(1)
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("button", name=f"Call {second['number']}", exact=True)).to_be_enabled()
    page.get_by_role("button", name=f"Call {second['number']}", exact=True).click()
    expect(page.locator("#current-number")).to_have_text(second["number"])


def test_the_waiting_count_is_singular_for_one_person_in_english(
    live_server: LiveServer, admin: str, contexts: Any
) -> None:
    issue(live_server, admin, "PINDAH")
    page = contexts()
    sign_in(page, live_server, 4)
    count = page.locator("#waiting-count")
    expect(count).to_have_text("1 orang")
    page.get_by_role("button", name="English").click()
    expect(count).to_have_text("1 person")
    issue(live_server, admin, "PINDAH")
    expect(count).to_have_text("2 people")


def test_a_mistaken_no_show_is_undone_and_a_real_one_can_be_called_back(
    live_server: LiveServer, admin: str, contexts: Any
) -> None:
    (ticket,) = issue(live_server, admin, "SIM")
    page = contexts()
    sign_in(page, live_server, 7)
    current = page.locator("#current-number")
    page.keyboard.press("n")
    expect(current).to_have_text(ticket["number"])

    page.keyboard.press("x")
    pending = page.locator("#no-show-pending")
    expect(pending).to_contain_text(ticket["number"])
    page.keyboard.press("z")
    expect(pending).to_be_hidden()
    page.wait_for_timeout(6_000)  # past the undo window: nothing was sent
    expect(current).to_have_text(ticket["number"])
    expect(page.locator("#figure-no-show")).to_have_text("0")

    page.keyboard.press("x")
    expect(page.locator("#figure-no-show")).to_have_text("1")
    back = page.get_by_role("button", name=f"Panggil lagi {ticket['number']}")
    expect(back).to_be_enabled()
    back.click()
    expect(current).to_have_text(ticket["number"])
    expect(page.locator("#no-show-list li")).to_have_count(0)


def test_a_held_visitor_can_be_sent_back_to_the_shared_queue(
    live_server: LiveServer, admin: str, contexts: Any
) -> None:
    first, second = issue(live_server, admin, "SIM", 2)
    page = contexts()
    sign_in(page, live_server, 7)
    page.keyboard.press("n")
    expect(page.locator("#current-number")).to_have_text(first["number"])
    page.keyboard.press("h")
    held = page.locator("#on-hold-list li")
    expect(held).to_have_attribute("data-number", first["number"])
    held.get_by_role("button", name="Kembalikan ke antrean").click()
    expect(held).to_have_count(0)
    # Back with its arrival time: first in the order this counter calls.
    rows = page.locator("#waiting-list tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_have_attribute("data-number", first["number"])
    expect(rows.first).to_have_attribute("data-position", "1")


def test_the_waiting_list_is_in_call_order_with_places_and_reasons(
    live_server: LiveServer, admin: str, contexts: Any
) -> None:
    normal = issue(live_server, admin, "SIM", 2)
    response = live_server.api(
        "POST", "/tickets", admin, json={"service": "SIM", "priority": "lansia"}
    )
    priority = response.json()
    page = contexts()
    sign_in(page, live_server, 7)
    rows = page.locator("#waiting-list tr")
    expect(rows).to_have_count(3)
    order = [priority["number"], normal[0]["number"], normal[1]["number"]]
    for index, number in enumerate(order):
        expect(rows.nth(index)).to_have_attribute("data-number", number)
        expect(rows.nth(index).locator(".position")).to_have_text(f"#{index + 1}")
    expect(rows.first.locator(".position")).to_have_attribute(
        "title", "dipanggil lebih dulu (prioritas)"
    )
    page.keyboard.press("n")
    expect(page.locator("#current-number")).to_have_text(priority["number"])


def test_a_state_read_older_than_the_officers_own_call_does_not_undraw_it(
    live_server: LiveServer, admin: str, contexts: Any
) -> None:
    """A state read that left before the officer's call and answers after it must not draw
    the counter free again (a key pressed then found nobody). The race is forced: the read's
    response, taken from the server before the call, is held back until the call is drawn."""
    (first,) = issue(live_server, admin, "SIM", 1)
    page = contexts()
    sign_in(page, live_server, 7)
    current = page.locator("#current-number")

    def is_state(url: str) -> bool:
        return urlparse(url).path.endswith("/counters/7")

    held: list[Any] = []

    def hold_the_first(route: Any) -> None:
        if held:
            route.continue_()
        else:
            held.append((route, route.fetch()))

    page.route(is_state, hold_the_first)
    page.evaluate("() => { window.AntrianTerminal.refresh(); }")
    for _ in range(200):
        if held:
            break
        page.wait_for_timeout(50)
    assert held, "the terminal asked for no state"
    reads_after: list[str] = []
    page.on("request", lambda request: is_state(request.url) and reads_after.append(request.url))

    page.keyboard.press("n")
    expect(current).to_have_text(first["number"])
    # From here on the counter must never be drawn free.
    page.evaluate(
        """() => {
          window.undrawn = false;
          const empty = document.getElementById("current-empty");
          new MutationObserver(() => { if (!empty.hidden) { window.undrawn = true; } })
            .observe(empty, { attributes: true });
        }"""
    )
    route, stale = held[0]
    route.fulfill(response=stale)  # the state as it was before the call
    for _ in range(200):  # the terminal reads the state again instead of drawing it
        if reads_after:
            break
        page.wait_for_timeout(50)
    assert reads_after, "the stale state was not read again"
    page.wait_for_timeout(500)
    assert page.evaluate("() => window.undrawn") is False
    expect(current).to_have_text(first["number"])


def test_the_terminal_warns_half_an_hour_before_the_day_closes(
    live_server: LiveServer, contexts: Any
) -> None:
    """The all-day test mall closes at midnight; the state the terminal reads is made to say
    the day closes in twenty minutes, as it would at 16:10 on a weekday of the demo."""
    page = contexts()
    sign_in(page, live_server, 1)
    banner = page.locator("#day-close-banner")
    expect(banner).to_be_hidden()

    def closing_soon(route: Any) -> None:
        response = route.fetch()
        state = response.json()
        now = datetime.now(UTC)  # the server's clock: the same machine
        state["day_close"] = {
            "at": (now + timedelta(minutes=20)).isoformat(),
            "warn_from": (now - timedelta(minutes=10)).isoformat(),
            "local_time": "16:30",
        }
        route.fulfill(response=response, json=state)

    page.route(re.compile(r".*/api/v1/counters/1$"), closing_soon)
    page.evaluate("window.AntrianTerminal.refresh()")  # as after any event of the counter
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("ditutup pukul 16:30")
    expect(banner).to_contain_text("sedang dilayani tetap dapat diselesaikan")
    # The terminal's next reads may still be in the handler when the page closes: let them end
    # here, or their error surfaces in whichever test runs next on this worker.
    page.unroute_all(behavior="wait")
