"""Issuing and calling next as the queue grows, next to a trivial endpoint, per database.

For each setup (SQLite; PostgreSQL + Redis with 1 and with 3 server processes sharing the
database and the message queue, requests taken in turn), starts real servers on the demo
mall, signs 8 officers into counters 1..8, which all call the same four services (KTP, KIA,
AKTA, IKD: the heads of four queues per call), and at each queue depth (0, 5,000, 20,000
waiting) measures:

  ping x1      GET /api/v1/ping, one client (the trivial endpoint, sequential)
  call-next x1 one officer: call-next (measured), then no-show; requests taken in turn
  ping x8      GET /api/v1/ping, 8 clients
  issue x8     POST /api/v1/tickets, 8 kiosk clients over the four services
  call-next x8 8 officers racing over the same four queues; beside it the CPU milliseconds
               per call (its no-show included) of the servers and of PostgreSQL, and how
               busy the machine's processors were (load generator included)

The waiting visitors are written straight into the database before each depth (numbered
after the ones there, 1 in 5 a priority visitor, 80 % in the four services, the rest in four
others), so the depth costs seconds, not minutes. Then it checks the database: numbers
without duplicates or gaps, every call answered once, one call event per answered call.

    python bench/bench_queue_depth.py                            # all three setups, ~4 min
    python bench/bench_queue_depth.py --setups sqlite:1 --duration 2
    python bench/bench_queue_depth.py --server-root ../other-checkout  # another version's server
    python bench/bench_queue_depth.py --past 200000   # a mall with 30 days behind it
"""

from __future__ import annotations

import argparse
import copy
import itertools
import secrets
import signal
import sys
import tempfile
import time
from collections import Counter
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from http.client import HTTPException
from pathlib import Path
from typing import Any
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))

import yaml  # noqa: E402
from common import (  # noqa: E402
    BENCH_KIOSK,
    ROOT,
    BenchServer,
    Client,
    PhaseResult,
    Step,
    bench_overrides,
    machine_busy,
    machine_note,
    markdown_table,
    named_cpu,
    run_phase,
    timed,
)
from sqlalchemy import create_engine, func, select  # noqa: E402
from sqlalchemy.exc import OperationalError  # noqa: E402

from core.numbering import local_day  # noqa: E402
from core.store import daily_sequences, ticket_events, tickets  # noqa: E402

CALLED = ("KTP", "KIA", "AKTA", "IKD")  # the four services of counters 1..8
OTHERS = ("SIM", "SKCK", "PKB", "PBB")
OFFICERS = range(1, 9)
PASSWORD = "bench-password-1"
REDIS = "redis://127.0.0.1:6379/0"


# ---------------------------------------------------------------------- clients
class Turns:
    """Requests to the servers in turn (one connection to each)."""

    def __init__(self, ports: list[int], token: str | None = None, start: int = 0) -> None:
        clients = [Client(port, token) for port in ports]
        self.clients = itertools.islice(itertools.cycle(clients), start, None)

    def request(self, method: str, path: str, body: Any = None) -> tuple[float, int, Any]:
        client = next(self.clients)
        try:
            return timed(lambda: client.request(method, path, body))
        except (OSError, HTTPException):
            client.close()
            return 0.0, 0, None


class Ping(Step):
    def __init__(self, ports: list[int], start: int) -> None:
        self.turns = Turns(ports, start=start)

    def run(self) -> tuple[float, bool, int]:
        ms, status, _ = self.turns.request("GET", "/api/v1/ping")
        return ms, status == 200, 0


class Issue(Step):
    def __init__(self, ports: list[int], token: str, start: int) -> None:
        self.turns = Turns(ports, token, start)
        self.services = itertools.islice(itertools.cycle(CALLED), start, None)
        self.issued: list[tuple[str, str]] = []

    def run(self) -> tuple[float, bool, int]:
        ms, status, body = self.turns.request(
            "POST", "/api/v1/tickets", {"service": next(self.services)}
        )
        if status == 201:
            self.issued.append((body["service"], body["number"]))
        return ms, status == 201, 0


