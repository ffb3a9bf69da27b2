"""The counter terminal with the keyboard alone: the button an officer pressed is disabled
while its request runs, or drawn anew, and keyboard focus must not fall to the page after it.
Focus stays on the same button when it can still be pressed, or moves to the next thing to do."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_counter import admin, contexts, issue, sign_in
from tests.support.live import LiveServer

pytestmark = pytest.mark.browser
__all__ = ["admin", "contexts"]  # the counter tests' fixtures, used here too

MOST_TABS = 60  # more than the terminal has controls before its waiting list


def tab_to(page: Page, selector: str) -> None:
    """Press Tab until `selector` has the focus, as an officer without a mouse does."""
    for _ in range(MOST_TABS):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_focus_follows_the_officer_through_a_ticket(
    live_server: LiveServer, admin: str, contexts: Any
) -> None:
    first, _second = issue(live_server, admin, "KTP", 2)
    page = contexts()
    sign_in(page, live_server, 1)
    expect(page.locator("#waiting-list tr")).to_have_count(2)

    tab_to(page, "#btn-call-next")
    page.keyboard.press("Enter")
    expect(page.locator("#current-number")).to_have_text(first["number"])
    # "Call next" can no longer be pressed: the next step is to start serving.
    expect(page.locator("#btn-start")).to_be_focused()

    page.keyboard.press("Shift+Tab")
    expect(page.locator("#btn-recall")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#current-calls")).to_have_text("Dipanggil 2×")
    expect(page.locator("#btn-recall")).to_be_focused()  # still there: the same button

    page.keyboard.press("Tab")
    expect(page.locator("#btn-start")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#current-status")).to_have_text("Sedang dilayani")
    expect(page.locator("#btn-finish")).to_be_focused()

    page.keyboard.press("Enter")
    expect(page.locator("#current-empty")).to_be_visible()
    expect(page.locator("#btn-call-next")).to_be_focused()


def test_a_waiting_row_keeps_focus_when_the_list_is_drawn_again(
    live_server: LiveServer, admin: str, contexts: Any
) -> None:
    first, second = issue(live_server, admin, "KTP", 2)
    page = contexts()
    sign_in(page, live_server, 1)
    expect(page.locator("#waiting-list tr")).to_have_count(2)
    row_button = f'#waiting-list button.call-one[data-ticket="{second["id"]}"]'
    tab_to(page, row_button)

    issue(live_server, admin, "KTP")  # a kiosk issues a ticket: the list is drawn anew
    expect(page.locator("#waiting-list tr")).to_have_count(3)
    expect(page.locator(row_button)).to_be_focused()

    page.keyboard.press("Enter")
    expect(page.locator("#current-number")).to_have_text(second["number"])
    expect(page.locator("#btn-start")).to_be_focused()
    assert first["number"] in page.locator("#waiting-list").inner_text()


def test_after_a_no_show_focus_is_on_call_next(
    live_server: LiveServer, admin: str, contexts: Any
) -> None:
    (ticket,) = issue(live_server, admin, "KTP")
    page = contexts()
    sign_in(page, live_server, 1)
    tab_to(page, "#btn-call-next")
    page.keyboard.press("Enter")
    expect(page.locator("#current-number")).to_have_text(ticket["number"])

    tab_to(page, "#btn-no-show")
    page.keyboard.press("Enter")
    expect(page.locator("#no-show-pending")).to_be_visible()
    # When the undo time is up the no-show is sent and the ticket leaves the counter.
    expect(page.locator("#current-empty")).to_be_visible()
    expect(page.locator("#no-show-list li")).to_have_count(1)
    expect(page.locator("#btn-call-next")).to_be_focused()
