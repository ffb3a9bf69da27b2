"""What the fault tests share: a server process that can be killed, kiosks and officers that
retry like the real pages do, a display that follows versions like antrian-live.js, a private
Redis, and the invariants every test checks against the database itself.

Every loop here is bounded (a count or a deadline), every request goes to 127.0.0.1, and
only processes started here are ended, by their own PID.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import Engine, func, select

from core.store import idempotency_keys, make_engine, mall_state, print_jobs, ticket_events
from core.store import tickets as tickets_table
from tests.conftest import require_program
from tests.support.live import ROOT, LiveServer, free_port, stop_process

# Answers after which a client sends the same request again with the same key: the server may
# or may not have acted, and says so (503) or could not say anything (no answer at all).
RETRYABLE = (502, 503, 504)


class FaultServer(LiveServer):
    """A LiveServer that can also die the hard way (SIGKILL), as on a power cut."""

    def __init__(self, directory: Path, *, ready_path: str = "/healthz", **overrides: Any):
        super().__init__(directory, **overrides)
        self.ready_path = ready_path

    @property
    def pid(self) -> int:
        assert self.process is not None, "the server is not running"
        return self.process.pid

    def kill(self) -> None:
        """SIGKILL the server process (ours, by its PID) and reap it."""
        assert self.process is not None and self.process.poll() is None, "not running"
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.process = None

    def start(self, timeout: float = 90) -> None:
        if self.ready_path == "/healthz":
            super().start(timeout)
            return
        # A server whose /healthz is meant to be unhealthy (an almost full disk): ready once
        # it answers at all.
        env = {k: v for k, v in os.environ.items() if not k.startswith("ANTRIAN_")}
        env.update(PYTHONUNBUFFERED="1", **self.extra_env)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.command_line(), cwd=ROOT, env=env, stdout=log,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.log_tail()}")
            try:
                requests.get(f"{self.base_url}{self.ready_path}", timeout=1)
                return
            except requests.RequestException:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server did not answer in {timeout}s:\n{self.log_tail()}")

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:]

    def open_counter(self, officer_token: str, number: int) -> None:
        response = self.api(
            "POST", f"/counters/{number}/status", officer_token, json={"status": "open"}
        )
        assert response.status_code == 200, response.text


def new_key() -> str:
    return uuid.uuid4().hex


# ---------------------------------------------------------------------------- kiosks
@dataclass
class IssueLoad:
    """Kiosk threads issuing tickets, each request with its own Idempotency-Key, resent with
    the same key until it is answered (as kiosk-ticket.js does), within a deadline."""

    base_url: str
    token: str
    plans: list[list[tuple[str, str]]]  # per thread: (key, service) in order
    deadline: float  # time.monotonic() after which unanswered requests are given up
    pause: float = 0.05
    acked: dict[str, dict[str, Any]] = field(default_factory=dict)
    acked_at: dict[str, float] = field(default_factory=dict)  # time.time() of the answer
    statuses: Counter[int] = field(default_factory=Counter)
    unexpected: list[tuple[str, int, str]] = field(default_factory=list)
    unanswered: list[str] = field(default_factory=list)
    # (start, end) of every attempt that got no answer at all
    lost_attempts: list[tuple[float, float]] = field(default_factory=list)
    in_flight: int = 0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._threads = [
            threading.Thread(target=self._run, args=(plan,), daemon=True) for plan in self.plans
        ]

    @property
    def keys(self) -> dict[str, str]:
        return {key: service for plan in self.plans for key, service in plan}

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def join(self) -> None:
        for thread in self._threads:
            thread.join(timeout=max(0.0, self.deadline - time.monotonic()) + 15)
        assert not any(t.is_alive() for t in self._threads), "a kiosk thread is stuck"

    def acked_count(self) -> int:
        with self._lock:
            return len(self.acked)

    def _run(self, plan: list[tuple[str, str]]) -> None:
        for key, service in plan:
            self._send_until_answered(key, service)

    def _send_until_answered(self, key: str, service: str) -> None:
        headers = {"Authorization": f"Bearer {self.token}", "Idempotency-Key": key}
        while time.monotonic() < self.deadline:
            started = time.monotonic()
            with self._lock:
                self.in_flight += 1
            try:
                response = requests.post(
                    f"{self.base_url}/api/v1/tickets",
                    json={"service": service},
                    headers=headers,
                    timeout=10,
                )
            except requests.RequestException:
                with self._lock:
                    self.lost_attempts.append((started, time.monotonic()))
                time.sleep(self.pause)
                continue
            finally:
                with self._lock:
                    self.in_flight -= 1
            with self._lock:
                self.statuses[response.status_code] += 1
            if response.status_code == 201:
                with self._lock:
                    self.acked[key] = response.json()
                    self.acked_at[key] = time.time()
                return
            if response.status_code in RETRYABLE:
                time.sleep(self.pause)
                continue
            with self._lock:
                self.unexpected.append((key, response.status_code, response.text[:300]))
            return
        with self._lock:
            self.unanswered.append(key)


def issue_plans(threads: int, per_thread: int, services: list[str]) -> list[list[tuple[str, str]]]:
    return [
        [(new_key(), services[(t + i) % len(services)]) for i in range(per_thread)]
        for t in range(threads)
    ]


def wait_until(condition: Callable[[], bool], timeout: float, step: float = 0.002) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return condition()


# ---------------------------------------------------------------------------- officers
@dataclass
class OfficerLoad:
    """Officers at their counters: call-next, start, finish, each action with its own
    Idempotency-Key, resent with the same key for `retry_window` seconds when unanswered
    (as the terminal's terminal-actions.js does); after that, like the terminal, they re-read
    the counter and go on from what the database says."""

    server: LiveServer
    tokens: dict[int, str]  # counter -> officer token
    cycles: int  # calls per counter to aim for
    deadline: float
    retry_window: float = 8.0
    pause: float = 0.05
    # acknowledged calls: (counter, ticket id, number)
    calls: list[tuple[int, str, str]] = field(default_factory=list)
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    in_progress_after_retries: list[tuple[int, str]] = field(default_factory=list)
    unexpected: list[tuple[int, str, int, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._threads = [
            threading.Thread(target=self._run, args=(counter, token), daemon=True)
            for counter, token in self.tokens.items()
        ]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def join(self) -> None:
        for thread in self._threads:
            thread.join(timeout=max(0.0, self.deadline - time.monotonic()) + 30)
        assert not any(t.is_alive() for t in self._threads), "an officer thread is stuck"

    def call_count(self) -> int:
        with self._lock:
            return len(self.calls)

    def _post(self, counter: int, token: str, path: str, action: str) -> requests.Response | None:
        """One action, resent with its key until answered; None: never answered in time."""
        key = new_key()
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": key}
        window_ends = min(self.deadline, time.monotonic() + self.retry_window)
        last: requests.Response | None = None
        while time.monotonic() < window_ends:
            try:
                last = requests.post(
                    f"{self.server.base_url}/api/v1{path}", json={}, headers=headers, timeout=10
                )
            except requests.RequestException:
                last = None
                time.sleep(self.pause)
                continue
            with self._lock:
                self.statuses[(action, last.status_code)] += 1
            if last.status_code in RETRYABLE or _in_progress(last):
                time.sleep(self.pause)
                continue
            return last
        if last is not None and _in_progress(last):
            with self._lock:
                self.in_progress_after_retries.append((counter, action))
        return None

    def _current(self, counter: int, token: str) -> dict[str, Any] | None | str:
        """The counter's active ticket as the database has it ("unknown": no answer)."""
        try:
            response = self.server.api("GET", f"/counters/{counter}", token)
        except requests.RequestException:
            return "unknown"
        if response.status_code != 200:
            return "unknown"
        return response.json()["current"]

    def _run(self, counter: int, token: str) -> None:
        done = 0
        current: dict[str, Any] | None | str = "unknown"
        while done < self.cycles and time.monotonic() < self.deadline:
            if current == "unknown":
                current = self._current(counter, token)
                if current == "unknown":
                    time.sleep(self.pause)
                    continue
            if current is None:
                response = self._post(counter, token, f"/counters/{counter}/call-next", "call")
                if response is None:
                    current = "unknown"
                    continue
                if response.status_code == 204:  # nobody waits
                    return
                if response.status_code != 200:
                    self._unexpected(counter, "call", response)
                    current = "unknown"
                    continue
                ticket = response.json()
                with self._lock:
                    self.calls.append((counter, ticket["id"], ticket["number"]))
                done += 1
                current = ticket
                continue
            assert isinstance(current, dict)
            action = "start" if current["status"] == "called" else "finish"
            response = self._post(counter, token, f"/tickets/{current['id']}/{action}", action)
            if response is None or response.status_code != 200:
                if response is not None:
                    self._unexpected(counter, action, response)
                current = "unknown"
                continue
            current = response.json() if action == "start" else None

    def _unexpected(self, counter: int, action: str, response: requests.Response) -> None:
        with self._lock:
            self.unexpected.append((counter, action, response.status_code, response.text[:300]))


def _in_progress(response: requests.Response) -> bool:
    if response.status_code != 409:
        return False
    try:
        return response.json()["error"]["code"] == "in_progress"
    except (ValueError, KeyError, TypeError):
        return False


# ---------------------------------------------------------------------------- display
class Display:
    """A hallway display over Socket.IO, following versions as antrian-live.js does: the
    snapshot on each (re)connect, then events; the events are kept with their versions so a
    test can check that none went missing."""

    def __init__(self, base_url: str, token: str, reconnection: bool = True) -> None:
        import socketio

        self.base_url = base_url
        self.token = token
        self._lock = threading.Lock()
        self.snapshots: list[dict[str, Any]] = []
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.connects = 0
        # What the server said of its link to the other processes (`live.status`), in order.
        self.live_statuses: list[bool] = []
        self.client = socketio.Client(
            reconnection=reconnection,
            reconnection_delay=0.2,
            reconnection_delay_max=1,
            randomization_factor=0.1,
        )
        self.client.on("connect", self._on_connect)
        self.client.on("snapshot", self._on_snapshot)
        self.client.on("mall.version", self._on_beacon)
        self.client.on("live.status", self._on_live_status)
        self.client.on("*", self._on_event)

    def _on_connect(self) -> None:
        with self._lock:
            self.connects += 1

    def _on_snapshot(self, snapshot: dict[str, Any]) -> None:
        with self._lock:
            self.snapshots.append(snapshot)

    def _on_beacon(self, payload: Any) -> None:
        """The server's word on the database's version: behind it, and no event closes the gap
        within a moment, take a snapshot (as antrian-live.js does)."""
        if not isinstance(payload, dict) or not isinstance(payload.get("version"), int):
            return
        if self.snapshot_count() == 0:
            return  # the snapshot sent on connect is still on its way and will be newer
        if self.state()[0] >= payload["version"]:
            return

        from socketio.exceptions import SocketIOError

        def catch_up() -> None:
            time.sleep(1.5)
            if self.state()[0] < payload["version"]:
                # Disconnected meanwhile: the next connect brings a snapshot of its own.
                with contextlib.suppress(SocketIOError):
                    self._on_snapshot(self.fresh_snapshot())

        threading.Thread(target=catch_up, daemon=True).start()

    def _on_live_status(self, payload: Any) -> None:
        if isinstance(payload, dict) and isinstance(payload.get("ok"), bool):
            with self._lock:
                self.live_statuses.append(payload["ok"])

    def _on_event(self, name: str, payload: Any) -> None:
        if isinstance(payload, dict) and isinstance(payload.get("version"), int):
            with self._lock:
                self.events.append((name, payload))

    def connect(self, timeout: float = 10) -> None:
        self.client.connect(
            self.base_url,
            auth={"token": self.token},
            transports=["websocket"],
            wait_timeout=timeout,
        )
        assert wait_until(lambda: self.snapshot_count() > 0, timeout), "no snapshot on connect"

    def disconnect(self) -> None:
        self.client.disconnect()

    def snapshot_count(self) -> int:
        with self._lock:
            return len(self.snapshots)

    def last_snapshot(self) -> dict[str, Any]:
        with self._lock:
            return self.snapshots[-1]

    def fresh_snapshot(self, timeout: float = 10) -> dict[str, Any]:
        """What a display asks for when it sees a version gap."""
        return self.client.call("snapshot", None, timeout=timeout)

    def state(self) -> tuple[int, dict[int, Any], list[int]]:
        """The display's view after its last snapshot and the events past it, applied in
        version order: (version, counter number -> current ticket, versions it lacks)."""
        with self._lock:
            snapshot = self.snapshots[-1]
            events = sorted(
                (payload for _, payload in self.events if payload["version"] > snapshot["version"]),
                key=lambda p: p["version"],
            )
        version = snapshot["version"]
        counters = {c["number"]: c["current"] for c in snapshot["counters"]}
        missing: list[int] = []
        for payload in events:
            if payload["version"] <= version:
                continue  # the same event twice
            missing.extend(range(version + 1, payload["version"]))
            version = payload["version"]
            counter = payload.get("counter")
            if isinstance(counter, dict) and counter.get("number") in counters:
                counters[counter["number"]] = counter["current"]
        return version, counters, missing


# ---------------------------------------------------------------------------- Redis
class PrivateRedis:
    """A redis-server of the test's own on a free port: no disk, stopped by its own PID."""

    def __init__(self, directory: Path) -> None:
        self.program = require_program("redis-server", "redis-server")
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10) -> None:
        import redis

        log = (self.directory / "redis.log").open("ab")
        self.process = subprocess.Popen(
            [self.program, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.directory)],
            stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        log.close()
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5)
        try:
            assert wait_until(lambda: _pings(client), timeout, step=0.05), "redis did not start"
        finally:
            client.close()

    def stop(self) -> None:
        stop_process(self.process)
        self.process = None


