"""Throughput and latency of issuing and calling tickets, next to a trivial endpoint.

Starts a real server (the demo mall, open all day, SQLite in a temporary folder), signs 20
officers into counters 1..20 and registers a kiosk, then runs fixed-length phases:

  ping        GET /api/v1/ping from 8 keep-alive clients (the trivial endpoint)
  issue       POST /api/v1/tickets from 8 kiosk clients, spread over the services of 1..20
  keyed       the same with a fresh Idempotency-Key on each request, as the kiosk page sends
  issue+print the same at a kiosk with the demo's dummy printer (renders and records a job)
  call-next   20 racing counters; each loop is call-next, then start and finish the ticket

and prints a markdown table (latency is of the measured request only; for call-next that is the
call-next request, start and finish are counted as "other requests"), then checks the database:
no duplicate or missing numbers, every called ticket called exactly once, by one counter.

    python bench/bench_server.py                     # `antrian serve` (gunicorn), 10 s phases
    python bench/bench_server.py --server werkzeug   # `antrian serve --dev`
    python bench/bench_server.py --duration 5 --markdown results.md
"""

from __future__ import annotations

import argparse
import itertools
import random
import signal
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from http.client import HTTPException
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    BENCH_KIOSK,
    BenchServer,
    Client,
    PhaseResult,
    Profiler,
    Step,
    bench_overrides,
    machine_note,
    markdown_table,
    merged,
    run_phase,
    summarize_stacks,
    timed,
)
from sqlalchemy import create_engine, func, select  # noqa: E402

from core.store import ticket_events, tickets  # noqa: E402

COUNTERS = range(1, 21)
PASSWORD = "bench-password-1"


# ---------------------------------------------------------------------- steps
class Ping(Step):
    def __init__(self, port: int) -> None:
        self.client = Client(port)

    def run(self) -> tuple[float, bool, int]:
        try:
            ms, status, _ = timed(lambda: self.client.request("GET", "/api/v1/ping"))
        except (OSError, HTTPException):
            return 0.0, False, 0
        return ms, status == 200, 0


class Issue(Step):
    def __init__(
        self, port: int, token: str, services: list[str], offset: int, *, keyed: bool = False
    ) -> None:
        self.client = Client(port, token)
        self.services = itertools.islice(itertools.cycle(services), offset, None)
        self.keyed = keyed  # send an Idempotency-Key, as the kiosk page does
        self.issued: list[tuple[str, str, str]] = []  # (service, number, id)
        self.statuses: Counter[int] = Counter()
        self.refusals: Counter[str] = Counter()

    def run(self) -> tuple[float, bool, int]:
        service = next(self.services)
        headers = {"Idempotency-Key": uuid.uuid4().hex} if self.keyed else None
        try:
            ms, status, body = timed(
                lambda: self.client.request(
                    "POST", "/api/v1/tickets", {"service": service}, headers=headers
                )
            )
        except (OSError, HTTPException):
            self.client.close()
            self.statuses[0] += 1
            return 0.0, False, 0
        self.statuses[status] += 1
        if status == 201:
            self.issued.append((body["service"], body["number"], body["id"]))
        else:
            self.refusals[_message(body)] += 1
        return ms, status == 201, 0


class CounterLoop(Step):
    """One officer at one counter: call the next visitor, serve them, finish, repeat."""

    def __init__(self, port: int, token: str, counter: int) -> None:
        self.client = Client(port, token)
        self.counter = counter
        self.called: list[str] = []
        self.empty = 0
        self.statuses: Counter[int] = Counter()
        self.follow_up_errors = 0

    def run(self) -> tuple[float, bool, int] | None:
        try:
            ms, status, body = timed(
                lambda: self.client.request("POST", f"/api/v1/counters/{self.counter}/call-next")
            )
        except (OSError, HTTPException):
            self.client.close()
            self.statuses[0] += 1
            return 0.0, False, 0
        self.statuses[status] += 1
        if status == 204:
            self.empty += 1
            return None  # this counter's queue ran dry: stop it and report
        if status != 200:
            return ms, False, 0
        self.called.append(body["id"])
        extra = 0
        for action in ("start", "finish"):
            extra += 1
            try:
                done, _ = self.client.request("POST", f"/api/v1/tickets/{body['id']}/{action}")
            except (OSError, HTTPException):
                self.client.close()
                done = 0
            if done != 200:
                self.follow_up_errors += 1
                break
        return ms, True, extra


