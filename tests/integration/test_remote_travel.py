"""A number from home near closing: the visitor still has to travel, so the page and the
answer warn, and no number is issued when the estimate leaves no time at all. "Closing" for
them is the service's last call (its counters' working day, an hour after numbers stop in
the demo), not the end of its listed hours, when it stops issuing."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from core.config import RemoteNumbers, Settings
from core.server.app import create_app
from tests.conftest import FakeClock, officer
from tests.integration.test_remote_tickets import remote_settings

PASSWORD = "rahasia-123"


def make_app(settings: Settings, clock: FakeClock, margin: int = 30) -> Flask:
    rules = RemoteNumbers(travel_margin_minutes=margin)
    shaped = remote_settings(settings, quota=500, share=0.5)
    app = create_app(
        dataclasses.replace(shaped, remote_numbers=rules),
        clock=clock,
        test_config={"TESTING": True},
    )
    app.extensions["antrian.accounts"].add_user("siti", PASSWORD, "officer", [1])
    return app


@pytest.fixture
def app(settings: Settings, clock: FakeClock) -> Iterator[Flask]:
    app = make_app(settings, clock)
    yield app
    app.extensions["antrian.engine"].dispose()


def take(client: FlaskClient, addr: str = "10.7.0.1") -> tuple[int, Any]:
    response = client.post(
        "/api/v1/tickets",
        json={"service": "KTP", "channel": "online"},
        environ_base={"REMOTE_ADDR": addr},
    )
    return response.status_code, response.get_json()


def queue_of(app: Flask, people: int) -> None:
    """Counter 1 open (the only KTP desk staffed) and `people` waiting in the hall."""
    client = app.test_client()
    login = {"username": "siti", "password": PASSWORD, "counter": 1}
    assert client.post("/api/v1/auth/login", json=login).status_code == 200
    for _ in range(people):
        app.extensions["antrian.queue"].issue_ticket("KTP", None, officer(1))


def test_in_the_morning_no_warning_is_given(app: Flask) -> None:
    client = app.test_client()
    assert 'id="remote-warning"' not in client.get("/layanan/KTP").get_data(as_text=True)
    status, ticket = take(client)
    assert status == 201 and ticket["warning"] is None


def test_numbers_stop_at_14_30_but_the_last_call_is_an_hour_later(
    app: Flask, clock: FakeClock
) -> None:
    """KTP issues until 14:30 on Tuesdays; its counters call who took a number until their
    hour of grace ends, 15:30 (core.counter_hours.service_last_call). A visitor taking one at
    14:10 has 80 minutes to come, more than the travel margin of 30: no warning."""
    clock.advance(hours=5, minutes=10)  # 14:10 WIB
    client = app.test_client()
    assert 'id="remote-warning"' not in client.get("/layanan/KTP").get_data(as_text=True)
    status, ticket = take(client)
    assert status == 201 and ticket["warning"] is None


def test_within_the_travel_margin_of_the_last_call_the_page_and_the_answer_warn(
    settings: Settings, clock: FakeClock
) -> None:
    clock.advance(hours=5, minutes=10)  # 14:10 WIB; KTP's last call is at 15:30 on Tuesdays
    app = make_app(settings, clock, margin=90)
    try:
        client = app.test_client()
        page = client.get("/layanan/KTP").get_data(as_text=True)
        assert 'id="remote-warning"' in page
        assert "panggilan terakhir layanan pukul 15:30 (80 menit lagi)" in page
        english = client.get("/layanan/KTP?lang=en").get_data(as_text=True)
        assert "last call is at 15:30 (in 80 min)" in english
        status, ticket = take(client)
        assert status == 201
        warning = ticket["warning"]
        assert (warning["code"], warning["closes"], warning["minutes_left"]) == (
            "closes_soon",
            "15:30",
            80,
        )
        assert "80 menit lagi" in warning["message"] and "in 80 min" in warning["message"]
    finally:
        app.extensions["antrian.engine"].dispose()


def test_the_travel_margin_comes_from_config(settings: Settings, clock: FakeClock) -> None:
    clock.advance(hours=5, minutes=10)
    app = make_app(settings, clock, margin=75)
    try:
        assert take(app.test_client())[1]["warning"] is None  # 80 minutes left
        clock.advance(minutes=6)  # 14:16: 74 minutes left
        assert take(app.test_client(), "10.7.0.2")[1]["warning"]["code"] == "closes_soon"
    finally:
        app.extensions["antrian.engine"].dispose()


def test_an_estimate_past_the_listed_hours_but_before_the_last_call_is_no_warning(
    app: Flask, clock: FakeClock
) -> None:
    """At 13:00 with 15 waiting the estimate is some 64 to 126 minutes: past 14:30, when
    numbers stop, but before the last call at 15:30, and the estimate itself says today."""
    clock.advance(hours=4)
    queue_of(app, 15)
    client = app.test_client()
    assert 'id="remote-warning"' not in client.get("/layanan/KTP").get_data(as_text=True)
    status, ticket = take(client)
    assert status == 201, ticket
    assert ticket["eta_today"] is True and ticket["eta_range"][1] > 90
    assert ticket["warning"] is None


def test_when_the_estimate_reaches_past_the_last_call_the_visitor_is_warned(
    app: Flask, clock: FakeClock
) -> None:
    clock.advance(hours=4)  # 13:00 WIB: 150 minutes before KTP's last call
    queue_of(app, 20)
    client = app.test_client()
    page = client.get("/layanan/KTP").get_data(as_text=True)
    assert "mungkin belum dilayani sebelum panggilan terakhir layanan pukul 15:30" in page
    status, ticket = take(client)
    assert status == 201, ticket
    assert ticket["warning"]["code"] == "may_not_be_served"
    assert ticket["warning"]["closes"] == "15:30"
    assert (
        "may not be served before the service's last call at 15:30"
        in (ticket["warning"]["message"])
    )


def test_when_no_time_is_left_at_all_no_number_is_issued(app: Flask, clock: FakeClock) -> None:
    clock.advance(hours=4)
    queue_of(app, 40)
    client = app.test_client()
    page = client.get("/layanan/KTP").get_data(as_text=True)
    assert 'id="take"' not in page and "Silakan datang di hari lain" in page
    status, body = take(client)
    assert status == 409 and body["error"]["code"] == "remote_too_late"
    assert "datang di hari lain" in body["error"]["message"]
    assert "come another day" in body["error"]["message"]
    assert "last call at 15:30" in body["error"]["message"]
    # The hall still issues: that visitor is already there.
    assert app.extensions["antrian.queue"].issue_ticket("KTP", None, officer(1))["number"] == "A041"
