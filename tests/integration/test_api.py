"""The REST API through Flask's test client: every endpoint, every refusal, one error shape."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

import core.accounts
from core.accounts import Accounts
from core.config import Settings
from core.server.app import create_app
from tests.conftest import FakeClock
from tests.integration.pg import RecordingPrinter
from tests.support.live import QUICK_HASHES

PASSWORD = "rahasia-123"


@pytest.fixture(autouse=True)
def quick_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    # Argon2 at its production cost takes tens of milliseconds a hash; the API does not care.
    monkeypatch.setattr(core.accounts, "_hasher", QUICK_HASHES)


@pytest.fixture
def app(settings: Settings, clock: FakeClock) -> Iterator[Flask]:
    app = create_app(
        settings, clock=clock, printer_factory=RecordingPrinter, test_config={"TESTING": True}
    )
    accounts: Accounts = app.extensions["antrian.accounts"]
    accounts.add_user("siti", PASSWORD, "officer")
    accounts.add_user("budi", PASSWORD, "officer", [2])
    accounts.add_user("admin", PASSWORD, "admin")
    yield app
    app.extensions["antrian.engine"].dispose()


class Api:
    """Calls /api/v1 with an optional bearer token and returns (status, json)."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.client: FlaskClient = app.test_client()

    def __call__(
        self,
        method: str,
        path: str,
        token: str | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
        data: str | None = None,
    ) -> tuple[int, Any]:
        headers = dict(headers or {})
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        response = self.client.open(
            f"/api/v1{path}", method=method, json=json, data=data, headers=headers
        )
        body = response.get_json(silent=True) if response.data else None
        return response.status_code, body

    def login(self, username: str, counter: int | None = None) -> str:
        status, body = self("POST", "/auth/login", json=self.credentials(username, counter))
        assert status == 200, body
        return body["token"]

    @staticmethod
    def credentials(username: str, counter: int | None = None) -> dict[str, Any]:
        return {"username": username, "password": PASSWORD, "counter": counter}

    def device(self, name: str, kind: str, **where: str) -> str:
        return self.app.extensions["antrian.accounts"].add_device(name, kind, **where)

    def issue(self, token: str, service: str = "KTP", **extra: Any) -> dict[str, Any]:
        status, body = self("POST", "/tickets", token, json={"service": service, **extra})
        assert status == 201, body
        return body


@pytest.fixture
def api(app: Flask) -> Api:
    return Api(app)


@pytest.fixture
def kiosk(api: Api) -> str:
    return api.device("kiosk-lobby", "kiosk", kiosk="K1")


@pytest.fixture
def display_a(api: Api) -> str:
    return api.device("display-lantai-1", "display", zone="A")


@pytest.fixture
def siti(api: Api) -> str:
    """An officer signed into counter 1 (signing in opens the counter)."""
    return api.login("siti", counter=1)


@pytest.fixture
def admin(api: Api) -> str:
    return api.login("admin")


def assert_error(result: tuple[int, Any], status: int, code: str | None = None) -> str:
    got, body = result
    assert got == status, body
    assert isinstance(body, dict) and set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message"}
    assert isinstance(body["error"]["code"], str) and body["error"]["code"]
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    if code is not None:
        assert body["error"]["code"] == code
    return body["error"]["message"]


PROTECTED = [
    ("POST", "/tickets", {"service": "KTP"}),
    ("POST", "/tickets/abc/call", None),
    ("POST", "/tickets/abc/start", None),
    ("POST", "/tickets/abc/transfer", {"service": "KK"}),
    ("GET", "/tickets/abc/print-jobs", None),
    ("POST", "/counters/1/call-next", None),
    ("GET", "/counters/1", None),
    ("POST", "/counters/1/status", {"status": "open"}),
    ("GET", "/snapshot", None),
    ("POST", "/services/KTP/availability", {"closed_reason": None}),
    ("GET", "/auth/me", None),
    ("POST", "/auth/logout", None),
]


# ---------------------------------------------------------------------------- authentication
@pytest.mark.parametrize(("method", "path", "body"), PROTECTED)
def test_a_missing_token_is_401_with_the_error_shape(api: Api, method: str, path: str, body):
    message = assert_error(api(method, path, json=body), 401, "unauthorized")
    assert "Bearer" in message
    response = api.client.open(f"/api/v1{path}", method=method, json=body)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(("method", "path", "body"), PROTECTED)