def _message(body: Any) -> str:
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return str(body["error"].get("message", ""))[:160]
    return str(body)[:160]


# ---------------------------------------------------------------------- setup
def service_weights(settings: Any) -> dict[str, float]:
    """How much of counters 1..20's calling each service gets, if a counter splits evenly."""
    weights: dict[str, float] = {}
    for number in COUNTERS:
        services = settings.counter(number).services
        for code in services:
            weights[code] = weights.get(code, 0.0) + 1 / len(services)
    return weights


def issue_sequence(weights: dict[str, float], seed: int = 7) -> list[str]:
    """A shuffled list in which each service appears in proportion to its weight."""
    sequence = [code for code, weight in weights.items() for _ in range(round(weight * 6))]
    random.Random(seed).shuffle(sequence)
    return sequence


def top_up(
    server: BenchServer, token: str, weights: dict[str, float], per_counter: int, clients: int
) -> int:
    """Issue (unmeasured) until every counter has about `per_counter` visitors waiting."""
    status, body = Client(server.port).request("GET", "/api/v1/services")
    waiting = {s["code"]: s["waiting"] for s in body["services"]}
    missing = [
        code
        for code, weight in weights.items()
        for _ in range(max(0, round(weight * per_counter) - waiting.get(code, 0)))
    ]
    random.Random(11).shuffle(missing)
    lock = threading.Lock()
    issued = 0

    def work() -> None:
        nonlocal issued
        client = Client(server.port, token)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with lock:
                if not missing:
                    return
                code = missing.pop()
            status, _ = client.request("POST", "/api/v1/tickets", {"service": code})
            if status == 201:
                with lock:
                    issued += 1

    threads = [threading.Thread(target=work, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(130)
    return issued


def printerless_issuer(server: BenchServer) -> tuple[str, str]:
    """A token that issues without printing: a kiosk without a printer, if the server lets one
    issue, else an officer at the reception desk (counter 21, which takes no part in calling).
    Both run the same `issue_ticket` use case; only the kiosk one would also print.
    """
    token = server.device_token("bench-kiosk", "kiosk", kiosk=BENCH_KIOSK["code"])
    status, _ = Client(server.port, token).request("POST", "/api/v1/tickets", {"service": "IKD"})
    if status == 201:
        return token, "kiosk without printer"
    server.add_officer("resepsionis", PASSWORD, counters=[21])
    return server.login("resepsionis", PASSWORD, counter=21), "officer, no printer"


# ---------------------------------------------------------------------- checks
def verify(
    server: BenchServer, issued: list[tuple[str, str, str]], loops: list[CounterLoop]
) -> list[tuple[str, bool, str]]:
    """Read the database directly and check numbering and calling."""
    checks: list[tuple[str, bool, str]] = []
    engine = create_engine(server.settings.database_url)
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                tickets.c.seq,
                tickets.c.id,
                tickets.c.origin_service,
                tickets.c.sequence,
                tickets.c.status,
                tickets.c.counter,
            )
        ).all()
        calls = Counter(
            dict(
                conn.execute(
                    select(ticket_events.c.ticket_seq, func.count())
                    .where(ticket_events.c.action == "call")
                    .group_by(ticket_events.c.ticket_seq)
                ).all()
            )
        )
    engine.dispose()

    numbers = Counter((r.origin_service, r.sequence) for r in rows)
    duplicates = [key for key, n in numbers.items() if n > 1]
    checks.append(("no duplicate numbers in the database", not duplicates, f"{len(rows)} tickets"))
    gaps = []
    for service in {r.origin_service for r in rows}:
        seen = sorted(r.sequence for r in rows if r.origin_service == service)
        if seen != list(range(1, len(seen) + 1)):
            gaps.append(service)
    checks.append(("every service numbered 1..n without gaps", not gaps, ", ".join(gaps) or "ok"))
    answered = Counter((service, number) for service, number, _ in issued)
    checks.append(
        (
            "no number given to two kiosk answers",
            all(n == 1 for n in answered.values()),
            f"{len(issued)} measured answers",
        )
    )
    known = {r.id for r in rows}
    checks.append(
        (
            "every answered ticket is in the database",
            all(ticket_id in known for _, _, ticket_id in issued),
            "",
        )
    )

    by_id = {r.id: r for r in rows}
    called = [(loop.counter, ticket_id) for loop in loops for ticket_id in loop.called]
    called_ids = Counter(ticket_id for _, ticket_id in called)
    checks.append(
        (
            "no ticket handed to two counters",
            all(n == 1 for n in called_ids.values()),
            f"{len(called)} calls answered",
        )
    )
    once = all(calls.get(by_id[t].seq, 0) == 1 for t in called_ids if t in by_id)
    checks.append(("every called ticket has exactly one call event", once, ""))
    checks.append(
        (
            "call events match the calls answered",
            sum(calls.values()) == len(called),
            f"{sum(calls.values())} call events",
        )
    )
    right_counter = all(by_id[t].counter == c and by_id[t].status == "done" for c, t in called)
    checks.append(("each called ticket finished at the counter that called it", right_counter, ""))
    active = [r for r in rows if r.status in ("called", "serving")]
    checks.append(("no counter left with an unfinished ticket", not active, f"{len(active)} left"))
    return checks


