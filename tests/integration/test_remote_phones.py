"""Numbers from home per phone: one live number per service, and the phone's own limit.

A phone is known by the `antrian_phone` cookie its service page gives it; behind a carrier's
CGNAT many phones share one address, so the limit per address is only a loose backstop.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from core.config import ConfigError, RemoteNumbers, Settings
from core.handlers import QueueService
from core.server.app import create_app
from core.server.phone import COOKIE
from core.server.remote_tickets import ONLINE
from core.usecases.remote import holder_of
from tests.conftest import FakeClock, officer
from tests.integration.test_remote_tickets import remote_settings
from tests.unit.test_config import minimal, parse

PASSWORD = "rahasia-123"


def limited(settings: Settings, phone: str, address: str) -> Settings:
    rules = RemoteNumbers(phone_limits=phone, address_limits=address)
    return dataclasses.replace(
        remote_settings(settings, quota=100, share=0.5), remote_numbers=rules
    )


@pytest.fixture
def app(settings: Settings, clock: FakeClock) -> Iterator[Flask]:
    app = create_app(
        limited(settings, "3 per hour", "100 per hour"), clock=clock, test_config={"TESTING": True}
    )
    app.extensions["antrian.accounts"].add_user("siti", PASSWORD, "officer", [1])
    yield app
    app.extensions["antrian.engine"].dispose()


def phone(app: Flask, name: str = "a") -> FlaskClient:
    """A phone that opened the service page: it holds the page's cookie."""
    client = app.test_client()
    page = client.get("/layanan/KTP", environ_base={"REMOTE_ADDR": "10.8.0.1"})
    assert page.status_code == 200
    assert client.get_cookie(COOKIE) is not None, f"phone {name} got no cookie"
    return client


def take(client: FlaskClient, service: str = "KTP", addr: str = "10.8.0.1") -> tuple[int, Any]:
    response = client.post(
        "/api/v1/tickets",
        json={"service": service, "channel": "online"},
        environ_base={"REMOTE_ADDR": addr},
    )
    return response.status_code, response.get_json(silent=True)


def test_the_service_page_gives_the_phone_a_cookie_only_scripts_cannot_read(app: Flask) -> None:
    client = app.test_client()
    first = client.get("/layanan/KTP")
    cookie = first.headers["Set-Cookie"]
    assert cookie.startswith(f"{COOKIE}=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    # The phone keeps it: the next visit sets none.
    assert "Set-Cookie" not in client.get("/layanan/KK").headers


def test_a_second_tab_of_the_phone_gets_the_number_it_already_holds(app: Flask) -> None:
    mine = phone(app)
    status, first = take(mine)
    assert (status, first["number"]) == (201, "A001")
    status, again = take(mine)  # the other tab, a new request (no shared Idempotency-Key)
    assert status == 200, again
    assert (again["id"], again["number"], again["already_held"]) == (first["id"], "A001", True)
    assert "Anda sudah memiliki nomor A001" in again["notice"]
    assert "You already have number A001" in again["notice"]
    assert "#k=" in again["status_url"]  # the survey key, as the first answer gave it
    # Another phone behind the same address is another visitor.
    assert take(phone(app, "b"))[1]["number"] == "A002"
    # A number of another service is not the same number.
    assert take(mine, "KK")[0] == 201


def test_once_its_number_is_served_the_phone_may_take_a_new_one(app: Flask) -> None:
    mine = phone(app)
    first = take(mine)[1]
    staff = app.test_client()
    token = staff.post(
        "/api/v1/auth/login", json={"username": "siti", "password": PASSWORD, "counter": 1}
    ).get_json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    assert staff.post("/api/v1/counters/1/call-next", headers=auth).get_json()["id"] == first["id"]
    # Called is still live: the phone is given that number, not a second one.
    assert take(mine)[1]["id"] == first["id"]
    gone = staff.post(f"/api/v1/tickets/{first['id']}/no-show", headers=auth)
    assert gone.status_code == 200
    status, second = take(mine)
    assert status == 201 and second["id"] != first["id"] and second["number"] == "A002"


def test_without_the_cookie_each_request_is_a_new_number_under_the_address_limit(
    app: Flask,
) -> None:
    script = app.test_client()
    assert [take(script)[1]["number"] for _ in range(2)] == ["A001", "A002"]


def test_a_damaged_cookie_is_a_400_saying_to_reload_and_the_page_replaces_it(app: Flask) -> None:
    client = app.test_client()
    client.set_cookie(COOKIE, "not a token!")
    status, body = take(client)
    assert status == 400 and COOKIE in body["error"]["message"]
    assert "muat ulang" in body["error"]["message"] and "reload" in body["error"]["message"]
    client.get("/layanan/KTP")
    assert take(client)[0] == 201


def test_the_phone_limit_is_the_one_a_visitor_meets(app: Flask) -> None:
    mine = phone(app)
    for service in ("KTP", "KK", "AKTA"):
        assert take(mine, service)[0] == 201, service
    assert take(mine, "KTP")[0] == 200  # the number it holds: no request counted
    status, body = take(mine, "PINDAH")
    assert status == 429 and body["error"]["code"] == "rate_limited"
    message = body["error"]["message"]
    assert "dari ponsel ini" in message and "from this phone (at most 3 per hour)" in message
    # Behind the same address (a carrier's CGNAT), other phones still take numbers.
    for name in "bcdef":
        assert take(phone(app, name), "KTP")[0] == 201


def test_the_address_limit_is_a_backstop_for_many_cookies(
    settings: Settings, clock: FakeClock
) -> None:
    app = create_app(
        limited(settings, "3 per hour", "4 per hour"), clock=clock, test_config={"TESTING": True}
    )
    try:
        for name in "abcd":
            assert take(phone(app, name))[0] == 201
        status, body = take(phone(app, "e"))
        assert (
            status == 429 and "from this address (at most 4 per hour)" in body["error"]["message"]
        )
        assert take(phone(app, "f"), addr="10.8.0.2")[0] == 201  # another address
    finally:
        app.extensions["antrian.engine"].dispose()


@pytest.mark.parametrize(
    ("key", "value", "gist"),
    [
        ("phone_limits", "lots", "must read like"),
        ("address_limits", "3 per fortnight", "must read like"),
        ("travel_margin_minutes", -5, "0"),
    ],
)
def test_a_mistake_in_remote_numbers_names_its_key_path(key: str, value: Any, gist: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse(minimal(lambda d: d.update(remote_numbers={key: value})))
    assert str(caught.value).startswith(f"remote_numbers.{key}: ") and gist in str(caught.value)


def test_racing_tabs_of_one_phone_get_one_number(
    database_url: str, demo_settings: Settings, make_queue: Any
) -> None:
    settings = remote_settings(
        dataclasses.replace(demo_settings, database_url=database_url), quota=50, share=0.5
    )
    queue: QueueService = make_queue(settings)
    holder = holder_of("a-phone-cookie-0123456789abcdef")
    answers: list[dict[str, Any]] = []
    barrier = threading.Barrier(6)

    def one() -> None:
        barrier.wait()
        answers.append(queue.issue_ticket("KTP", None, ONLINE, channel="online", holder=holder))

    threads = [threading.Thread(target=one) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 6
    assert len({a["id"] for a in answers}) == 1
    assert sum(1 for a in answers if not a.get("already_held")) == 1
    # No number was used up by the five that were turned back.
    assert queue.issue_ticket("KTP", None, officer(1))["number"] == "A002"