class Officer(Step):
    """Call the next visitor (measured), mark them a no-show, again."""

    def __init__(self, ports: list[int], token: str, counter: int) -> None:
        self.turns = Turns(ports, token, counter)
        self.counter = counter
        self.called: list[str] = []
        self.statuses: Counter[int] = Counter()

    def run(self) -> tuple[float, bool, int] | None:
        ms, status, body = self.turns.request("POST", f"/api/v1/counters/{self.counter}/call-next")
        self.statuses[status] += 1
        if status == 204:
            return None
        if status != 200:
            return ms, False, 0
        self.called.append(body["id"])
        _, done, _ = self.turns.request("POST", f"/api/v1/tickets/{body['id']}/no-show")
        self.statuses[1000 + done] += 1
        return ms, True, 1


# ---------------------------------------------------------------------- setup
def mall_overrides(code: str, url: str, message_queue: str | None) -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "config.yaml").read_text())
    overrides = bench_overrides()
    # Its own mall code: the Socket.IO channel and the rate limits are per mall, and the
    # Redis server is shared.
    overrides["mall"] = {**data["mall"], "code": code}
    counters = copy.deepcopy(data["counters"])
    for counter in counters:
        if counter["number"] in OFFICERS:
            counter.update(agency="DISDUKCAPIL", services=list(CALLED), zone="A")
    # The services only counters 1..8 served go to a counter no officer signs in to: the
    # configuration needs a counter for every service, and the race stays on the four.
    served = {code for counter in counters for code in counter["services"]}
    spare = next(c for c in counters if c["number"] not in OFFICERS)
    spare["services"] += [s["code"] for s in data["services"] if s["code"] not in served]
    overrides["counters"] = counters
    overrides["database_url"] = url
    if message_queue:
        overrides["message_queue"] = message_queue
    return overrides


def patiently(action: Any, *args: Any) -> Any:
    """Run `action`, again after a pause when the shared PostgreSQL has no connection free."""
    for attempt in range(20):
        try:
            return action(*args)
        except OperationalError:
            if attempt == 19:
                raise
            time.sleep(1)


def fill(url: str, mall: str, settings: Any, target: int) -> int:
    """Add waiting visitors until `target` wait today; returns how many were added."""
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    day = local_day(datetime.now(UTC), settings.mall.tz).isoformat()
    try:
        with engine.begin() as conn:
            waiting = conn.execute(
                select(func.count()).where(
                    tickets.c.mall == mall, tickets.c.day == day, tickets.c.status == "waiting"
                )
            ).scalar_one()
            missing = max(0, target - waiting)
            if not missing:
                return 0
            last = dict(
                conn.execute(
                    select(daily_sequences.c.service, daily_sequences.c.last_number).where(
                        daily_sequences.c.mall == mall, daily_sequences.c.day == day
                    )
                ).all()
            )
            services = [*CALLED * 5, *OTHERS] * (missing // 24 + 1)
            # Arrived in the last hour, before anyone the benchmark issues: really ahead.
            start = datetime.now(UTC) - timedelta(hours=1)
            rows = []
            for i, service in enumerate(services[:missing]):
                last[service] = last.get(service, 0) + 1
                moment = start + timedelta(milliseconds=i)
                rows.append(
                    {
                        "id": secrets.token_urlsafe(12),
                        "mall": mall,
                        "day": day,
                        "service": service,
                        "origin_service": service,
                        "prefix": settings.service(service).prefix,
                        "sequence": last[service],
                        "status": "waiting",
                        "priority": "lansia" if i % 5 == 0 else None,
                        "issued_at": moment,
                        "arrived_at": moment,
                        "call_count": 0,
                        "transfers": [],
                        "channel": "kiosk",
                    }
                )
            conn.execute(tickets.insert(), rows)
            conn.execute(
                daily_sequences.delete().where(
                    daily_sequences.c.mall == mall, daily_sequences.c.day == day
                )
            )
            conn.execute(
                daily_sequences.insert(),
                [
                    {"mall": mall, "service": s, "day": day, "last_number": n}
                    for s, n in last.items()
                ],
            )
        if engine.dialect.name == "postgresql":
            # Thousands of rows in one go, into a database only minutes old: PostgreSQL's
            # statistics still say "today" holds a row or two, and until autovacuum's next
            # pass (up to a minute) the planner may read a whole day to find a queue's head.
            # A mall's database fills over hours and has its statistics: measure that.
            with engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                    "ANALYZE tickets"
                )
        return missing
    finally:
        engine.dispose()


