"""An account whose password the server made must choose its own before anything else: the
counter's sign-in leads to the change, the API refuses other actions, the counter opens only
after the change."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from core.config import Settings
from core.server.app import create_app
from tests.conftest import FakeClock

OWN = {"Origin": "http://localhost"}
FIRST = "dibuat-server-123"


@pytest.fixture
def app(settings: Settings, clock: FakeClock) -> Iterator[Flask]:
    app = create_app(settings, clock=clock, test_config={"TESTING": True})
    accounts = app.extensions["antrian.accounts"]
    accounts.add_user("siti", FIRST, "officer", [3], must_change_password=True)
    yield app
    app.extensions["antrian.engine"].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def counter_status(app: Flask, number: int) -> str:
    snapshot = app.extensions["antrian.queue"].snapshot(None)
    return next(c for c in snapshot["counters"] if c["number"] == number)["status"]


def test_the_counter_sign_in_asks_for_a_new_password_first(app: Flask, client: FlaskClient):
    signed_in = client.post(
        "/counter/login",
        data={"username": "siti", "password": FIRST, "counter": "3"},
        headers=OWN,
    )
    assert signed_in.status_code == 303
    assert signed_in.headers["Location"].endswith("/counter/password")
    assert counter_status(app, 3) == "closed"  # not open before the change
    assert client.get("/counter").headers["Location"].endswith("/counter/password")
    page = client.get("/counter/password").get_data(as_text=True)
    assert 'name="new_password"' in page and 'name="repeat_password"' in page

    mismatch = client.post(
        "/counter/password",
        data={"new_password": "baru-sekali-1", "repeat_password": "baru-sekali-2"},
        headers=OWN,
    )
    assert mismatch.status_code == 400
    assert "berbeda" in mismatch.get_data(as_text=True)
    short = client.post(
        "/counter/password",
        data={"new_password": "pendek", "repeat_password": "pendek"},
        headers=OWN,
    )
    assert short.status_code == 400
    # The password the server made is not a new one: the change would be skipped.
    same = client.post(
        "/counter/password",
        data={"new_password": FIRST, "repeat_password": FIRST},
        headers=OWN,
    )
    assert same.status_code == 400
    assert "bukan yang diberikan" in same.get_data(as_text=True)
    assert app.extensions["antrian.accounts"].password_change_required("siti")
    forged = client.post(
        "/counter/password",
        data={"new_password": "dari-luar-123", "repeat_password": "dari-luar-123"},
        headers={"Origin": "http://localhost:8001"},
    )
    assert forged.status_code == 403

    done = client.post(
        "/counter/password",
        data={"new_password": "baru-sekali-1", "repeat_password": "baru-sekali-1"},
        headers=OWN,
    )
    assert done.status_code == 303
    assert done.headers["Location"].endswith("/counter")
    assert client.get("/counter").status_code == 200
    assert counter_status(app, 3) == "open"
    accounts = app.extensions["antrian.accounts"]
    assert not accounts.password_change_required("siti")
    assert accounts.login("siti", "baru-sekali-1", 3)[0]


def test_the_api_refuses_other_actions_until_the_change(app: Flask, client: FlaskClient):
    login = client.post(
        "/api/v1/auth/login", json={"username": "siti", "password": FIRST, "counter": 3}
    )
    assert login.status_code == 200
    assert login.get_json()["password_change_required"] is True
    bearer = {"Authorization": f"Bearer {login.get_json()['token']}"}
    refused = client.post("/api/v1/counters/3/call-next", headers=bearer)
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "password_change_required"
    assert client.get("/api/v1/counters/3", headers=bearer).status_code == 403
    assert client.get("/api/v1/auth/me", headers=bearer).status_code == 200
    changed = client.post(
        "/api/v1/auth/password",
        json={"current_password": FIRST, "new_password": "baru-sekali-1"},
        headers=bearer,
    )
    assert changed.status_code == 200
    assert counter_status(app, 3) == "open"
    assert client.get("/api/v1/counters/3", headers=bearer).status_code == 200


def test_a_socket_is_refused_until_the_change(app: Flask):
    from core.server.app import socketio_of

    token, _ = app.extensions["antrian.accounts"].login("siti", FIRST, 3)
    refused = socketio_of(app).test_client(app, auth={"token": token})
    assert not refused.is_connected()


def test_the_admin_page_refuses_the_given_password_as_the_new_one(app: Flask, client: FlaskClient):
    app.extensions["antrian.accounts"].add_user("kepala", FIRST, "admin", must_change_password=True)
    signed_in = client.post(
        "/admin/login", data={"username": "kepala", "password": FIRST}, headers=OWN
    )
    assert signed_in.status_code == 302
    same = client.post("/admin/password", data={"new_password": FIRST}, headers=OWN)
    assert same.status_code == 400
    assert "bukan yang diberikan" in same.get_data(as_text=True)
    assert app.extensions["antrian.accounts"].password_change_required("kepala")
    done = client.post("/admin/password", data={"new_password": "milik-kepala-1"}, headers=OWN)
    assert done.status_code == 302
    assert not app.extensions["antrian.accounts"].password_change_required("kepala")


def me(client: FlaskClient, token: str) -> int:
    return client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code


def test_with_no_change_due_a_signed_in_screen_cannot_set_a_password(
    app: Flask, client: FlaskClient
):
    """Whoever sits at a counter or an admin's screen left signed in must not take the
    account over: only the forced change goes without the current password."""
    accounts = app.extensions["antrian.accounts"]
    accounts.add_user("budi", "milik-budi-1", "officer", [2])
    accounts.add_user("kepala", "milik-kepala-1", "admin")
    client.post(
        "/counter/login",
        data={"username": "budi", "password": "milik-budi-1", "counter": "2"},
        headers=OWN,
    )
    taken = client.post(
        "/counter/password",
        data={"new_password": "punya-orang-1", "repeat_password": "punya-orang-1"},
        headers=OWN,
    )
    assert taken.status_code == 303 and taken.headers["Location"].endswith("/counter")
    assert accounts.login("budi", "milik-budi-1", 2)[0]  # unchanged

    admin = app.test_client()
    admin.post(
        "/admin/login", data={"username": "kepala", "password": "milik-kepala-1"}, headers=OWN
    )
    page = admin.get("/admin/password").get_data(as_text=True)
    assert 'name="current_password"' in page
    for current in ("", "bukan-itu-123"):
        refused = admin.post(
            "/admin/password",
            data={"current_password": current, "new_password": "punya-orang-1"},
            headers=OWN,
        )
        assert refused.status_code == 400
        assert "Kata sandi saat ini salah" in refused.get_data(as_text=True)
    assert accounts.login("kepala", "milik-kepala-1", None)[0]  # unchanged
    changed = admin.post(
        "/admin/password",
        data={"current_password": "milik-kepala-1", "new_password": "baru-kepala-1"},
        headers=OWN,
    )
    assert changed.status_code == 302
    assert admin.get("/admin").status_code == 200  # this session goes on
    log = app.extensions["antrian.management"].audit_log(
        app.extensions["antrian.accounts"].authenticate(
            accounts.login("kepala", "baru-kepala-1", None)[0]
        ),
        actor="kepala",
    )
    assert "user.change_password" in [entry["action"] for entry in log]


def test_a_new_password_ends_the_sessions_the_old_one_opened(app: Flask, client: FlaskClient):
    accounts = app.extensions["antrian.accounts"]
    accounts.add_user("budi", "milik-budi-1", "officer", [2])
    here, _ = accounts.login("budi", "milik-budi-1", 2)
    elsewhere, _ = accounts.login("budi", "milik-budi-1", 2)
    assert me(client, elsewhere) == 200  # remembered by the server from now on
    changed = client.post(
        "/api/v1/auth/password",
        json={"current_password": "milik-budi-1", "new_password": "baru-budi-12"},
        headers={"Authorization": f"Bearer {here}"},
    )
    assert changed.status_code == 200
    assert me(client, here) == 200
    assert me(client, elsewhere) == 401

    # An admin's reset ends every session of the account, the one that asked for it too.
    accounts.add_user("kepala", "milik-kepala-1", "admin")
    admin_token, _ = accounts.login("kepala", "milik-kepala-1", None)
    reset = client.post(
        "/api/v1/admin/users/budi/password",
        json={"password": "dari-admin-12"},
        headers={"Authorization": f"Bearer {admin_token}"},
    )
    assert reset.status_code == 200, reset.get_json()
    assert me(client, here) == 401


def test_signing_an_officer_out_leaves_a_device_of_the_same_name_connected(app: Flask):
    from core.server.app import socketio_of

    accounts = app.extensions["antrian.accounts"]
    accounts.add_user("budi", "milik-budi-1", "officer", [2])
    device_token = accounts.add_device("budi", "display")
    officer_token, _ = accounts.login("budi", "milik-budi-1", 2)
    display = socketio_of(app).test_client(app, auth={"token": device_token})
    officer = socketio_of(app).test_client(app, auth={"token": officer_token})
    assert display.is_connected() and officer.is_connected()
    app.extensions["antrian.hub"].end_sessions_of("budi")
    assert not officer.is_connected()
    assert display.is_connected()  # the hall's screen named like the officer goes on
