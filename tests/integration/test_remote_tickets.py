"""Numbers from home: `POST /api/v1/tickets` with `"channel": "online"` and no token."""

from __future__ import annotations

import dataclasses
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from core.config import Remote, Settings
from core.handlers import QueueService
from core.server.app import create_app
from core.server.remote_tickets import ONLINE
from core.tickets import QuotaReached
from tests.conftest import FakeClock, officer, services_required
from tests.integration.conftest import service_with

PASSWORD = "rahasia-123"


def remote_settings(settings: Settings, quota: int = 10, share: float = 0.2) -> Settings:
    """KTP offers numbers from home: `share` of a quota of `quota` (2 of 10 by default)."""
    return service_with(
        settings, "KTP", daily_quota=quota, remote=Remote(enabled=True, share=share)
    )


@pytest.fixture
def app(settings: Settings, clock: FakeClock) -> Iterator[Flask]:
    app = create_app(
        remote_settings(settings),
        clock=clock,
        test_config={"TESTING": True, "ANTRIAN_REMOTE_TICKET_LIMITS": "3 per hour"},
    )
    app.extensions["antrian.accounts"].add_user("siti", PASSWORD, "officer", [1])
    yield app
    app.extensions["antrian.engine"].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def take(
    client: FlaskClient, service: str = "KTP", addr: str = "10.1.0.1", **extra: Any
) -> tuple[int, Any, Any]:
    headers = extra.pop("headers", {})
    response = client.post(
        "/api/v1/tickets",
        json={"service": service, "channel": "online", **extra},
        headers=headers,
        environ_base={"REMOTE_ADDR": addr},
    )
    return response.status_code, response.get_json(silent=True), response.headers


def kiosk_token(app: Flask) -> str:
    return app.extensions["antrian.accounts"].add_device("kiosk-lobby", "kiosk", kiosk="K1")


def test_a_number_from_home_is_an_ordinary_ticket_followed_on_its_status_page(
    app: Flask, client: FlaskClient
) -> None:
    status, ticket, _ = take(client, language="en")
    assert status == 201, ticket
    assert (ticket["number"], ticket["status"], ticket["channel"]) == ("A001", "waiting", "online")
    assert ticket["channel_badge"]["label"] == "Dari rumah"
    # The phone that took it holds the survey key, in the address's fragment.
    assert f"/t/{ticket['id']}?lang=en#k=" in ticket["status_url"]
    assert "print" not in ticket  # nothing is printed for a visitor at home
    page = client.get(f"/t/{ticket['id']}")
    assert page.status_code == 200 and b"A001" in page.data
    # An officer calls it like any other, and a visitor who does not come is a no-show.
    token = client.post(
        "/api/v1/auth/login", json={"username": "siti", "password": PASSWORD, "counter": 1}
    ).get_json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    called = client.post("/api/v1/counters/1/call-next", headers=auth).get_json()
    assert (called["number"], called["channel_badge"]["code"]) == ("A001", "online")
    state = client.get("/api/v1/counters/1", headers=auth).get_json()
    assert state["current"]["channel"] == "online"
    assert state["counter"]["current"]["channel_badge"]["label_en"] == "From home"
    # The hallway display's recent calls carry the same badge.
    calls = client.get("/api/v1/snapshot", headers=auth).get_json()["calls"]
    assert calls[0]["number"] == "A001" and calls[0]["channel_badge"]["code"] == "online"
    gone = client.post(f"/api/v1/tickets/{ticket['id']}/no-show", headers=auth)
    assert gone.status_code == 200 and gone.get_json()["status"] == "no_show"


def test_the_remote_share_is_enforced_and_the_hall_keeps_the_rest(
    app: Flask, client: FlaskClient
) -> None:
    assert take(client, addr="10.1.0.1")[0] == 201
    assert take(client, addr="10.1.0.2")[0] == 201
    status, body, _ = take(client, addr="10.1.0.3")
    assert status == 409 and body["error"]["code"] == "online_quota_reached"
    assert "anjungan" in body["error"]["message"] and "kiosk" in body["error"]["message"]
    # The refused request used no number: the hall's next ticket is A003, and the kiosk may
    # still fill the quota.
    kiosk = {"Authorization": f"Bearer {kiosk_token(app)}"}
    issued = client.post("/api/v1/tickets", json={"service": "KTP"}, headers=kiosk)
    assert issued.status_code == 201 and issued.get_json()["number"] == "A003"
    assert issued.get_json()["channel_badge"] is None


def test_a_retry_with_its_key_gets_the_number_back_even_at_the_limit(client: FlaskClient) -> None:
    # A phone that lost the answer sends the same request again: it is the same number, not
    # another request counted against the address (3 an hour here).
    key = {"Idempotency-Key": "online-retry-3f9c2a7e-5b1d-4e8a-9c0f-2d6b8e1a7c44"}
    status, first, _ = take(client, addr="10.4.0.1", headers=key)
    assert status == 201
    for _ in range(4):
        status, again, _ = take(client, addr="10.4.0.1", headers=key)
        assert (status, again["id"], again["number"]) == (201, first["id"], first["number"])
    # Two more new numbers fit under the limit: the retries took none of it.
    assert take(client, "KK", addr="10.4.0.1")[0] == 201
    assert take(client, "KK", addr="10.4.0.1")[0] == 201
    assert take(client, "KK", addr="10.4.0.1")[0] == 429


