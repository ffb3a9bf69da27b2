"""Sign-in throttling, per-kiosk ticket limits, and password hashing that cannot starve the
server or tell which usernames exist."""

from __future__ import annotations

import dataclasses
import statistics
import threading
import time
import uuid
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from core import accounts as accounts_module
from core.accounts import Accounts, RateLimited, Unauthorized
from core.config import Settings
from core.server.app import create_app
from tests.conftest import FakeClock, services_required

PASSWORD = "rahasia-123"
REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def app(settings: Settings, clock: FakeClock) -> Iterator[Flask]:
    app = create_app(settings, clock=clock, test_config={"TESTING": True})
    app.extensions["antrian.accounts"].add_user("siti", PASSWORD, "officer", [1])
    app.extensions["antrian.accounts"].add_user("budi", PASSWORD, "officer", [2])
    yield app
    app.extensions["antrian.engine"].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def api_login(client: FlaskClient, username: str, password: str, counter: int, addr: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/api/v1/auth/login",
        json={"username": username, "password": password, "counter": counter},
        environ_base={"REMOTE_ADDR": addr},
    )


def test_after_repeated_failures_even_the_right_password_is_refused(
    client: FlaskClient,
) -> None:
    for attempt in range(5):
        wrong = api_login(client, "siti", f"salah-{attempt}", 1, "10.0.0.1")
        assert wrong.status_code == 401
    refused = api_login(client, "siti", PASSWORD, 1, "10.0.0.1")
    assert refused.status_code == 429
    assert refused.get_json()["error"]["code"] == "rate_limited"
    assert "this account from this address" in refused.get_json()["error"]["message"]
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    # A stranger's guesses do not lock the officer out of her own terminal ...
    assert api_login(client, "siti", PASSWORD, 1, "10.0.0.2").status_code == 200
    # ... and other accounts are not throttled from the guessing address.
    assert api_login(client, "budi", PASSWORD, 2, "10.0.0.1").status_code == 200


def test_guesses_from_many_addresses_throttle_the_account_everywhere(
    settings: Settings, clock: FakeClock
) -> None:
    limits = {"ANTRIAN_LOGIN_ACCOUNT_LIMITS": "12 per hour"}
    app = create_app(settings, clock=clock, test_config={"TESTING": True, **limits})
    try:
        app.extensions["antrian.accounts"].add_user("siti", PASSWORD, "officer", [1])
        client = app.test_client()
        for attempt in range(12):  # four addresses, three guesses each: none is stopped alone
            address = f"10.0.1.{attempt % 4}"
            assert api_login(client, "siti", f"salah-{attempt}", 1, address).status_code == 401
        refused = api_login(client, "siti", PASSWORD, 1, "10.0.2.1")
        assert refused.status_code == 429
        message = refused.get_json()["error"]["message"]
        assert "this account" in message and "from this address" not in message
    finally:
        app.extensions["antrian.engine"].dispose()


def test_the_login_form_shows_the_wait(client: FlaskClient) -> None:
    for attempt in range(5):
        form = {"username": "siti", "password": f"salah-{attempt}", "counter": "1"}
        assert (
            client.post("/counter/login", data=form, headers={"Origin": "http://localhost"})
        ).status_code == 401
    page = client.post(
        "/counter/login",
        data={"username": "siti", "password": PASSWORD, "counter": "1"},
        headers={"Origin": "http://localhost"},
    )
    assert page.status_code == 429
    assert int(page.headers["Retry-After"]) >= 1
    assert "Terlalu banyak percobaan masuk" in page.get_data(as_text=True)


def test_one_client_guessing_many_usernames_is_throttled(client: FlaskClient) -> None:
    for attempt in range(20):
        name = f"tebak-{attempt}"
        assert api_login(client, name, "salah-sekali", 1, "10.0.0.9").status_code == 401
    refused = api_login(client, "budi", PASSWORD, 2, "10.0.0.9")
    assert refused.status_code == 429
    assert "this address" in refused.get_json()["error"]["message"]
    assert api_login(client, "budi", PASSWORD, 2, "10.0.0.10").status_code == 200


def test_successful_sign_ins_do_not_count(client: FlaskClient) -> None:
    for _ in range(8):
        assert api_login(client, "siti", PASSWORD, 1, "10.0.0.3").status_code == 200


def test_a_kiosk_token_cannot_empty_the_quota(app: Flask, client: FlaskClient) -> None:
    token = app.extensions["antrian.accounts"].add_device("kiosk-lobby", "kiosk", kiosk="K1")
    headers = {"Authorization": f"Bearer {token}"}
    statuses = [
        client.post("/api/v1/tickets", json={"service": "KTP"}, headers=headers).status_code
        for _ in range(14)
    ]
    assert statuses[:10] == [201] * 10
    assert set(statuses[10:]) == {429}
    refused = client.post("/api/v1/tickets", json={"service": "KTP"}, headers=headers)
    body = refused.get_json()["error"]
    assert body["code"] == "rate_limited"
    assert "kiosk-lobby" in body["message"] and "10 tickets per minute" in body["message"]
    assert int(refused.headers["Retry-After"]) >= 1
    # Officers and admins are not kiosk devices: the limit is the device's own.
    officer, _ = app.extensions["antrian.accounts"].login("siti", PASSWORD, 1)
    by_officer = client.post(
        "/api/v1/tickets", json={"service": "KTP"}, headers={"Authorization": f"Bearer {officer}"}
    )
    assert by_officer.status_code == 201