def write_past(url: str, mall: str, settings: Any, how_many: int, days: int = 30) -> None:
    """`how_many` visitors of the days before today, called and served at counters 1..20 of
    the four services, with their call and finish events: a mall that has run for a while."""
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    today = local_day(datetime.now(UTC), settings.mall.tz)
    try:
        with engine.begin() as conn:
            for offset in range(0, how_many, 10_000):
                rows = []
                for i in range(offset, min(how_many, offset + 10_000)):
                    day = today - timedelta(days=1 + i % days)
                    # Spread over each day's morning, never past its end.
                    at = datetime.combine(day, datetime.min.time(), UTC) + timedelta(
                        hours=1, seconds=i // days
                    )
                    service = CALLED[i % len(CALLED)]
                    rows.append(
                        {
                            "id": f"past-{i}",
                            "mall": mall,
                            "day": day.isoformat(),
                            "service": service,
                            "origin_service": service,
                            "prefix": settings.service(service).prefix,
                            "sequence": i // days + 1,
                            "status": "done",
                            "counter": 1 + i % 20,
                            "issued_at": at,
                            "arrived_at": at,
                            "called_at": at,
                            "started_at": at,
                            "finished_at": at + timedelta(minutes=6),
                            "call_count": 1,
                            "transfers": [],
                            "channel": "kiosk",
                        }
                    )
                conn.execute(tickets.insert(), rows)
            seqs = conn.execute(
                select(
                    tickets.c.seq, tickets.c.service, tickets.c.counter, tickets.c.called_at
                ).where(tickets.c.mall == mall, tickets.c.day < today.isoformat())
            ).all()
            events = [
                {
                    "mall": mall,
                    "ticket_seq": r.seq,
                    "action": action,
                    "from_status": before,
                    "to_status": after,
                    "service": r.service,
                    "counter": r.counter,
                    "officer": "past",
                    "at": r.called_at + timedelta(minutes=minutes),
                    "version": 0,
                }
                for r in seqs
                for action, before, after, minutes in (
                    ("call", "waiting", "called", 0),
                    ("finish", "serving", "done", 6),
                )
            ]
            for offset in range(0, len(events), 20_000):
                conn.execute(ticket_events.insert(), events[offset : offset + 20_000])
        if engine.dialect.name == "postgresql":
            with engine.connect() as conn:
                autocommit = conn.execution_options(isolation_level="AUTOCOMMIT")
                autocommit.exec_driver_sql("ANALYZE tickets")
                autocommit.exec_driver_sql("ANALYZE ticket_events")
    finally:
        engine.dispose()


def verify(url: str, answered: list[str], day: str) -> list[tuple[str, bool, str]]:
    """Today's numbers and calls (the past days `--past` wrote are not the run's)."""
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:
        rows = conn.execute(
            select(tickets.c.id, tickets.c.origin_service, tickets.c.sequence).where(
                tickets.c.day == day
            )
        )
        numbers = Counter((r.origin_service, r.sequence) for r in rows)
        calls = conn.execute(
            select(ticket_events.c.ticket_seq, func.count())
            .join(tickets, tickets.c.seq == ticket_events.c.ticket_seq)
            .where(ticket_events.c.action == "call", tickets.c.day == day)
            .group_by(ticket_events.c.ticket_seq)
        ).all()
    engine.dispose()
    per_service: dict[str, list[int]] = {}
    for service, number in numbers:
        per_service.setdefault(service, []).append(number)
    gaps = [s for s, n in per_service.items() if sorted(n) != list(range(1, len(n) + 1))]
    return [
        ("no duplicate numbers", all(n == 1 for n in numbers.values()), f"{len(numbers)}"),
        ("every service numbered 1..n", not gaps, ", ".join(gaps) or "ok"),
        ("no ticket called twice", all(n == 1 for _, n in calls), f"{len(calls)} called"),
        ("one call answered per call event", len(calls) == len(set(answered)) == len(answered), ""),
    ]


