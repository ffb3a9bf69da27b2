"""The satisfaction survey on a phone after "finish" and on a counter's tablet, and the report
pages with their charts and an XLSX export read back."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Iterator
from decimal import Decimal
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser, Page, expect

from core import skm
from tests.browser.conftest import wait_for_js
from tests.support.live import LiveServer

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
TABLET = {"width": 1024, "height": 768}


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One server for the three scenarios (starting one costs seconds)."""
    server = LiveServer(tmp_path_factory.mktemp("survey"))
    # The wait estimates given are in the reports within half a second (5 s in service).
    server.extra_env["ANTRIAN_ESTIMATE_FLUSH_SECONDS"] = "0.5"
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def kiosk_token(live_server: LiveServer) -> str:
    return live_server.device_token("kiosk-lobby", "kiosk", kiosk="K1")


@pytest.fixture(scope="module")
def siti(live_server: LiveServer) -> str:
    live_server.add_officer("siti", counters=[1])
    return live_server.login("siti", counter=1)


def call(server: LiveServer, token: str, method: str, path: str, **kwargs: Any) -> Any:
    response = server.api(method, path, token, **kwargs)
    assert response.status_code in (200, 201), response.text
    return response.json()


def serve(server: LiveServer, kiosk: str, officer: str) -> dict[str, Any]:
    ticket = call(server, kiosk, "POST", "/tickets", json={"service": "KTP"})
    call(server, officer, "POST", f"/tickets/{ticket['id']}/call", json={})
    call(server, officer, "POST", f"/tickets/{ticket['id']}/start")
    return ticket


def answer_the_form(page: Page, score: int) -> None:
    for n in range(1, 10):
        page.locator(f"fieldset[data-element='u{n}'] input[value='{score}']").check()
    page.locator("select[name='sex']").select_option("P")
    page.locator("select[name='age_band']").select_option("30-39")
    page.locator("textarea[name='suggestion']").fill("Antrian tertib, terima kasih")
    page.locator(".skm-send").click()


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True)
    yield context.new_page()
    context.close()


def test_a_visitor_rates_the_service_on_the_phone_after_finish(
    phone: Page, live_server: LiveServer, kiosk_token: str, siti: str, artifacts: Path
) -> None:
    errors: list[str] = []
    phone.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    ticket = serve(live_server, kiosk_token, siti)
    phone.goto(ticket["status_url"])
    expect(phone.locator("#status")).to_have_text("Sedang dilayani")
    expect(phone.locator("#survey")).to_be_hidden()

    call(live_server, siti, "POST", f"/tickets/{ticket['id']}/finish")
    expect(phone.locator("#survey .skm-form")).to_be_visible()
    expect(phone.locator("fieldset[data-element='u4'] .skm-choice")).to_have_text(
        ["Sangat mahal", "Cukup mahal", "Murah", "Gratis"]
    )
    # Unanswered elements are named before anything is sent.
    phone.locator(".skm-send").click()
    expect(phone.locator(".skm-message")).to_contain_text("9 belum dijawab")
    answer_the_form(phone, 4)
    expect(phone.locator(".skm-thanks")).to_have_text("Terima kasih atas penilaian Anda!")
    phone.screenshot(path=str(artifacts / "survey-phone.png"), full_page=True)
    state = call(live_server, None, "GET", f"/tickets/{ticket['id']}/survey")  # type: ignore[arg-type]
    assert state == {"finished": True, "answered": True, "open": False}

    phone.reload()  # a second visit: thanked, no second form
    expect(phone.locator("#survey .skm-thanks")).to_be_visible()
    expect(phone.locator("#survey .skm-form")).to_have_count(0)
    assert not [e for e in errors if "Content Security Policy" in e], errors


