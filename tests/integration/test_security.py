"""Browser-facing protections through Flask's test client: the origin check on every
cookie-authenticated change and on sign-in, the security headers, Secure cookies, and the
Socket.IO origin check.

The test client's own origin is http://localhost; "another port of the same host" is
http://localhost:8001, which a browser treats as the same site (it sends the cookie) but not
as the same origin.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from core.config import ConfigError, Settings
from core.server.app import create_app
from tests.conftest import FakeClock

PASSWORD = "rahasia-123"
OWN = "http://localhost"
OTHER_PORT = "http://localhost:8001"


@pytest.fixture
def app(settings: Settings, clock: FakeClock) -> Iterator[Flask]:
    app = create_app(settings, clock=clock, test_config={"TESTING": True})
    app.extensions["antrian.accounts"].add_user("siti", PASSWORD, "officer", [1])
    yield app
    app.extensions["antrian.engine"].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def sign_in(client: FlaskClient, origin: str | None = OWN, counter: str = "1"):  # type: ignore[no-untyped-def]
    headers = {"Origin": origin} if origin else {}
    return client.post(
        "/counter/login",
        data={"username": "siti", "password": PASSWORD, "counter": counter},
        headers=headers,
    )


# ------------------------------------------------------------------ CSRF
def test_a_cookie_authenticated_change_from_another_port_is_refused(client: FlaskClient) -> None:
    assert sign_in(client).status_code == 303
    forged = client.post("/api/v1/counters/1/call-next", headers={"Origin": OTHER_PORT})
    assert forged.status_code == 403
    assert forged.get_json()["error"]["code"] == "cross_origin"
    by_referer = client.post(
        "/api/v1/counters/1/status",
        json={"status": "break"},
        headers={"Referer": OTHER_PORT + "/attack.html"},
    )
    assert by_referer.status_code == 403
    # With the cookie but neither header, the request is refused too.
    bare = client.post("/api/v1/counters/1/status", json={"status": "break"})
    assert bare.status_code == 403
    null_origin = client.post(
        "/api/v1/counters/1/status", json={"status": "break"}, headers={"Origin": "null"}
    )
    assert null_origin.status_code == 403
    # Nothing changed: the counter is still open.
    state = client.get("/api/v1/counters/1").get_json()
    assert state["counter"]["status"] == "open"


def test_the_same_request_from_the_page_itself_works(client: FlaskClient) -> None:
    assert sign_in(client).status_code == 303
    own = client.post(
        "/api/v1/counters/1/status", json={"status": "break"}, headers={"Origin": OWN}
    )
    assert own.status_code == 200, own.get_json()
    assert own.get_json()["status"] == "break"
    referer_only = client.post(
        "/api/v1/counters/1/status",
        json={"status": "open"},
        headers={"Referer": OWN + "/counter"},
    )
    assert referer_only.status_code == 200


def test_a_configured_origin_is_allowed(settings: Settings, clock: FakeClock) -> None:
    app = create_app(
        settings,
        clock=clock,
        test_config={"TESTING": True, "ANTRIAN_ALLOWED_ORIGINS": "https://antrian.mpp.example"},
    )
    try:
        app.extensions["antrian.accounts"].add_user("siti", PASSWORD, "officer", [1])
        client = app.test_client()
        assert sign_in(client, origin="https://antrian.mpp.example").status_code == 303
        assert sign_in(client, origin="https://evil.example").status_code == 403
    finally:
        app.extensions["antrian.engine"].dispose()


def test_bearer_requests_need_no_origin(app: Flask, client: FlaskClient) -> None:
    token, _ = app.extensions["antrian.accounts"].login("siti", PASSWORD, 1)
    response = client.post(
        "/api/v1/counters/1/status",
        json={"status": "open"},
        headers={"Authorization": f"Bearer {token}", "Origin": OTHER_PORT},
    )
    assert response.status_code == 200


def test_a_request_without_the_cookie_builds_no_signer_and_the_cookie_still_signs_in(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    interface = app.session_interface
    built = []
    original = interface.get_signing_serializer
    monkeypatch.setattr(
        interface, "get_signing_serializer", lambda a: built.append(1) or original(a)
    )
    token, _ = app.extensions["antrian.accounts"].login("siti", PASSWORD, 1)
    bearer = client.post(
        "/api/v1/counters/1/status",
        json={"status": "open"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert bearer.status_code == 200 and built == []
    # Signed in by the form, the cookie is read (and checked) on the next request.
    assert sign_in(client).status_code == 303
    built.clear()
    own = client.post(
        "/api/v1/counters/1/status", json={"status": "break"}, headers={"Origin": OWN}
    )
    assert own.status_code == 200, own.get_json()
    assert built, "the session cookie was not read"


def test_login_from_another_origin_is_refused_form_and_json(client: FlaskClient) -> None:
    form = sign_in(client, origin=OTHER_PORT)
    assert form.status_code == 403
    assert "session" not in {c.key for c in client._cookies.values()}  # type: ignore[attr-defined]
    as_json = client.post(
        "/api/v1/auth/login",
        json={"username": "siti", "password": PASSWORD, "counter": 1},
        headers={"Origin": "https://evil.example"},
    )
    assert as_json.status_code == 403
    device = client.post("/kiosk/session", json={"token": "x" * 43}, headers={"Origin": OTHER_PORT})
    assert device.status_code == 403
    # A script (no browser, no cookie, no Origin) still signs in through the API.
    script = client.post(
        "/api/v1/auth/login", json={"username": "siti", "password": PASSWORD, "counter": 1}
    )
    assert script.status_code == 200


def test_logout_form_from_another_origin_is_refused(client: FlaskClient) -> None:
    assert sign_in(client).status_code == 303
    assert client.post("/counter/logout", headers={"Origin": OTHER_PORT}).status_code == 403
    assert client.get("/counter").status_code == 200  # still signed in


# ------------------------------------------------------------------ headers
@pytest.mark.parametrize(
    "path", ["/counter/login", "/kiosk/setup", "/api/v1/services", "/healthz", "/t/nothing"]
)
def test_every_response_carries_the_security_headers(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] in ("same-origin", "no-referrer")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" not in response.headers  # plain http


def test_pages_that_carry_a_token_are_never_cached(app: Flask, client: FlaskClient) -> None:
    accounts = app.extensions["antrian.accounts"]
    accounts.add_user("kepala", PASSWORD, "admin")
    assert client.post(
        "/admin/login", data={"username": "kepala", "password": PASSWORD}, headers={"Origin": OWN}
    ).status_code in (302, 303)
    for path in ("/admin/reports", "/admin/skm", "/admin"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert 'id="admin-config"' in response.get_data(as_text=True) or path != "/admin"
        assert response.headers["Cache-Control"] == "no-store", path
    survey = accounts.add_device("tablet-1", "survey", counter=1)
    tablet = app.test_client()
    tablet.post("/survey/session", json={"token": survey}, headers={"Origin": OWN})
    page = tablet.get("/survey/")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    asset = client.get("/static/i18n.js")
    assert asset.headers.get("Cache-Control") != "no-store"
    asset.close()


def test_pages_have_no_inline_script_or_style(app: Flask, client: FlaskClient) -> None:
    import re

    token = app.extensions["antrian.accounts"].add_device("kiosk-lobby", "kiosk", kiosk="K1")
    pages = ["/counter/login", "/kiosk/setup", "/display/setup"]
    htmls = [client.get(p).get_data(as_text=True) for p in pages]
    assert client.post("/kiosk/session", json={"token": token}).status_code == 200
    htmls.append(client.get("/kiosk/", headers={"Origin": OWN}).get_data(as_text=True))
    for html in htmls:
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag or 'type="application/json"' in tag, tag
        assert "<style" not in html
        assert " style=" not in html
        assert not re.search(r"\son[a-z]+=", html)


def test_cookies_are_secure_over_https_and_hsts_is_sent(client: FlaskClient) -> None:
    response = client.post(
        "/counter/login",
        data={"username": "siti", "password": PASSWORD, "counter": "1"},
        headers={"Origin": "https://localhost"},
        base_url="https://localhost",
    )
    assert response.status_code == 303
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_plain_http_cookies_are_secure_when_configured(
    settings: Settings, clock: FakeClock
) -> None:
    for flag, expected in (("0", False), ("1", True)):
        app = create_app(
            settings,
            clock=clock,
            test_config={"TESTING": True, "ANTRIAN_SECURE_COOKIES": flag},
        )
        try:
            accounts = app.extensions["antrian.accounts"]
            if accounts.user_count() == 0:
                accounts.add_user("siti", PASSWORD, "officer", [1])
            response = sign_in(app.test_client())
            assert response.status_code == 303
            assert ("Secure" in response.headers["Set-Cookie"]) is expected
            assert ("Strict-Transport-Security" in response.headers) is expected
        finally:
            app.extensions["antrian.engine"].dispose()


def test_an_https_public_address_makes_cookies_secure_behind_a_plain_proxy(
    settings: Settings, clock: FakeClock
) -> None:
    mall = dataclasses.replace(settings.mall, public_base_url="https://antrian.mpp.example")
    app = create_app(
        dataclasses.replace(settings, mall=mall), clock=clock, test_config={"TESTING": True}
    )
    try:
        app.extensions["antrian.accounts"].add_user("siti", PASSWORD, "officer", [1])
        response = sign_in(app.test_client())  # plain http, as the proxy forwards it
        assert response.status_code == 303
        assert "Secure" in response.headers["Set-Cookie"]
        assert "Strict-Transport-Security" in response.headers
    finally:
        app.extensions["antrian.engine"].dispose()


def test_the_session_cookie_is_host_only_when_the_public_address_is_https(
    settings: Settings, clock: FakeClock
) -> None:
    """Over https the cookie is named `__Host-session`: a browser then takes it only Secure,
    for Path=/ and without a Domain, so a page of another port or subdomain cannot set one
    for this server (a planted session would sign the visitor in as someone else)."""
    for base_url, name in (("https://antrian.mpp.example", "__Host-session"), (None, "session")):
        mall = dataclasses.replace(settings.mall, public_base_url=base_url or OWN)
        app = create_app(
            dataclasses.replace(settings, mall=mall), clock=clock, test_config={"TESTING": True}
        )
        try:
            if app.extensions["antrian.accounts"].user_count() == 0:
                app.extensions["antrian.accounts"].add_user("siti", PASSWORD, "officer", [1])
            client = app.test_client()
            response = sign_in(client)  # plain http, as a TLS proxy forwards it
            assert response.status_code == 303
            cookie = response.headers["Set-Cookie"]
            assert cookie.startswith(f"{name}="), cookie
            assert "Path=/;" in cookie + ";" and "Domain" not in cookie
            assert ("Secure" in cookie) is (base_url is not None)
            # The session works under that name, and the origin check knows it.
            assert client.get("/api/v1/counters/1").status_code == 200
            bare = client.post("/api/v1/counters/1/status", json={"status": "break"})
            assert bare.status_code == 403
        finally:
            app.extensions["antrian.engine"].dispose()


def wrong_then_right(client: FlaskClient) -> int:
    """Five wrong passwords from one forwarded address, then the right one from another;
    the status of the last."""

    def attempt(password: str, forwarded_for: str) -> int:
        return client.post(
            "/api/v1/auth/login",
            json={"username": "siti", "password": password, "counter": 1},
            headers={"X-Forwarded-For": forwarded_for, "X-Forwarded-Proto": "https"},
        ).status_code

    assert {attempt(f"salah-{n}", "198.51.100.7") for n in range(5)} == {401}
    return attempt(PASSWORD, "198.51.100.8")


def test_behind_a_proxy_the_forwarded_client_and_scheme_are_the_clients(
    settings: Settings, clock: FakeClock
) -> None:
    """Behind nginx every request comes from 127.0.0.1: without the proxy setting one
    stranger's guesses counted for everyone; with it, each client is its own."""
    for hops, expected in (("0", 429), ("1", 200)):
        app = create_app(
            settings, clock=clock, test_config={"TESTING": True, "ANTRIAN_PROXY_HOPS": hops}
        )
        try:
            if app.extensions["antrian.accounts"].user_count() == 0:
                app.extensions["antrian.accounts"].add_user("siti", PASSWORD, "officer", [1])
            assert wrong_then_right(app.test_client()) == expected
        finally:
            app.extensions["antrian.engine"].dispose()
    proxied = create_app(
        settings, clock=clock, test_config={"TESTING": True, "ANTRIAN_PROXY_HOPS": "1"}
    )
    try:
        response = proxied.test_client().post(
            "/counter/login",
            data={"username": "siti", "password": PASSWORD, "counter": "1"},
            headers={"Origin": "https://localhost", "X-Forwarded-Proto": "https"},
        )
        assert response.status_code == 303
        assert "Secure" in response.headers["Set-Cookie"]
        assert "Strict-Transport-Security" in response.headers
    finally:
        proxied.extensions["antrian.engine"].dispose()
    with pytest.raises(ConfigError, match="ANTRIAN_PROXY_HOPS"):
        create_app(settings, clock=clock, test_config={"ANTRIAN_PROXY_HOPS": "nginx"})


# ------------------------------------------------------------------ Socket.IO
def test_socketio_refuses_other_origins(client: FlaskClient) -> None:
    handshake = "/socket.io/?EIO=4&transport=polling"
    refused = client.get(handshake, headers={"Origin": OTHER_PORT})
    assert refused.status_code == 400
    assert b"Not an accepted origin" in refused.data
    evil = client.get(handshake, headers={"Origin": "https://evil.example"})
    assert evil.status_code == 400
    own = client.get(handshake, headers={"Origin": OWN})
    assert own.status_code == 200
    assert own.data.startswith(b"0{")  # the engine.io open packet
    no_origin = client.get(handshake)  # not a browser
    assert no_origin.status_code == 200
