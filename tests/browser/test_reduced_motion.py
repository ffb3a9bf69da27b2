"""A screen that asks for reduced motion (`prefers-reduced-motion: reduce`): the hallway display
and the kiosk neither flash, blink, shake, spin nor scroll, and still say what the motion said
(the new call stands out, the closed service is marked, the running text is shown whole)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.test_display import call_next, issue, officer_at, open_display
from tests.browser.test_kiosk import open_kiosk
from tests.support.live import LiveServer

pytestmark = pytest.mark.browser

# What moves on the display, read in one step while the new call is marked.
DISPLAY_MOTION = """() => {
  const now = document.getElementById("now");
  if (!now.classList.contains("flash")) { return null; }
  const name = (selector) => getComputedStyle(document.querySelector(selector)).animationName;
  return {
    panel: name("#now"), number: name("#now-number"), ticker: name("#running-text"),
    dot: name(".connection .dot"), background: getComputedStyle(now).backgroundColor,
    running: document.getAnimations().map((a) => a.animationName),
  };
}"""


@pytest.fixture
def reduced(browser: Browser) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, reduced_motion="reduce")
    yield context
    context.close()


def while_flashing(page: Page, timeout: float = 30.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if seen := page.evaluate(DISPLAY_MOTION):
            return seen
        page.wait_for_timeout(50)
    raise AssertionError("the call was never marked on the display")


def test_the_display_marks_a_call_without_flashing_or_scrolling(
    live_server: LiveServer, reduced: Any
) -> None:
    page = open_display(reduced, live_server, live_server.device_token("tv", "display", zone="A"))
    kiosk = live_server.device_token("kiosk", "kiosk", kiosk="K1")
    ticket = issue(live_server, kiosk, "KTP")
    call_next(live_server, officer_at(live_server, 1), 1)
    expect(page.locator("#now-number")).to_have_text(ticket["number"])

    seen = while_flashing(page)
    assert seen["panel"] == seen["number"] == seen["ticker"] == seen["dot"] == "none", seen
    assert seen["running"] == [], seen
    # Still marked: a steady red panel instead of a pulsing one.
    assert seen["background"] == "rgb(138, 28, 28)", seen
    # The running text stands still and is shown whole, within the screen.
    track = page.locator("#running-text")
    expect(track).to_be_visible()
    box = track.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 1920, box
    # Taken off afterwards: a steady mark must not stay on an old call.
    expect(page.locator("#now")).not_to_have_class(re.compile(r"\bflash\b"), timeout=15_000)


def test_without_the_wish_the_display_still_flashes_and_scrolls(
    live_server: LiveServer, browser: Browser
) -> None:
    """The same reading on an ordinary screen: it shows motion, so the test above proves
    something."""
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    try:
        page = open_display(
            context, live_server, live_server.device_token("tv", "display", zone="A")
        )
        kiosk = live_server.device_token("kiosk", "kiosk", kiosk="K1")
        issue(live_server, kiosk, "KTP")
        call_next(live_server, officer_at(live_server, 1), 1)
        seen = while_flashing(page)
        assert (seen["panel"], seen["number"], seen["ticker"]) == ("attention", "grow", "ticker")
    finally:
        context.close()


def test_the_kiosk_outlines_a_closed_service_instead_of_shaking_it(
    browser: Browser, live_server: LiveServer
) -> None:
    page = open_kiosk(browser, live_server)
    try:
        page.emulate_media(reduced_motion="reduce")
        live_server.add_admin("kepala-mpp")
        admin = live_server.login("kepala-mpp", "rahasia-admin")
        closed = live_server.api(
            "POST", "/services/KIA/availability", admin, json={"closed_reason": "Blangko habis"}
        )
        assert closed.status_code == 200
        page.locator("[data-agency=DISDUKCAPIL]").click()
        card = page.locator("[data-service=KIA]")
        expect(card).to_have_attribute("data-open", "false")
        # The tap and the reading in one step: the mark is taken off again soon after.
        seen = card.evaluate(
            """(card) => { card.click(); return card.classList.contains("shake") && {
                 card: getComputedStyle(card).animationName,
                 outline: getComputedStyle(card).outlineStyle,
                 spinner: getComputedStyle(document.querySelector(".spinner")).animationName,
                 running: document.getAnimations().map((a) => a.animationName),
               }; }"""
        )
        assert seen, "the tap on the closed service was not marked"
        assert seen["card"] == seen["spinner"] == "none", seen
        assert seen["outline"] == "solid", seen
        assert seen["running"] == [], seen
    finally:
        page.context.close()