def _pings(client: Any) -> bool:
    import redis

    try:
        return bool(client.ping())
    except redis.RedisError:
        return False


# ---------------------------------------------------------------------------- invariants
def engine_for(server: LiveServer) -> Engine:
    return make_engine(server.settings.database_url)


def check_issued(
    engine: Engine,
    mall: str,
    kiosk: str,
    keys: dict[str, str],
    acked: dict[str, dict[str, Any]],
    *,
    services: Iterable[str] | None = None,
) -> None:
    """Every request was answered with a ticket that exists exactly once; one key, one ticket
    (the key's stored answer is that ticket); no ticket without an acknowledged request; each
    service's numbers run 1..n without a gap or a repeat."""
    assert set(acked) == set(keys), f"{len(set(keys) - set(acked))} requests never answered"
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                tickets_table.c.id,
                tickets_table.c.origin_service,
                tickets_table.c.prefix,
                tickets_table.c.sequence,
                tickets_table.c.seq,
            ).where(tickets_table.c.mall == mall)
        ).all()
        stored = {
            row.key: row
            for row in conn.execute(
                select(
                    idempotency_keys.c.key, idempotency_keys.c.status_code, idempotency_keys.c.body
                ).where(idempotency_keys.c.actor == kiosk)
            )
        }
        printed = Counter(
            seq
            for (seq,) in conn.execute(
                select(print_jobs.c.ticket_seq).where(print_jobs.c.status == "printed")
            )
        )
    if services is not None:
        wanted = set(services)
        rows = [row for row in rows if row.origin_service in wanted]
    by_id = Counter(row.id for row in rows)
    row_of = {row.id: row for row in rows}
    acked_ids = [body["id"] for body in acked.values()]
    # One key, one ticket: distinct requests got distinct tickets.
    assert len(set(acked_ids)) == len(acked_ids), "two requests were answered with one ticket"
    for key, body in acked.items():
        assert by_id[body["id"]] == 1, f"ticket {body['number']} of key {key} is not stored once"
        row = row_of[body["id"]]
        assert f"{row.prefix}{row.sequence:03d}" == body["number"]
        assert row.origin_service == keys[key]
        first = stored.get(key)
        assert first is not None and first.status_code == 201, f"key {key} has no stored answer"
        assert first.body["id"] == body["id"], f"key {key} remembers another ticket"
    orphans = sorted(f"{row.prefix}{row.sequence:03d}" for row in rows if row.id not in acked_ids)
    assert not orphans, f"tickets nobody was answered with: {orphans}"
    per_service: dict[str, list[int]] = {}
    for row in rows:
        per_service.setdefault(row.origin_service, []).append(row.sequence)
    for service, numbers in per_service.items():
        assert sorted(numbers) == list(range(1, len(numbers) + 1)), (
            f"{service}: numbers have gaps or repeats: {sorted(numbers)}"
        )
    twice = [seq for seq, count in printed.items() if count > 1]
    assert not twice, f"tickets printed by two finished jobs: {twice}"