def test_an_unknown_token_is_401(api: Api, method: str, path: str, body):
    assert_error(api(method, path, "not-a-real-token", json=body), 401, "unauthorized")


def test_login_me_and_logout(api: Api):
    token = api.login("siti", counter=1)
    assert api("GET", "/auth/me", token) == (
        200,
        {
            "kind": "officer",
            "name": "siti",
            "counter": 1,
            "zone": None,
            "kiosk": None,
            "password_change_required": False,
        },
    )
    assert api("GET", "/counters/1", token)[1]["counter"]["status"] == "open"

    assert api("POST", "/auth/logout", token) == (204, None)

    assert_error(api("GET", "/auth/me", token), 401)
    admin = api.login("admin")
    assert api("GET", "/counters/1", admin)[1]["counter"]["status"] == "closed"
    assert api("GET", "/auth/me", admin)[1]["kind"] == "admin"


def test_login_refusals(api: Api):
    wrong = {"username": "siti", "password": "salah-sekali", "counter": 1}
    assert_error(api("POST", "/auth/login", json=wrong), 401, "unauthorized")
    nobody = {"username": "nobody", "password": PASSWORD, "counter": 1}
    assert_error(api("POST", "/auth/login", json=nobody), 401)
    assert_error(api("POST", "/auth/login", json=api.credentials("siti")), 400)
    assert_error(api("POST", "/auth/login", json=api.credentials("budi", 1)), 403)
    assert_error(api("POST", "/auth/login", json=api.credentials("siti", 99)), 404)
    assert_error(api("POST", "/auth/login", json={"username": "siti"}), 400)
    bad_counter = {**api.credentials("siti"), "counter": "1"}
    assert_error(api("POST", "/auth/login", json=bad_counter), 400)
    assert_error(api("POST", "/auth/login", data="not json"), 400)


def halves(message: str) -> tuple[str, str]:
    """A refusal's Indonesian and English halves ("Kalimat Indonesia. / English sentence.")."""
    indonesian, separator, english = message.partition(" / ")
    assert separator, message
    return indonesian, english


def test_refusals_speak_indonesian_first_then_english(api: Api, kiosk: str, siti: str):
    wrong = {"username": "siti", "password": "salah-sekali", "counter": 1}
    message = assert_error(api("POST", "/auth/login", json=wrong), 401, "unauthorized")
    assert halves(message) == (
        "Nama pengguna atau kata sandi salah.",
        "Wrong username or password.",
    )

    indonesian, english = halves(assert_error(api("GET", "/auth/me"), 401, "unauthorized"))
    assert indonesian == "Masuk terlebih dahulu: kirim 'Authorization: Bearer <token>'."
    assert english == "Sign in first: send 'Authorization: Bearer <token>'."

    # A rule of the queue: a called visitor is started before being finished.
    ticket = api.issue(kiosk)
    api("POST", "/counters/1/call-next", siti)
    message = assert_error(
        api("POST", f"/tickets/{ticket['id']}/finish", siti), 409, "illegal_transition"
    )
    indonesian, english = halves(message)
    assert indonesian.startswith("Nomor A001 berstatus dipanggil; tidak dapat diselesaikan.")
    assert english.startswith("Ticket A001 is called; it cannot be finished. Allowed now:")


def test_device_tokens_name_the_device(api: Api, kiosk: str, display_a: str):
    assert api("GET", "/auth/me", kiosk)[1] == {
        "kind": "kiosk",
        "name": "kiosk-lobby",
        "counter": None,
        "zone": None,
        "kiosk": "K1",
    }
    assert api("GET", "/auth/me", display_a)[1]["zone"] == "A"


# ---------------------------------------------------------------------------- public reads
def test_services_list_has_the_kiosk_fields(api: Api, kiosk: str):
    api.issue(kiosk)
    status, body = api("GET", "/services")
    assert status == 200
    services = {s["code"]: s for s in body["services"]}
    assert len(services) == len(api.app.extensions["antrian.settings"].services)
    for service in services.values():
        for key in ("code", "name", "agency", "prefix", "open", "waiting", "eta_minutes"):
            assert key in service
        assert "quota_left" in service
    ktp = services["KTP"]
    assert (ktp["prefix"], ktp["agency"], ktp["open"]) == ("A", "DISDUKCAPIL", True)
    assert (ktp["waiting"], ktp["quota_left"], ktp["eta_minutes"]) == (1, 149, None)
    assert services["IKD"]["quota_left"] is None
    assert services["SIM"]["waiting"] == 0


