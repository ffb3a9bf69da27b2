"""Open connections are re-checked: an expired session, an account disabled from the command
line or a revoked device loses its socket, and the counter its officer left open closes."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import socketio
from sqlalchemy import update

from core.accounts import token_hash
from core.store import auth_sessions, make_engine
from tests.support.live import ROOT, LiveServer

PASSWORD = "rahasia-123"
WAIT = 10


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = LiveServer(Path(tmp_path_factory.mktemp("live-sessions")))
    live.extra_env["ANTRIAN_SESSION_CHECK_SECONDS"] = "0.3"
    live.start()
    live.add_admin("kepala")
    yield live
    live.stop()


@pytest.fixture(scope="module")
def admin(server: LiveServer) -> str:
    return server.login("kepala", "rahasia-admin")


class Listener:
    def __init__(self, server: LiveServer, token: str) -> None:
        self.names: list[str] = []
        self.disconnected = threading.Event()
        self.client = socketio.Client(reconnection=False)
        self.client.on("*", lambda name, *_: self.names.append(name))
        self.client.on("disconnect", lambda *_: self.disconnected.set())
        self.client.connect(server.base_url, auth={"token": token}, wait_timeout=WAIT)

    def close(self) -> None:
        if self.client.connected:
            self.client.disconnect()


def antrian(server: LiveServer, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANTRIAN_")}
    return subprocess.run(
        [sys.executable, "-m", "core.server.cli", "--config", str(server.config_path), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def counter_status(server: LiveServer, admin: str, number: int) -> str:
    snapshot = server.api("GET", "/snapshot", admin).json()
    return next(c for c in snapshot["counters"] if c["number"] == number)["status"]


def officer_at(server: LiveServer, counter: int) -> tuple[str, str]:
    name = f"petugas-{uuid.uuid4().hex[:6]}"
    server.add_officer(name, PASSWORD, [counter])
    return name, server.login(name, PASSWORD, counter)


def wait_until(predicate: Any, timeout: float = WAIT) -> bool:
    event = threading.Event()
    deadline = datetime.now() + timedelta(seconds=timeout)
    while datetime.now() < deadline:
        if predicate():
            return True
        event.wait(0.1)
    return predicate()


def test_an_expired_session_loses_its_socket_and_its_counter_closes(
    server: LiveServer, admin: str
) -> None:
    _, token = officer_at(server, 30)
    assert counter_status(server, admin, 30) == "open"
    officer = Listener(server, token)
    watcher = Listener(server, admin)
    try:
        engine = make_engine(server.settings.database_url)
        with engine.begin() as conn:
            conn.execute(
                update(auth_sessions)
                .where(auth_sessions.c.token_hash == token_hash(token))
                .values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
            )
        engine.dispose()
        assert officer.disconnected.wait(WAIT), "the expired session kept its socket"
        assert "session.ended" in officer.names
        assert wait_until(lambda: counter_status(server, admin, 30) == "closed")
        assert wait_until(lambda: "counter.updated" in watcher.names)
        assert not watcher.disconnected.is_set()  # a valid session is left alone
    finally:
        officer.close()
        watcher.close()


def test_disabling_from_the_command_line_cuts_the_socket_and_closes_the_counter(
    server: LiveServer, admin: str
) -> None:
    name, token = officer_at(server, 31)
    officer = Listener(server, token)
    try:
        done = antrian(server, "user", "disable", name)
        assert done.returncode == 0, done.stderr
        assert officer.disconnected.wait(WAIT), "the disabled officer kept the socket"
        assert wait_until(lambda: counter_status(server, admin, 31) == "closed")
        assert wait_until(lambda: server.api("GET", "/counters/31", token).status_code == 401)
    finally:
        officer.close()


def test_a_revoked_device_is_listed_refused_and_cut_off(server: LiveServer, admin: str) -> None:
    token = server.device_token("kiosk-revoked", "kiosk", kiosk="K1")
    display = server.device_token("tv-tetap", "display", zone="A")
    kiosk = Listener(server, token)
    tv = Listener(server, display)
    try:
        listed = antrian(server, "device", "list")
        assert listed.returncode == 0, listed.stderr
        line = next(x for x in listed.stdout.splitlines() if x.startswith("kiosk-revoked"))
        assert "active" in line and "kiosk=K1" in line
        assert token not in listed.stdout  # tokens are never shown again

        done = antrian(server, "device", "revoke", "kiosk-revoked")
        assert done.returncode == 0, done.stderr
        assert kiosk.disconnected.wait(WAIT), "the revoked kiosk kept its socket"
        assert "session.ended" in kiosk.names
        assert wait_until(
            lambda: (
                server.api("POST", "/tickets", token, json={"service": "KTP"}).status_code == 401
            )
        )
        with pytest.raises(socketio.exceptions.ConnectionError):
            Listener(server, token)
        relisted = antrian(server, "device", "list").stdout
        assert "revoked" in next(x for x in relisted.splitlines() if x.startswith("kiosk-revoked"))
        assert not tv.disconnected.is_set()
    finally:
        kiosk.close()
        tv.close()
    missing = antrian(server, "device", "revoke", "no-such-device")
    assert missing.returncode == 1
    assert "No device named" in missing.stderr