def test_the_counter_tablet_shows_the_form_when_its_counter_finishes(
    browser: Browser, live_server: LiveServer, kiosk_token: str, siti: str, artifacts: Path
) -> None:
    tablet_token = live_server.accounts.add_device("tablet-loket-1", "survey", counter=1)
    context = browser.new_context(viewport=TABLET, has_touch=True)
    tablet = context.new_page()
    try:
        tablet.goto(f"{live_server.base_url}/survey/setup#{tablet_token}")
        expect(tablet.locator("#idle .counter-name")).to_have_text("Loket 1")
        wait_for_js(tablet, "document.getElementById('offline').hidden")
        ticket = serve(live_server, kiosk_token, siti)
        expect(tablet.locator("#survey")).to_be_hidden()
        call(live_server, siti, "POST", f"/tickets/{ticket['id']}/finish")
        expect(tablet.locator("#survey .skm-form")).to_be_visible()
        expect(tablet.locator("#idle")).to_be_hidden()
        answer_the_form(tablet, 3)
        expect(tablet.locator(".skm-thanks")).to_be_visible()
        tablet.screenshot(path=str(artifacts / "survey-tablet.png"))
        # After the thanks the tablet waits for the next visitor.
        expect(tablet.locator("#idle")).to_be_visible(timeout=10_000)
    finally:
        context.close()
    state = call(live_server, None, "GET", f"/tickets/{ticket['id']}/survey")  # type: ignore[arg-type]
    assert state["answered"] is True


def test_a_tablet_that_was_not_listening_when_its_counter_finished_still_offers_the_form(
    browser: Browser, live_server: LiveServer, kiosk_token: str
) -> None:
    """The tablet restarted (or lost the network) just as the officer pressed "finish": the
    event went by unheard, and the visitor still sitting there is offered the form."""
    live_server.add_officer("budi", counters=[2])
    budi = live_server.login("budi", counter=2)
    ticket = serve(live_server, kiosk_token, budi)
    call(live_server, budi, "POST", f"/tickets/{ticket['id']}/finish")
    tablet_token = live_server.accounts.add_device("tablet-loket-2", "survey", counter=2)
    context = browser.new_context(viewport=TABLET, has_touch=True)
    tablet = context.new_page()
    try:
        tablet.goto(f"{live_server.base_url}/survey/setup#{tablet_token}")
        expect(tablet.locator("#survey .skm-form")).to_be_visible()
        expect(tablet.locator("#idle")).to_be_hidden()
        tablet.reload()  # and once more: still seated, still unrated
        expect(tablet.locator("#survey .skm-form")).to_be_visible()
    finally:
        context.close()


def test_a_tablet_keeps_the_form_a_visitor_is_answering_when_the_next_one_finishes(
    browser: Browser, live_server: LiveServer, kiosk_token: str
) -> None:
    """A quick officer finishes the next visitor while the one before is still answering: the
    form is not wiped, the answer is the first visitor's, and the next one's form follows."""
    live_server.add_officer("ani", counters=[3])
    ani = live_server.login("ani", counter=3)
    tablet_token = live_server.accounts.add_device("tablet-loket-3", "survey", counter=3)
    context = browser.new_context(viewport=TABLET, has_touch=True)
    tablet = context.new_page()
    try:
        tablet.goto(f"{live_server.base_url}/survey/setup#{tablet_token}")
        expect(tablet.locator("#idle .counter-name")).to_have_text("Loket 3")
        wait_for_js(tablet, "document.getElementById('offline').hidden")
        first = serve(live_server, kiosk_token, ani)
        call(live_server, ani, "POST", f"/tickets/{first['id']}/finish")
        expect(tablet.locator("#survey .skm-form")).to_be_visible()
        tablet.locator("fieldset[data-element='u1'] input[value='2']").check()
        second = serve(live_server, kiosk_token, ani)
        call(live_server, ani, "POST", f"/tickets/{second['id']}/finish")
        tablet.wait_for_timeout(1000)  # the finish event has had its chance to arrive
        expect(tablet.locator("fieldset[data-element='u1'] input[value='2']")).to_be_checked()
        answer_the_form(tablet, 2)
        expect(tablet.locator(".skm-thanks")).to_be_visible()
        rated = call(live_server, None, "GET", f"/tickets/{first['id']}/survey")  # type: ignore[arg-type]
        assert rated["answered"] is True
        waiting = call(live_server, None, "GET", f"/tickets/{second['id']}/survey")  # type: ignore[arg-type]
        assert waiting["answered"] is False
        # After the thanks, the next visitor's own form.
        expect(tablet.locator("#survey .skm-form")).to_be_visible(timeout=10_000)
        answer_the_form(tablet, 4)
        expect(tablet.locator(".skm-thanks")).to_be_visible()
        rated = call(live_server, None, "GET", f"/tickets/{second['id']}/survey")  # type: ignore[arg-type]
        assert rated["answered"] is True
    finally:
        context.close()


