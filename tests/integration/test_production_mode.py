"""The production path: several server processes sharing PostgreSQL and a Redis message queue.

A change made through one process reaches a live client connected to another, and numbers
issued through both processes at once stay contiguous.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
import socketio
import yaml
from sqlalchemy import create_engine, text

from tests.conftest import services_required
from tests.integration.pg import postgres_schema
from tests.support.live import ROOT, LiveServer

REDIS_URL = "redis://127.0.0.1:6379/0"


def redis_or_skip() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        reason = f"Redis at {REDIS_URL} is unreachable: {exc}"
        if services_required():
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture
def two_servers(tmp_path: Path) -> Iterator[tuple[LiveServer, LiveServer]]:
    redis_or_skip()
    mall = yaml.safe_load((ROOT / "config.yaml").read_text())["mall"]
    # A mall code of its own: the Redis channel is per mall, so parallel runs stay apart.
    mall["code"] = f"test-{secrets.token_hex(4)}"
    with postgres_schema() as database_url:
        servers = []
        for name in ("a", "b"):
            directory = tmp_path / name
            directory.mkdir()
            server = LiveServer(
                directory, database_url=database_url, message_queue=REDIS_URL, mall=mall
            )
            servers.append(server)
        try:
            for server in servers:
                server.start()
            yield servers[0], servers[1]
        finally:
            for server in servers:
                server.stop()
            for server in servers:
                server.accounts.uow.engine.dispose()


@pytest.mark.postgres
@pytest.mark.redis
def test_a_call_through_one_process_reaches_a_display_on_the_other(two_servers) -> None:
    first, second = two_servers
    first.add_officer("rina", counters=[1])
    display_token = first.device_token("tv-lobby", "display", zone="A")
    kiosk_token = first.device_token("kiosk-lobby", "kiosk", kiosk="K1")

    called = threading.Event()
    received: list[dict] = []
    client = socketio.Client(reconnection=False)

    @client.on("ticket.called")
    def on_called(payload: dict) -> None:
        received.append(payload)
        called.set()

    snapshot_seen = threading.Event()
    client.on("snapshot", lambda _snapshot: snapshot_seen.set())
    client.connect(
        second.base_url, auth={"token": display_token}, transports=["websocket"], wait_timeout=10
    )
    try:
        assert snapshot_seen.wait(10), "the display connected to process B got no snapshot"
        issued = first.api("POST", "/tickets", kiosk_token, json={"service": "KTP"})
        assert issued.status_code == 201, issued.text
        officer_token = first.login("rina", counter=1)
        response = first.api("POST", "/counters/1/call-next", officer_token)
        assert response.status_code == 200, response.text
        assert called.wait(10), "ticket.called never reached the client on process B"
        assert received[0]["ticket"]["number"] == issued.json()["number"]
        assert received[0]["ticket"]["counter"] == 1
    finally:
        client.disconnect()


@pytest.mark.postgres
@pytest.mark.redis
def test_two_processes_issuing_at_once_share_one_sequence_and_one_quota(two_servers) -> None:
    first, second = two_servers
    quota = first.settings.service("SIM").daily_quota
    assert quota is not None and quota < 160, "the demo's SIM quota should be below 160"
    token = first.device_token("kiosk-lobby", "kiosk", kiosk="K1")
    numbers: list[str] = []
    failures: list[str] = []
    lock = threading.Lock()

    def issue(server: LiveServer, count: int) -> None:
        with requests.Session() as http:
            for _ in range(count):
                response = http.post(
                    f"{server.base_url}/api/v1/tickets",
                    json={"service": "SIM"},
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=20,
                )
                with lock:
                    if response.status_code == 201:
                        numbers.append(response.json()["number"])
                    else:
                        failures.append(response.json()["error"]["code"])

    threads = [threading.Thread(target=issue, args=(server, 40)) for server in (first, second) * 2]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    sequence = sorted(int(number.removeprefix("G")) for number in numbers)
    assert sequence == list(range(1, quota + 1))
    assert failures == ["quota_reached"] * (160 - quota)


@pytest.mark.postgres
@pytest.mark.redis
def test_a_burst_across_three_workers_stays_within_their_database_connections(
    tmp_path: Path,
) -> None:
    """Each worker keeps at most `database_connections` PostgreSQL connections: a burst of
    socket connections once opened 40 per process and PostgreSQL refused the third process.
    Requests beyond them wait their turn and are all answered."""
    redis_or_skip()
    mall = yaml.safe_load((ROOT / "config.yaml").read_text())["mall"]
    mall["code"] = f"test-{secrets.token_hex(4)}"
    with postgres_schema() as database_url:
        server = LiveServer(
            tmp_path,
            database_url=database_url,
            message_queue=REDIS_URL,
            mall=mall,
            database_connections=2,
        )
        server.serve_args = ["--workers", "3", "--threads", "24"]
        watcher = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))
        seen: list[int] = []
        done = threading.Event()
        count = text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :name")

        def watch() -> None:
            with watcher.connect() as conn:
                while not done.is_set():
                    name = f"antrian {mall['code']}"
                    seen.append(conn.execute(count, {"name": name}).scalar_one())
                    time.sleep(0.01)

        server.start(timeout=120)
        token = server.device_token("kiosk-lobby", "kiosk", kiosk="K1")
        watching = threading.Thread(target=watch)
        watching.start()
        try:
            with ThreadPoolExecutor(48) as pool:
                answers = list(
                    pool.map(
                        lambda _i: requests.post(
                            f"{server.base_url}/api/v1/tickets",
                            json={"service": "KTP"},
                            headers={"Authorization": f"Bearer {token}"},
                            timeout=30,
                        ),
                        range(96),
                    )
                )
        finally:
            done.set()
            watching.join(10)
            server.stop()
            server.accounts.uow.engine.dispose()
            watcher.dispose()
    assert [a.status_code for a in answers] == [201] * 96
    numbers = sorted(int(a.json()["number"].removeprefix("A")) for a in answers)
    assert numbers == list(range(1, 97))
    assert seen and 1 <= max(seen) <= 3 * 2, max(seen, default=None)


@pytest.mark.postgres
def test_the_start_warns_when_postgresql_cannot_take_every_workers_connections() -> None:
    from core.engine import connection_shortfall, make_engine

    with postgres_schema() as database_url:
        engine = make_engine(database_url)
        try:
            assert connection_shortfall(engine, 4) is None
            words = connection_shortfall(engine, 100_000)
        finally:
            engine.dispose()
    assert words is not None
    assert "100000 PostgreSQL connections" in words
    assert "max_connections" in words and "database_connections" in words