# ---------------------------------------------------------------------- one setup
def run_setup(
    backend: str, processes: int, args: argparse.Namespace, stack: ExitStack
) -> tuple[list[list[Any]], list[tuple[str, bool, str]]]:
    folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="antrian-depth-")))
    code = f"QD{secrets.token_hex(3).upper()}"
    if backend == "postgres":
        from tests.integration.pg import postgres_schema

        url = stack.enter_context(postgres_schema())
        if args.synchronous_commit:  # a diagnosis only: what the commits' disk flush costs
            option = quote(f"-csynchronous_commit={args.synchronous_commit} ")
            url = url.replace("options=", f"options={option}", 1)
        message_queue: str | None = args.redis
    else:
        url = f"sqlite:///{folder / 'antrian.db'}"
        message_queue = None
    servers = []
    for i in range(processes):
        directory = folder / f"server{i}"
        directory.mkdir()
        server = BenchServer(
            directory,
            command=_command(args.server_root),
            **mall_overrides(code, url, message_queue),
        )
        server.start(60)
        stack.callback(server.stop)
        servers.append(server)
    ports = [s.port for s in servers]
    first = servers[0]
    tokens = {}
    for n in OFFICERS:
        first.add_officer(f"petugas{n:02d}", PASSWORD, counters=[n])
        tokens[n] = servers[n % processes].login(f"petugas{n:02d}", PASSWORD, counter=n)
    kiosk = first.device_token("bench-kiosk", "kiosk", kiosk=BENCH_KIOSK["code"])
    label = f"{'SQLite' if backend == 'sqlite' else 'PostgreSQL + Redis'}, {processes} process"
    label += "es" if processes > 1 else ""
    if args.past:
        patiently(write_past, url, code, first.settings, args.past)
        label += f", {args.past:,} past visitors"
    rows, answered = [], []
    for depth in args.depths:
        added = patiently(fill, url, code, first.settings, depth)
        print(f"{label}: {depth} waiting (+{added})", flush=True)
        results: dict[str, PhaseResult] = {}

        def phase(
            key: str,
            steps: list[Any],
            results: dict[str, PhaseResult] = results,
            depth: int = depth,
        ) -> None:
            # Every phase starts at the depth: issuing added to the queue, calling took away.
            patiently(fill, url, code, first.settings, depth)
            results[key] = run_phase(key, steps, args.duration)

        phase("ping1", [Ping(ports, 0)])
        officer = Officer(ports, tokens[1], 1)
        phase("call1", [officer])
        phase("ping8", [Ping(ports, i) for i in range(8)])
        issuers = [Issue(ports, kiosk, i) for i in range(8)]
        phase("issue8", issuers)
        racing = [Officer(ports, tokens[n], n) for n in OFFICERS]
        patiently(fill, url, code, first.settings, depth)
        # Where the racing calls' processor time goes: the servers, PostgreSQL, and the
        # machine as a whole (this load generator and the rest included).
        before = _cpu(servers)
        results["call8"] = run_phase("call8", racing, args.duration)
        cpu = [b - a for a, b in zip(before, _cpu(servers), strict=True)]
        answered += [t for o in (officer, *racing) for t in o.called]
        ping1, call1, ping8, issue8, call8 = (
            results[k] for k in ("ping1", "call1", "ping8", "issue8", "call8")
        )
        errors = sum(r.errors for r in results.values())
        rows.append(
            [
                label,
                depth,
                ping1.p(50),
                call1.p(50),
                call1.throughput,
                call1.throughput / ping1.throughput if ping1.throughput else None,
                ping8.p(50),
                issue8.p(50),
                issue8.throughput,
                issue8.throughput / ping8.throughput if ping8.throughput else None,
                call8.p(50),
                call8.p(99),
                call8.throughput,
                _per_call(cpu[0], call8),
                _per_call(cpu[1], call8) if backend == "postgres" else None,
                100 * cpu[2] / cpu[3] if cpu[3] else None,
                errors,
            ]
        )
    today = local_day(datetime.now(UTC), first.settings.mall.tz).isoformat()
    return rows, patiently(verify, url, answered, today)