def check_calls(engine: Engine, mall: str, calls: list[tuple[int, str, str]]) -> None:
    """Every acknowledged call is one ticket called once, at that counter; no ticket is
    called at two counters or twice."""
    ids = [ticket_id for _, ticket_id, _ in calls]
    assert len(set(ids)) == len(ids), "one ticket was acknowledged as called twice"
    with engine.connect() as conn:
        rows = conn.execute(
            select(tickets_table.c.id, ticket_events.c.counter)
            .join(tickets_table, tickets_table.c.seq == ticket_events.c.ticket_seq)
            .where(ticket_events.c.mall == mall, ticket_events.c.action == "call")
        ).all()
        status = dict(
            conn.execute(
                select(tickets_table.c.id, tickets_table.c.status).where(
                    tickets_table.c.mall == mall
                )
            ).all()
        )
    called: dict[str, list[int]] = {}
    for ticket_id, counter in rows:
        called.setdefault(ticket_id, []).append(counter)
    twice = {t: c for t, c in called.items() if len(c) > 1}
    assert not twice, f"tickets called more than once: {twice}"
    for counter, ticket_id, number in calls:
        assert called.get(ticket_id) == [counter], (
            f"{number}: acknowledged at counter {counter}, "
            f"the database has its calls at {called.get(ticket_id)}"
        )
        assert status[ticket_id] in ("called", "serving", "done"), (number, status[ticket_id])


