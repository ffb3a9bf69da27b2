"""Live events across server processes (core/server/relay.py), with real `antrian serve`
processes sharing a database and the machine's Redis:

- three processes issue and call at once; a screen on each hears every version once, in
  order, so it never needs a snapshot after the one it connected with;
- two deployments on one Redis with the same mall code do not hear each other.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
import requests
import socketio
import yaml

from tests.integration.pg import postgres_schema
from tests.integration.test_production_mode import REDIS_URL, redis_or_skip
from tests.support.live import ROOT, LiveServer


def wait_until(condition: Any, timeout: float, step: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return bool(condition())


class Screen:
    """A display following versions as antrian-live.js does; it counts the snapshots it would
    have asked for (a gap) instead of asking, so every event it heard stays on record."""

    def __init__(self, server: LiveServer, token: str) -> None:
        self.lock = threading.Lock()
        self.version: int | None = None
        self.versions: list[int] = []
        self.gaps: list[tuple[int, int]] = []  # (held, heard): each a snapshot request
        self.early: list[int] = []
        self.statuses: list[bool] = []
        self.issued: list[str] = []
        self.client = socketio.Client(reconnection=False)
        self._in_arrival_order(self.client)
        self.client.on("snapshot", self._snapshot)
        self.client.on("live.status", lambda p: self.statuses.append(bool(p.get("ok"))))
        self.client.on("*", self._event)
        self.client.connect(
            server.base_url, auth={"token": token}, transports=["websocket"], wait_timeout=10
        )
        assert wait_until(lambda: self.version is not None, 10), "no snapshot on connect"

    @staticmethod
    def _in_arrival_order(client: socketio.Client) -> None:
        """Handle each message in the socket's reading thread, as it arrives. The client
        library hands every message to a thread of its own, so two events sent in order
        could be handled the other way round: a gap the server never made."""
        trigger = client.eio._trigger_event

        def in_order(event: str, *args: Any, **kwargs: Any) -> Any:
            if event == "message":
                kwargs["run_async"] = False
            return trigger(event, *args, **kwargs)

        client.eio._trigger_event = in_order  # type: ignore[method-assign]

    def _snapshot(self, snapshot: dict[str, Any]) -> None:
        with self.lock:
            self.version = snapshot["version"]
            held, self.early = sorted(self.early), []
        for version in held:
            self._apply(version)

    def _event(self, name: str, payload: Any) -> None:
        if not isinstance(payload, dict) or not isinstance(payload.get("version"), int):
            return
        if name == "ticket.issued":
            self.issued.append(payload["ticket"]["number"])
        if name.split(".")[0] not in ("ticket", "counter", "printer", "service"):
            return
        with self.lock:
            if self.version is None:
                self.early.append(payload["version"])
                return
        self._apply(payload["version"])

    def _apply(self, version: int) -> None:
        with self.lock:
            assert self.version is not None
            if version <= self.version:
                return
            if version != self.version + 1:
                self.gaps.append((self.version, version))
            self.versions.append(version)
            self.version = version

    def close(self) -> None:
        self.client.disconnect()


def _mall(code: str) -> dict[str, Any]:
    mall = yaml.safe_load((ROOT / "config.yaml").read_text())["mall"]
    mall["code"] = code
    return mall


@pytest.fixture
def three_servers(tmp_path: Path) -> Iterator[list[LiveServer]]:
    redis_or_skip()
    mall = _mall(f"test-{secrets.token_hex(4)}")
    with postgres_schema() as database_url:
        servers = []
        for name in ("a", "b", "c"):
            (tmp_path / name).mkdir()
            servers.append(
                LiveServer(
                    tmp_path / name, database_url=database_url, message_queue=REDIS_URL, mall=mall
                )
            )
        try:
            for server in servers:
                server.start(timeout=120)  # three at once on a busy machine
            yield servers
        finally:
            for server in servers:
                server.stop()
            servers[0].accounts.uow.engine.dispose()


@pytest.mark.postgres
@pytest.mark.redis
def test_three_processes_issuing_and_calling_at_once_reach_every_screen_in_order(
    three_servers: list[LiveServer],
) -> None:
    first = three_servers[0]
    kiosk = first.device_token("kiosk-lobby", "kiosk", kiosk="K1")
    screens = [
        Screen(server, first.device_token(f"tv-{i}", "display", zone="A"))
        for i, server in enumerate(three_servers)
    ]
    officers = []
    for number, server in zip((1, 2, 3), three_servers, strict=True):
        first.add_officer(f"officer{number}", counters=[number])
        token = server.login(f"officer{number}", counter=number)
        opened = server.api("POST", f"/counters/{number}/status", token, json={"status": "open"})
        assert opened.status_code == 200, opened.text
        officers.append((server, number, token))
    failures: list[str] = []

    def issue(server: LiveServer, count: int) -> None:
        with requests.Session() as http:
            for i in range(count):
                response = http.post(
                    f"{server.base_url}/api/v1/tickets",
                    json={"service": ("KTP", "KK", "AKTA")[i % 3]},
                    headers={"Authorization": f"Bearer {kiosk}"},
                    timeout=20,
                )
                if response.status_code != 201:
                    failures.append(response.text)

    def call(server: LiveServer, number: int, token: str, count: int) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        with requests.Session() as http:
            for _ in range(count):
                base = f"{server.base_url}/api/v1"
                called = http.post(f"{base}/counters/{number}/call-next", headers=headers)
                if called.status_code == 204:
                    time.sleep(0.05)  # nobody waits yet
                    continue
                for step in ("start", "finish"):
                    if called.status_code != 200:
                        failures.append(called.text)
                        return
                    ticket = called.json()["id"]
                    called = http.post(f"{base}/tickets/{ticket}/{step}", headers=headers)

    try:
        threads = [
            threading.Thread(target=issue, args=(server, 40))
            for server in three_servers
            for _ in range(2)
        ] + [threading.Thread(target=call, args=(*officer, 15)) for officer in officers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        assert not failures, failures[:3]
        final = first.api("GET", "/snapshot", kiosk).json()["version"]
        assert wait_until(lambda: all(s.version == final for s in screens), 60), (
            f"screens at {[s.version for s in screens]}, the database at {final}"
        )
        for index, screen in enumerate(screens):
            assert screen.gaps == [], f"screen on process {index} saw gaps {screen.gaps[:5]}"
            start = screen.versions[0] - 1
            assert screen.versions == list(range(start + 1, final + 1))
            assert len(screen.issued) == 240, f"screen {index} heard {len(screen.issued)} issues"
    finally:
        for screen in screens:
            screen.close()


@pytest.mark.redis
def test_two_deployments_on_one_redis_with_the_same_mall_do_not_hear_each_other(
    tmp_path: Path,
) -> None:
    redis_or_skip()
    mall = _mall(f"test-{secrets.token_hex(4)}")
    servers = []
    for name in ("one", "two"):  # each with its own SQLite database: two deployments
        (tmp_path / name).mkdir()
        servers.append(LiveServer(tmp_path / name, message_queue=REDIS_URL, mall=mall))
    try:
        for server in servers:
            server.start(timeout=120)
        one, two = servers
        kiosk_one = one.device_token("kiosk", "kiosk", kiosk="K1")
        kiosk_two = two.device_token("kiosk", "kiosk", kiosk="K1")
        screen = Screen(one, one.device_token("tv", "display", zone="A"))
        try:
            channels = {
                name.decode()
                for name in redis.Redis.from_url(REDIS_URL).pubsub_channels(
                    f"antrian:*:{mall['code']}:live"
                )
            }
            assert len(channels) == 2, channels  # one per deployment
            theirs = [
                two.api("POST", "/tickets", kiosk_two, json={"service": "KK"}).json()["number"]
                for _ in range(3)
            ]
            time.sleep(0.5)  # their events had every chance to cross over
            ours = one.api("POST", "/tickets", kiosk_one, json={"service": "KTP"}).json()
            assert wait_until(lambda: ours["number"] in screen.issued, 10)
            assert theirs == ["B001", "B002", "B003"]
            assert screen.issued == [ours["number"]], "the other deployment's tickets came in"
            assert screen.gaps == []
        finally:
            screen.close()
    finally:
        for server in servers:
            server.stop()
        for server in servers:
            server.accounts.uow.engine.dispose()
