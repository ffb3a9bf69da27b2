"""The counter terminal's words and figures in both languages: decimals as the language writes
them, the booking check-in panel, refusals in the officer's language, and a pending no-show
that another terminal made moot."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.test_counter import ADMIN_NAME, LIVE, issue, sign_in
from tests.support.live import LiveServer

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def patient_expectations() -> Iterator[None]:
    expect.set_options(timeout=LIVE)
    yield
    expect.set_options(timeout=5_000)


@pytest.fixture
def contexts(browser: Browser) -> Iterator[Any]:
    opened: list[BrowserContext] = []

    def new_page() -> Page:
        context = browser.new_context(viewport={"width": 1366, "height": 900})
        opened.append(context)
        return context.new_page()

    yield new_page
    for context in opened:
        context.close()


@pytest.fixture
def admin(live_server: LiveServer) -> str:
    live_server.add_admin(ADMIN_NAME)
    return live_server.login(ADMIN_NAME, "rahasia-admin")


def english(page: Page) -> None:
    page.get_by_role("button", name="English").click()


def test_the_average_service_time_has_a_decimal_comma_in_indonesian(
    live_server: LiveServer, admin: str, contexts: Any
) -> None:
    (ticket,) = issue(live_server, admin, "SIM")
    page = contexts()
    sign_in(page, live_server, 7)
    page.keyboard.press("n")
    expect(page.locator("#current-number")).to_have_text(ticket["number"])
    page.keyboard.press("s")
    expect(page.locator("#current-status")).to_have_text("Sedang dilayani")
    page.wait_for_timeout(6_000)  # 6 to 8 s of service: an average of 0.1 minutes
    page.keyboard.press("f")
    average = page.locator("#figure-average")
    expect(average).to_have_text("0,1 menit")
    english(page)
    expect(average).to_have_text("0.1 min")
