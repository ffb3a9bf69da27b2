"""A year of a busy mall (~1 million tickets): how long a report of the whole year takes.

    python bench/bench_reports.py [--tickets 1000000] [--backends sqlite,postgres]

Closed days are read from `report_days` (one row per day, service, counter and officer, built
at the day's close), so the year is seeded as those rows directly: 365 days of the demo
mall's 31 services and 38 counters, the year's tickets spread over them, with minute
histograms of wait and service time drawn at random; then the twelve months are summed into
`report_months` as the day's close does once a month has ended. Satisfaction responses (one
visitor in ten) go into `skm_responses`. Then each report of the whole year is timed (the
median of three runs), on SQLite (a file, WAL) and on PostgreSQL (a fresh schema on
127.0.0.1), and one year less a day at each end, which cannot use the monthly sums.

One real day is also built the way the day's close builds it: ~2,740 tickets with their
issue, call, start and finish events inserted, then `build_day` reads the events and writes
the rows. That is the cost a year of live aggregation would pay 365 times per report.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select  # noqa: E402

from core.config import load_settings  # noqa: E402
from core.handlers import QueueService  # noqa: E402
from core.reporting import (  # noqa: E402
    BUCKETS,
    GROUPS,  # noqa: E402
    bucket,
)
from core.store import UnitOfWork, daily_sequences, make_engine, ticket_events, tickets  # noqa: E402
from core.store_reports import (  # noqa: E402
    report_day_channels,
    report_days,
    report_days_built,
    skm_responses,
)
from core.usecases.summarizing import build_closed_months, build_day  # noqa: E402
from core.views.reports import report, skm_report  # noqa: E402

FIRST = date(2025, 1, 1)
DAYS = 365
BUILT_AT = datetime(2026, 1, 1, tzinfo=UTC)


def histogram(rng: random.Random, n: int, mean: float, prefix: str) -> dict[str, int]:
    """`n` times drawn with this mean, as the bucket columns (w0… or s0…) of a row."""
    counts: Counter[int] = Counter(bucket(int(rng.expovariate(1 / mean))) for _ in range(n))
    return {f"{prefix}{i}": counts[i] for i in range(BUCKETS)}


def seed_year(queue: QueueService, total: int, rng: random.Random) -> tuple[int, int]:
    settings = queue.settings
    counters_of: dict[str, list[int]] = {s.code: [] for s in settings.services}
    for counter in settings.counters:
        for code in counter.services:
            counters_of[code].append(counter.number)
    weights = [rng.uniform(0.3, 3) for _ in settings.services]
    per_day = total / DAYS
    rows, channels, responses, issued_total = [], [], [], 0
    for n in range(DAYS):
        day = (FIRST + timedelta(days=n)).isoformat()
        busy = per_day * (1.25 if (FIRST + timedelta(days=n)).weekday() < 5 else 0.4)
        for service, weight in zip(settings.services, weights, strict=True):
            issued = int(busy * weight / sum(weights))
            places = counters_of[service.code] or [0]
            for counter in places:
                share = issued // len(places)
                issued_total += share
                served = int(share * 0.8)
                rows.append(
                    {
                        "mall": queue.mall, "day": day, "service": service.code,
                        "counter": counter, "officer": f"officer{counter}",
                        "issued": share, "served": served, "no_show": int(share * 0.08),
                        "cancelled": int(share * 0.04), "unserved": 0,
                        "transferred_out": int(share * 0.03), "transferred_in": int(share * 0.03),
                        "waits": served, "within_target": int(served * 0.7),
                        "weekday": (FIRST + timedelta(days=n)).weekday(),
                        **histogram(rng, served, 15, "w"), **histogram(rng, served, 8, "s"),
                        **{f"h{h}": share // 8 if 8 <= h < 16 else 0 for h in range(24)},
                    }
                )  # fmt: skip
                channels.append(
                    {"mall": queue.mall, "day": day, "service": service.code,
                     "counter": counter, "officer": f"officer{counter}", "channel": "kiosk",
                     "tickets": share}
                )  # fmt: skip
                for _ in range(round(served / 10)):
                    scores = {f"u{k}": rng.choice((2, 3, 3, 3, 4, 4)) for k in range(1, 10)}
                    responses.append(
                        {"day": day, "service": service.code, "agency": service.agency,
                         "counter": counter, **scores}
                    )  # fmt: skip
    with queue.uow.writing() as conn:
        for start in range(0, len(rows), 2000):
            conn.execute(insert(report_days), rows[start : start + 2000])
        for start in range(0, len(channels), 5000):
            conn.execute(insert(report_day_channels), channels[start : start + 5000])
        conn.execute(
            insert(report_days_built),
            [
                {"mall": queue.mall, "day": (FIRST + timedelta(days=n)).isoformat(),
                 "built_at": BUILT_AT}
                for n in range(DAYS)
            ],
        )  # fmt: skip
        seed_responses(queue, conn, responses)
    return issued_total, len(responses)


def seed_responses(queue: QueueService, conn, responses: list[dict]) -> None:  # type: ignore[no-untyped-def]
    """Responses need a ticket row each (the one-per-ticket key): minimal rows, bulk."""
    at = BUILT_AT
    base = conn.execute(select(func.coalesce(func.max(tickets.c.seq), 0))).scalar_one()
    ticket_rows = [
        {
            "seq": base + n + 1, "id": f"bench{n:010d}", "mall": queue.mall, "day": r["day"],
            "service": r["service"], "origin_service": r["service"], "prefix": "Z",
            "sequence": n + 1, "status": "done", "issued_at": at, "arrived_at": at,
            "call_count": 1, "transfers": [], "channel": "kiosk",
        }
        for n, r in enumerate(responses)
    ]  # fmt: skip
    for start in range(0, len(ticket_rows), 5000):
        conn.execute(insert(tickets), ticket_rows[start : start + 5000])
    answer_rows = [
        {"mall": queue.mall, "ticket_seq": base + n + 1, "channel": "phone", "at": at, **r}
        for n, r in enumerate(responses)
    ]
    for start in range(0, len(answer_rows), 5000):
        conn.execute(insert(skm_responses), answer_rows[start : start + 5000])


def seed_one_day(queue: QueueService, n: int, rng: random.Random) -> str:
    """A real day of `n` tickets with four events each, for `build_day` to summarize."""
    day = date(2026, 6, 2)
    opening = datetime(2026, 6, 2, 1, 0, tzinfo=UTC)
    with queue.uow.writing() as conn:
        base = conn.execute(select(func.coalesce(func.max(tickets.c.seq), 0))).scalar_one()
        services = [s.code for s in queue.settings.services]
        ticket_rows, event_rows = [], []
        for k in range(n):
            service = services[k % len(services)]
            issued = opening + timedelta(seconds=k * 10)
            called = issued + timedelta(minutes=rng.expovariate(1 / 15))
            started = called + timedelta(minutes=1)
            finished = started + timedelta(minutes=rng.expovariate(1 / 8))
            seq = base + k + 1
            ticket_rows.append(
                {"seq": seq, "id": f"day{k:010d}", "mall": queue.mall, "day": day.isoformat(),
                 "service": service, "origin_service": service, "prefix": "Z", "sequence": k + 1,
                 "status": "done", "issued_at": issued, "arrived_at": issued, "call_count": 1,
                 "transfers": [], "channel": "kiosk"}
            )  # fmt: skip
            for action, at, counter in (
                ("issue", issued, None), ("call", called, 1), ("start", started, 1),
                ("finish", finished, 1),
            ):  # fmt: skip
                event_rows.append(
                    {"mall": queue.mall, "ticket_seq": seq, "action": action, "from_status": None,
                     "to_status": "done", "service": service, "to_service": None,
                     "counter": counter, "officer": "officer1", "at": at, "version": seq}
                )  # fmt: skip
        conn.execute(insert(tickets), ticket_rows)
        for start in range(0, len(event_rows), 5000):
            conn.execute(insert(ticket_events), event_rows[start : start + 5000])
        conn.execute(
            insert(daily_sequences).values(
                mall=queue.mall, service="KTP", day=day.isoformat(), last_number=n
            )
        )
    return day.isoformat()


def timed(fn, runs: int = 3) -> str:  # type: ignore[no-untyped-def]
    """The median wall time of `runs` calls, and the median CPU time of this process (all of
    the work on SQLite; the client's share on PostgreSQL). The machine is shared, so the wall
    time moves with the other processes' load (see bench/README.md)."""
    walls, cpus = [], []
    for _ in range(runs):
        started, cpu = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
    return f"{statistics.median(walls):.3f} s (CPU {statistics.median(cpus):.3f} s)"


def run(url: str, total: int) -> dict[str, float | int | str]:
    settings = dataclasses.replace(
        load_settings(ROOT / "config.yaml", environ={}), database_url=url
    )
    engine = make_engine(url)
    queue = QueueService(
        settings, UnitOfWork(engine), clock=lambda: datetime(2026, 6, 3, 5, tzinfo=UTC)
    )
    queue.ensure_ready()
    rng = random.Random(7)
    started = time.perf_counter()
    issued, answers = seed_year(queue, total, rng)
    seeded = time.perf_counter()
    build_closed_months(queue.ctx, FIRST + timedelta(days=DAYS))
    results: dict[str, float | int | str] = {
        "tickets": issued, "responses": answers, "seed_s": seeded - started,
        "sum the 12 months": time.perf_counter() - seeded,
    }  # fmt: skip
    with queue.uow.reading() as conn:
        results["rows"] = conn.execute(select(func.count()).select_from(report_days)).scalar_one()
    last = FIRST + timedelta(days=DAYS - 1)
    for group in GROUPS:
        results[f"report by {group}"] = timed(lambda g=group: report(queue.ctx, FIRST, last, g))
    # A period that is not whole months reads 365 daily rows per service and counter.
    results["report by service, 2 Jan - 30 Dec (10 months + 59 days of daily rows)"] = timed(
        lambda: report(queue.ctx, FIRST + timedelta(days=1), last - timedelta(days=1), "service")
    )
    for group in ("mall", "service"):
        results[f"skm by {group}"] = timed(lambda g=group: skm_report(queue.ctx, FIRST, last, g))
    day = seed_one_day(queue, 2740, rng)
    results["build one day (2,740 tickets)"] = timed(lambda: build_day(queue.ctx, day), runs=1)
    engine.dispose()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--backends", default="sqlite,postgres")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    table: dict[str, dict[str, float | int | str]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for backend in args.backends.split(","):
            if backend == "sqlite":
                table["SQLite"] = run(f"sqlite:///{tmp}/bench.db", args.tickets)
            else:
                from tests.integration.pg import postgres_schema

                try:
                    with postgres_schema() as url:
                        table["PostgreSQL"] = run(url, args.tickets)
                except BaseException as exc:  # pytest's skip when the server is down
                    print(f"PostgreSQL skipped: {exc}", file=sys.stderr)
    names = list(next(iter(table.values())))
    print(f"load average (1 min) at the start {load:.1f}, at the end {os.getloadavg()[0]:.1f}")
    print("| measure | " + " | ".join(table) + " |")
    print("| --- | " + " | ".join("---:" for _ in table) + " |")
    for name in names:
        cells = []
        for results in table.values():
            value = results[name]
            if isinstance(value, int):
                cells.append(f"{value:,}")
            elif isinstance(value, float):
                cells.append(f"{value:.3f} s")
            else:
                cells.append(value)
        print(f"| {name} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
