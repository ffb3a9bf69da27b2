"""A number from home near closing: the visitor still has to travel, so the page and the
answer warn, and no number is issued when the estimate leaves no time at all."""

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


def test_within_the_travel_margin_of_closing_the_page_and_the_answer_warn(
    app: Flask, clock: FakeClock
) -> None:
    clock.advance(hours=5, minutes=10)  # 14:10 WIB; KTP closes at 14:30 on Tuesdays
    client = app.test_client()
    page = client.get("/layanan/KTP").get_data(as_text=True)
    assert 'id="remote-warning"' in page and "tutup pukul 14:30 (20 menit lagi)" in page
    english = client.get("/layanan/KTP?lang=en").get_data(as_text=True)
    assert "closes at 14:30 (in 20 min)" in english
    status, ticket = take(client)
    assert status == 201
    warning = ticket["warning"]
    assert (warning["code"], warning["closes"], warning["minutes_left"]) == (
        "closes_soon",
        "14:30",
        20,
    )
    assert "20 menit lagi" in warning["message"] and "in 20 min" in warning["message"]


def test_the_travel_margin_comes_from_config(settings: Settings, clock: FakeClock) -> None:
    clock.advance(hours=5, minutes=10)
    app = make_app(settings, clock, margin=15)
    try:
        assert take(app.test_client())[1]["warning"] is None
        clock.advance(minutes=6)  # 14:16: 14 minutes left
        assert take(app.test_client(), "10.7.0.2")[1]["warning"]["code"] == "closes_soon"
    finally:
        app.extensions["antrian.engine"].dispose()


def test_when_the_estimate_reaches_past_closing_the_visitor_is_warned(
    app: Flask, clock: FakeClock
) -> None:
    clock.advance(hours=4)  # 13:00 WIB: 90 minutes before KTP closes
    queue_of(app, 15)
    client = app.test_client()
    page = client.get("/layanan/KTP").get_data(as_text=True)
    assert "mungkin belum dilayani sebelum layanan tutup pukul 14:30" in page
    status, ticket = take(client)
    assert status == 201, ticket
    assert ticket["warning"]["code"] == "may_not_be_served"
    assert "may not be served before the service closes at 14:30" in ticket["warning"]["message"]


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
    # The hall still issues: that visitor is already there.
    assert app.extensions["antrian.queue"].issue_ticket("KTP", None, officer(1))["number"] == "A041"
