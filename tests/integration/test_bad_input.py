"""Bad input always gets a clear 4xx that says what to fix, never a 500: on SQLite and on
PostgreSQL (which rejects NUL bytes in text with an error of its own)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from core.accounts import Accounts
from core.config import Settings
from core.server.app import create_app, socketio_of
from tests.conftest import FakeClock
from tests.integration.test_api import PASSWORD, Api, quick_hashes  # noqa: F401


@pytest.fixture
def app(settings: Settings, database_url: str, clock: FakeClock) -> Iterator[Flask]:
    app = create_app(
        dataclasses.replace(settings, database_url=database_url),
        clock=clock,
        test_config={"TESTING": True},
    )
    accounts: Accounts = app.extensions["antrian.accounts"]
    accounts.add_user("siti", PASSWORD, "officer")
    accounts.add_user("admin", PASSWORD, "admin")
    yield app
    app.extensions["antrian.engine"].dispose()


@pytest.fixture
def api(app: Flask) -> Api:
    return Api(app)


def assert_clear_refusal(status: int, body: Any, *words: str) -> None:
    assert 400 <= status < 500, (status, body)
    assert isinstance(body, dict) and set(body["error"]) == {"code", "message"}, body
    for word in words:
        assert word in body["error"]["message"], body


def test_deeply_nested_json_is_refused_not_crashed(api: Api):
    kiosk = api.device("kiosk-lobby", "kiosk", kiosk="K1")
    for path, token in (("/tickets", kiosk), ("/auth/login", None)):
        status, body = api(
            "POST", path, token, data="[" * 20000, headers={"Content-Type": "application/json"}
        )
        assert_clear_refusal(status, body, "nested")


def test_a_json_array_where_an_object_belongs_is_refused(app: Flask):
    client = app.test_client()
    response = client.post("/kiosk/session", json=[1])
    assert response.status_code == 400
    assert "JSON object" in response.get_json()["error"]["message"]


def test_a_counter_number_with_thousands_of_digits_is_refused(app: Flask):
    client = app.test_client()
    form = {"username": "siti", "password": PASSWORD, "counter": "1" * 5000}
    response = client.post("/counter/login", data=form)
    assert response.status_code == 400


@pytest.mark.parametrize("counter", ["²", "1²", "①", "١"])
def test_a_counter_number_in_other_digits_is_refused_clearly(app: Flask, counter: str):
    # str.isdigit() passes superscripts and other scripts' digits: int() then failed on "²"
    # (a 500) and read "١" as counter 1.
    form = {"username": "siti", "password": PASSWORD, "counter": counter}
    response = app.test_client().post("/counter/login", data=form)
    assert response.status_code == 400
    assert "text/html" in response.content_type


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/tickets/abc%00def",
        "/t/abc%00def",
        "/kiosk/qr/abc%00def",
        "/api/v1/tickets/abc%00def/start",
    ],
)
def test_a_nul_byte_in_an_address_is_a_clear_400(app: Flask, path: str):
    response = app.test_client().open(path, method="POST" if path.endswith("start") else "GET")
    assert response.status_code == 400, response.data[:300]
    assert b"Alamat berisi karakter NUL" in response.data
    assert b"The address contains a NUL character" in response.data


def test_nul_bytes_and_long_texts_in_fields_are_refused(api: Api):
    status, body = api("POST", "/auth/login", json={"username": "si\x00ti", "password": PASSWORD})
    assert_clear_refusal(status, body, "username", "NUL")
    admin = api.login("admin")
    siti = api.login("siti", counter=1)
    status, body = api(
        "POST", "/counters/1/status", siti, json={"status": "break", "reason": "sho\x00lat"}
    )
    assert_clear_refusal(status, body, "reason", "NUL")
    status, body = api(
        "POST", "/services/KTP/availability", admin, json={"closed_reason": "x" * 201}
    )
    assert_clear_refusal(status, body, "200 characters")
    status, body = api(
        "POST", "/services/KTP/availability", admin, json={"closed_reason": "ti\x00dak"}
    )
    assert_clear_refusal(status, body, "closed_reason", "NUL")


def test_fields_of_the_wrong_type_are_refused(api: Api):
    admin = api.login("admin")
    kiosk = api.device("kiosk-lobby", "kiosk", kiosk="K1")
    ticket = api.issue(kiosk)
    status, body = api("POST", f"/tickets/{ticket['id']}/call", admin, json={"counter": [1]})
    assert_clear_refusal(status, body, "counter")
    status, body = api("POST", f"/tickets/{ticket['id']}/reprint", admin, json={"kiosk": ["K1"]})
    assert_clear_refusal(status, body, "kiosk")


@pytest.mark.parametrize(
    ("method", "path", "status", "indonesian"),
    [
        ("GET", "/api/v1/no-such-thing", 404, "Alamat yang diminta tidak ada di server ini."),
        ("DELETE", "/api/v1/services", 405, "Alamat ini tidak menerima metode permintaan"),
    ],
)
def test_routing_errors_under_the_api_are_json(
    app: Flask, method: str, path: str, status: int, indonesian: str
):
    response = app.test_client().open(path, method=method)
    assert response.status_code == status
    assert response.is_json
    assert set(response.get_json()["error"]) == {"code", "message"}
    # Werkzeug's English description, after the Indonesian sentence.
    said, _, english = response.get_json()["error"]["message"].partition(" / ")
    assert said.startswith(indonesian) and english.startswith("The ")


def test_a_socket_token_that_is_not_a_string_is_refused(app: Flask):
    client = socketio_of(app).test_client(app, auth={"token": 12345})
    assert not client.is_connected()
    client = socketio_of(app).test_client(app, auth={"ticket": "abc\x00def"})
    assert not client.is_connected()


def test_a_real_token_still_connects(app: Flask, api: Api):
    client = socketio_of(app).test_client(app, auth={"token": api.login("admin")})
    assert client.is_connected()
    client.disconnect()


def test_a_nul_byte_in_a_form_field_is_a_clear_400(app: Flask):
    form = {"username": "si\x00ti", "password": PASSWORD, "counter": "1"}
    response = app.test_client().post("/counter/login", data=form)
    assert response.status_code == 400
    assert b"Isian formulir berisi karakter NUL" in response.data
    assert b"A form field contains a NUL character" in response.data


def test_refusals_of_malformed_bodies_speak_indonesian_first(app: Flask):
    client = app.test_client()
    cases = [
        ("[1, 2]", "Isi permintaan harus berupa objek JSON."),
        ("[" * 100 + "]" * 100, "Isi permintaan bersarang terlalu dalam"),
        ('{"service": "KTP\\u0000"}', "'service' berisi karakter NUL"),
    ]
    for body, indonesian in cases:
        response = client.post("/kiosk/session", data=body, content_type="application/json")
        assert response.status_code == 400, (body, response.data[:200])
        message = response.get_json()["error"]["message"]
        assert message.startswith(indonesian) and " / " in message, message
    response = client.get("/api/v1/ping?lang%00=en")
    assert response.status_code == 400
    assert response.get_json()["error"]["message"].startswith("Parameter 'lang' berisi")


def test_a_malformed_call_body_is_refused_for_an_officer_too(api: Api):
    # Found by the fuzzer: an officer's call ignored its body, so garbage was accepted
    # while the same garbage from an admin was a 400.
    kiosk = api.device("kiosk-lobby", "kiosk", kiosk="K1")
    siti = api.login("siti", counter=1)
    ticket = api.issue(kiosk)["id"]
    json_header = {"Content-Type": "application/json"}
    status, body = api("POST", f"/tickets/{ticket}/call", siti, data="\x01{", headers=json_header)
    assert_clear_refusal(status, body, "JSON object")
    status, body = api("POST", f"/tickets/{ticket}/call", siti, json={"counter": "1"})
    assert_clear_refusal(status, body, "counter")
    assert api("GET", f"/tickets/{ticket}")[1]["status"] == "waiting"
    status, body = api("POST", f"/tickets/{ticket}/call", siti, json={"counter": None})
    assert (status, body["status"], body["counter"]) == (200, "called", 1)


def test_a_body_over_the_limit_is_a_413_that_says_the_limit(app: Flask):
    body = '{"service": "' + "K" * (70 * 1024) + '"}'
    response = app.test_client().post("/api/v1/tickets", data=body, content_type="application/json")
    assert response.status_code == 413
    error = response.get_json()["error"]
    assert error["message"] == (
        "Isi permintaan paling besar 64 KiB. / The request body must be at most 64 KiB."
    )


def test_json_sent_as_plain_text_is_told_to_say_so(app: Flask):
    response = app.test_client().post(
        "/kiosk/session", data='{"code": "K1"}', content_type="text/plain"
    )
    assert response.status_code == 400
    message = response.get_json()["error"]["message"]
    indonesian, _, english = message.partition(" / ")
    assert indonesian.startswith("Kirim isi permintaan sebagai JSON") and "text/plain" in indonesian
    assert "Content-Type: application/json" in english and "text/plain" in english
