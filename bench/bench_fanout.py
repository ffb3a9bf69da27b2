"""Fan-out latency: from an officer's call-next to each connected screen's `ticket.called`.

A real server (`antrian serve`, via tests.support.live.LiveServer) on 127.0.0.1; several client
processes each hold many real python-socketio clients, so the client side is not the bottleneck
of one Python interpreter. By default they are python-socketio's AsyncClient (one event loop
per process; `pip install -e '.[bench]'`); `--client python-socketio` uses its threaded Client,
which starts an OS thread for every message it receives, and `--client raw` speaks the protocol
directly. All of them share the two cores with the server. Most clients sign in with display
or kiosk tokens and sit in the mall room (they hear every call); some are visitors' ticket pages
that hear only their own ticket.

Latency is measured from just before the call-next request is sent to the moment a client's
handler runs. Both sides read time.monotonic_ns(): on Linux CLOCK_MONOTONIC is one clock for
the whole machine, so readings compare across processes (and, unlike the wall clock, never
step under NTP).

    python bench/bench_fanout.py --processes 5 --clients 100 --calls 30 --interval 0.5

Every loop is bounded: connections by a deadline, calls by --calls, waiting by timeouts.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing as mp
import os
import platform
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from tests.support.live import LiveServer  # noqa: E402

COUNTER = 3  # zone A, serves KTP
SERVICE = "KTP"
TICKET_PAGE_EVERY = 10  # one client in ten is a visitor's ticket page
CONNECT_TIMEOUT = 120.0
TICKS = os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------------- client processes
@dataclass
class Plan:
    """What one client process does; plain values, so it crosses the process boundary."""

    index: int
    port: int
    clients: list[dict[str, str]]  # each an auth dict: {"token": ...} or {"ticket": ...}
    library: str = "python-socketio"  # or "python-socketio-async", "raw"
    connect_parallel: int = 10


@dataclass
class Report:
    index: int
    connected: int = 0
    mall_clients: int = 0
    ticket_pages: int = 0
    failures: list[str] = field(default_factory=list)
    # (a ticket page?, ticket number, monotonic ns at receipt)
    receipts: list[tuple[bool, str, int]] = field(default_factory=list)
    disconnects: int = 0  # dropped by the server before the run ended

    def count_connected(self, is_page: bool) -> None:
        self.connected += 1
        if is_page:
            self.ticket_pages += 1
        else:
            self.mall_clients += 1


def client_process(plan: Plan, ready: Any, go_home: Any, results: Any) -> None:
    """Connect every client of the plan, report ready, record receipts until told to stop."""
    if plan.library == "python-socketio-async":
        asyncio.run(async_client_process(plan, ready, go_home, results))
        return
    report = Report(plan.index)
    lock = threading.Lock()
    clients: list[Any] = []
    stopping = threading.Event()

    def received(is_page: bool, number: str) -> None:
        at = time.monotonic_ns()
        with lock:
            report.receipts.append((is_page, number, at))

    def dropped() -> None:
        if not stopping.is_set():
            with lock:
                report.disconnects += 1

    def make(number: int, auth: dict[str, str]) -> None:
        is_page = "ticket" in auth
        try:
            if plan.library == "raw":
                client: Any = RawClient(plan.port, auth, is_page, received, dropped, stopping)
            else:
                client = socketio_client(plan.port, auth, is_page, received, dropped)
        except Exception as exc:  # report every refused or timed-out client
            with lock:
                report.failures.append(f"{type(exc).__name__}: {exc}")
            return
        with lock:
            clients.append(client)
            report.count_connected(is_page)

    pending = list(enumerate(plan.clients))
    deadline = time.monotonic() + CONNECT_TIMEOUT
    while pending and time.monotonic() < deadline:
        batch, pending = pending[: plan.connect_parallel], pending[plan.connect_parallel :]
        threads = [threading.Thread(target=make, args=item, daemon=True) for item in batch]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    ready.put((plan.index, report.connected, report.failures[:3]))
    go_home.wait(600)
    stopping.set()
    with lock:
        results.put(report)
    # Hang up all at once: one by one, a hundred clean disconnects take minutes.
    closers = [threading.Thread(target=quietly_disconnect, args=(c,), daemon=True) for c in clients]
    for thread in closers:
        thread.start()
    for thread in closers:
        thread.join(10)


async def async_client_process(plan: Plan, ready: Any, go_home: Any, results: Any) -> None:
    """The same with python-socketio's asyncio client: one event loop holds every client of
    the process and a received event runs as a task, where the threaded client starts an
    OS thread for each message."""
    import socketio

    report = Report(plan.index)
    clients: list[Any] = []
    stopping = False
    gate = asyncio.Semaphore(plan.connect_parallel)

    async def make(auth: dict[str, str]) -> None:
        is_page = "ticket" in auth
        client = socketio.AsyncClient(reconnection=False)

        @client.on("ticket.called")
        async def on_called(payload: dict[str, Any]) -> None:
            report.receipts.append((is_page, payload["ticket"]["number"], time.monotonic_ns()))

        @client.on("disconnect")
        async def on_disconnect(*_args: Any) -> None:
            if not stopping:
                report.disconnects += 1

        async with gate:
            try:
                await client.connect(
                    f"http://127.0.0.1:{plan.port}",
                    auth=auth,
                    transports=["websocket"],
                    wait_timeout=30,
                )
            except Exception as exc:  # report every refused or timed-out client
                report.failures.append(f"{type(exc).__name__}: {exc}")
                return
        clients.append(client)
        report.count_connected(is_page)

    await asyncio.wait_for(asyncio.gather(*(make(auth) for auth in plan.clients)), CONNECT_TIMEOUT)
    ready.put((plan.index, report.connected, report.failures[:3]))
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, go_home.wait, 600)
    stopping = True
    results.put(report)
    await asyncio.gather(*(c.disconnect() for c in clients), return_exceptions=True)


def socketio_client(
    port: int,
    auth: dict[str, str],
    is_page: bool,
    received: Callable[[bool, str], None],
    dropped: Callable[[], None],
) -> Any:
    """A python-socketio client, as a phone or a Python integration would use."""
    import socketio

    # Browsers check UTF-8 in native code; websocket-client does it in Python, which would
    # make 100 clients per process measure themselves rather than the server.
    client = socketio.Client(
        reconnection=False, websocket_extra_options={"skip_utf8_validation": True}
    )
    client.on("ticket.called", lambda payload: received(is_page, payload["ticket"]["number"]))
    client.on("disconnect", lambda *_args: dropped())
    client.connect(f"http://127.0.0.1:{port}", auth=auth, transports=["websocket"], wait_timeout=30)
    return client


class RawClient:
    """The Socket.IO protocol (Engine.IO 4) spoken directly over one WebSocket, one thread.

    python-socketio's client starts a thread for every message it receives; with a hundred
    clients per process on a two-core machine that cost lands on the clients' side of the
    measurement. This client does only what a browser tab must: open, authenticate, answer
    pings, and read events.
    """

    def __init__(
        self,
        port: int,
        auth: dict[str, str],
        is_page: bool,
        received: Callable[[bool, str], None],
        dropped: Callable[[], None],
        stopping: threading.Event,
    ) -> None:
        import websocket

        self.is_page = is_page
        self.received = received
        self.dropped = dropped
        self.stopping = stopping
        self.ws = websocket.create_connection(
            f"ws://127.0.0.1:{port}/socket.io/?EIO=4&transport=websocket",
            timeout=30,
            skip_utf8_validation=True,
        )
        if not self.ws.recv().startswith("0"):  # Engine.IO open packet
            raise ConnectionError("no Engine.IO open packet")
        self.ws.send("40" + json.dumps(auth))
        for _ in range(10):  # the server may send the snapshot before its connect answer
            message = self.ws.recv()
            if message.startswith("40"):
                break
            if message.startswith("44"):
                raise ConnectionError(f"refused: {message[2:]}")
        else:
            raise ConnectionError("no Socket.IO connect answer")
        self.ws.settimeout(1.0)
        self.thread = threading.Thread(target=self.read, daemon=True)
        self.thread.start()

    def read(self) -> None:
        import websocket

        while not self.stopping.is_set():
            try:
                message = self.ws.recv()
            except websocket.WebSocketTimeoutException:
                continue
            except (websocket.WebSocketException, OSError):
                self.dropped()
                return
            if message == "2":
                self.ws.send("3")
            elif message.startswith('42["ticket.called"'):
                self.received(self.is_page, json.loads(message[2:])[1]["ticket"]["number"])
            elif message.startswith("1") or message.startswith("41"):
                self.dropped()
                return

    def disconnect(self) -> None:
        self.stopping.set()
        with contextlib.suppress(Exception):
            self.ws.send("41")
            self.ws.close()


def quietly_disconnect(client: Any) -> None:
    with contextlib.suppress(Exception):  # shutting down: nothing left to report
        client.disconnect()


# ---------------------------------------------------------------------- the driver
def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def run(args: argparse.Namespace) -> dict[str, Any]:
    total = args.processes * args.clients
    with tempfile.TemporaryDirectory(prefix="antrian-fanout-") as tmp:
        server = LiveServer(Path(tmp))
        server.start()
        try:
            return drive(server, args, total)
        finally:
            server.stop()


@dataclass
class Call:
    counter: int
    session: requests.Session


def officer_session(server: LiveServer, counter: int) -> requests.Session:
    name = f"petugas{counter}"
    server.add_officer(name, counters=[counter])
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {server.login(name, counter=counter)}"
    return session


def issue(server: LiveServer, session: requests.Session, service: str) -> dict[str, Any]:
    response = session.post(f"{server.base_url}/api/v1/tickets", json={"service": service})
    response.raise_for_status()
    return response.json()


def prepare_calls(
    server: LiveServer, args: argparse.Namespace
) -> tuple[list[Call], list[dict[str, Any]]]:
    """The calls to make, and the tickets the visitors' pages follow (those likely called).

    `counters`: each call at a different counter, as in a busy hall, one event per call.
    `one-counter`: every call at counter 3, each followed by start and finish (three events).
    """
    if args.mode == "one-counter":
        session = officer_session(server, COUNTER)
        tickets = [issue(server, session, SERVICE) for _ in range(args.calls)]
        return [Call(COUNTER, session)] * args.calls, tickets
    calls, followed = [], []
    for counter in server.settings.counters[: args.calls]:
        session = officer_session(server, counter.number)
        # Two tickets per counter: a counter serving several services may take a neighbour's.
        followed.append(issue(server, session, counter.services[0]))
        issue(server, session, counter.services[0])
        calls.append(Call(counter.number, session))
    return calls, followed


def drive(server: LiveServer, args: argparse.Namespace, total: int) -> dict[str, Any]:
    base = server.base_url
    calls, tickets = prepare_calls(server, args)
    mall_tokens = [
        server.device_token("layar-a1", "display", zone="A"),
        server.device_token("layar-a2", "display", zone="A"),
        server.device_token("layar-b1", "display", zone="B"),
        server.device_token("layar-b2", "display", zone="B"),
        server.device_token("anjungan-1", "kiosk", kiosk="K1"),
    ]

    auths: list[dict[str, str]] = []
    watched: dict[str, int] = {}  # ticket number -> ticket pages following it
    for number in range(total):
        if number % TICKET_PAGE_EVERY == TICKET_PAGE_EVERY - 1:
            ticket = tickets[sum(watched.values()) % len(tickets)]
            auths.append({"ticket": ticket["id"]})
            watched[ticket["number"]] = watched.get(ticket["number"], 0) + 1
        else:
            auths.append({"token": mall_tokens[number % len(mall_tokens)]})

    context = mp.get_context("spawn")
    ready, results, go_home = context.Queue(), context.Queue(), context.Event()
    processes = []
    for index in range(args.processes):
        plan = Plan(index, server.port, auths[index :: args.processes], args.client)
        process = context.Process(target=client_process, args=(plan, ready, go_home, results))
        process.start()
        processes.append(process)
    try:
        connected = 0
        for _ in processes:
            index, count, failures = ready.get(timeout=CONNECT_TIMEOUT + 60)
            connected += count
            if failures:
                print(f"process {index}: {len(failures)}+ failed to connect: {failures}")
        print(f"{connected}/{total} clients connected; calling {args.calls} tickets", flush=True)
        time.sleep(1.0)  # let the last snapshots drain

        sent: dict[str, int] = {}
        request_ms: list[float] = []
        assert server.process is not None
        cpu_before = cpu_seconds(server.process.pid)
        began = time.monotonic()
        for i, call in enumerate(calls):
            slot = began + i * args.interval
            time.sleep(max(0.0, slot - time.monotonic()))
            at = time.monotonic_ns()
            response = call.session.post(f"{base}/api/v1/counters/{call.counter}/call-next")
            request_ms.append((time.monotonic_ns() - at) / 1e6)
            response.raise_for_status()
            if response.status_code == 204:
                print(f"counter {call.counter} found no ticket; call not measured")
                continue
            called = response.json()
            sent[called["number"]] = at
            if args.mode == "one-counter":
                for action in ("start", "finish"):
                    call.session.post(f"{base}/api/v1/tickets/{called['id']}/{action}")
        time.sleep(args.settle)
        cpu_used = cpu_seconds(server.process.pid) - cpu_before
        elapsed = time.monotonic() - began
        go_home.set()
        reports: list[Report] = [results.get(timeout=120) for _ in processes]
    finally:
        go_home.set()
        for process in processes:
            process.join(30)
            if process.is_alive():
                process.terminate()

    return summarize(args, total, reports, sent, watched, request_ms, cpu_used, elapsed)


def summarize(
    args: argparse.Namespace,
    total: int,
    reports: list[Report],
    sent: dict[str, int],
    watched: dict[str, int],
    request_ms: list[float],
    cpu_used: float,
    elapsed: float,
) -> dict[str, Any]:
    mall_clients = sum(r.mall_clients for r in reports)
    ticket_pages = sum(r.ticket_pages for r in reports)
    mall_ms: list[float] = []
    page_ms: list[float] = []
    per_process: list[float] = []
    for report in reports:
        own: list[float] = []
        for is_page, number, at in report.receipts:
            if number not in sent:
                continue
            ms = (at - sent[number]) / 1e6
            own.append(ms)
            (page_ms if is_page else mall_ms).append(ms)
        per_process.append(percentile(own, 50))
    expected_pages = sum(count for number, count in watched.items() if number in sent)
    return {
        "total": total,
        "connected": mall_clients + ticket_pages,
        "mall_clients": mall_clients,
        "ticket_pages": ticket_pages,
        "calls": len(sent),
        "mall_expected": mall_clients * len(sent),
        "mall_delivered": len(mall_ms),
        "pages_expected": expected_pages,
        "pages_delivered": len(page_ms),
        "mall_p50": percentile(mall_ms, 50),
        "mall_p90": percentile(mall_ms, 90),
        "mall_p99": percentile(mall_ms, 99),
        "mall_max": max(mall_ms) if mall_ms else float("nan"),
        "page_p50": percentile(page_ms, 50),
        "page_p99": percentile(page_ms, 99),
        "request_p50": percentile(request_ms, 50),
        "request_p99": percentile(request_ms, 99),
        "per_process_p50": per_process,
        "disconnects": sum(r.disconnects for r in reports),
        "server_cpu_s": cpu_used,
        "elapsed_s": elapsed,
    }


def render(result: dict[str, Any], args: argparse.Namespace) -> str:
    mall_ratio = (
        result["mall_delivered"] / result["mall_expected"] if result["mall_expected"] else 0
    )
    page_ratio = (
        result["pages_delivered"] / result["pages_expected"] if result["pages_expected"] else 0
    )
    lines = [
        f"clients: {result['connected']}/{result['total']} connected "
        f"({result['mall_clients']} display/kiosk in the mall room, "
        f"{result['ticket_pages']} ticket pages) in {args.processes} processes, "
        f"{args.client} clients",
        f"calls: {result['calls']} at {args.interval} s intervals ({args.mode}); "
        f"server CPU {result['server_cpu_s']:.1f} s over {result['elapsed_s']:.1f} s",
        "",
        "| receivers | delivered | p50 ms | p90 ms | p99 ms | max ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
        f"| display/kiosk (mall room) | {result['mall_delivered']}/{result['mall_expected']} "
        f"({mall_ratio:.1%}) | {result['mall_p50']:.1f} | {result['mall_p90']:.1f} | "
        f"{result['mall_p99']:.1f} | {result['mall_max']:.1f} |",
        f"| ticket pages (own ticket) | {result['pages_delivered']}/{result['pages_expected']} "
        f"({page_ratio:.1%}) | {result['page_p50']:.1f} | - | {result['page_p99']:.1f} | - |",
        "",
        f"call-next request itself: p50 {result['request_p50']:.1f} ms, "
        f"p99 {result['request_p99']:.1f} ms",
        "p50 per client process: "
        + ", ".join(f"{v:.1f}" for v in result["per_process_p50"])
        + " ms",
        f"unexpected disconnects: {result['disconnects']}",
        f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}; clients and server share it",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--processes", type=int, default=5)
    parser.add_argument("--clients", type=int, default=100, help="clients per process")
    parser.add_argument("--calls", type=int, default=30)
    parser.add_argument("--interval", type=float, default=0.5, help="seconds between calls")
    parser.add_argument(
        "--client",
        choices=["python-socketio", "python-socketio-async", "raw"],
        default="python-socketio-async",
        help="client: python-socketio's threaded Client, its AsyncClient (one event loop per "
        "process, aiohttp), or the protocol spoken directly (lighter)",
    )
    parser.add_argument("--mode", choices=["counters", "one-counter"], default="counters")
    parser.add_argument("--settle", type=float, default=3.0, help="wait after the last call")
    args = parser.parse_args(argv)
    if not 1 <= args.processes <= 32 or not 1 <= args.clients <= 1000:
        parser.error("use 1-32 processes of 1-1000 clients")
    if not 1 <= args.calls <= (38 if args.mode == "counters" else 140):
        parser.error("use 1-38 calls (one per counter) or, with one counter, 1-140")
    result = run(args)
    print(render(result, args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
