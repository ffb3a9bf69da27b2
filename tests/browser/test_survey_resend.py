"""A rating is never lost to the network: sent while the phone is offline, the form keeps the
answers and says to send again; sent again after a reply that never came back (the first
one was saved), the visitor is thanked, not refused."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect

from tests.browser import test_survey_and_reports as survey
from tests.browser.test_survey_and_reports import PHONE, answer_the_form, call, serve
from tests.support.live import LiveServer

pytestmark = pytest.mark.browser


# The survey tests' own server (one per module), kiosk and officer at counter 1.
live_server = survey.live_server
kiosk_token = survey.kiosk_token
siti = survey.siti


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True)
    yield context
    context.close()


def finished_ticket_on_the_phone(
    live_server: LiveServer, kiosk: str, officer: str, phone: Page
) -> dict[str, Any]:
    ticket = serve(live_server, kiosk, officer)
    call(live_server, officer, "POST", f"/tickets/{ticket['id']}/finish")
    phone.goto(ticket["status_url"])
    expect(phone.locator("#survey .skm-form")).to_be_visible()
    return ticket


def survey_state(live_server: LiveServer, ticket: dict[str, Any]) -> dict[str, Any]:
    return call(live_server, None, "GET", f"/tickets/{ticket['id']}/survey")  # type: ignore[arg-type]


def test_a_rating_sent_while_offline_is_kept_to_be_sent_again(
    context: BrowserContext, live_server: LiveServer, kiosk_token: str, siti: str
) -> None:
    phone = context.new_page()
    ticket = finished_ticket_on_the_phone(live_server, kiosk_token, siti, phone)
    context.set_offline(True)
    answer_the_form(phone, 4)
    expect(phone.locator(".skm-message")).to_contain_text("Tidak tersambung")
    expect(phone.locator(".skm-send")).to_be_enabled()
    expect(phone.locator("fieldset[data-element='u9'] input[value='4']")).to_be_checked()
    assert survey_state(live_server, ticket)["answered"] is False

    context.set_offline(False)
    phone.locator(".skm-send").click()
    expect(phone.locator(".skm-thanks")).to_have_text("Terima kasih atas penilaian Anda!")
    assert survey_state(live_server, ticket)["answered"] is True


def test_a_rating_sent_again_after_its_reply_was_lost_is_thanked(
    context: BrowserContext, live_server: LiveServer, kiosk_token: str, siti: str
) -> None:
    phone = context.new_page()
    ticket = finished_ticket_on_the_phone(live_server, kiosk_token, siti, phone)
    reached: list[int] = []

    def reply_lost(route: Route) -> None:
        if route.request.method != "POST":
            route.continue_()
            return
        reached.append(route.fetch().status)  # the server stores it...
        route.abort("connectionreset")  # ...and the phone never hears back

    survey_url = f"{live_server.base_url}/api/v1/tickets/{ticket['id']}/survey"
    phone.route(survey_url, reply_lost)
    answer_the_form(phone, 4)
    expect(phone.locator(".skm-message")).to_contain_text("Tidak tersambung")
    assert reached == [201]
    assert survey_state(live_server, ticket)["answered"] is True

    phone.unroute(survey_url)
    phone.locator(".skm-send").click()  # refused as already rated: thanked all the same
    expect(phone.locator(".skm-thanks")).to_have_text("Terima kasih atas penilaian Anda!")
    expect(phone.locator(".skm-message")).to_have_count(0)
