"""Live events across server processes: order, snapshots, cross-process latency, many sockets.

Several `antrian serve` processes on separate ports share one database (SQLite file, or a fresh
PostgreSQL schema) and the machine's Redis, as in production (core/server/relay.py).

`events`: kiosks issue at a steady rate spread over the processes while officers at counters
on every process call, start and finish; displays connected to each process follow versions
as static/antrian-live.js does and ask for a snapshot at every gap (a version skipped). It
reports the snapshots per display per minute, the calls a display never heard, and the time
from a call's request on one process to its `ticket.called` on displays of the others.

    python bench/bench_live.py events --rate 300 --seconds 40     # SQLite, then PostgreSQL

`sockets`: many connected clients (python-socketio AsyncClients in client processes, as
bench_fanout.py; displays and kiosks in the mall room, one in ten a visitor's ticket page)
spread over the processes; calls are made on every process in turn. One run measures 500
clients on one process and 2,000 on three, side by side:

    python bench/bench_live.py sockets --db postgres

Latency: both sides read time.monotonic_ns() (one clock for the machine on Linux). Every loop is
bounded by a deadline or a count. Only 127.0.0.1 is used, and only processes started here are
stopped, by their own handles.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import platform
import secrets
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from bench.bench_fanout import (  # noqa: E402
    TICKET_PAGE_EVERY,
    Plan,
    Report,
    client_process,
    officer_session,
    percentile,
    summarize,
)
from bench.bench_fanout import render as render_fanout  # noqa: E402
from bench.common import BENCH_KIOSK, BenchServer, Client, bench_overrides  # noqa: E402

REDIS_URL = "redis://127.0.0.1:6379/0"
CONNECT_TIMEOUT = 180.0


# ---------------------------------------------------------------------- servers
def start_servers(
    stack: ExitStack, count: int, db: str, tmp: Path, message_queue: str | None = REDIS_URL
) -> list[BenchServer]:
    mall = yaml.safe_load((ROOT / "config.yaml").read_text())["mall"]
    mall["code"] = f"bench-{secrets.token_hex(3)}"  # a channel and rows of its own
    if db == "postgres":
        from tests.integration.pg import postgres_schema

        database_url = stack.enter_context(postgres_schema())
    else:
        database_url = f"sqlite:///{tmp / 'antrian.db'}"
    servers = []
    for index in range(count):
        directory = tmp / f"server{index}"
        directory.mkdir()
        overrides: dict[str, Any] = {**bench_overrides(), "mall": mall}
        overrides["database_url"] = database_url
        if message_queue:
            overrides["message_queue"] = message_queue
        server = BenchServer(directory, **overrides)
        server.start()
        stack.callback(server.stop)
        servers.append(server)
    return servers


# ---------------------------------------------------------------------- displays
@dataclass
class DisplayReport:
    server: int
    gaps: int = 0  # each a snapshot asked for
    events: int = 0
    receipts: dict[str, int] = field(default_factory=dict)  # call number -> monotonic ns
    stale_told: int = 0
    failures: list[str] = field(default_factory=list)


def display_process(plans: list[tuple[int, int, str]], ready: Any, go_home: Any, out: Any) -> None:
    asyncio.run(_displays(plans, ready, go_home, out))


async def _displays(plans: list[tuple[int, int, str]], ready: Any, go_home: Any, out: Any) -> None:
    import socketio

    reports: list[DisplayReport] = []
    clients = []

    async def make(server: int, port: int, token: str) -> None:
        report = DisplayReport(server)
        reports.append(report)
        client = socketio.AsyncClient(reconnection=False)
        state: dict[str, Any] = {"version": None, "early": [], "resyncing": False}

        async def resync() -> None:
            if state["resyncing"]:
                return
            state["resyncing"] = True
            report.gaps += 1
            try:
                snapshot = await client.call("snapshot", None, timeout=10)
                state["version"] = snapshot["version"]
            finally:
                state["resyncing"] = False

        def apply(name: str, payload: dict[str, Any]) -> None:
            version = payload["version"]
            if version <= state["version"]:
                return
            if version != state["version"] + 1:
                asyncio.ensure_future(resync())
                return
            state["version"] = version
            report.events += 1
            if name == "ticket.called":
                report.receipts.setdefault(payload["ticket"]["number"], time.monotonic_ns())

        @client.on("snapshot")
        async def on_snapshot(snapshot: dict[str, Any]) -> None:
            state["version"] = snapshot["version"]
            early, state["early"] = sorted(state["early"], key=lambda i: i[1]["version"]), []
            for name, payload in early:
                apply(name, payload)

        @client.on("live.status")
        async def on_status(payload: dict[str, Any]) -> None:
            if not payload.get("ok"):
                report.stale_told += 1

        @client.on("*")
        async def on_any(name: str, payload: Any) -> None:
            if not isinstance(payload, dict) or not isinstance(payload.get("version"), int):
                return
            if name.split(".")[0] not in ("ticket", "counter", "printer", "service"):
                return
            if state["version"] is None:
                state["early"].append((name, payload))
                return
            apply(name, payload)

        try:
            await client.connect(
                f"http://127.0.0.1:{port}",
                auth={"token": token},
                transports=["websocket"],
                wait_timeout=30,
            )
            clients.append(client)
        except Exception as exc:  # reported, not hidden
            report.failures.append(f"{type(exc).__name__}: {exc}")

    await asyncio.gather(*(make(*plan) for plan in plans))
    ready.put(sum(1 for r in reports if not r.failures))
    await asyncio.get_running_loop().run_in_executor(None, go_home.wait, 900)
    out.put(reports)
    await asyncio.gather(*(c.disconnect() for c in clients), return_exceptions=True)


# ---------------------------------------------------------------------- load
@dataclass
class Load:
    issued: int = 0
    issue_errors: int = 0
    # What the failed issues were answered, by status and message, each with its count.
    issue_error_kinds: dict[str, int] = field(default_factory=dict)
    issue_ms: list[float] = field(default_factory=list)
    # Monotonic seconds: the kiosks' first request and the last answer to one of them.
    issue_began: float = 0.0
    issue_ended: float = 0.0
    # call number -> (server index, monotonic ns just before the request, ... at its answer)
    calls: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    call_errors: int = 0
    call_ms: list[float] = field(default_factory=list)  # the call-next request itself
    lock: threading.Lock = field(default_factory=threading.Lock)


def issuer(
    server: BenchServer, token: str, services: list[str], rate: float, until: float, load: Load
) -> None:
    client = Client(server.port, token)
    interval = 1.0 / rate
    next_at = time.monotonic()
    i = 0
    while time.monotonic() < until:
        next_at += interval
        started = time.monotonic()
        try:
            status, body = client.request(
                "POST", "/api/v1/tickets", {"service": services[i % len(services)]}
            )
        except OSError as exc:
            status, body = 0, f"{type(exc).__name__}: {exc}"
        i += 1
        with load.lock:
            load.issue_ended = max(load.issue_ended, time.monotonic())
            if status == 201:
                load.issued += 1
                load.issue_ms.append((time.monotonic() - started) * 1000)
            else:
                load.issue_errors += 1
                said = body.get("error", body) if isinstance(body, dict) else body
                kind = f"{status} {str(said)[:120]}"
                load.issue_error_kinds[kind] = load.issue_error_kinds.get(kind, 0) + 1
        time.sleep(max(0.0, next_at - time.monotonic()))


def officer(
    server: BenchServer, index: int, counter: int, pause: float, until: float, load: Load
) -> None:
    session = officer_session(server, counter)
    base = f"{server.base_url}/api/v1"
    while time.monotonic() < until:
        at = time.monotonic_ns()
        response = session.post(f"{base}/counters/{counter}/call-next")
        if response.status_code == 204:
            time.sleep(0.1)
            continue
        if response.status_code != 200:
            with load.lock:
                load.call_errors += 1
            time.sleep(0.2)
            continue
        answered = time.monotonic_ns()
        ticket = response.json()
        with load.lock:
            load.calls[ticket["number"]] = (index, at, answered)
            load.call_ms.append((answered - at) / 1e6)
        for action in ("start", "finish"):
            session.post(f"{base}/tickets/{ticket['id']}/{action}")
        time.sleep(pause)


def run_events(args: argparse.Namespace) -> str:
    with tempfile.TemporaryDirectory(prefix="antrian-live-") as tmp, ExitStack() as stack:
        servers = start_servers(stack, args.servers, args.db, Path(tmp))
        first = servers[0]
        kiosk = first.device_token("bench-kiosk", "kiosk", kiosk=BENCH_KIOSK["code"])
        plans = [
            (i, server.port, first.device_token(f"tv-{i}-{d}", "display", zone="A"))
            for i, server in enumerate(servers)
            for d in range(args.displays)
        ]
        context = mp.get_context("spawn")
        ready, out, go_home = context.Queue(), context.Queue(), context.Event()
        displays = context.Process(target=display_process, args=(plans, ready, go_home, out))
        displays.start()
        try:
            connected = ready.get(timeout=CONNECT_TIMEOUT)
            print(f"{connected}/{len(plans)} displays connected", flush=True)
            # Counters of zone A serving the services issued: each process has officers.
            counters = [c for c in first.settings.counters if c.zone == "A"][: 2 * len(servers)]
            services = sorted({s for c in counters for s in c.services})
            load = Load()
            began = time.monotonic()
            load.issue_began = began
            until = began + args.seconds
            threads = [
                threading.Thread(
                    target=issuer,
                    args=(
                        servers[t % len(servers)],
                        kiosk,
                        services,
                        args.rate / args.issuers,
                        until,
                        load,
                    ),
                )
                for t in range(args.issuers)
            ] + [
                threading.Thread(
                    target=officer,
                    args=(servers[n % len(servers)], n % len(servers), c.number, 0.5, until, load),
                )
                for n, c in enumerate(counters)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(args.seconds + 60)
            elapsed = time.monotonic() - began
            time.sleep(args.settle)
            go_home.set()
            reports: list[DisplayReport] = [r for part in [out.get(timeout=120)] for r in part]
        finally:
            go_home.set()
            displays.join(30)
            if displays.is_alive():
                displays.terminate()
        # Versions a relay had to skip (a real loss), as its log says.
        skips = sum(s.log_path.read_text().count("are not in the log") for s in servers)
    failed = "".join(f"\nissue answered {k}: {n} times" for k, n in load.issue_error_kinds.items())
    return render_events(args, load, reports, elapsed) + f"\nrelay skips logged: {skips}{failed}"


def render_events(
    args: argparse.Namespace, load: Load, reports: list[DisplayReport], elapsed: float
) -> str:
    minutes = elapsed / 60
    issuing = max(load.issue_ended - load.issue_began, 1e-9)
    cross: list[float] = []
    same: list[float] = []
    relayed: list[float] = []  # from the call's answer (committed, published) to the display
    missed = 0
    for report in reports:
        for number, (made_on, at, answered) in load.calls.items():
            got = report.receipts.get(number)
            if got is None:
                missed += 1
                continue
            (same if made_on == report.server else cross).append((got - at) / 1e6)
            if made_on != report.server:
                relayed.append((got - answered) / 1e6)
    gaps = [r.gaps for r in reports]
    lines = [
        f"{args.db}, {args.servers} processes, Redis; {len(reports)} displays "
        f"({args.displays} per process); {elapsed:.0f} s",
        "",
        "| measure | value |",
        "| --- | ---: |",
        # The rate over the kiosks' own window: the run's `elapsed` also waits for the
        # officers' last turn, which made 9,000 of 9,000 asked read as 295/s.
        f"| tickets issued (asked {args.rate:.0f}/s: {args.rate * args.seconds:.0f}) | "
        f"{load.issued} in {issuing:.1f} s = {load.issued / issuing:.0f}/s, "
        f"{load.issue_errors} errors, "
        f"p50 {percentile(load.issue_ms, 50):.0f} ms, p99 {percentile(load.issue_ms, 99):.0f} ms |",
        f"| calls (call-next, start, finish on every process) | {len(load.calls)}, "
        f"{load.call_errors} errors; the call-next request p50 "
        f"{percentile(load.call_ms, 50):.0f} ms, p99 {percentile(load.call_ms, 99):.0f} ms |",
        f"| snapshots per display per minute (at gaps) | mean "
        f"{sum(gaps) / len(gaps) / minutes:.2f}, max {max(gaps) / minutes:.2f} |",
        f"| calls a display never heard | {missed} of {len(load.calls) * len(reports)} |",
        f"| call to display, other process: p50 / p99 / max | {percentile(cross, 50):.1f} / "
        f"{percentile(cross, 99):.1f} / {max(cross, default=float('nan')):.1f} ms |",
        f"| ... from the call's answer (the relays' own part): p50 / p99 | "
        f"{percentile(relayed, 50):.1f} / {percentile(relayed, 99):.1f} ms |",
        f"| call to display, same process: p50 / p99 | {percentile(same, 50):.1f} / "
        f"{percentile(same, 99):.1f} ms |",
        f"| events per display | {min(r.events for r in reports)}-"
        f"{max(r.events for r in reports)} |",
        f"| told 'out of date' | {sum(r.stale_told for r in reports)} |",
        "",
        f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()}; servers, "
        "database, Redis, kiosks, officers and displays all share it",
    ]
    return "\n".join(lines)


# ---------------------------------------------------------------------- sockets
def run_sockets(args: argparse.Namespace) -> str:
    parts = []
    for servers, clients, queue in (
        (1, args.baseline, None),
        (args.servers, args.clients, REDIS_URL),
    ):
        with tempfile.TemporaryDirectory(prefix="antrian-sockets-") as tmp, ExitStack() as stack:
            started = start_servers(stack, servers, args.db, Path(tmp), queue)
            result, shape = drive_sockets(started, clients, args)
            parts.append(
                f"### {clients} clients on {servers} process{'es' if servers > 1 else ''} "
                f"({args.db}{', Redis' if queue else ''})\n\n" + render_fanout(result, shape)
            )
    return "\n\n".join(parts)


def drive_sockets(
    servers: list[BenchServer], total: int, args: argparse.Namespace
) -> tuple[dict[str, Any], argparse.Namespace]:
    first = servers[0]
    calls, tickets = [], []
    for counter in first.settings.counters[: args.calls]:
        server = servers[len(calls) % len(servers)]
        session = officer_session(server, counter.number)
        for n in range(2):
            response = session.post(
                f"{server.base_url}/api/v1/tickets", json={"service": counter.services[0]}
            )
            response.raise_for_status()
            if n == 0:
                tickets.append(response.json())
        calls.append((server, counter.number, session))
    tokens = [first.device_token(f"layar-{i}", "display", zone="AB"[i % 2]) for i in range(4)]
    tokens.append(first.device_token("anjungan", "kiosk", kiosk="K1"))
    auths: list[dict[str, str]] = []
    watched: dict[str, int] = {}
    for number in range(total):
        if number % TICKET_PAGE_EVERY == TICKET_PAGE_EVERY - 1:
            ticket = tickets[sum(watched.values()) % len(tickets)]
            auths.append({"ticket": ticket["id"]})
            watched[ticket["number"]] = watched.get(ticket["number"], 0) + 1
        else:
            auths.append({"token": tokens[number % len(tokens)]})
    processes_per_server = max(1, -(-total // (len(servers) * args.per_process)))
    count = processes_per_server * len(servers)
    context = mp.get_context("spawn")
    ready, results, go_home = context.Queue(), context.Queue(), context.Event()
    processes = []
    for index in range(count):
        port = servers[index % len(servers)].port
        plan = Plan(index, port, auths[index::count], "python-socketio-async")
        process = context.Process(target=client_process, args=(plan, ready, go_home, results))
        process.start()
        processes.append(process)
    try:
        for _ in processes:
            index, _count, failures = ready.get(timeout=CONNECT_TIMEOUT + 60)
            if failures:
                print(f"client process {index}: failures {failures}", flush=True)
        time.sleep(2.0)
        sent: dict[str, int] = {}
        request_ms: list[float] = []
        began = time.monotonic()
        cpu_before = sum(s.cpu_seconds() for s in servers)
        for i, (server, counter, session) in enumerate(calls):
            time.sleep(max(0.0, began + i * args.interval - time.monotonic()))
            at = time.monotonic_ns()
            response = session.post(f"{server.base_url}/api/v1/counters/{counter}/call-next")
            request_ms.append((time.monotonic_ns() - at) / 1e6)
            if response.status_code == 200:
                sent[response.json()["number"]] = at
        time.sleep(args.settle)
        cpu_used = sum(s.cpu_seconds() for s in servers) - cpu_before
        elapsed = time.monotonic() - began
        go_home.set()
        reports: list[Report] = [results.get(timeout=180) for _ in processes]
    finally:
        go_home.set()
        for process in processes:
            process.join(30)
            if process.is_alive():
                process.terminate()
    shape = argparse.Namespace(
        processes=count,
        client="python-socketio-async",
        calls=len(calls),
        interval=args.interval,
        mode="counters",
    )
    return summarize(shape, total, reports, sent, watched, request_ms, cpu_used, elapsed), shape


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    events = commands.add_parser("events")
    events.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    events.add_argument("--servers", type=int, default=3)
    events.add_argument("--rate", type=float, default=300.0, help="tickets a second, in all")
    # 24: each kiosk thread asks for its next ticket after the last is answered, so 12 threads
    # at 25/s each fell behind whenever an answer took over 40 ms (PostgreSQL's p50 is near
    # that on 2 cores): the kiosks, not the servers, then set the rate (bench/README.md).
    events.add_argument("--issuers", type=int, default=24, help="kiosk threads")
    events.add_argument("--displays", type=int, default=4, help="displays per process")
    events.add_argument("--seconds", type=float, default=40.0)
    events.add_argument("--settle", type=float, default=3.0)
    sockets = commands.add_parser("sockets")
    sockets.add_argument("--db", choices=["sqlite", "postgres"], default="postgres")
    sockets.add_argument("--servers", type=int, default=3)
    sockets.add_argument("--clients", type=int, default=2000)
    sockets.add_argument("--baseline", type=int, default=500, help="clients on one process")
    sockets.add_argument("--per-process", type=int, default=250, help="clients per client process")
    sockets.add_argument("--calls", type=int, default=30)
    sockets.add_argument("--interval", type=float, default=0.5)
    sockets.add_argument("--settle", type=float, default=5.0)
    args = parser.parse_args(argv)
    if args.command == "events":
        if not 1 <= args.servers <= 8 or not 1 <= args.rate <= 2000 or args.seconds > 600:
            parser.error("use 1-8 servers, 1-2000 tickets/s, at most 600 s")
        for db in ("sqlite", "postgres") if args.db == "both" else (args.db,):
            print(run_events(argparse.Namespace(**{**vars(args), "db": db})) + "\n", flush=True)
    else:
        if not 1 <= args.servers <= 8 or not 1 <= args.clients <= 5000 or args.calls > 38:
            parser.error("use 1-8 servers, 1-5000 clients, at most 38 calls")
        print(run_sockets(args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