def test_a_closed_service_or_one_without_remote_numbers_refuses_with_409(
    client: FlaskClient, clock: FakeClock
) -> None:
    status, body, _ = take(client, "PASPOR", addr="10.2.0.1")
    assert (status, body["error"]["code"]) == (409, "remote_not_offered")
    assert "kiosk" in body["error"]["message"]
    clock.advance(hours=-2)  # 07:00 WIB, before the service opens
    status, body, _ = take(client, addr="10.2.0.2")
    assert (status, body["error"]["code"]) == (409, "service_closed")


def test_a_client_over_its_limit_gets_429_with_retry_after(client: FlaskClient) -> None:
    for _ in range(2):
        assert take(client, addr="10.3.0.1")[0] == 201
    # A refused request counts too (here: the service offers no numbers from home).
    assert take(client, "PASPOR", addr="10.3.0.1")[0] == 409
    status, body, headers = take(client, addr="10.3.0.1")
    assert status == 429 and body["error"]["code"] == "rate_limited"
    assert 1 <= int(headers["Retry-After"]) <= 3600
    message = body["error"]["message"]
    assert "Terlalu banyak" in message and "at most 3 per hour" in message
    # Another client is not affected.
    assert take(client, "KK", addr="10.3.0.2")[0] == 201


@pytest.mark.parametrize(
    ("extra", "headers", "field"),
    [
        ({"service": None}, {}, "'service'"),
        ({"service": 12}, {}, "'service'"),
        ({"priority": "lansia"}, {}, "'priority'"),
        ({"language": "fr"}, {}, "'language'"),
        ({}, {"Idempotency-Key": "1"}, "Idempotency-Key"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(
    client: FlaskClient, extra: dict[str, Any], headers: dict[str, str], field: str
) -> None:
    status, body, _ = take(client, headers=headers, **extra)
    assert status == 400, body
    assert field in body["error"]["message"]


def test_an_unknown_service_is_404_and_an_unknown_channel_is_400(
    app: Flask, client: FlaskClient
) -> None:
    status, body, _ = take(client, "NOPE")
    assert (status, body["error"]["code"]) == (404, "not_found")
    kiosk = {"Authorization": f"Bearer {kiosk_token(app)}"}
    wrong = client.post("/api/v1/tickets", json={"service": "KTP", "channel": "fax"}, headers=kiosk)
    assert wrong.status_code == 400 and "'channel'" in wrong.get_json()["error"]["message"]
    # Without "channel": "online" a request without a token is still a 401.
    assert client.post("/api/v1/tickets", json={"service": "KTP"}).status_code == 401


def test_a_retry_with_the_same_key_gets_the_same_ticket(client: FlaskClient) -> None:
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = take(client, headers=key, addr="10.4.0.1")
    again = take(client, headers=key, addr="10.4.0.2")  # the phone changed networks
    assert first[0] == again[0] == 201
    assert first[1]["id"] == again[1]["id"] and first[1]["number"] == "A001"
    assert take(client, addr="10.4.0.3")[1]["number"] == "A002"


def test_a_page_of_another_origin_cannot_take_numbers(client: FlaskClient) -> None:
    status, body, _ = take(client, headers={"Origin": "https://evil.example"})
    assert (status, body["error"]["code"]) == (403, "cross_origin")
    assert take(client, headers={"Origin": "http://localhost"})[0] == 201


def test_racing_remote_requests_never_pass_the_share(
    database_url: str, demo_settings: Settings, make_queue: Any
) -> None:
    settings = remote_settings(
        dataclasses.replace(demo_settings, database_url=database_url), quota=30, share=0.1
    )
    queue: QueueService = make_queue(settings)
    results: list[str] = []
    barrier = threading.Barrier(8)

    def one() -> None:
        barrier.wait()
        try:
            queue.issue_ticket("KTP", None, ONLINE, channel="online")
            results.append("issued")
        except QuotaReached:
            results.append("refused")

    threads = [threading.Thread(target=one) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["issued"] * 3 + ["refused"] * 5
    # No gap: the hall's next number follows the three remote ones.
    assert queue.issue_ticket("KTP", None, officer(1))["number"] == "A004"


@pytest.mark.redis
def test_the_limit_per_client_is_shared_by_every_process_through_redis(
    settings: Settings, clock: FakeClock
) -> None:
    import redis

    redis_url = "redis://127.0.0.1:6379/0"
    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        if services_required():
            pytest.fail(f"Redis is unreachable: {exc}")
        pytest.skip(f"Redis is unreachable: {exc}")
    # A mall code of its own: its counts never meet another test's in the shared Redis.
    mall = dataclasses.replace(settings.mall, code=f"remote-{uuid.uuid4().hex[:8]}")
    shared = dataclasses.replace(remote_settings(settings), mall=mall, message_queue=redis_url)
    limits = {"TESTING": True, "ANTRIAN_REMOTE_TICKET_LIMITS": "2 per hour"}
    first = create_app(shared, clock=clock, test_config=limits)
    second = create_app(shared, clock=clock, test_config=limits)
    try:
        assert first.config["RATELIMIT_STORAGE_URI"] == redis_url
        assert take(first.test_client(), addr="10.5.0.1")[0] == 201
        assert take(second.test_client(), addr="10.5.0.1")[0] == 201
        status, body, headers = take(first.test_client(), "KK", addr="10.5.0.1")
        assert status == 429 and int(headers["Retry-After"]) >= 1, body
    finally:
        first.extensions["antrian.engine"].dispose()
        second.extensions["antrian.engine"].dispose()