def test_ticket_status_by_id_has_no_personal_data(api: Api, kiosk: str):
    ticket = api.issue(kiosk, priority="lansia")
    status, body = api("GET", f"/tickets/{ticket['id']}")
    assert status == 200
    assert body["number"] == "A001"
    assert body["status"] == "waiting"
    assert body["priority"] is True
    allowed = {
        "id",
        "number",
        "service",
        "service_name",
        "service_name_en",
        "agency",
        "agency_name",
        "agency_name_en",
        "status",
        "priority",
        "counter",
        "counter_name",
        "issued_at",
        "called_at",
        "transferred",
        "channel",  # how it was taken (kiosk, online): no person in it
        "channel_badge",
        "slot",
        "day",
        "day_is_today",
        "ahead",
        "eta_minutes",
        "eta_range",
        "eta_approx",
        "eta_today",
        "status_url",
    }
    assert set(body) <= allowed, set(body) - allowed
    text = str(body)
    assert "kiosk-lobby" not in text and "lansia" not in text


def test_ticket_status_names_the_ticket_s_day_by_the_mall_s_clock(
    api: Api, kiosk: str, clock: FakeClock
):
    """Numbers restart each day: the page must tell yesterday's A001 from today's. The day is
    the mall's (WIB), not UTC's: 24 November 23:30 WIB is still the ticket's day, 00:30 the
    next is not, although both are 24 November in UTC."""
    ticket = api.issue(kiosk)  # Tuesday 24 November 2026, 09:00 WIB
    assert (ticket["day"], ticket["day_is_today"]) == ("2026-11-24", True)

    clock.now = datetime(2026, 11, 24, 16, 30, tzinfo=UTC)  # 23:30 WIB
    status, body = api("GET", f"/tickets/{ticket['id']}")
    assert status == 200
    assert (body["day"], body["day_is_today"]) == ("2026-11-24", True)

    clock.now = datetime(2026, 11, 24, 17, 30, tzinfo=UTC)  # 00:30 WIB on the 25th
    status, body = api("GET", f"/tickets/{ticket['id']}")
    assert (body["day"], body["day_is_today"]) == ("2026-11-24", False)


def test_unknown_ticket_is_404(api: Api, siti: str):
    assert_error(api("GET", "/tickets/no-such-ticket"), 404, "not_found")
    for action in ("start", "finish", "recall", "no-show", "hold", "resume", "cancel", "call"):
        assert_error(api("POST", f"/tickets/no-such-ticket/{action}", siti), 404, "not_found")
    assert_error(api("POST", "/tickets/no-such-ticket/transfer", siti, json={"service": "KK"}), 404)


def test_health_ping_and_openapi_need_no_token(api: Api):
    status, body = api("GET", "/health")
    assert status == 200 and body["ok"] is True and isinstance(body["version"], int)
    assert api("GET", "/ping") == (200, {"pong": True})
    assert api("GET", "/openapi.json")[0] == 200


# ---------------------------------------------------------------------------- issuing
def test_a_kiosk_issues_and_prints_a_ticket(api: Api, kiosk: str):
    ticket = api.issue(kiosk)
    assert (ticket["number"], ticket["status"], ticket["ahead"]) == ("A001", "waiting", 0)
    assert ticket["print"]["status"] == "printed"
    printer = api.app.extensions["antrian.printing"].printers["K1"]
    assert len(printer.printed) == 1
    assert api.issue(kiosk)["number"] == "A002"


def test_issuing_refusals(api: Api, kiosk: str, display_a: str, admin: str):
    assert_error(api("POST", "/tickets", display_a, json={"service": "KTP"}), 403, "forbidden")
    assert_error(api("POST", "/tickets", kiosk, json={"service": "NOPE"}), 404, "not_found")
    assert_error(api("POST", "/tickets", kiosk, json={}), 400, "invalid_request")
    assert_error(api("POST", "/tickets", kiosk, json=["KTP"]), 400, "invalid_request")
    assert_error(api("POST", "/tickets", kiosk, data="service=KTP"), 400)
    # A form-encoded body is told what to send instead, not that 'service' is missing.
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    message = assert_error(
        api("POST", "/tickets", kiosk, data="service=KTP", headers=form), 400, "invalid_request"
    )
    assert "Content-Type: application/json" in message
    assert_error(api("POST", "/tickets", kiosk, json={"service": 7}), 400)
    assert_error(api("POST", "/tickets", kiosk, json={"service": "KTP", "priority": 1}), 400)
    assert_error(api("POST", "/tickets", kiosk, json={"service": "KTP", "priority": "vip"}), 400)
    closed = {"closed_reason": "Gangguan jaringan"}
    assert api("POST", "/services/KTP/availability", admin, json=closed)[0] == 200
    message = assert_error(api("POST", "/tickets", kiosk, json={"service": "KTP"}), 409)
    assert "Gangguan jaringan" in message


