"""The hallway display in Debian's Chromium, against a real server.

Chromium runs headless with `--autoplay-policy=no-user-gesture-required`, like a kiosk TV, so
the page plays its chime and the server's espeak-ng voice (headless Chromium has no voices of
its own). `window.antrianDisplay` tells which phrases actually started and when.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from core import announcement
from tests.support.live import LiveServer

pytestmark = pytest.mark.browser

SETTLE_MS = 20_000  # an announcement is a chime and a few seconds of speech


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    yield context
    context.close()


def open_display(context: Any, server: LiveServer, token: str, path: str = "/display/") -> Any:
    """Sign a fresh browser in through the setup address, as an installer would, and wait
    until the first snapshot is on screen."""
    page = context.new_page()
    page.goto(f"{server.base_url}/display/setup#{token}")
    page.wait_for_url("**/display/")
    if path != "/display/":
        page.goto(server.base_url + path)
    page.wait_for_function("window.antrianDisplay?.state.connection === 'online'")
    return page


def display_state(page: Any) -> dict[str, Any]:
    return page.evaluate("window.antrianDisplay.state")


def phrase(server: LiveServer, number: str, counter: int) -> str:
    """The phrase core builds for this call, from the mall's own template."""
    settings = server.settings
    return announcement.build_call_phrase(
        settings.announcement.template,
        number.rstrip("0123456789"),
        int(number[len(number.rstrip("0123456789")) :]),
        settings.counter(counter).name,
        counter,
    )


def officer_at(server: LiveServer, counter: int) -> str:
    name = f"petugas{counter}"
    server.add_officer(name, counters=[counter])
    return server.login(name, counter=counter)


def issue(server: LiveServer, token: str, service: str) -> dict[str, Any]:
    response = server.api("POST", "/tickets", token=token, json={"service": service})
    assert response.status_code == 201, response.text
    return response.json()


def call_next(server: LiveServer, token: str, counter: int) -> dict[str, Any]:
    response = server.api("POST", f"/counters/{counter}/call-next", token=token)
    assert response.status_code == 200, response.text
    return response.json()


def serve(server: LiveServer, token: str, ticket: dict[str, Any]) -> None:
    """The visitor came, was served and left: the counter is free for the next call."""
    for action in ("start", "finish"):
        response = server.api("POST", f"/tickets/{ticket['id']}/{action}", token=token)
        assert response.status_code == 200, response.text


def wait_until_quiet(page: Any, spoken: int) -> None:
    page.wait_for_function(
        "([n]) => window.antrianDisplay.spoken.length >= n"
        " && window.antrianDisplay.state.announcing === null"
        " && window.antrianDisplay.state.queued.length === 0",
        arg=[spoken],
        timeout=SETTLE_MS * spoken,
    )


@pytest.fixture
def display_a(live_server: LiveServer) -> str:
    return live_server.device_token("layar-lantai-1", "display", zone="A")


# ---------------------------------------------------------------------- calls
def test_a_call_is_on_screen_within_a_second_and_is_spoken(live_server, context, display_a, espeak):
    officer = officer_at(live_server, 3)
    ticket = issue(live_server, officer, "KTP")
    page = open_display(context, live_server, display_a)
    page.evaluate(
        """(number) => {
            window.seenAt = null;
            const target = document.getElementById("now-number");
            new MutationObserver(() => {
                if (window.seenAt === null && target.textContent === number) {
                    window.seenAt = Date.now();
                }
            }).observe(target, {childList: true, characterData: true, subtree: true});
        }""",
        ticket["number"],
    )

    sent = time.time()
    call_next(live_server, officer, 3)
    answered = time.time()
    page.wait_for_function("window.seenAt !== null", timeout=5000)
    seen = page.evaluate("window.seenAt") / 1000

    assert seen - answered < 1.0, f"on screen {seen - answered:.3f} s after the API answered"
    assert seen - sent < 1.0
    assert page.locator("#now-counter").inner_text() == "Loket 3"
    assert page.locator('#counters li[data-counter="3"] .current').inner_text() == ticket["number"]
    wait_until_quiet(page, 1)
    state = display_state(page)
    assert page.evaluate("window.antrianDisplay.spoken") == [
        phrase(live_server, ticket["number"], 3)
    ]
    assert state["announcements"][0]["chime"] is True
    assert state["announcements"][0]["mode"] in ("browser", "server")
    # No ticket id (the visitor's private link) ever reaches a display.
    assert ticket["id"] not in page.content()
    assert ticket["id"] not in json.dumps(state)