def test_a_kiosk_retry_with_its_key_gets_the_ticket_back_at_the_limit(
    app: Flask, client: FlaskClient
) -> None:
    # The tenth ticket's answer was lost; the kiosk page sends the same request again with
    # the same key. The ticket exists: the visitor gets it, not "wait a minute".
    token = app.extensions["antrian.accounts"].add_device("kiosk-lobby", "kiosk", kiosk="K1")
    answers = [
        client.post(
            "/api/v1/tickets",
            json={"service": "KTP"},
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": f"k1-{n}"},
        )
        for n in range(10)
    ]
    assert [a.status_code for a in answers] == [201] * 10
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "k1-9"}
    again = client.post("/api/v1/tickets", json={"service": "KTP"}, headers=headers)
    assert again.status_code == 201
    assert again.get_json()["id"] == answers[9].get_json()["id"]
    # A new request is still over the limit.
    headers["Idempotency-Key"] = "k1-10"
    refused = client.post("/api/v1/tickets", json={"service": "KTP"}, headers=headers)
    assert refused.status_code == 429


def test_kiosk_limits_are_configurable(settings: Settings, clock: FakeClock) -> None:
    app = create_app(
        settings,
        clock=clock,
        test_config={"TESTING": True, "ANTRIAN_KIOSK_ISSUE_LIMITS": "2 per minute"},
    )
    try:
        token = app.extensions["antrian.accounts"].add_device("kiosk-2", "kiosk", kiosk="K1")
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        statuses = [
            client.post("/api/v1/tickets", json={"service": "KTP"}, headers=headers).status_code
            for _ in range(3)
        ]
        assert statuses == [201, 201, 429]
    finally:
        app.extensions["antrian.engine"].dispose()


@pytest.mark.redis
def test_counts_are_shared_through_redis(settings: Settings, clock: FakeClock) -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        if services_required():
            pytest.fail(f"Redis is unreachable: {exc}")
        pytest.skip(f"Redis is unreachable: {exc}")
    mall = dataclasses.replace(settings.mall, code=f"throttle-{uuid.uuid4().hex[:8]}")
    shared = dataclasses.replace(settings, mall=mall, message_queue=REDIS_URL)
    first = create_app(shared, clock=clock, test_config={"TESTING": True})
    second = create_app(shared, clock=clock, test_config={"TESTING": True})
    try:
        assert first.config["RATELIMIT_STORAGE_URI"] == REDIS_URL
        first.extensions["antrian.accounts"].add_user("siti", PASSWORD, "officer", [1])
        for attempt in range(5):
            wrong = api_login(first.test_client(), "siti", f"salah-{attempt}", 1, "10.1.0.1")
            assert wrong.status_code == 401
        # Another process (another app on the same Redis) sees the same count.
        refused = api_login(second.test_client(), "siti", PASSWORD, 1, "10.1.0.1")
        assert refused.status_code == 429
    finally:
        first.extensions["antrian.engine"].dispose()
        second.extensions["antrian.engine"].dispose()


def test_memory_storage_without_redis(app: Flask) -> None:
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"


# ------------------------------------------------------------------ hashing
def test_unknown_usernames_take_as_long_as_wrong_passwords(
    settings: Settings, clock: FakeClock
) -> None:
    from core.store import UnitOfWork, make_engine

    engine = make_engine(settings.database_url)
    uow = UnitOfWork(engine)
    uow.create_all()
    accounts = Accounts(settings, uow, clock=clock)
    accounts.add_user("siti", PASSWORD, "officer", [1])

    def timed(username: str) -> float:
        start = time.perf_counter()
        with pytest.raises(Unauthorized):
            accounts.login(username, "salah-sekali", 1)
        return time.perf_counter() - start

    timed("nobody-here")  # the dummy hash is made once
    existing_times, unknown_times = [], []
    for i in range(7):  # interleaved, so a busy moment of the machine hits both alike
        existing_times.append(timed("siti"))
        unknown_times.append(timed(f"nobody-{i}"))
    engine.dispose()
    existing = statistics.median(existing_times)
    unknown = statistics.median(unknown_times)
    # Before, an unknown name answered ~80 times faster; now both verify one hash.
    assert unknown > existing / 3, (existing, unknown)
    assert unknown < existing * 3, (existing, unknown)


def test_concurrent_sign_ins_hash_a_bounded_number_at_a_time(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = accounts_module._hasher
    active = 0
    peak = 0
    lock = threading.Lock()

    class Counting:
        def verify(self, stored: str, password: str) -> bool:
            nonlocal active, peak
            with lock:
                active += 1
                peak = max(peak, active)
            try:
                time.sleep(0.05)
                return real.verify(stored, password)
            finally:
                with lock:
                    active -= 1

        def hash(self, password: str) -> str:
            return real.hash(password)

    monkeypatch.setattr(accounts_module, "_hasher", Counting())
    accounts = app.extensions["antrian.accounts"]

    def attempt() -> None:
        with pytest.raises(Unauthorized):
            accounts.login("siti", "salah-sekali", 1)

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert peak <= accounts_module.HASH_SLOTS
    assert len(threads) > accounts_module.HASH_SLOTS  # a bound that matters here


def test_a_full_hash_queue_refuses_with_a_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(accounts_module, "HASH_WAIT_SECONDS", 0.05)
    monkeypatch.setattr(accounts_module, "_hash_slots", threading.BoundedSemaphore(1))
    accounts_module._hash_slots.acquire()
    try:
        with pytest.raises(RateLimited) as refused:
            accounts_module.hash_password("rahasia-123")
        assert refused.value.retry_after >= 1
    finally:
        accounts_module._hash_slots.release()