def test_outside_service_hours_is_409(api: Api, kiosk: str, clock: FakeClock):
    clock.advance(hours=-2)  # 07:00 WIB
    assert_error(api("POST", "/tickets", kiosk, json={"service": "KTP"}), 409, "service_closed")


def test_the_server_relays_events_without_keeping_them(api: Api, kiosk: str):
    """A server runs for months: its events go to the hub and are not kept in memory."""
    relayed: list[str] = []
    publisher = api.app.extensions["antrian.queue"].publisher
    publisher.subscribe(lambda event: relayed.append(event.name))
    for _ in range(3):
        api.issue(kiosk)
    assert relayed.count("ticket.issued") == 3
    assert not hasattr(publisher, "events")


def test_an_idempotency_key_retry_returns_the_same_ticket(api: Api, kiosk: str):
    key = {"Idempotency-Key": "kiosk-lobby-tap-0001"}
    first = api("POST", "/tickets", kiosk, json={"service": "KTP"}, headers=key)
    retry = api("POST", "/tickets", kiosk, json={"service": "KTP"}, headers=key)
    assert first[0] == retry[0] == 201
    assert retry[1] == first[1]
    printer = api.app.extensions["antrian.printing"].printers["K1"]
    assert len(printer.printed) == 1  # the retry neither issued nor printed again
    ktp = {s["code"]: s for s in api("GET", "/services")[1]["services"]}["KTP"]
    assert (ktp["waiting"], ktp["quota_left"]) == (1, 149)
    other = api(
        "POST", "/tickets", kiosk, json={"service": "KTP"}, headers={"Idempotency-Key": "2"}
    )
    assert other[1]["number"] == "A002"
    too_long = {"Idempotency-Key": "x" * 81}
    assert_error(api("POST", "/tickets", kiosk, json={"service": "KTP"}, headers=too_long), 400)


def test_an_officer_issuing_with_a_key_gets_the_same_ticket_on_retry(api: Api, siti: str):
    # No printer: the answer is stored in the ticket's own transaction.
    key = {"Idempotency-Key": "desk-tap-1"}
    first = api("POST", "/tickets", siti, json={"service": "KTP"}, headers=key)
    retry = api("POST", "/tickets", siti, json={"service": "KTP"}, headers=key)
    assert first[0] == retry[0] == 201
    assert retry[1] == first[1] and "print" not in first[1]
    ktp = {s["code"]: s for s in api("GET", "/services")[1]["services"]}["KTP"]
    assert ktp["waiting"] == 1


def test_a_key_reused_on_another_operation_is_refused_never_replayed(api: Api, siti: str):
    # Found by the fuzzer: a key first used to issue a ticket, sent again with "cancel",
    # got the issuing's 201 back and nothing was cancelled.
    key = {"Idempotency-Key": "0"}
    issued = api("POST", "/tickets", siti, json={"service": "KTP"}, headers=key)
    assert issued[0] == 201
    ticket = issued[1]["id"]
    status, body = api("POST", f"/tickets/{ticket}/cancel", siti, headers=key)
    assert (status, body["error"]["code"]) == (422, "idempotency_key_reused")
    assert api("GET", f"/tickets/{ticket}")[1]["status"] == "waiting"  # nothing was done
    # With keys of their own the actions run; a retry of one gets its first answer.
    status, cancelled = api(
        "POST", f"/tickets/{ticket}/cancel", siti, headers={"Idempotency-Key": "1"}
    )
    assert (status, cancelled["status"]) == (200, "cancelled")
    assert api("POST", f"/tickets/{ticket}/cancel", siti, headers={"Idempotency-Key": "1"}) == (
        200,
        cancelled,
    )