# ---------------------------------------------------------------------- CPU cost
def cpu_costs(directory: Path, per_batch: int = 100, batches: int = 3) -> list[list[Any]]:
    """CPU milliseconds per request, in this process, one thread, through Flask's test client.

    No HTTP server, no competing client, no lock waits: what each request costs the
    interpreter. The issue/ping ratio of these costs bounds the throughput ratio of a server
    whose requests share one GIL. The least of `batches` batches is kept (noise only adds).
    """
    from common import free_port

    from core.config import load_settings
    from core.server.app import create_app
    from tests.support.live import write_all_day_config

    config = write_all_day_config(directory, free_port(), **bench_overrides())
    app = create_app(load_settings(config, environ={}))
    accounts = app.extensions["antrian.accounts"]
    accounts.add_user("resepsionis", PASSWORD, "officer", [21])
    accounts.add_user("petugas03", PASSWORD, "officer", [3])
    client = app.test_client()

    def sign_in(name: str, counter: int) -> dict[str, str]:
        body = {"username": name, "password": PASSWORD, "counter": counter}
        token = client.post("/api/v1/auth/login", json=body).get_json()["token"]
        return {"Authorization": f"Bearer {token}"}

    desk, officer = sign_in("resepsionis", 21), sign_in("petugas03", 3)
    services = ["KTP", "KIA"]  # counter 3's services
    for i in range(300):  # a morning's queue already in the table
        client.post("/api/v1/tickets", json={"service": services[i % 2]}, headers=desk)

    def measure(operation: Any) -> float:
        """`operation(i)` returns the CPU seconds of the part it measures."""
        best = float("inf")
        for _ in range(batches):
            spent = sum(operation(i) for i in range(per_batch))
            best = min(best, spent * 1000 / per_batch)
        return best

    def timed_request(method: str, path: str, expect: int, **kwargs: Any) -> tuple[float, Any]:
        began = time.process_time()
        response = client.open(path, method=method, **kwargs)
        spent = time.process_time() - began
        assert response.status_code == expect, (path, response.get_json())
        return spent, response.get_json()

    def ping(_i: int) -> float:
        return timed_request("GET", "/api/v1/ping", 200)[0]

    def issue(i: int) -> float:
        body = {"service": services[i % 2]}
        return timed_request("POST", "/api/v1/tickets", 201, json=body, headers=desk)[0]

    def call_next(_i: int) -> float:
        spent, ticket = timed_request("POST", "/api/v1/counters/3/call-next", 200, headers=officer)
        timed_request("POST", f"/api/v1/tickets/{ticket['id']}/start", 200, headers=officer)
        timed_request("POST", f"/api/v1/tickets/{ticket['id']}/finish", 200, headers=officer)
        return spent

    def finish(_i: int) -> float:
        _, ticket = timed_request("POST", "/api/v1/counters/3/call-next", 200, headers=officer)
        timed_request("POST", f"/api/v1/tickets/{ticket['id']}/start", 200, headers=officer)
        path = f"/api/v1/tickets/{ticket['id']}/finish"
        return timed_request("POST", path, 200, headers=officer)[0]

    ping_ms, issue_ms = measure(ping), measure(issue)
    call_ms, finish_ms = measure(call_next), measure(finish)
    return [
        ["GET /api/v1/ping", ping_ms, 1.0],
        ["POST /api/v1/tickets", issue_ms, issue_ms / ping_ms],
        ["POST call-next", call_ms, call_ms / ping_ms],
        ["POST .../finish", finish_ms, finish_ms / ping_ms],
    ]


