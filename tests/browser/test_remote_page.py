"""Taking a number from home on the service page: two tabs of one phone, one number."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.test_public_pages import ANDROID, PHONE
from tests.support.live import LiveServer

pytestmark = pytest.mark.browser


def test_a_second_tab_is_told_the_number_the_phone_already_holds(
    browser: Browser, live_server: LiveServer
) -> None:
    context = browser.new_context(viewport=PHONE, is_mobile=True, user_agent=ANDROID)
    try:
        first, second = context.new_page(), context.new_page()
        for tab in (first, second):
            tab.goto(f"{live_server.base_url}/layanan/KTP")
        first.locator("#take").click()
        first.wait_for_url("**/t/*")
        second.locator("#take").click()
        expect(second.locator("#mine")).to_contain_text(
            "Anda sudah memiliki nomor A001 untuk layanan ini"
        )
        expect(second.locator("#error")).to_be_hidden()
        second.locator("#mine-link").click()
        second.wait_for_url("**/t/*")
        assert second.url.split("#")[0] == first.url.split("#")[0]
        expect(second.locator("#number")).to_have_text("A001")
    finally:
        context.close()