def test_a_refused_request_may_be_retried_with_the_same_key(api: Api, kiosk: str, admin: str):
    key = {"Idempotency-Key": "retry-after-refusal"}
    api("POST", "/services/KTP/availability", admin, json={"closed_reason": "Tutup"})
    assert_error(api("POST", "/tickets", kiosk, json={"service": "KTP"}, headers=key), 409)
    api("POST", "/services/KTP/availability", admin, json={"closed_reason": None})
    status, body = api("POST", "/tickets", kiosk, json={"service": "KTP"}, headers=key)
    assert (status, body["number"]) == (201, "A001")


def test_a_key_whose_first_attempt_died_is_taken_over_after_a_minute(api: Api, kiosk: str):
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import insert

    from core.store import idempotency_keys

    uow = api.app.extensions["antrian.queue"].uow
    with uow.writing() as conn:  # what a process killed mid-request leaves behind
        conn.execute(
            insert(idempotency_keys).values(
                key="died",
                actor="kiosk-lobby",
                status_code=0,
                created_at=datetime.now(UTC) - timedelta(seconds=30),
            )
        )
    key = {"Idempotency-Key": "died"}
    assert_error(api("POST", "/tickets", kiosk, json={"service": "KTP"}, headers=key), 409)
    with uow.writing() as conn:
        conn.execute(
            idempotency_keys.update().values(created_at=datetime.now(UTC) - timedelta(minutes=2))
        )
    status, body = api("POST", "/tickets", kiosk, json={"service": "KTP"}, headers=key)
    assert (status, body["number"]) == (201, "A001")
    assert api("POST", "/tickets", kiosk, json={"service": "KTP"}, headers=key)[1] == body


def test_a_kiosk_without_a_printer_still_gets_its_ticket(api: Api):
    printing = api.app.extensions["antrian.printing"]
    printing.printers.pop("K2")
    token = api.device("kiosk-lantai-2", "kiosk", kiosk="K2")
    status, body = api("POST", "/tickets", token, json={"service": "KTP"})
    assert status == 201 and "print" not in body


# ---------------------------------------------------------------------------- calling
def test_call_next_calls_then_204_when_nobody_waits(api: Api, kiosk: str, siti: str):
    ticket = api.issue(kiosk)
    status, called = api("POST", "/counters/1/call-next", siti)
    assert status == 200
    assert (called["id"], called["status"], called["counter"]) == (ticket["id"], "called", 1)
    api("POST", f"/tickets/{ticket['id']}/no-show", siti)
    assert api("POST", "/counters/1/call-next", siti) == (204, None)


def test_call_next_refusals(api: Api, kiosk: str, siti: str, admin: str):
    api.issue(kiosk)
    api.issue(kiosk)
    assert_error(api("POST", "/counters/1/call-next", kiosk), 403, "forbidden")
    assert_error(api("POST", "/counters/2/call-next", siti), 403, "forbidden")
    assert_error(api("POST", "/counters/99/call-next", admin), 404)
    assert api("POST", "/counters/1/call-next", siti)[0] == 200
    assert_error(api("POST", "/counters/1/call-next", siti), 409, "counter_busy")
    budi = api.login("budi", counter=2)
    api("POST", "/counters/2/status", budi, json={"status": "break", "reason": "Sholat"})
    assert_error(api("POST", "/counters/2/call-next", budi), 409, "counter_closed")


def test_a_retried_call_next_does_not_call_a_second_visitor(api: Api, kiosk: str, siti: str):
    first, _ = api.issue(kiosk), api.issue(kiosk)
    key = {"Idempotency-Key": "double-tap"}
    once = api("POST", "/counters/1/call-next", siti, headers=key)
    again = api("POST", "/counters/1/call-next", siti, headers=key)
    assert once == again
    assert once[1]["id"] == first["id"]
    waiting = api("GET", "/counters/1", siti)[1]["waiting"]
    assert len(waiting) == 1


def test_calling_a_chosen_ticket(api: Api, kiosk: str, siti: str, admin: str):
    first, second = api.issue(kiosk), api.issue(kiosk)
    assert_error(api("POST", f"/tickets/{second['id']}/call", kiosk), 403)
    status, body = api("POST", f"/tickets/{second['id']}/call", siti)
    assert (status, body["id"], body["counter"]) == (200, second["id"], 1)
    assert_error(api("POST", f"/tickets/{first['id']}/call", siti), 409, "counter_busy")
    kk = api.issue(kiosk, "KK")
    budi = api.login("budi", counter=2)
    assert_error(api("POST", f"/tickets/{kk['id']}/call", budi), 403)
    api("POST", "/counters/3/status", admin, json={"status": "open"})
    status, body = api("POST", f"/tickets/{first['id']}/call", admin, json={"counter": 3})
    assert (status, body["counter"]) == (200, 3)


