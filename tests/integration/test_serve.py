"""`antrian serve` as an operator runs it: gunicorn's threaded workers by default, N processes
behind one port with a message queue, Werkzeug's development server only with `--dev`.

Real processes on 127.0.0.1; what a worker did is read from the access log, whose lines name
the process that answered.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests
import socketio
import yaml

from core.server import cli
from tests.integration.test_production_mode import REDIS_URL, redis_or_skip
from tests.support.live import ROOT, LiveServer

WAIT = 10
ACCESS_LINE = re.compile(r"\[(\d+)\] INFO gunicorn\.access: \S+ \"(\w+) (\S+) HTTP/1\.1\" (\d+)")


def children(pid: int) -> set[int]:
    """The live child processes of `pid` (gunicorn's workers), from Linux /proc."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.add(int(entry.name))
    return found


def access_lines(server: LiveServer) -> list[tuple[int, str, str, int]]:
    """(pid, method, target, status) of each access line in the server's log."""
    return [
        (int(pid), method, target, int(status))
        for pid, method, target, status in ACCESS_LINE.findall(server.log_path.read_text())
    ]


def own_mall() -> dict[str, Any]:
    """The demo mall under a code of its own: the Redis channel is per mall, so test runs
    that share the Redis server stay apart."""
    mall = yaml.safe_load((ROOT / "config.yaml").read_text())["mall"]
    mall["code"] = f"test-{secrets.token_hex(4)}"
    return mall


class Screen:
    """A display connected by websocket, as the shipped pages connect."""

    def __init__(self, server: LiveServer, token: str) -> None:
        self.client = socketio.Client(reconnection=False)
        self.snapshot = threading.Event()
        self.called: list[dict[str, Any]] = []
        self.got_call = threading.Event()
        self.client.on("snapshot", lambda _snapshot: self.snapshot.set())
        self.client.on("ticket.called", self._on_called)
        self.client.connect(
            server.base_url, auth={"token": token}, transports=["websocket"], wait_timeout=WAIT
        )
        assert self.snapshot.wait(WAIT), "no snapshot on connect"

    def close(self) -> None:
        self.client.disconnect()
        # A websocket the server closed first stays open on this side until closed here.
        ws = getattr(self.client.eio, "ws", None)
        if ws is not None:
            ws.shutdown()

    def _on_called(self, payload: dict[str, Any]) -> None:
        self.called.append(payload)
        self.got_call.set()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[LiveServer]:
    server = LiveServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_serve_runs_gunicorn_with_every_start_up_duty(served: LiveServer) -> None:
    server = served
    log = server.log_path.read_text()
    assert "Using worker: core.server.production.LiveThreadWorker" in log
    assert "werkzeug" not in log.lower()
    # The first admin: made once, its password in a file only this user reads.
    secret_file = server.directory / cli.FIRST_ADMIN_FILE
    assert secret_file.stat().st_mode & 0o777 == 0o600
    assert log.count("an admin 'admin' was created") == 1
    # The worker's start-up is kept out of later garbage collections (production.py).
    set_aside = re.findall(r"(\d+) objects of the worker's start-up set aside", log)
    assert len(set_aside) == 1 and int(set_aside[0]) > 10_000, set_aside
    assert requests.get(f"{server.base_url}/healthz", timeout=WAIT).json()["ok"] is True

    server.add_officer("rina", counters=[1])
    display = Screen(server, server.device_token("tv-lobby", "display", zone="A"))
    try:
        kiosk = server.device_token("kiosk-lobby", "kiosk", kiosk="K1")
        issued = server.api("POST", "/tickets", kiosk, json={"service": "KTP"})
        assert issued.status_code == 201, issued.text
        officer = server.login("rina", counter=1)
        called = server.api("POST", "/counters/1/call-next", officer)
        assert called.status_code == 200, called.text
        assert display.got_call.wait(WAIT), "the websocket client heard no call"
        assert display.called[0]["ticket"]["number"] == issued.json()["number"]
    finally:
        display.close()

    # One access line per request, and nothing else that names it.
    marker = uuid.uuid4().hex
    assert requests.get(f"{server.base_url}/api/v1/ping?m={marker}", timeout=WAIT).ok
    deadline = time.monotonic() + WAIT
    while marker not in server.log_path.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    lines = [line for line in server.log_path.read_text().splitlines() if marker in line]
    assert len(lines) == 1 and "gunicorn.access" in lines[0], lines
    assert "Traceback" not in server.log_path.read_text()

    # A restart keeps the admin and the file; the server stopped cleanly (not killed).
    content = secret_file.read_text()
    server.restart()
    assert secret_file.read_text() == content
    assert server.log_path.read_text().count("First start") == 1


def test_a_stop_closes_live_connections_and_the_clients_hear_it(served: LiveServer) -> None:
    """SIGTERM: the worker closes its websockets instead of waiting them out, so the server
    ends well before the supervisor's patience (LiveServer kills after 10 s)."""
    server = served
    display = Screen(server, server.device_token("tv-lobby", "display", zone="A"))
    gone = threading.Event()
    display.client.on("disconnect", lambda *_: gone.set())
    assert server.process is not None
    process = server.process
    process.send_signal(signal.SIGTERM)
    assert gone.wait(WAIT), "the websocket stayed open while the server stopped"
    assert process.wait(timeout=20) == 0  # stopped on its own, not killed
    server.process = None
    display.close()


def test_workers_die_with_their_master(served: LiveServer) -> None:
    """A master killed hard (as kill -9, the OOM killer) takes its workers with it: no worker
    keeps serving unsupervised or holds the port the restarted server needs."""
    server = served
    assert server.process is not None
    workers = children(server.process.pid)
    assert len(workers) == 1
    os.kill(server.process.pid, signal.SIGKILL)
    server.process.wait(timeout=WAIT)
    server.process = None
    deadline = time.monotonic() + WAIT
    while any(Path(f"/proc/{pid}").exists() for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(Path(f"/proc/{pid}/stat").exists() for pid in workers)
    server.start()  # the port is free again


def test_several_workers_need_a_message_queue(tmp_path: Path) -> None:
    server = LiveServer(tmp_path)
    server.serve_args = ["--workers", "2"]
    with pytest.raises(RuntimeError, match="server exited early") as exited:
        server.start()
    assert "--workers 2 needs a message queue" in str(exited.value)
    assert "ANTRIAN_MESSAGE_QUEUE" in str(exited.value)
    assert not (tmp_path / "antrian.db").exists()  # refused before touching anything


@pytest.mark.redis
def test_three_workers_behind_one_port_share_calls_through_the_message_queue(
    tmp_path: Path,
) -> None:
    redis_or_skip()
    server = LiveServer(tmp_path, message_queue=REDIS_URL, mall=own_mall())
    server.serve_args = ["--workers", "3", "--threads", "8"]
    server.start(timeout=120)
    screens: list[Screen] = []
    try:
        assert server.process is not None
        workers = children(server.process.pid)
        assert len(workers) == 3
        # Every worker answers: new connections spread over the processes that accept them.
        seen: set[int] = set()
        with ThreadPoolExecutor(6) as pool:
            for _ in range(20):
                list(pool.map(lambda _i: requests.get(f"{server.base_url}/api/v1/ping"), range(30)))
                time.sleep(0.1)  # let the log catch up
                seen = {pid for pid, _, target, _ in access_lines(server) if "/ping" in target}
                if seen == workers:
                    break
        assert seen == workers

        # Long-polling would need sticky sessions: refused, the websocket transport is taken.
        polling = requests.get(f"{server.base_url}/socket.io/?EIO=4&transport=polling")
        assert polling.status_code == 400

        server.add_officer("rina", counters=[1])
        token = server.device_token("tv-lobby", "display", zone="A")
        screens = [Screen(server, token) for _ in range(6)]
        kiosk = server.device_token("kiosk-lobby", "kiosk", kiosk="K1")
        officer = server.login("rina", counter=1)
        numbers = []
        for _ in range(3):
            issued = server.api("POST", "/tickets", kiosk, json={"service": "KTP"})
            assert issued.status_code == 201, issued.text
            numbers.append(issued.json()["number"])
            called = server.api("POST", "/counters/1/call-next", officer)
            assert called.status_code == 200, called.text
            for action in ("start", "finish"):
                done = server.api("POST", f"/tickets/{called.json()['id']}/{action}", officer)
                assert done.status_code == 200, done.text
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline and any(len(s.called) < 3 for s in screens):
            time.sleep(0.05)
        for screen in screens:
            assert [c["ticket"]["number"] for c in screen.called] == numbers

        # /metrics sums the workers: whichever answers, the three tickets and calls count once.
        from tests.integration.test_operations import value

        for _ in range(6):
            text = requests.get(f"{server.base_url}/metrics", timeout=10).text
            assert value(text, "antrian_tickets_issued_total", service="KTP", channel="kiosk") == 3
            assert value(text, "antrian_tickets_called_total", service="KTP") == 3
            # Each worker's relay emitted each event to its own screens, and timed it.
            assert value(text, "antrian_event_relay_lag_seconds_count") >= 3 * 9
        assert "Traceback" not in server.log_path.read_text()
    finally:
        for screen in screens:
            screen.close()
        server.stop()


def test_dev_runs_the_development_server(tmp_path: Path) -> None:
    server = LiveServer(tmp_path)
    server.serve_args = ["--dev"]
    server.start()
    try:
        response = requests.get(f"{server.base_url}/healthz", timeout=WAIT)
        assert response.json()["ok"] is True
        assert response.headers["Server"].startswith("Werkzeug")
        assert (tmp_path / cli.FIRST_ADMIN_FILE).exists()
        display = Screen(server, server.device_token("tv-lobby", "display", zone="A"))
        display.close()
    finally:
        server.stop()


def test_a_chunked_body_over_the_limit_is_a_413_not_malformed_json(served: LiveServer) -> None:
    # Without a Content-Length the server cuts the body at the limit instead of refusing it;
    # what was left used to be judged malformed ("must be a JSON object").
    kiosk = served.device_token("kiosk-chunked", "kiosk", kiosk="K1")
    headers = {"Authorization": f"Bearer {kiosk}", "Content-Type": "application/json"}

    def chunks(size_kib: int) -> Iterator[bytes]:
        yield b'{"service": "'
        for _ in range(size_kib):
            yield b"K" * 1024
        yield b'"}'

    url = f"{served.base_url}/api/v1/tickets"
    too_large = requests.post(url, data=chunks(70), headers=headers, timeout=30)
    assert too_large.status_code == 413
    assert "64 KiB" in too_large.json()["error"]["message"]
    # A small chunked body is read as usual.
    small = requests.post(url, data=iter([b'{"service": "KTP"}']), headers=headers, timeout=30)
    assert small.status_code == 201, small.text
