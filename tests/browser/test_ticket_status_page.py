"""The visitor's ticket page (/t/<id>, opened from the QR code) on a phone-sized Chromium page.

Tickets are issued by a kiosk device and moved by officers through the API, exactly as the
counters do it; the page must follow without a reload.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests
from playwright.sync_api import Browser, Page, expect

from tests.support.live import LiveServer

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True)
    yield context.new_page()
    context.close()


@pytest.fixture
def kiosk_token(live_server: LiveServer) -> str:
    return live_server.device_token("kiosk-lobby", "kiosk", kiosk="K1")


def issue(server: LiveServer, token: str, service: str) -> dict[str, Any]:
    response = server.api("POST", "/tickets", token, json={"service": service})
    assert response.status_code == 201, response.text
    return response.json()


def officer_at(server: LiveServer, name: str, counter: int) -> str:
    server.add_officer(name, counters=[counter])
    return server.login(name, counter=counter)


def act(server: LiveServer, token: str, path: str, **kwargs: Any) -> dict[str, Any]:
    response = server.api("POST", path, token, **kwargs)
    assert response.status_code == 200, response.text
    return response.json()


def test_the_page_follows_the_ticket_until_it_is_called_and_finished(
    phone: Page, live_server: LiveServer, kiosk_token: str, artifacts: Path
) -> None:
    first = issue(live_server, kiosk_token, "KTP")
    mine = issue(live_server, kiosk_token, "KTP")

    phone.goto(mine["status_url"])
    expect(phone.locator("#number")).to_have_text("A002")
    expect(phone.locator("#service")).to_have_text("Perekaman & Cetak KTP-el")
    expect(phone.locator("#status")).to_have_text("Menunggu")
    expect(phone.locator("#ahead")).to_have_text("1 orang")
    expect(phone.locator("#called-box")).to_be_hidden()
    # One ahead, but no KTP counter works yet: no "get ready" (nobody will call it soon).
    # (In the first half hour of the all-day test mall's opening, at the mall's midnight, a
    # closed counter is still expected to open: then an estimate and "get ready" are right.)
    opened = datetime.now(ZoneInfo(live_server.settings.mall.timezone))
    if not (opened.hour == 0 and opened.minute < 35):
        expect(phone.locator("#eta")).to_have_text("Loket belum buka")
        expect(phone.locator("#near")).to_be_hidden()
        assert "Segera dipanggil" not in phone.title()
    phone.evaluate("window.notReloaded = true")
    phone.screenshot(path=str(artifacts / "ticket-status-waiting.png"))

    # The visitor ahead is called: the queue moved, so this page re-reads its place.
    siti = officer_at(live_server, "siti", 1)
    called = act(live_server, siti, "/counters/1/call-next")
    assert called["number"] == first["number"]
    expect(phone.locator("#ahead")).to_have_text("0 orang")
    # Counter 1 is open now, so the estimate is known: nobody ahead means "you are next",
    # and since the counter is busy with the visitor ahead, when (a range, or "≈ n").
    expect(phone.locator("#eta")).to_have_text(
        re.compile(r"^Anda berikutnya \((\d+–\d+|≈ \d+) menit\)$")
    )
    act(live_server, siti, f"/tickets/{first['id']}/start")
    act(live_server, siti, f"/tickets/{first['id']}/finish")

    # Now it is this ticket's turn: the counter in large type, with a beep and vibration.
    called = act(live_server, siti, "/counters/1/call-next")
    assert called["id"] == mine["id"]
    expect(phone.locator("#status")).to_have_text("Dipanggil")
    expect(phone.locator("#called-box")).to_be_visible()
    expect(phone.locator("#called-lead")).to_have_text("Silakan menuju")
    expect(phone.locator("#called-counter")).to_have_text("Loket 1")
    expect(phone.locator("body")).to_have_attribute("data-alerts", "1")
    phone.screenshot(path=str(artifacts / "ticket-status-called.png"))
    font_px = phone.locator("#called-counter").evaluate(
        "el => parseFloat(getComputedStyle(el).fontSize)"
    )
    assert font_px >= 40

    # A recall alerts again.
    act(live_server, siti, f"/tickets/{mine['id']}/recall")
    expect(phone.locator("body")).to_have_attribute("data-alerts", "2")

    act(live_server, siti, f"/tickets/{mine['id']}/start")
    expect(phone.locator("#status")).to_have_text("Sedang dilayani")
    expect(phone.locator("#called-lead")).to_have_text("Anda sedang dilayani di")

    act(live_server, siti, f"/tickets/{mine['id']}/finish")
    expect(phone.locator("#message")).to_have_text("Terima kasih atas kunjungan Anda.")
    expect(phone.locator("#called-box")).to_be_hidden()

    phone.locator("#lang").click()
    expect(phone.locator("#message")).to_have_text("Thank you for your visit.")
    expect(phone.locator("#status")).to_have_text("Finished")
    phone.screenshot(path=str(artifacts / "ticket-status-finished-en.png"))
    expect(phone.locator("#service")).to_have_text("Electronic ID card (recording and printing)")
    assert phone.evaluate("window.notReloaded") is True
    # Nothing personal on the page, and nobody else's ticket.
    assert first["number"] not in phone.locator("main").inner_text()


def test_a_transferred_ticket_follows_its_new_queue(
    phone: Page, live_server: LiveServer, kiosk_token: str
) -> None:
    already_in_kk = issue(live_server, kiosk_token, "KK")
    mine = issue(live_server, kiosk_token, "KTP")
    phone.goto(mine["status_url"])
    expect(phone.locator("#ahead")).to_have_text("0 orang")

    siti = officer_at(live_server, "siti", 1)
    act(live_server, siti, "/counters/1/call-next")
    expect(phone.locator("#called-counter")).to_have_text("Loket 1")
    act(live_server, siti, f"/tickets/{mine['id']}/transfer", json={"service": "KK"})

    expect(phone.locator("#service")).to_have_text("Kartu Keluarga (Baru & Perubahan)")
    expect(phone.locator("#status")).to_contain_text("Menunggu")
    expect(phone.locator("#ahead")).to_have_text("1 orang")

    # Only a page that moved to the KK queue's room hears that the KK queue moved.
    budi = officer_at(live_server, "budi", 4)
    called = act(live_server, budi, "/counters/4/call-next")
    assert called["id"] == already_in_kk["id"]
    expect(phone.locator("#ahead")).to_have_text("0 orang")


def test_a_ticket_taken_in_english_opens_its_page_in_english(
    phone: Page, live_server: LiveServer, kiosk_token: str
) -> None:
    response = live_server.api(
        "POST", "/tickets", kiosk_token, json={"service": "KTP", "language": "en"}
    )
    assert response.status_code == 201, response.text
    mine = response.json()
    assert "?lang=en#k=" in mine["status_url"]  # and the visitor's survey key

    phone.goto(mine["status_url"])

    expect(phone.locator("html")).to_have_attribute("lang", "en")
    expect(phone.locator("#service")).to_have_text("Electronic ID card (recording and printing)")
    expect(phone.locator("#agency")).to_have_text("Population and Civil Registry Office")
    expect(phone.locator("#status")).to_have_text("Waiting")
    expect(phone.locator("#waiting-box dt").first).to_have_text("People ahead of you")
    expect(phone.locator("#lang")).to_have_text("Bahasa Indonesia")
    # Switching to Indonesian sticks across a reload, although the address said English.
    phone.locator("#lang").click()
    expect(phone.locator("#status")).to_have_text("Menunggu")
    phone.reload()
    expect(phone.locator("#status")).to_have_text("Menunggu")
    expect(phone.locator("#service")).to_have_text("Perekaman & Cetak KTP-el")


def test_the_page_is_rendered_in_the_language_its_address_asks_for(
    live_server: LiveServer, kiosk_token: str
) -> None:
    mine = issue(live_server, kiosk_token, "KTP")
    page = f"{live_server.base_url}/t/{mine['id']}"

    english = requests.get(f"{page}?lang=en", timeout=10).text
    indonesian = requests.get(page, timeout=10).text
    unknown = requests.get(f"{page}?lang=fr", timeout=10).text

    assert '<html lang="en">' in english and "Electronic ID card" in english
    assert "People ahead of you" in english
    assert '<html lang="id">' in indonesian and "Orang di depan Anda" in indonesian
    assert '<html lang="id">' in unknown


def test_an_unknown_ticket_gets_a_friendly_404_page(
    phone: Page, live_server: LiveServer, artifacts: Path
) -> None:
    response = phone.goto(f"{live_server.base_url}/t/tidak-ada-tiket-ini")

    assert response is not None and response.status == 404
    expect(phone.locator("h1")).to_have_text("Nomor antrean tidak ditemukan")
    phone.screenshot(path=str(artifacts / "ticket-status-404.png"))
    phone.locator("#lang").click()
    expect(phone.locator("h1")).to_have_text("Queue number not found")


def test_a_ticket_the_day_closed_on_says_so_kindly_after_a_restart(
    phone: Page, live_server: LiveServer, kiosk_token: str
) -> None:
    import yaml

    mine = issue(live_server, kiosk_token, "KTP")
    phone.goto(mine["status_url"])
    expect(phone.locator("#status")).to_have_text("Menunggu")

    # The server is down over the day's end: the mall is closed when it comes back.
    live_server.stop()
    data = yaml.safe_load(live_server.config_path.read_text())
    data["mall"]["opening_hours"] = {day: None for day in data["mall"]["opening_hours"]}
    live_server.config_path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    live_server.start()

    expect(phone.locator("#status")).to_have_text("Tidak terlayani hari ini", timeout=20_000)
    expect(phone.locator("#message")).to_contain_text("Mohon maaf")
    expect(phone.locator("#waiting-box")).to_be_hidden()
    response = requests.get(f"{live_server.base_url}/api/v1/tickets/{mine['id']}", timeout=10)
    assert response.json()["status"] == "unserved"