def test_a_recall_is_announced_again(live_server, context, display_a, espeak):
    officer = officer_at(live_server, 3)
    ticket = issue(live_server, officer, "KTP")
    page = open_display(context, live_server, display_a)
    call_next(live_server, officer, 3)
    wait_until_quiet(page, 1)

    response = live_server.api("POST", f"/tickets/{ticket['id']}/recall", token=officer)
    assert response.status_code == 200, response.text
    wait_until_quiet(page, 2)

    expected = phrase(live_server, ticket["number"], 3)
    assert page.evaluate("window.antrianDisplay.spoken") == [expected, expected]
    calls = display_state(page)["calls"]
    assert [(c["number"], c["recall"]) for c in calls[:2]] == [
        (ticket["number"], True),
        (ticket["number"], False),
    ]


def test_two_calls_in_a_row_are_announced_one_after_the_other(
    live_server, context, display_a, espeak
):
    at_3, at_4 = officer_at(live_server, 3), officer_at(live_server, 4)
    ktp, kk = issue(live_server, at_3, "KTP"), issue(live_server, at_4, "KK")
    page = open_display(context, live_server, display_a)
    first, second = phrase(live_server, ktp["number"], 3), phrase(live_server, kk["number"], 4)

    call_next(live_server, at_3, 3)
    call_next(live_server, at_4, 4)

    # The second waits in the queue while the first is being said.
    page.wait_for_function(
        "([first, second]) => window.antrianDisplay.state.announcing === first"
        " && JSON.stringify(window.antrianDisplay.state.queued) === JSON.stringify([second])",
        arg=[first, second],
        timeout=3000,
    )
    assert page.locator("#now-number").inner_text() == kk["number"]
    wait_until_quiet(page, 2)
    assert page.evaluate("window.antrianDisplay.spoken") == [first, second]
    one, two = display_state(page)["announcements"]
    assert one["endedAt"] is not None and two["startedAt"] is not None
    assert two["chimeAt"] >= one["endedAt"]
    assert two["startedAt"] > one["endedAt"]


FAKE_INDONESIAN_VOICE = """
(() => {
  // A stand-in for a TV whose browser has an Indonesian voice: it "speaks" for 300 ms.
  const voice = {name: "Bahasa Indonesia", lang: "id-ID", localService: true, default: false};
  window.utterances = [];
  window.SpeechSynthesisUtterance = function (text) { this.text = text; };
  Object.defineProperty(window, "speechSynthesis", {value: {
    getVoices: () => [{name: "English", lang: "en-US", localService: true}, voice],
    cancel: () => {},
    speak(u) {
      window.utterances.push({text: u.text, lang: u.lang, voice: u.voice && u.voice.name});
      setTimeout(() => u.onstart && u.onstart(), 10);
      setTimeout(() => u.onend && u.onend(), 300);
    },
  }});
})();
"""


def test_a_browser_with_an_indonesian_voice_speaks_itself(live_server, context, display_a):
    context.add_init_script(FAKE_INDONESIAN_VOICE)
    officer = officer_at(live_server, 3)
    ticket = issue(live_server, officer, "KTP")
    page = open_display(context, live_server, display_a)

    call_next(live_server, officer, 3)
    wait_until_quiet(page, 1)

    expected = phrase(live_server, ticket["number"], 3)
    assert page.evaluate("window.utterances") == [
        {"text": expected, "lang": "id-ID", "voice": "Bahasa Indonesia"}
    ]
    assert page.evaluate("window.antrianDisplay.spoken") == [expected]
    assert display_state(page)["announcements"][0]["mode"] == "browser"