def _cpu(servers: list[BenchServer]) -> tuple[float, float, float, float]:
    """CPU seconds so far: the servers', PostgreSQL's, the machine's busy and its whole."""
    busy, whole = machine_busy()
    return sum(s.cpu_seconds() for s in servers), named_cpu("postgres"), busy, whole


def _per_call(seconds: float, result: PhaseResult) -> float | None:
    """CPU milliseconds per answered call (its no-show included)."""
    return 1000 * seconds / result.ok if result.ok else None


def _command(server_root: Path | None) -> Any:
    """`antrian serve` from this checkout, or from another one (to compare versions)."""
    if server_root is None:
        return None
    root = str(server_root.resolve())

    def command(config_path: Path, port: int) -> list[str]:
        start = f"import sys; sys.path.insert(0, {root!r}); from core.server.cli import main; "
        return [
            sys.executable, "-c", start + "sys.exit(main(sys.argv[1:]))",
            "--config", str(config_path), "serve", "--host", "127.0.0.1", "--port", str(port),
        ]  # fmt: skip

    return command


HEADERS = [
    "setup",
    "waiting",
    "ping x1 p50 ms",
    "call-next x1 p50 ms",
    "call-next x1 /s",
    "call-next x1 / ping x1",
    "ping x8 p50 ms",
    "issue x8 p50 ms",
    "issue x8 /s",
    "issue x8 / ping x8",
    "call-next x8 p50 ms",
    "call-next x8 p99 ms",
    "call-next x8 /s",
    "call-next x8 server CPU ms",
    "call-next x8 PostgreSQL CPU ms",
    "call-next x8 machine busy %",
    "errors",
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--setups", default="sqlite:1,postgres:1,postgres:3")
    parser.add_argument(
        "--depths",
        default="1000,5000,20000",
        help="visitors waiting at the start of every phase (the first, short queue is what the "
        "call phases need not to run dry)",
    )
    parser.add_argument("--duration", type=float, default=3, help="seconds per phase")
    parser.add_argument("--redis", default=REDIS, help="the message queue for PostgreSQL setups")
    parser.add_argument("--server-root", type=Path, help="run the servers from this checkout")
    parser.add_argument(
        "--synchronous-commit",
        choices=["on", "off"],
        help="PostgreSQL's synchronous_commit for the servers' sessions (`off` to see what "
        "waiting for the commit's flush to disk costs; never for production)",
    )
    parser.add_argument(
        "--past",
        type=int,
        default=0,
        help="visitors of the 30 days before today written first (served, with their events)",
    )
    parser.add_argument("--markdown", type=Path, help="also write the results to this file")
    args = parser.parse_args(argv)
    args.depths = [int(d) for d in args.depths.split(",")]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    rows, checks = [], []
    for setup in args.setups.split(","):
        backend, _, processes = setup.partition(":")
        with ExitStack() as stack:
            more, verified = run_setup(backend, int(processes or 1), args, stack)
        rows += more
        checks += [(f"{setup}: {name}", ok, info) for name, ok, info in verified]
    report = "\n".join(
        [
            f"## Queue depth ({args.duration:g} s per phase; servers from "
            f"{args.server_root or 'this checkout'}"
            + (f"; synchronous_commit={args.synchronous_commit}" if args.synchronous_commit else "")
            + ")",
            "",
            f"Machine: {machine_note()}.",
            "",
            markdown_table(HEADERS, rows),
            "",
            "Correctness (read from the database after each setup):",
            "",
            *[
                f"- {'ok' if ok else 'FAIL'} {name}{': ' + i if i else ''}"
                for name, ok, i in checks
            ],
        ]
    )
    print(report)
    if args.markdown:
        args.markdown.write_text(report + "\n")
    return 0 if all(ok for _, ok, _ in checks) else 1


if __name__ == "__main__":
    raise SystemExit(main())
