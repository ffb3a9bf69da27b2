"""A SQLite database's -shm file deleted under a running server, and a fatal signal: the
first makes /healthz say what to do, the second leaves a trace in the log."""

from __future__ import annotations

import signal
import time

import pytest
import requests

pytestmark = pytest.mark.faults


def test_a_deleted_shm_file_makes_the_server_unhealthy_with_the_fix(make_server) -> None:
    server = make_server()
    server.start()
    kiosk = server.device_token("kiosk-lobby", "kiosk", kiosk="K2")
    assert server.api("POST", "/tickets", kiosk, json={"service": "KTP"}).status_code == 201
    shm = server.directory / "antrian.db-shm"
    assert shm.exists()
    assert requests.get(f"{server.base_url}/healthz", timeout=5).status_code == 200

    shm.unlink()

    health = requests.get(f"{server.base_url}/healthz", timeout=5)
    assert health.status_code == 503
    assert "restart" in " ".join(health.json()["problems"])


def test_a_fatal_signal_leaves_a_trace_in_the_log(make_server) -> None:
    server = make_server()
    server.start()
    server.process.send_signal(signal.SIGBUS)  # what a truncated shared-memory file causes
    deadline = time.monotonic() + 10
    while server.process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert server.process.poll() is not None, "the server survived a SIGBUS"
    assert "Fatal Python error: Bus error" in server.log_path.read_text()
