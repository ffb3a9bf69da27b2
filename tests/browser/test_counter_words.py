"""The counter terminal's words and figures in both languages: decimals as the language writes
them, the booking check-in panel, refusals in the officer's language, and a pending no-show
that another terminal made moot."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_counter import admin, contexts, issue, sign_in
from tests.support.live import LiveServer

pytestmark = pytest.mark.browser
__all__ = ["admin", "contexts"]  # the counter tests' fixtures, used here too


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


def test_the_booking_check_in_panel_follows_the_language(
    live_server: LiveServer, contexts: Any
) -> None:
    page = contexts()
    sign_in(page, live_server, 7)
    title, label = page.locator("#checkin-title"), page.locator("label[for=checkin-code]")
    submit, answer = page.locator("#checkin-submit"), page.locator("#checkin-answer")
    expect(title).to_have_text("Check-in booking")
    expect(label).to_have_text("Kode booking")
    page.fill("#checkin-code", "zzzz-9999")
    submit.click()
    expect(answer).to_have_text("Kode booking ZZZZ-9999 tidak dikenal.")
    expect(answer).to_have_attribute("data-ok", "false")
    english(page)
    expect(title).to_have_text("Booking check-in")
    expect(label).to_have_text("Booking code")
    expect(submit).to_have_text("Check in")
    expect(answer).to_have_text("Unknown booking code ZZZZ-9999.")


def test_a_refusal_is_told_in_indonesian_without_the_servers_english(
    live_server: LiveServer, admin: str, contexts: Any
) -> None:
    (ticket,) = issue(live_server, admin, "SIM")
    page = contexts()
    sign_in(page, live_server, 7)
    page.keyboard.press("n")
    expect(page.locator("#current-status")).to_have_text("Dipanggil")
    # This terminal stops hearing the server; meanwhile a colleague at the same counter starts
    # serving the visitor, so the recall below meets a state the terminal has not drawn.
    page.evaluate("() => window.AntrianTerminal.live.socket.disconnect()")
    live_server.add_officer("budi", counters=[7])
    colleague = live_server.login("budi", counter=7)
    started = live_server.api("POST", f"/tickets/{ticket['id']}/start", colleague)
    assert started.status_code == 200, started.text
    page.keyboard.press("r")
    message = page.locator("#message")
    expect(message).to_have_attribute("data-kind", "error")
    expect(message).to_have_text("Tindakan ini tidak berlaku untuk status tiket sekarang.")
    expect(message.locator("[lang=en]")).to_have_count(0)
    english(page)  # in English the server's own sentence may follow
    expect(message).to_contain_text("This action does not fit the ticket's current state.")
    expect(message.locator(".detail")).to_contain_text(f"Ticket {ticket['number']} is serving")


def test_a_pending_no_show_is_dropped_when_another_terminal_serves_the_visitor(
    live_server: LiveServer, admin: str, contexts: Any
) -> None:
    (ticket,) = issue(live_server, admin, "SIM")
    number = ticket["number"]
    first, second = contexts(), contexts()
    sign_in(first, live_server, 7)
    sign_in(second, live_server, 7)  # a second terminal of the same counter
    first.keyboard.press("n")
    expect(second.locator("#current-number")).to_have_text(number)
    first.keyboard.press("x")
    pending = first.locator("#no-show-pending")
    expect(pending).to_contain_text(number)
    second.keyboard.press("s")  # the visitor came after all, to the other terminal
    expect(pending).to_be_hidden()
    message = first.locator("#message")
    expect(message).to_have_text(f"{number} sedang dilayani di terminal lain.")
    english(first)
    expect(message).to_have_text(f"{number} is being served at another terminal.")
    first.wait_for_timeout(6_000)  # past the undo window: nothing was sent, nothing refused
    expect(message).not_to_have_attribute("data-kind", "error")
    expect(first.locator("#current-status")).to_have_text("Being served")
    expect(first.locator("#figure-no-show")).to_have_text("0")