def database_view(engine: Engine, mall: str, counters: Iterable[int]) -> dict[str, Any]:
    """What a display of `counters` should show, read straight from the tables: the version,
    each counter's active ticket and the latest calls (newest first)."""
    numbers = list(counters)
    with engine.connect() as conn:
        version = conn.execute(
            select(mall_state.c.version).where(mall_state.c.mall == mall)
        ).scalar_one()
        active = {}
        for number in numbers:
            row = conn.execute(
                select(tickets_table.c.prefix, tickets_table.c.sequence, tickets_table.c.status)
                .where(
                    tickets_table.c.mall == mall,
                    tickets_table.c.counter == number,
                    tickets_table.c.status.in_(["called", "serving"]),
                )
                .order_by(tickets_table.c.called_at.desc())
            ).all()
            assert len(row) <= 1, f"counter {number} has {len(row)} active tickets"
            active[number] = (
                {"number": f"{row[0].prefix}{row[0].sequence:03d}", "status": row[0].status}
                if row
                else None
            )
        calls = conn.execute(
            select(tickets_table.c.prefix, tickets_table.c.sequence, ticket_events.c.counter)
            .join(tickets_table, tickets_table.c.seq == ticket_events.c.ticket_seq)
            .where(
                ticket_events.c.mall == mall,
                ticket_events.c.action.in_(["call", "recall"]),
                ticket_events.c.counter.in_(numbers),
            )
            .order_by(ticket_events.c.id.desc())
            .limit(10)
        ).all()
    return {
        "version": version,
        "active": active,
        "calls": [(f"{c.prefix}{c.sequence:03d}", c.counter) for c in calls],
    }


def check_display_agrees(snapshot: dict[str, Any], expected: dict[str, Any]) -> None:
    """A display's snapshot shows what the database holds."""
    assert snapshot["version"] == expected["version"], "the snapshot's version is not the db's"
    shown = {
        c["number"]: (
            {"number": c["current"]["number"], "status": c["current"]["status"]}
            if c["current"]
            else None
        )
        for c in snapshot["counters"]
        if c["number"] in expected["active"]
    }
    assert shown == expected["active"]
    assert [(c["number"], c["counter"]) for c in snapshot["calls"]] == expected["calls"]


def ticket_count(engine: Engine, mall: str) -> int:
    with engine.connect() as conn:
        return conn.execute(
            select(func.count()).select_from(tickets_table).where(tickets_table.c.mall == mall)
        ).scalar_one()
