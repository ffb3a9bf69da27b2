"""The visitor's ticket page (/t/<id>) as a phone shows it: a ticket of an earlier day says
which day it was for; nobody ahead reads "you are next"; it fits a 320 px phone and a 390 px
one zoomed to 200 % without sideways scrolling; screen readers hear the status change; the
call does not flash for a visitor who asked for less motion.

One server for the module; each test uses services of its own, so their queues do not meet.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import update

from core.store import UnitOfWork, make_engine, tickets
from tests.browser.conftest import wait_for_js
from tests.support.live import LiveServer, clear_of_midnight

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
MONTHS_ID = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus")
MONTHS_ID += ("September", "Oktober", "November", "Desember")
MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August")
MONTHS_EN += ("September", "October", "November", "December")


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = LiveServer(tmp_path_factory.mktemp("phone"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def kiosk_token(live_server: LiveServer) -> str:
    return live_server.device_token("kiosk-lobby", "kiosk", kiosk="K1")


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True)
    yield context.new_page()
    context.close()


def call(server: LiveServer, token: str, path: str, **kwargs: Any) -> dict[str, Any]:
    response = server.api("POST", path, token, **kwargs)
    assert response.status_code in (200, 201), response.text
    return response.json()


def officer_at(server: LiveServer, name: str, counter: int) -> str:
    """An officer signed in at `counter` (signing in opens it)."""
    server.add_officer(name, counters=[counter])
    return server.login(name, counter=counter)


def mall_today(server: LiveServer) -> date:
    return datetime.now(server.settings.mall.tz).date()


def move_to_day(server: LiveServer, ticket_id: str, day: date, **values: Any) -> None:
    """Make a ticket one of another day (and set other columns), as the database holds it."""
    uow = UnitOfWork(make_engine(server.settings.database_url))
    with uow.writing() as conn:
        conn.execute(
            update(tickets).where(tickets.c.id == ticket_id).values(day=day.isoformat(), **values)
        )


def written(day: date, months: tuple[str, ...] = MONTHS_ID) -> str:
    return f"{day.day} {months[day.month - 1]} {day.year}"


def test_a_ticket_of_an_earlier_day_names_its_day_and_speaks_of_it_as_past(
    phone: Page, live_server: LiveServer, kiosk_token: str
) -> None:
    clear_of_midnight(live_server.settings.mall.tz)  # "today" is the same day throughout
    today = mall_today(live_server)
    yesterday = today - timedelta(days=1)

    # Today's ticket shows today's date, quietly.
    mine_today = call(live_server, kiosk_token, "/tickets", json={"service": "SIM"})
    phone.goto(mine_today["status_url"])
    expect(phone.locator("#day")).to_have_text(written(today))
    expect(phone.locator("#day-line")).not_to_have_class("day past")

    # Yesterday's, never called before the day closed: the date, and the past tense.
    unserved = call(live_server, kiosk_token, "/tickets", json={"service": "SIM"})
    move_to_day(live_server, unserved["id"], yesterday, status="unserved")
    phone.goto(unserved["status_url"])
    expect(phone.locator("#day")).to_have_text(written(yesterday))
    expect(phone.locator("#day-line")).to_have_class("day past")
    expect(phone.locator("#status")).to_have_text(f"Tidak terlayani pada {written(yesterday)}")
    expect(phone.locator("#message")).to_contain_text(f"layanan pada {written(yesterday)}")
    assert "hari ini" not in phone.locator("main").inner_text()
    phone.locator("#lang").click()
    english = written(yesterday, MONTHS_EN)
    expect(phone.locator("#status")).to_have_text(f"Not served on {english}")
    expect(phone.locator("#day")).to_have_text(english)
    assert "today" not in phone.locator("main").inner_text()
    phone.locator("#lang").click()  # back to Indonesian, for the page below

    # Yesterday's, served: the survey stays open (a visit is rated whenever), but asks about
    # that day, not "today".
    officer = officer_at(live_server, "wati", 7)
    served = call(live_server, kiosk_token, "/tickets", json={"service": "SIM"})
    called = call(live_server, officer, "/counters/7/call-next")
    assert called["id"] == mine_today["id"]  # the first one in the SIM queue
    call(live_server, officer, f"/tickets/{called['id']}/no-show")
    called = call(live_server, officer, "/counters/7/call-next")
    assert called["id"] == served["id"]
    call(live_server, officer, f"/tickets/{served['id']}/start")
    call(live_server, officer, f"/tickets/{served['id']}/finish")
    move_to_day(live_server, served["id"], yesterday)
    phone.goto(served["status_url"])
    expect(phone.locator("#status")).to_have_text("Selesai")
    expect(phone.locator("#survey .skm-intro")).to_have_text(
        f"Bagaimana pelayanan kami pada {written(yesterday)}? Jawaban Anda tanpa nama."
    )
    assert "hari ini" not in phone.locator("main").inner_text()

    # Yesterday's no-show cannot be called back: the page does not send the visitor to ask.
    move_to_day(live_server, mine_today["id"], yesterday)
    phone.goto(mine_today["status_url"])
    expect(phone.locator("#status")).to_have_text("Tidak hadir saat dipanggil")
    expect(phone.locator("#message")).to_have_text(
        f"Nomor Anda dipanggil pada {written(yesterday)} tetapi Anda tidak hadir. Nomor ini "
        "tidak berlaku lagi; silakan ambil nomor baru."
    )


def test_with_nobody_ahead_the_page_says_you_are_next_not_zero_people(
    phone: Page, live_server: LiveServer, kiosk_token: str
) -> None:
    officer_at(live_server, "joko", 9)  # SKCK's counter is open: the turn is coming
    first = call(live_server, kiosk_token, "/tickets", json={"service": "SKCK"})
    second = call(live_server, kiosk_token, "/tickets", json={"service": "SKCK"})

    phone.goto(first["status_url"])
    expect(phone.locator("#near")).to_have_text("Anda berikutnya. Bersiaplah menuju loket.")
    expect(phone).to_have_title(f"Anda berikutnya — {first['number']}")
    phone.locator("#lang").click()
    expect(phone.locator("#near")).to_have_text("You are next. Get ready to go to the counter.")
    expect(phone).to_have_title(f"You are next — {first['number']}")
    assert "0" not in phone.title().replace(first["number"], "")

    # One ahead: the count, with the singular where the language has one.
    phone.goto(second["status_url"])
    expect(phone.locator("#near")).to_have_text(
        "Only 1 person ahead of you. Get ready to go to the counter."
    )
    expect(phone).to_have_title(f"(1) Almost your turn — {second['number']}")
    phone.locator("#lang").click()
    expect(phone.locator("#near")).to_have_text(
        "Tinggal 1 orang lagi di depan Anda. Bersiaplah menuju loket."
    )
    expect(phone).to_have_title(f"(1) Segera dipanggil — {second['number']}")


# A small phone, and a 390 px one zoomed to 200 % (195 CSS px).
NARROW = (320, 195)
# What must not be wider than its box: the header, the cards, the survey's questions and choices.
SPILLS = """() => {
  const root = document.documentElement;
  const spilling = [];
  document.querySelectorAll(".top, .ticket, .box, .skm-element, .skm-choice").forEach((el) => {
    if (el.getClientRects().length && el.scrollWidth > el.clientWidth + 1) {
      spilling.push(`${el.id || el.className}: ${el.scrollWidth} > ${el.clientWidth}`);
    }
  });
  return { scroll: root.scrollWidth, client: root.clientWidth, spilling };
}"""


def test_the_page_and_its_survey_fit_a_narrow_phone_and_200_percent_zoom(
    browser: Browser, live_server: LiveServer, kiosk_token: str
) -> None:
    # Waiting where no counter works yet ("Loket belum buka"), called, and finished with the
    # survey on the page.
    waiting = call(live_server, kiosk_token, "/tickets", json={"service": "PKB"})
    finished = call(live_server, kiosk_token, "/tickets", json={"service": "PBB"})
    called = call(live_server, kiosk_token, "/tickets", json={"service": "PBB"})
    officer = officer_at(live_server, "rina", 14)
    call(live_server, officer, f"/tickets/{finished['id']}/call", json={})
    call(live_server, officer, f"/tickets/{finished['id']}/start")
    call(live_server, officer, f"/tickets/{finished['id']}/finish")
    call(live_server, officer, f"/tickets/{called['id']}/call", json={})

    for width in NARROW:
        context = browser.new_context(
            viewport={"width": width, "height": 640}, has_touch=True, is_mobile=True
        )
        page = context.new_page()
        try:
            for language in ("id", "en"):
                for ticket, shown in (
                    (waiting, "#waiting-box"),
                    (called, "#called-box"),
                    (finished, "#survey .skm-form"),
                ):
                    # With the survey key the visitor's address carries in its fragment.
                    key = ticket["status_url"].partition("#")[2]
                    page.goto(f"{live_server.base_url}/t/{ticket['id']}?lang={language}#{key}")
                    expect(page.locator(shown)).to_be_visible()
                    fit = page.evaluate(SPILLS)
                    where = f"{ticket['number']} at {width} px ({language})"
                    assert fit["scroll"] <= fit["client"], f"{where} scrolls sideways: {fit}"
                    assert not fit["spilling"], f"{where}: {fit['spilling']}"
        finally:
            context.close()


# Counts what the page writes into <main> (text, not the attributes that show and hide boxes).
WATCH_WRITES = """() => {
  window.writes = [];
  const watch = { childList: true, characterData: true, subtree: true };
  new MutationObserver((records) => {
    records.forEach((r) => window.writes.push(r.target.id || r.target.parentElement.id));
  }).observe(document.querySelector("main"), watch);
}"""
READS = """(id) => performance.getEntriesByType("resource")
  .filter((entry) => entry.name.includes("/api/v1/tickets/" + id)).length"""


def test_the_status_people_ahead_and_estimate_are_a_polite_live_region(
    phone: Page, live_server: LiveServer, kiosk_token: str
) -> None:
    ahead = call(live_server, kiosk_token, "/tickets", json={"service": "TILANG"})
    mine = call(live_server, kiosk_token, "/tickets", json={"service": "TILANG"})
    phone.goto(mine["status_url"])
    expect(phone.locator("#ahead")).to_have_text("1 orang")

    for region in ("#status", "#waiting-box .figures", "#message-box"):
        expect(phone.locator(region)).to_have_attribute("aria-live", "polite")
    expect(phone.locator("#waiting-box .figures")).to_have_attribute("aria-atomic", "true")

    # The queue moves behind the visitor: the page reads its status again, and what did not
    # change is not written again (a screen reader would repeat it at every move). The status
    # above is the page's own, drawn before its live connection is up: a ticket issued before
    # the server has put the page in its queue's room moves nothing on it.
    wait_for_js(phone, "window.antrianTicket.live.socket.connected === true")
    phone.evaluate(WATCH_WRITES)
    reads = phone.evaluate(READS, mine["id"])
    estimate = phone.locator("#eta").inner_text()
    call(live_server, kiosk_token, "/tickets", json={"service": "TILANG"})
    wait_for_js(phone, f"({READS})({mine['id']!r}) > {reads}")
    phone.wait_for_timeout(300)
    # (A planned counter's estimate may move with the clock meanwhile: then only it is new.)
    unchanged = phone.locator("#eta").inner_text() == estimate
    assert phone.evaluate("window.writes") == ([] if unchanged else ["eta"])

    # The visitor ahead is called: the count changes, and only what changed is written.
    officer = officer_at(live_server, "dewi", 38)
    assert call(live_server, officer, "/counters/38/call-next")["id"] == ahead["id"]
    expect(phone.locator("#ahead")).to_have_text("0 orang")
    assert "ahead" in phone.evaluate("window.writes")
    assert "number" not in phone.evaluate("window.writes")


def test_the_call_does_not_flash_when_the_phone_asks_for_reduced_motion(
    browser: Browser, live_server: LiveServer, kiosk_token: str
) -> None:
    officer = officer_at(live_server, "ayu", 35)
    seen = {}
    for motion in ("no-preference", "reduce"):
        mine = call(live_server, kiosk_token, "/tickets", json={"service": "NIKAH"})
        context = browser.new_context(
            viewport=PHONE, has_touch=True, is_mobile=True, reduced_motion=motion
        )
        try:
            page = context.new_page()
            page.goto(mine["status_url"])
            expect(page.locator("#status")).to_have_text("Menunggu")
            assert call(live_server, officer, "/counters/35/call-next")["id"] == mine["id"]
            expect(page.locator("body")).to_have_attribute("data-alerts", "1")
            expect(page.locator("#called-box")).to_have_class("box called flash")
            seen[motion] = page.locator("#called-box").evaluate(
                "(box) => { const style = getComputedStyle(box);"
                " return [style.animationName, style.animationDuration, style.boxShadow]; }"
            )
        finally:
            context.close()
        call(live_server, officer, f"/tickets/{mine['id']}/start")
        call(live_server, officer, f"/tickets/{mine['id']}/finish")

    assert seen["no-preference"][0] == "flash"  # the yellow ring pulses five times
    name, _, ring = seen["reduce"]
    assert name == "none", seen["reduce"]
    # Still marked, with a steady ring instead.
    assert "250, 204, 21" in ring, ring
