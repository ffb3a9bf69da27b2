"""An admin previews the counter's survey tablet: marked as a preview, rating nobody."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.test_survey_and_reports import TABLET, answer_the_form, call, serve
from tests.support.live import LiveServer

pytestmark = pytest.mark.browser


def test_an_admins_preview_shows_the_form_and_stores_no_rating(
    browser: Browser, live_server: LiveServer
) -> None:
    live_server.add_officer("siti", counters=[1])
    siti = live_server.login("siti", counter=1)
    kiosk = live_server.device_token("kiosk-lobby", "kiosk", kiosk="K1")
    visitor = serve(live_server, kiosk, siti)
    call(live_server, siti, "POST", f"/tickets/{visitor['id']}/finish")
    live_server.add_admin("dewi")
    admin = live_server.login("dewi", "rahasia-admin")
    context = browser.new_context(viewport=TABLET)
    try:
        page = context.new_page()
        page.goto(f"{live_server.base_url}/survey/setup#{admin}")
        expect(page.locator("#preview")).to_contain_text("Pratinjau")
        expect(page.locator("#preview")).to_contain_text("not stored")
        # The form at once, without waiting for a counter to finish anyone.
        expect(page.locator("#survey .skm-form")).to_be_visible()
        answer_the_form(page, 1)
        expect(page.locator(".skm-thanks")).to_be_visible()
    finally:
        context.close()
    state = call(live_server, None, "GET", f"/tickets/{visitor['id']}/survey")  # type: ignore[arg-type]
    assert state["answered"] is False  # the visitor the counter finished is still to rate it
    report = call(live_server, admin, "GET", "/skm?by=service")
    assert report["total"]["respondents"] == 0
