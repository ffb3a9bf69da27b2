"""Operations: Prometheus metrics, health of the message queue, backups that restore.

Metrics are read back the way Prometheus reads them (the text format, parsed by the client
library's own parser), and compared before and after what the test did, because one process
keeps its counters for every app a test session builds.
"""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families

from core.config import Settings
from core.server.app import create_app, socketio_of
from printers.devices import RecordingPrinter
from tests.conftest import FakeClock
from tests.integration.test_production_mode import REDIS_URL, redis_or_skip
from tests.support.live import ROOT, LiveServer, free_port

PASSWORD = "rahasia-123"


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(text: str, name: str, **labels: str) -> float:
    return samples(text).get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
def printer() -> RecordingPrinter:
    return RecordingPrinter()


@pytest.fixture
def app(settings: Settings, clock: FakeClock, printer: RecordingPrinter) -> Iterator[Flask]:
    app = create_app(
        settings,
        clock=clock,
        printer_factory=lambda spec: printer,
        test_config={"TESTING": True},
    )
    yield app
    app.extensions["antrian.engine"].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def scrape(client: FlaskClient) -> str:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    return response.get_data(as_text=True)


def test_metrics_count_tickets_requests_and_waiting_per_service(app: Flask, client: FlaskClient):
    kiosk = app.extensions["antrian.accounts"].add_device("kiosk-lobby", "kiosk", kiosk="K1")
    before = scrape(client)

    for service in ("KTP", "KTP", "KK"):
        response = client.post(
            "/api/v1/tickets",
            json={"service": service},
            headers={"Authorization": f"Bearer {kiosk}"},
        )
        assert response.status_code == 201, response.get_json()
    after = scrape(client)

    issued = "antrian_tickets_issued_total"
    assert (
        value(after, issued, service="KTP", channel="kiosk")
        - value(before, issued, service="KTP", channel="kiosk")
        == 2
    )
    assert (
        value(after, issued, service="KK", channel="kiosk")
        - value(before, issued, service="KK", channel="kiosk")
        == 1
    )
    # Waiting is the database's count, not a counter of this process.
    assert value(after, "antrian_waiting_tickets", service="KTP") == 2
    assert value(after, "antrian_waiting_tickets", service="KK") == 1
    # Requests by URL rule, so a ticket id never becomes a label.
    requests_total = "antrian_http_requests_total"
    labels = {"method": "POST", "endpoint": "/api/v1/tickets", "status": "201"}
    assert value(after, requests_total, **labels) - value(before, requests_total, **labels) == 3
    count = "antrian_http_request_duration_seconds_count"
    timing = {"method": "POST", "endpoint": "/api/v1/tickets"}
    assert value(after, count, **timing) - value(before, count, **timing) == 3


def test_metrics_count_calls_and_print_failures(
    app: Flask, client: FlaskClient, printer: RecordingPrinter
):
    accounts = app.extensions["antrian.accounts"]
    accounts.add_user("siti", PASSWORD, "officer")
    kiosk = accounts.add_device("kiosk-lobby", "kiosk", kiosk="K1")
    officer = client.post(
        "/api/v1/auth/login", json={"username": "siti", "password": PASSWORD, "counter": 1}
    ).get_json()["token"]
    before = scrape(client)

    printer.failure = "paper jam"
    issued = client.post(
        "/api/v1/tickets", json={"service": "KTP"}, headers={"Authorization": f"Bearer {kiosk}"}
    ).get_json()
    assert issued["print"]["status"] == "failed"
    called = client.post(
        "/api/v1/counters/1/call-next", headers={"Authorization": f"Bearer {officer}"}
    )
    assert called.status_code == 200, called.get_json()
    after = scrape(client)

    failures = "antrian_print_failures_total"
    assert value(after, failures, kiosk="K1") - value(before, failures, kiosk="K1") == 1
    calls = "antrian_tickets_called_total"
    assert value(after, calls, service="KTP") - value(before, calls, service="KTP") == 1
    assert value(after, "antrian_waiting_tickets", service="KTP") == 0


def test_metrics_count_live_connections_by_kind(app: Flask, client: FlaskClient):
    display = app.extensions["antrian.accounts"].add_device("tv-1", "display", zone="A")
    before = value(scrape(client), "antrian_connected_clients", kind="display")

    live = socketio_of(app).test_client(app, auth={"token": display})
    assert live.is_connected()
    during = value(scrape(client), "antrian_connected_clients", kind="display")
    live.disconnect()
    after = value(scrape(client), "antrian_connected_clients", kind="display")

    assert (during - before, after - before) == (1, 0)