# ---------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10, help="seconds per phase")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (ping, issue)")
    parser.add_argument(
        "--server",
        choices=["werkzeug", "gunicorn"],
        default="gunicorn",
        help="gunicorn: `antrian serve`; werkzeug: `antrian serve --dev`",
    )
    parser.add_argument("--threads", type=int, help="gunicorn threads (default: serve's)")
    parser.add_argument(
        "--queue-per-counter", type=int, default=120, help="visitors waiting per counter"
    )
    parser.add_argument(
        "--phases",
        default="ping,issue,keyed,print,call",
        help="comma-separated: ping,issue,keyed,print,call",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=4,
        help="ping and issue alternate in this many slices of duration/rounds each, so both "
        "meet the same machine (it is shared and its speed drifts)",
    )
    parser.add_argument("--markdown", type=Path, help="also write the results to this file")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument(
        "--profile", type=Path, help="sample the server with py-spy into this folder"
    )
    parser.add_argument(
        "--cpu-only", action="store_true", help="only the in-process CPU cost per request"
    )
    args = parser.parse_args(argv)
    # A terminated benchmark still stops the server it started (the finally blocks run).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    with tempfile.TemporaryDirectory(prefix="antrian-bench-cpu-") as folder:
        print("Measuring the CPU cost per request in-process ...", flush=True)
        costs = cpu_costs(Path(folder))
    cost_table = markdown_table(["request", "CPU ms/request", "x ping"], costs)
    cost_report = (
        "CPU cost per request, in-process (one thread, Flask test client, least of 3 "
        "batches of 100):\n\n" + cost_table
    )
    if args.cpu_only:
        print(cost_report)
        return 0

    tmp = tempfile.mkdtemp(prefix="antrian-bench-")
    server = BenchServer(Path(tmp), **bench_overrides())
    if args.server == "werkzeug":
        server.serve_args = ["--dev"]
    elif args.threads:
        server.serve_args = ["--threads", str(args.threads)]
    print(f"Starting the server ({args.server}) in {tmp} ...", flush=True)
    server.start()
    try:
        report = run(server, args)
    finally:
        server.stop()
        if not args.keep:
            import shutil

            shutil.rmtree(tmp, ignore_errors=True)
    report += "\n\n" + cost_report
    print(report)
    if args.markdown:
        args.markdown.write_text(report + "\n")
    return 0 if "FAIL" not in report else 1


def run(server: BenchServer, args: argparse.Namespace) -> str:
    settings = server.settings
    print_token = server.device_token("bench-kiosk-print", "kiosk", kiosk="K1")
    tokens: dict[int, str] = {}
    for number in COUNTERS:
        name = f"petugas{number:02d}"
        server.add_officer(name, PASSWORD, counters=[number])
        tokens[number] = server.login(name, PASSWORD, counter=number)  # opens the counter
    kiosk_token, issuer_kind = printerless_issuer(server)
    weights = service_weights(settings)
    sequence = issue_sequence(weights)
    port, n = server.port, args.clients

    phases: dict[str, PhaseResult] = {}
    slices: dict[str, list[PhaseResult]] = {}

    def phase(key: str, name: str, steps: list[Any], duration: float = args.duration) -> None:
        print(f"{name}: {len(steps)} clients, {duration:g} s", flush=True)
        profiler = None
        if args.profile:
            args.profile.mkdir(parents=True, exist_ok=True)
            assert server.process is not None
            path = args.profile / f"{key}-{len(slices.get(key, []))}.txt"
            profiler = Profiler(server.process.pid, path, duration)
        slices.setdefault(key, []).append(run_phase(name, steps, duration, server))
        phases[key] = merged(slices[key])
        if profiler:
            profiler.wait()
            summary = summarize_stacks(profiler.path)
            profiler.path.with_suffix(".summary.txt").write_text(summary + "\n")

    wanted = set(args.phases.split(","))
    issuers: list[Issue] = []
    pingers = [Ping(port) for _ in range(n)]
    if "issue" in wanted:
        issuers += [Issue(port, kiosk_token, sequence, i * 7) for i in range(n)]
    # Ping and issue take turns, so a slower or busier stretch of the machine falls on both.
    rounds = max(1, args.rounds)
    for _ in range(rounds):
        if "ping" in wanted:
            phase("ping", "ping (trivial)", pingers, args.duration / rounds)
        if "issue" in wanted:
            phase("issue", f"issue ticket ({issuer_kind})", issuers[-n:], args.duration / rounds)
    if "keyed" in wanted:
        issuers += [Issue(port, kiosk_token, sequence, i * 3, keyed=True) for i in range(n)]
        phase("keyed", "issue with Idempotency-Key (as the kiosk page)", issuers[-n:])
    if "print" in wanted:
        issuers += [Issue(port, print_token, sequence, i * 5) for i in range(n)]
        phase("print", "issue + dummy print", issuers[-n:])
    loops: list[CounterLoop] = []
    if "call" in wanted:
        topped = top_up(server, kiosk_token, weights, args.queue_per_counter, n)
        print(f"topped up the queues with {topped} tickets", flush=True)
        loops = [CounterLoop(port, tokens[c], c) for c in COUNTERS]
        phase("call", "call-next (20 counters)", loops)

    issued = [item for issuer in issuers for item in issuer.issued]
    checks = verify(server, issued, loops)
    return render(args, phases, issuers, loops, checks, slices)