def test_only_the_visitors_own_address_offers_the_survey(
    browser: Browser, phone: Page, live_server: LiveServer, kiosk_token: str, siti: str
) -> None:
    """Staff see a ticket's id; the page opened by id alone offers no form. The visitor's
    phone, once opened from the QR code's address, keeps the key for a later visit."""
    ticket = serve(live_server, kiosk_token, siti)
    call(live_server, siti, "POST", f"/tickets/{ticket['id']}/finish")
    plain = f"{live_server.base_url}/t/{ticket['id']}"
    staff = browser.new_context(viewport=PHONE)
    try:
        page = staff.new_page()
        page.goto(plain)
        expect(page.locator("#status")).to_have_text("Selesai")
        expect(page.locator("#survey .skm-form")).to_have_count(0)
    finally:
        staff.close()
    phone.goto(ticket["status_url"])
    expect(phone.locator("#survey .skm-form")).to_be_visible()
    phone.goto("about:blank")
    phone.goto(plain)  # later, from the browser's history without the fragment
    expect(phone.locator("#survey .skm-form")).to_be_visible()
    answer_the_form(phone, 3)
    expect(phone.locator(".skm-thanks")).to_have_text("Terima kasih atas penilaian Anda!")


def possible_indexes(own: int, others: tuple[int, ...]) -> set[float]:
    """The converted IKM of `own` (every element) with any subset of `others`' ratings."""
    found = set()
    for count in range(len(others) + 1):
        for chosen in combinations(others, count):
            ratings = (own, *chosen)
            sums = {code: sum(ratings) for code in skm.ELEMENT_CODES}
            found.add(float(skm.ikm(sums, len(ratings)).converted))  # type: ignore[union-attr]
    return found


