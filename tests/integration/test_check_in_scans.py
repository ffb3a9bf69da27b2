"""What the kiosk's check-in scanner read, through `POST /api/v1/check-ins`: a booking's QR
code checks in as its code does; a printed queue ticket's QR code (its status address) is
told apart, with its number and state, and changes nothing. The clock is the demo's Tuesday
(24 November 2026, 09:00 WIB)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask

from core.store_bookings import bookings
from tests.conftest import KIOSK, FakeClock, officer
from tests.integration.test_bookings_api import Client, api, app  # noqa: F401


def scan(api: Client, token: str, scanned: Any) -> tuple[int, Any]:  # noqa: F811
    return api("POST", "/check-ins", {"scan": scanned}, token=token)


def walk_in(server: Flask) -> dict[str, Any]:
    return server.extensions["antrian.queue"].issue_ticket("KTP", None, KIOSK)


def test_a_booking_s_qr_code_checks_in_as_its_code_does(api: Client, clock: FakeClock):  # noqa: F811
    code = api.book(day="2026-11-24", slot="10:00")[1]["code"]
    clock.now = datetime(2026, 11, 24, 2, 40, tzinfo=UTC)  # 09:40 WIB
    kiosk = api.kiosk()
    status, ticket = scan(api, kiosk, f" {code[:4].lower()}-{code[4:]} ")
    assert status == 201, ticket
    assert ticket["channel"] == "booking" and ticket["repeat"] is False
    status, again = scan(api, kiosk, code)
    assert status == 200 and again["id"] == ticket["id"] and again["repeat"] is True
    # Only kiosks and officers check in; a refusal, never a ticket's number, to anyone else.
    assert scan(api, "", code)[0] == 401


@pytest.mark.parametrize("suffix", ["", "?lang=en", "?lang=en#k=S3cr3t", "#k=S3cr3t"])
def test_a_printed_ticket_s_qr_says_it_is_a_ticket_already_in_the_queue(
    api: Client,  # noqa: F811
    app: Flask,  # noqa: F811
    suffix: str,
):
    ticket = walk_in(app)
    queue = app.extensions["antrian.queue"]
    version = queue.version()
    status, refused = scan(api, api.kiosk(), ticket["status_url"] + suffix)
    assert status == 409, refused
    assert refused["error"]["code"] == "queue_ticket"
    message = refused["error"]["message"]
    assert message.startswith(f"Ini tiket antrean {ticket['number']}, bukan kode booking")
    assert "Anda sudah dalam antrean (menunggu dipanggil)" in message
    assert f"/ This is queue ticket {ticket['number']}, not a booking code" in message
    assert "you are already in the queue (waiting to be called)" in message
    # Nothing was checked in or changed: no new ticket, no event, the ticket as it was.
    assert queue.version() == version
    assert queue.ticket(ticket["id"]).status.value == "waiting"
    with app.extensions["antrian.engine"].connect() as conn:
        assert conn.execute(bookings.select()).first() is None


def test_a_called_or_finished_ticket_says_its_state(api: Client, app: Flask):  # noqa: F811
    queue = app.extensions["antrian.queue"]
    ticket = walk_in(app)
    kiosk = api.kiosk()
    queue.open_counter(1, officer(1))
    queue.call_next(1, officer(1))
    message = scan(api, kiosk, ticket["status_url"])[1]["error"]["message"]
    assert "Anda sudah dalam antrean (sudah dipanggil)" in message and "(called)" in message
    queue.act(ticket["id"], "start", officer(1))
    queue.act(ticket["id"], "finish", officer(1))
    status, over = scan(api, kiosk, ticket["status_url"])
    assert status == 409 and over["error"]["code"] == "queue_ticket"
    message = over["error"]["message"]
    assert f"Ini tiket antrean {ticket['number']} (selesai), bukan kode booking" in message
    assert "tidak berlaku lagi" in message and "no longer valid" in message
    assert "sudah dalam antrean" not in message  # it holds no place any more


def test_a_ticket_of_an_earlier_day_is_no_longer_valid(
    api: Client,  # noqa: F811
    app: Flask,  # noqa: F811
    clock: FakeClock,
):
    ticket = walk_in(app)
    clock.now = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
    status, refused = scan(api, api.kiosk(), ticket["status_url"])
    assert status == 409, refused
    message = refused["error"]["message"]
    assert "sudah dalam antrean" not in message
    assert "2026-11-24" in message and "no longer valid" in message


def test_another_mall_s_ticket_and_garbled_scans_are_told_clearly(api: Client):  # noqa: F811
    kiosk = api.kiosk()
    status, foreign = scan(api, kiosk, "https://antrian.mpp-lain.example.go.id/t/Zz9_Other-Mall01")
    assert status == 404 and foreign["error"]["code"] == "unknown_ticket"
    assert "bukan tiket mal ini" in foreign["error"]["message"]
    assert "not a ticket of this mall" in foreign["error"]["message"]
    for garbled in ("https://antrian.mpp.example.go.id/t/", "https://example.com/x", "%%%"):
        status, refused = scan(api, kiosk, garbled)
        assert status == 400 and refused["error"]["code"] == "unreadable_scan", garbled
        assert refused["error"]["message"].startswith("Kode yang dipindai bukan kode booking")
        assert "8 characters" in refused["error"]["message"]
    status, missing = api("POST", "/check-ins", {}, token=kiosk)
    assert status == 400 and "'scan'" in missing["error"]["message"]