def test_without_a_voice_the_call_is_written_on_screen(live_server, context, display_a):
    officer = officer_at(live_server, 3)
    ticket = issue(live_server, officer, "KTP")
    page = open_display(context, live_server, display_a, "/display/?voice=off")

    call_next(live_server, officer, 3)
    page.wait_for_function(
        "window.antrianDisplay.state.announcements[0]?.endedAt > 0", timeout=SETTLE_MS
    )

    assert page.evaluate("window.antrianDisplay.spoken") == []
    assert display_state(page)["announcements"][0]["mode"] == "text"
    caption = page.locator("#now-text")
    assert caption.is_visible()
    assert caption.inner_text() == f"Nomor antrean {ticket['number']}, silakan menuju Loket 3"


# ---------------------------------------------------------------------- zones
@pytest.fixture
def second_screen(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    yield context
    context.close()


def test_a_counter_of_the_other_zone_never_appears(live_server, context, second_screen, display_a):
    live_server.add_admin("kepala")  # "admin" is made by the server's first start
    admin = live_server.login("kepala", "rahasia-admin")
    upstairs = officer_at(live_server, 21)
    paspor = issue(live_server, upstairs, "PASPOR")
    hall_a = open_display(context, live_server, display_a)
    # An admin previews zone B on another screen: it must show what zone A must not.
    hall_b = open_display(second_screen, live_server, admin, "/display/?zone=B")

    call_next(live_server, upstairs, 21)
    response = live_server.api(
        "POST", "/counters/22/status", token=admin, json={"status": "break", "reason": "rapat"}
    )
    assert response.status_code == 200, response.text
    version = live_server.api("GET", "/health").json()["version"]

    # Spoken by a voice or written on screen: either way the announcement ends.
    hall_b.wait_for_function(
        "([n]) => window.antrianDisplay.state.announcements.length === 1"
        " && window.antrianDisplay.state.announcements[0].endedAt > 0"
        " && window.antrianDisplay.state.calls[0]?.number === n",
        arg=[paspor["number"]],
        timeout=SETTLE_MS,
    )
    # Zone A heard every event (its version moved on) and showed none of them.
    hall_a.wait_for_function(
        "([v]) => window.antrianDisplay.state.version === v", arg=[version], timeout=5000
    )
    state = display_state(hall_a)
    assert sorted(c["number"] for c in state["counters"]) == list(range(1, 21))
    assert state["calls"] == [] and state["announcing"] is None and state["queued"] == []
    assert hall_a.evaluate("window.antrianDisplay.spoken") == []
    assert hall_a.locator('#counters li[data-counter="21"]').count() == 0
    assert "Loket 21" not in hall_a.inner_text("body")
    assert "Loket 22" not in hall_a.inner_text("body")
    assert paspor["number"] not in hall_a.inner_text("body")
    assert sorted(c["number"] for c in display_state(hall_b)["counters"]) == list(range(21, 39))
    assert hall_b.locator('#counters li[data-counter="22"]').get_attribute("data-status") == "break"


# ---------------------------------------------------------------------- reconnecting
def comparable(snapshot: dict[str, Any]) -> dict[str, Any]:
    return {
        "version": snapshot["version"],
        "calls": [(c["number"], c["counter"], c["recall"]) for c in snapshot["calls"]],
        "counters": [(c["number"], c["status"], c["current"]) for c in snapshot["counters"]],
        "waiting": [(s["code"], s["waiting"]) for s in snapshot["services"]],
    }


def test_after_a_server_restart_the_display_heals_by_itself(live_server, context, display_a):
    officer = officer_at(live_server, 3)
    before, after = issue(live_server, officer, "KTP"), issue(live_server, officer, "KTP")
    issue(live_server, officer, "KTP")
    page = open_display(context, live_server, display_a)
    call_next(live_server, officer, 3)
    page.wait_for_function(
        "([n]) => window.antrianDisplay.state.calls[0]?.number === n", arg=[before["number"]]
    )
    mark = page.locator("#connection")
    assert mark.is_hidden()

    live_server.stop()
    page.wait_for_function("window.antrianDisplay.state.connection === 'offline'", timeout=15000)
    assert mark.is_visible()
    assert "Menyambung ulang" in mark.inner_text()

    live_server.start()
    page.wait_for_function("window.antrianDisplay.state.connection === 'online'", timeout=15000)
    assert mark.is_hidden()
    serve(live_server, officer, before)
    call_next(live_server, officer, 3)
    page.wait_for_function(
        "([n]) => document.getElementById('now-number').textContent === n",
        arg=[after["number"]],
        timeout=1000,
    )

    truth = live_server.api("GET", "/snapshot?zone=A", token=display_a).json()
    page.wait_for_function(
        "([v]) => window.antrianDisplay.state.version === v", arg=[truth["version"]]
    )
    assert comparable(display_state(page)) == comparable(truth)
    tile = page.locator('#counters li[data-counter="3"]')
    assert tile.get_attribute("data-status") == "open"
    assert tile.locator(".current").inner_text() == after["number"]
    waiting = page.locator('#services li[data-service="KTP"] .count').inner_text()
    assert waiting == str(next(s["waiting"] for s in truth["services"] if s["code"] == "KTP"))


# ---------------------------------------------------------------------- layouts
SCREENS = [("1920x1080", 1920, 1080), ("1280x720", 1280, 720), ("portrait-1080x1920", 1080, 1920)]


def test_the_display_fits_each_screen_and_is_photographed(
    live_server, browser, display_a, artifacts
):
    officer = officer_at(live_server, 3)
    tickets = [issue(live_server, officer, "KTP") for _ in range(4)]
    for ticket in tickets[:3]:
        call_next(live_server, officer, 3)
        serve(live_server, officer, ticket)
    for name, width, height in SCREENS:
        context = browser.new_context(viewport={"width": width, "height": height})
        try:
            page = open_display(context, live_server, display_a)
            # Freeze the running text mid-way, so the picture shows it.
            page.evaluate(
                "document.getAnimations().forEach((a) => { a.pause(); a.currentTime = 9000; })"
            )
            page.screenshot(path=str(artifacts / f"display-{name}.png"))

            assert page.evaluate("document.documentElement.scrollHeight") <= height, name
            assert page.evaluate("document.documentElement.scrollWidth") <= width, name
            for selector in ("#now-number", "#now-counter", "#clock-time", "#running-text"):
                box = page.locator(selector).bounding_box()
                assert box is not None and box["width"] > 0, (name, selector)
                assert box["y"] >= 0 and box["y"] + box["height"] <= height, (name, selector)
            assert page.locator("#now-number").inner_text() == tickets[2]["number"]
            assert page.locator("#recent li").count() == 2
            assert page.locator("#counters li").count() == 20
            # Readable across a hall: the newest number is a large share of the screen.
            size = page.locator("#now-number").evaluate(
                "(e) => parseFloat(getComputedStyle(e).fontSize)"
            )
            assert size >= 0.12 * min(width, height), name
        finally:
            context.close()


DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus")
MONTHS += ("September", "Oktober", "November", "Desember")


def wib(moment: float) -> tuple[str, str]:
    """(date, clock) as an Indonesian reader expects them; WIB is UTC+7 all year."""
    t = time.gmtime(moment + 7 * 3600)
    date = f"{DAYS[t.tm_wday]}, {t.tm_mday} {MONTHS[t.tm_mon - 1]} {t.tm_year}"
    return date, f"{t.tm_hour:02d}.{t.tm_min:02d} WIB"


def test_the_clock_shows_the_mall_time_in_indonesian(live_server, context, display_a):
    page = open_display(context, live_server, display_a)

    before = time.time()
    shown = (page.locator("#clock-date").inner_text(), page.locator("#clock-time").inner_text())
    after = time.time()

    # The page ticks once a second: allow the reading from just before and just after.
    assert shown in {wib(before - 1.5), wib(before), wib(after)}