def test_health_says_degraded_but_serving_while_the_message_queue_is_unreachable(
    settings: Settings, clock: FakeClock
):
    import dataclasses

    nobody = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    broken = dataclasses.replace(settings, message_queue=nobody)
    app = create_app(broken, clock=clock, test_config={"TESTING": True})
    try:
        response = app.test_client().get("/healthz")
    finally:
        app.extensions["antrian.engine"].dispose()

    # Every process would fail the check at once: the balancer would take the whole mall out.
    assert response.status_code == 200
    health = response.get_json()
    assert health["ok"] is True and health["problems"] == []
    assert [d for d in health["degraded"] if d.startswith("message queue unreachable")], health


@pytest.mark.redis
def test_health_is_healthy_with_a_reachable_message_queue(settings: Settings, clock: FakeClock):
    import dataclasses

    redis_or_skip()
    app = create_app(
        dataclasses.replace(settings, message_queue=REDIS_URL),
        clock=clock,
        test_config={"TESTING": True},
    )
    try:
        response = app.test_client().get("/healthz")
    finally:
        app.extensions["antrian.engine"].dispose()
    assert response.status_code == 200, response.get_json()


def sequence_of(ticket: dict) -> int:
    """The day's sequence in a ticket's number ("A007" -> 7)."""
    return int(re.search(r"(\d+)$", ticket["number"]).group(1))


def run_cli(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "core.server.cli", "--config", str(config), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_backup_taken_while_tickets_are_issued_restores_to_a_working_mall(tmp_path: Path):
    (tmp_path / "live").mkdir()
    server = LiveServer(tmp_path / "live")
    server.start()
    token = server.device_token("kiosk-lobby", "kiosk", kiosk="K1")
    issued: list[int] = []
    failures: list[str] = []
    stop = threading.Event()

    def keep_issuing() -> None:
        while not stop.is_set():
            response = requests.post(
                f"{server.base_url}/api/v1/tickets",
                json={"service": "KTP"},
                headers={"Authorization": f"Bearer {token}"},
                timeout=10,
            )
            if response.status_code != 201:
                failures.append(response.text)
                return
            issued.append(sequence_of(response.json()))
            # About 20 a second: the service's quota (150) lasts past the backup.
            stop.wait(0.05)

    writer = threading.Thread(target=keep_issuing)
    backup = tmp_path / "backup.db"
    try:
        for _ in range(5):
            response = requests.post(
                f"{server.base_url}/api/v1/tickets",
                json={"service": "KTP"},
                headers={"Authorization": f"Bearer {token}"},
                timeout=10,
            )
            issued.append(sequence_of(response.json()))
        writer.start()
        done = run_cli(server.config_path, "backup", str(backup))
        again = run_cli(server.config_path, "backup", str(backup))
    finally:
        stop.set()
        writer.join(timeout=30)
        server.stop()

    assert failures == []
    assert done.returncode == 0, done.stderr
    assert "Backed up to" in done.stdout
    assert again.returncode != 0 and "exists already" in again.stderr
    # The copy is whole and holds a prefix of the day: numbers 1..n without gaps.
    with sqlite3.connect(backup) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        numbers = [row[0] for row in copy.execute("SELECT sequence FROM tickets ORDER BY seq")]
    assert len(numbers) >= 5
    assert numbers == list(range(1, len(numbers) + 1))
    assert set(numbers) <= set(issued)
    assert len(issued) > len(numbers)  # the kiosk kept issuing while and after it was taken

    # Restore: a server started on the copy serves the mall, and numbering goes on after
    # the last ticket the copy holds.
    (tmp_path / "restored").mkdir()
    restored = LiveServer(tmp_path / "restored", database_url=f"sqlite:///{backup}")
    restored.start()
    try:
        response = requests.post(
            f"{restored.base_url}/api/v1/tickets",
            json={"service": "KTP"},
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        current = run_cli(restored.config_path, "db", "current")
    finally:
        restored.stop()
    assert response.status_code == 201, response.text
    assert sequence_of(response.json()) == len(numbers) + 1
    assert "(head)" in current.stdout


def test_a_backup_of_postgresql_points_to_its_own_tools(tmp_path: Path):
    from core.backup import backup_database
    from core.tickets import DomainError

    with pytest.raises(DomainError, match="pg_dump"):
        backup_database("postgresql+psycopg://postgres@127.0.0.1:5432/test", tmp_path / "x")
    assert not (tmp_path / "x").exists()