# ---------------------------------------------------------------------------- ticket actions
def test_the_whole_life_of_a_ticket_through_the_api(api: Api, kiosk: str, siti: str):
    ticket = api.issue(kiosk)
    tid = ticket["id"]
    api("POST", "/counters/1/call-next", siti)
    expected = [
        ("recall", "called"),
        ("start", "serving"),
        ("hold", "on_hold"),
        ("resume", "called"),  # back at the same counter
        ("hold", "on_hold"),
        ("requeue", "waiting"),  # back in the shared queue
    ]
    for action, status in expected:
        code, body = api("POST", f"/tickets/{tid}/{action}", siti)
        assert (code, body["status"]) == (200, status), body
    api("POST", "/counters/1/call-next", siti)
    code, body = api("POST", f"/tickets/{tid}/transfer", siti, json={"service": "KIA"})
    assert (code, body["service"], body["status"], body["number"]) == (
        200,
        "KIA",
        "waiting",
        "A001",
    )
    # Waiting for KIA now: only an officer at a counter serving KIA may touch it.
    assert_error(api("POST", f"/tickets/{tid}/cancel", siti), 403)
    at_counter_3 = api.login("siti", counter=3)
    code, body = api("POST", f"/tickets/{tid}/cancel", at_counter_3)
    assert (code, body["status"]) == (200, "cancelled")


def test_finishing_twice_is_409(api: Api, kiosk: str, siti: str):
    ticket = api.issue(kiosk)
    api("POST", "/counters/1/call-next", siti)
    assert_error(api("POST", f"/tickets/{ticket['id']}/finish", siti), 409, "illegal_transition")
    api("POST", f"/tickets/{ticket['id']}/start", siti)
    assert api("POST", f"/tickets/{ticket['id']}/finish", siti)[1]["status"] == "done"
    message = assert_error(
        api("POST", f"/tickets/{ticket['id']}/finish", siti), 409, "illegal_transition"
    )
    assert "A001 is done" in message
    assert_error(api("POST", f"/tickets/{ticket['id']}/no-show", siti), 409)
    assert_error(api("POST", f"/tickets/{ticket['id']}/cancel", siti), 409)


def test_an_officer_cannot_act_on_another_counters_ticket(api: Api, kiosk: str, siti: str):
    ticket = api.issue(kiosk)
    api("POST", "/counters/1/call-next", siti)
    budi = api.login("budi", counter=2)
    for action in ("recall", "start", "no-show", "hold", "cancel"):
        message = assert_error(api("POST", f"/tickets/{ticket['id']}/{action}", budi), 403)
        assert "counter 1" in message
    assert_error(
        api("POST", f"/tickets/{ticket['id']}/transfer", budi, json={"service": "KK"}), 403
    )
    assert_error(api("POST", f"/tickets/{ticket['id']}/start", kiosk), 403)
    assert api("GET", f"/tickets/{ticket['id']}")[1]["status"] == "called"


def test_transfer_bad_bodies(api: Api, kiosk: str, siti: str):
    ticket = api.issue(kiosk)
    api("POST", "/counters/1/call-next", siti)
    path = f"/tickets/{ticket['id']}/transfer"
    assert_error(api("POST", path, siti), 400)
    assert_error(api("POST", path, siti, json={"service": ""}), 400)
    assert_error(api("POST", path, siti, json={"service": "NOPE"}), 404)
    assert_error(api("POST", path, siti, json={"service": "KTP"}), 400)


def test_print_jobs_and_reprint(api: Api, kiosk: str, siti: str, admin: str):
    ticket = api.issue(kiosk)
    status, body = api("GET", f"/tickets/{ticket['id']}/print-jobs", siti)
    assert status == 200
    assert [job["status"] for job in body["print_jobs"]] == ["printed"]
    assert_error(api("GET", f"/tickets/{ticket['id']}/print-jobs", kiosk), 403)
    assert_error(api("POST", f"/tickets/{ticket['id']}/reprint", siti, json={"kiosk": "K1"}), 403)
    status, body = api("POST", f"/tickets/{ticket['id']}/reprint", admin, json={"kiosk": "K1"})
    assert (status, body["status"]) == (200, "printed")
    assert len(api("GET", f"/tickets/{ticket['id']}/print-jobs", admin)[1]["print_jobs"]) == 2