def render(
    args: argparse.Namespace,
    phases: dict[str, PhaseResult],
    issuers: list[Issue],
    loops: list[CounterLoop],
    checks: list[tuple[str, bool, str]],
    slices: dict[str, list[PhaseResult]],
) -> str:
    rows = [
        [
            p.name,
            p.requests,
            p.throughput,
            p.p(50),
            p.p(99),
            p.errors,
            p.other_requests,
            p.cpu_ms_per_request,
        ]
        for p in phases.values()
    ]
    table = markdown_table(
        [
            "phase",
            "requests",
            "throughput/s",
            "p50 ms",
            "p99 ms",
            "errors",
            "other requests",
            "server CPU ms/request",
        ],
        rows,
    )
    summary: list[str] = []
    targets: list[tuple[str, bool, str]] = []
    issue, ping, calling = phases.get("issue"), phases.get("ping"), phases.get("call")
    if issue:
        targets += [
            ("issuing >= 300 tickets/s", issue.throughput >= 300, f"{issue.throughput:.0f}/s"),
            ("issuing p99 <= 50 ms", issue.p(99) <= 50, f"{issue.p(99):.1f} ms"),
        ]
    if issue and ping:
        ratio = issue.throughput / ping.throughput if ping.throughput else 0.0
        by_round = [
            f"{i.throughput / p.throughput:.2f} ({i.throughput:.0f}/{p.throughput:.0f})"
            for i, p in zip(slices["issue"], slices["ping"], strict=True)
            if p.throughput
        ]
        summary.append(
            f"Ratio issue/ping throughput: **{ratio:.2f}** (round by round: {', '.join(by_round)})."
        )
        targets.append(("issuing >= 0.5 x ping throughput", ratio >= 0.5, f"{ratio:.2f}"))
    if calling:
        total = (calling.requests + calling.other_requests) / calling.duration
        summary.append(
            f"call-next: {calling.throughput:.0f} calls/s ({total:.0f} requests/s with start "
            "and finish)."
        )
    statuses: Counter[int] = Counter()
    refusals: Counter[str] = Counter()
    for issuer in issuers:
        statuses.update(issuer.statuses)
        refusals.update(issuer.refusals)
    call_statuses: Counter[int] = Counter()
    for loop in loops:
        call_statuses.update(loop.statuses)
    dry = [loop.counter for loop in loops if loop.empty]
    follow = sum(loop.follow_up_errors for loop in loops)
    lines = [
        f"## Server benchmark ({args.server}, {args.clients} clients, {args.duration:g} s/phase"
        + (f", ping and issue in {args.rounds} alternating rounds" if args.rounds > 1 else "")
        + ")",
        "",
        f"Machine: {machine_note()}.",
        "",
        table,
        "",
        " ".join(summary),
        "",
        "Targets:",
        "",
        *[f"- {'PASS' if ok else 'MISS'} {name}: {value}" for name, ok, value in targets],
        "",
        f"Issue answers by status: {dict(sorted(statuses.items()))}; call-next answers by "
        f"status: {dict(sorted(call_statuses.items()))}; counters that ran dry: {dry or 'none'}; "
        f"failed start/finish: {follow}.",
        *[f"- refused {n}x: {message}" for message, n in refusals.most_common(5)],
        "",
        "Correctness (read from the database after the run):",
        "",
        *[
            f"- {'ok' if ok else 'FAIL'} {name}{': ' + info if info else ''}"
            for name, ok, info in checks
        ],
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