def test_the_report_pages_draw_and_export_xlsx(
    browser: Browser, live_server: LiveServer, kiosk_token: str, siti: str, artifacts: Path
) -> None:
    ticket = serve(live_server, kiosk_token, siti)
    call(live_server, siti, "POST", f"/tickets/{ticket['id']}/finish")
    # As the visitor's phone page sends it: with the key from its address's fragment.
    scores = {"scores": {f"u{n}": 4 for n in range(1, 10)}, "key": ticket["status_url"][-16:]}
    call(live_server, None, "POST", f"/tickets/{ticket['id']}/survey", json=scores)  # type: ignore[arg-type]
    live_server.add_admin("kepala")
    admin = live_server.login("kepala", password="rahasia-admin")
    # The page reads the report once: the estimate the visitor was given must be written by
    # then (every half second here).
    deadline = time.monotonic() + 15
    while not call(live_server, admin, "GET", "/reports")["estimates"]["services"]:
        assert time.monotonic() < deadline, "the estimate given was never written"
        time.sleep(0.2)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        # An admin's token becomes this browser's session through a device setup address.
        page.goto(f"{live_server.base_url}/survey/setup#{admin}")
        wait_for_js(page, "location.pathname === '/survey/'")
        page.goto(f"{live_server.base_url}/admin/reports")
        wait_for_js(page, "!!document.body.dataset.loaded")
        expect(page.locator("#table tbody tr").first.locator("th")).to_have_text(
            "Perekaman & Cetak KTP-el"
        )
        # Shares with the decimal comma of Bahasa Indonesia, as the SKM legend writes them.
        share = re.compile(r"^\d{1,3},\d %$")
        expect(page.locator("#totals .tile").last.locator(".tile-value")).to_have_text(share)
        expect(page.locator("#table tbody tr").first.locator("td").last).to_have_text(share)
        # The channel in words; its code stays on the row.
        kiosk = page.locator("#channels tbody tr[data-channel='kiosk'] th")
        expect(kiosk).to_have_text("Anjungan / Kiosk")
        # Chart.js drew on its canvases (under the CSP: no eval, no inline style).
        arrivals = page.evaluate("Chart.getChart('chart-hours').data.datasets[0].data")
        assert len(arrivals) == 24 and sum(arrivals) >= 1
        # What the served visitor was told, against their wait: compared once it was called.
        estimates = page.locator("#estimates tbody tr")
        expect(estimates.first.locator("th")).to_have_text("KTP")
        expect(estimates.first.locator("td").first).not_to_have_text("0")
        expect(estimates.last.locator("th")).to_have_text("Total")
        page.screenshot(path=str(artifacts / "report-page.png"), full_page=True)
        with page.expect_download() as download:
            page.locator("#export-xlsx").click()
        book = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
        rows = list(book["Laporan"].iter_rows(values_only=True))
        header = next(n for n, row in enumerate(rows) if row[0] == "Kode / Code")
        ktp = rows[header + 1]
        told = list(book["Perkiraan"].iter_rows(values_only=True))
        assert told[0][:2] == ("Layanan / Service", "Dibandingkan / Compared")
        assert told[1][0] == "KTP" and told[1][1] >= 1 and told[-1][0] == "Total"
        assert ktp[:2] == ("KTP", "Perekaman & Cetak KTP-el") and ktp[2] >= 1 and ktp[3] >= 1
        assert ktp[2:4] == tuple(
            page.evaluate(
                "[...document.querySelectorAll('#table tbody tr:first-child td')].slice(0, 2)"
                ".map(td => Number(td.textContent))"
            )
        )

        # A period the server refuses: the error, and no figures of the period before
        # under the new dates; the downloads keep the period that was shown.
        csv_before = page.locator("#export-csv").get_attribute("href")
        page.fill("#from", "2026-12-10")
        page.fill("#to", "2026-12-01")
        page.locator("#filters button[type=submit]").click()
        expect(page.locator("#error")).to_contain_text("Tanggal akhir")
        expect(page.locator("#report")).to_be_hidden()
        assert page.locator("#export-csv").get_attribute("href") == csv_before
        errors.clear()  # the browser logs the refused request (400) as an error

        page.goto(f"{live_server.base_url}/admin/skm")
        wait_for_js(page, "!!document.body.dataset.loaded")
        # This test's rating (4 on every element), with whichever of the other tests' ratings
        # on this server came first (the phone's 4, the tablet's 3, the visitor's own 3): the
        # index of one of those sets of respondents, and the grade the regulation gives it.
        total = call(live_server, admin, "GET", "/skm?by=service")["total"]
        assert total["ikm_converted"] in possible_indexes(4, others=(4, 3, 3))
        assert total["grade"] == skm.grade(Decimal(str(total["ikm_converted"])))[0]
        ikm = f"{total['ikm_converted']:.2f}".replace(".", ",")
        expect(page.locator("#verdict")).to_contain_text(ikm)
        expect(page.locator("#elements tbody tr").first.locator("td").first).to_have_text(
            re.compile(r"^\d,\d{3}$")  # the element's NRR, e.g. 3,667
        )
        letter, name, _ = skm.grade(Decimal(str(total["ikm_converted"])))
        expect(page.locator("#verdict")).to_contain_text(f"{letter} ({name})")
        # The respondents' profile in words, not the stored codes.
        expect(page.locator("#profile")).to_contain_text("Tidak diisi / Not given")
        page.screenshot(path=str(artifacts / "skm-page.png"), full_page=True)
    finally:
        context.close()
    assert not [e for e in errors if "Content Security Policy" in e], errors


def test_a_report_address_grouped_by_what_the_page_does_not_offer_shows_its_default(
    browser: Browser, live_server: LiveServer
) -> None:
    """The queue report's address kept for the SKM page (`?by=officer`: the survey is per
    service, agency or mall) shows the SKM page's own default, not a refusal of an empty
    grouping."""
    live_server.add_admin("kepala-skm")
    admin = live_server.login("kepala-skm", password="rahasia-admin")
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(f"{live_server.base_url}/survey/setup#{admin}")
        wait_for_js(page, "location.pathname === '/survey/'")
        page.goto(f"{live_server.base_url}/admin/skm?by=officer")
        wait_for_js(page, "!!document.body.dataset.loaded")
        assert page.locator("#by").input_value() == "service"
        expect(page.locator("#error")).to_be_hidden()
        assert "by=service" in (page.locator("#export-csv").get_attribute("href") or "")
    finally:
        context.close()
