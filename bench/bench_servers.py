"""Which server `antrian serve` runs: Werkzeug's development server against gunicorn's threaded
workers, side by side in one run.

Every configuration is started at once (idle, a server costs next to nothing), then the
phases take turns over them in `--rounds` slices, so a slower stretch of the shared machine
falls on all of them alike:

- **ping**: `GET /api/v1/ping`, the trivial endpoint, `--clients` keep-alive clients;
- **issue**: `POST /api/v1/tickets` at a printer-less kiosk, the same clients;
- **connect**: `--connects` displays connect one after another and stay connected (as screens
  do), each timed from nothing to its first snapshot: the websocket transport at once (as the
  pages connect) against long-polling first and then the upgrade (Socket.IO's default). An
  open websocket holds one of its process's threads: with 16 threads the 17th waits.

    python bench/bench_servers.py                   # ~2 min
    python bench/bench_servers.py --duration 4 --rounds 2
"""

from __future__ import annotations

import argparse
import secrets
import shutil
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

import socketio  # noqa: E402
from bench_server import Issue, Ping, issue_sequence, printerless_issuer, service_weights  # noqa: E402
from common import (  # noqa: E402
    BenchServer,
    PhaseResult,
    bench_overrides,
    machine_note,
    markdown_table,
    merged,
    run_phase,
)
from socketio.exceptions import ConnectionError as RefusedOrTimedOut  # noqa: E402

from tests.support.live import ROOT  # noqa: E402

REDIS_URL = "redis://127.0.0.1:6379/0"

# (label, `antrian serve` arguments, needs the message queue)
CONFIGURATIONS = [
    ("Werkzeug (`serve --dev`)", ["--dev"], False),
    ("gunicorn 1 process x 16 threads", ["--threads", "16"], False),
    ("gunicorn 1 process x 512 threads (default)", [], False),
    ("gunicorn 3 processes x 512 threads, Redis", ["--workers", "3"], True),
]


def open_screens(
    base_url: str, token: str, transports: list[str] | None, count: int
) -> tuple[list[float], int]:
    """Open `count` live connections one after another and keep them open (screens stay
    connected): milliseconds from each new client to its first snapshot, and how many got
    none within 5 s. Then close them all at once."""
    clients, times, failed = [], [], 0
    try:
        for _ in range(count):
            client = socketio.Client(reconnection=False)
            clients.append(client)
            got = threading.Event()
            client.on("snapshot", lambda _s, got=got: got.set())
            began = time.perf_counter()
            try:
                client.connect(
                    base_url, auth={"token": token}, transports=transports, wait_timeout=5
                )
            except RefusedOrTimedOut:
                failed += 1
                continue
            if got.wait(5):
                times.append((time.perf_counter() - began) * 1000)
            else:
                failed += 1
    finally:
        closers = [threading.Thread(target=c.disconnect, daemon=True) for c in clients]
        for closer in closers:
            closer.start()
        for closer in closers:
            closer.join(15)
    return times, failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=8, help="seconds per phase, per server")
    parser.add_argument("--rounds", type=int, default=4, help="slices the phases take turns in")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--connects", type=int, default=30, help="live connections timed")
    parser.add_argument("--no-redis", action="store_true", help="leave out the 3 processes")
    parser.add_argument("--markdown", type=Path, help="also write the report to this file")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    overrides = bench_overrides()
    mall = yaml.safe_load((ROOT / "config.yaml").read_text())["mall"]
    mall["code"] = f"bench-{secrets.token_hex(4)}"  # a Redis channel of its own
    folder = Path(tempfile.mkdtemp(prefix="antrian-bench-servers-"))
    servers: list[tuple[str, BenchServer]] = []
    try:
        for index, (label, serve_args, queue) in enumerate(CONFIGURATIONS):
            if queue and args.no_redis:
                continue
            directory = folder / str(index)
            directory.mkdir()
            extra = {"message_queue": REDIS_URL, "mall": mall} if queue else {}
            server = BenchServer(directory, **overrides, **extra)
            server.serve_args = serve_args
            print(f"Starting {label} ...", flush=True)
            server.start(timeout=60)
            servers.append((label, server))
        report = run(servers, args)
    finally:
        for _, server in servers:
            server.stop()
        shutil.rmtree(folder, ignore_errors=True)
    print(report)
    if args.markdown:
        args.markdown.write_text(report + "\n")
    return 0


def run(servers: list[tuple[str, BenchServer]], args: argparse.Namespace) -> str:
    steps: dict[str, tuple[list[Ping], list[Issue]]] = {}
    display_tokens: dict[str, str] = {}
    for label, server in servers:
        token, _ = printerless_issuer(server)
        sequence = issue_sequence(service_weights(server.settings))
        steps[label] = (
            [Ping(server.port) for _ in range(args.clients)],
            [Issue(server.port, token, sequence, i * 7) for i in range(args.clients)],
        )
        display_tokens[label] = server.device_token("bench-tv", "display", zone="A")
    slices: dict[tuple[str, str], list[PhaseResult]] = {}
    rounds = max(1, args.rounds)
    for number in range(rounds):
        print(f"round {number + 1}/{rounds}", flush=True)
        for label, server in servers:
            pingers, issuers = steps[label]
            for key, group in (("ping", pingers), ("issue", issuers)):
                # Fresh connections: one kept alive through the other servers' turns has
                # been closed by this server meanwhile (gunicorn keeps an idle one 2 s).
                for step in group:
                    step.client.close()
                result = run_phase(key, group, args.duration / rounds, server)
                slices.setdefault((label, key), []).append(result)
    rows = []
    for label, _server in servers:
        ping, issue = merged(slices[(label, "ping")]), merged(slices[(label, "issue")])
        errors = sum(p.errors for p in (ping, issue))
        rows.append(
            [
                label,
                ping.throughput,
                ping.p(0.99),
                issue.throughput,
                issue.p(0.99),
                issue.throughput / ping.throughput if ping.throughput else 0.0,
                issue.cpu_ms_per_request,
                errors,
            ]
        )
    table = markdown_table(
        [
            "server",
            "ping/s",
            "ping p99 ms",
            "issue/s",
            "issue p99 ms",
            "issue/ping",
            "server CPU ms/issue",
            "errors",
        ],
        rows,
    )
    connects = []
    for label, server in servers:
        if "--workers" in server.serve_args:  # polling is refused there
            modes = [("websocket", ["websocket"])]
        else:
            modes = [("websocket", ["websocket"]), ("polling, then upgrade", None)]
        for mode, transports in modes:
            times, failed = open_screens(
                server.base_url, display_tokens[label], transports, args.connects
            )
            times.sort()
            median = times[len(times) // 2] if times else None
            connects.append([label, mode, len(times), failed, median, max(times, default=None)])
    connect_table = markdown_table(
        ["server", "transport", "connected", "failed", "median ms to snapshot", "max ms"],
        connects,
    )
    return (
        f"{args.clients} keep-alive clients, {args.duration:g} s per phase and server in "
        f"{rounds} rounds taking turns.\n\n{table}\n\n{args.connects} displays connecting one "
        f"after another and staying connected:\n\n{connect_table}\n\n{machine_note()}"
    )


if __name__ == "__main__":
    raise SystemExit(main())