# ---------------------------------------------------------------------------- counters
def test_counter_status_open_break_closed(api: Api, siti: str):
    status, body = api(
        "POST", "/counters/1/status", siti, json={"status": "break", "reason": "Sholat"}
    )
    assert (status, body["status"], body["reason"]) == (200, "break", "Sholat")
    assert api("GET", "/counters/1", siti)[1]["counter"]["status"] == "break"
    assert api("POST", "/counters/1/status", siti, json={"status": "open"})[1]["status"] == "open"
    assert (
        api("POST", "/counters/1/status", siti, json={"status": "closed"})[1]["status"] == "closed"
    )
    assert_error(api("POST", "/counters/1/status", siti, json={"status": "asleep"}), 400)
    assert_error(api("POST", "/counters/1/status", siti, json={}), 400)
    assert_error(
        api("POST", "/counters/1/status", siti, json={"status": "break", "reason": 5}), 400
    )
    assert_error(api("POST", "/counters/2/status", siti, json={"status": "open"}), 403)


def test_counter_state_is_for_its_own_officer(api: Api, kiosk: str, siti: str, admin: str):
    api.issue(kiosk)
    status, body = api("GET", "/counters/1", siti)
    assert status == 200
    assert body["counter"]["number"] == 1
    assert [w["number"] for w in body["waiting"]] == ["A001"]
    assert_error(api("GET", "/counters/2", siti), 403)
    assert_error(api("GET", "/counters/1", kiosk), 403)
    assert_error(api("GET", "/counters/99", admin), 404)
    assert api("GET", "/counters/2", admin)[0] == 200


# ---------------------------------------------------------------------------- displays
def test_a_display_sees_only_its_zone(api: Api, kiosk: str, display_a: str, admin: str):
    ticket = api.issue(kiosk)
    siti = api.login("siti", counter=1)
    api("POST", "/counters/1/call-next", siti)
    status, body = api("GET", "/snapshot", display_a)
    assert status == 200
    assert body["zone"] == "A"
    assert {c["zone"] for c in body["counters"]} == {"A"}
    assert [c["number"] for c in body["calls"]] == ["A001"]
    assert ticket["id"] not in str(body)
    assert api("GET", "/snapshot?zone=A", display_a)[0] == 200
    assert_error(api("GET", "/snapshot?zone=B", display_a), 403)
    everything = api("GET", "/snapshot", admin)[1]
    assert everything["zone"] is None
    assert len(everything["counters"]) == len(api.app.extensions["antrian.settings"].counters)
    assert api("GET", "/snapshot?zone=B", siti)[1]["calls"] == []
    assert_error(api("GET", "/snapshot?zone=Z", siti), 404)
    assert api("GET", "/snapshot", kiosk)[0] == 200
    assert body["version"] == api("GET", "/health")[1]["version"]


# ---------------------------------------------------------------------------- admin
def test_service_availability_is_for_admins(api: Api, siti: str, admin: str):
    closed = {"closed_reason": "Blanko KTP habis"}
    assert_error(api("POST", "/services/KTP/availability", siti, json=closed), 403)
    status, body = api("POST", "/services/KTP/availability", admin, json=closed)
    assert (status, body["open"], body["closed_reason"]) == (200, False, "Blanko KTP habis")
    status, body = api("POST", "/services/KTP/availability", admin, json={"closed_reason": None})
    assert (status, body["open"]) == (200, True)
    assert_error(api("POST", "/services/NOPE/availability", admin, json=closed), 404)
    assert_error(api("POST", "/services/KTP/availability", admin, json={"closed_reason": 3}), 400)


def test_an_admin_disables_an_officer_and_their_token_stops_working(
    api: Api, siti: str, admin: str
):
    assert_error(api("POST", "/users/siti/disable", siti), 403)
    assert api("POST", "/users/siti/disable", admin) == (200, {"username": "siti", "active": False})
    assert_error(api("GET", "/auth/me", siti), 401)
    assert_error(api("POST", "/users/nobody/disable", admin), 404)
