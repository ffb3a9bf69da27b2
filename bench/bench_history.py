"""What a mall's past costs its day: the hall's reads with and without months behind them.

Two databases of the demo mall side by side (SQLite, or PostgreSQL with `--database`), one
empty before today and one with `--past` served visitors over the 30 days before (with their
call and finish events and printed tickets, as `bench_queue_depth.py --past` writes them).
Both get the same day so far (`--tickets` issued, eight counters calling), then each read is
timed on both, taking turns in rounds so a slower stretch of the shared machine falls on both:

  issue        a kiosk ticket (its wait estimate plays the service's queue afresh)
  call+finish  an officer calls the next visitor, starts and finishes the service
  counter      the counter terminal's state (its figures of the day, its queue)
  display      the display's snapshot (the latest calls, the queues)
  dashboard    the manager's dashboard of the whole mall (what the alert round reads too)

    python bench/bench_history.py                          # SQLite, 200,000 past visitors
    python bench/bench_history.py --database postgresql://postgres@127.0.0.1/test
"""

from __future__ import annotations

import argparse
import dataclasses
import signal
import statistics
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench_queue_depth import write_past  # noqa: E402
from common import machine_note, per_call_us  # noqa: E402

from core.config import load_settings  # noqa: E402
from core.context import SYSTEM, Actor  # noqa: E402
from core.handlers import QueueService  # noqa: E402
from core.scope import scope_for  # noqa: E402
from core.store import UnitOfWork, make_engine  # noqa: E402
from core.views.dashboard import dashboard  # noqa: E402

COUNTERS = range(1, 9)  # counters 1..8 of the demo call KTP, KIA, AKTA and IKD
SERVICES = ("KTP", "KIA", "AKTA", "IKD")
READS = ("issue", "call+finish", "counter", "display", "dashboard")


@contextmanager
def database(kind: str, folder: Path, name: str) -> Iterator[str]:
    """A fresh database URL: a SQLite file, or a PostgreSQL schema of its own."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / name}.db"
        return
    from tests.integration.pg import postgres_schema

    with postgres_schema() as url:
        yield url


def a_day(url: str, past: int, tickets: int) -> QueueService:
    """The demo mall, open all day, `past` visitors behind it, `tickets` issued today and
    the eight counters open."""
    from tests.integration.pg import all_day

    settings = all_day(load_settings(ROOT / "config.yaml", environ={}), no_quotas=True)
    settings = dataclasses.replace(settings, database_url=url)
    queue = QueueService(settings, UnitOfWork(make_engine(url)))
    queue.ensure_ready()
    if past:
        write_past(url, queue.mall, settings, past)
    kiosk = Actor("kiosk", "bench", kiosk=settings.kiosks[0].code)
    for n in range(tickets):
        queue.issue_ticket(SERVICES[n % len(SERVICES)], None, kiosk)
    for number in COUNTERS:
        queue.open_counter(number, officer(number))
    return queue


def officer(number: int) -> Actor:
    return Actor("officer", f"petugas{number:02d}", counter=number)


def reads(queue: QueueService) -> dict[str, Callable[[], Any]]:
    kiosk = Actor("kiosk", "bench", kiosk=queue.settings.kiosks[0].code)
    everything = scope_for(SYSTEM, None)
    turn = iter(range(10**9))

    def call_and_finish() -> None:
        number = COUNTERS[next(turn) % len(COUNTERS)]
        called = queue.call_next(number, officer(number))
        if called is not None:
            queue.act(called["id"], "start", officer(number))
            queue.act(called["id"], "finish", officer(number))

    return {
        "issue": lambda: queue.issue_ticket("KTP", None, kiosk),
        "call+finish": call_and_finish,
        "counter": lambda: queue.counter_state(1, officer(1)),
        "display": lambda: queue.snapshot(),
        "dashboard": lambda: dashboard(queue.ctx, everything),
    }


def measure(fresh: str, old: str, args: argparse.Namespace) -> dict[tuple[str, str], list[float]]:
    """Each read's time per round on the database without a past and on the one with it."""
    days = {"no past": a_day(fresh, 0, args.tickets), "past": a_day(old, args.past, 0)}
    # The same day so far on both: the one with a past issues its tickets after the past.
    kiosk = Actor("kiosk", "bench", kiosk=days["past"].settings.kiosks[0].code)
    for n in range(args.tickets):
        days["past"].issue_ticket(SERVICES[n % len(SERVICES)], None, kiosk)
    ways = {name: reads(queue) for name, queue in days.items()}
    spent: dict[tuple[str, str], list[float]] = {}
    try:
        for _ in range(args.rounds):
            for read in READS:
                for name in days:
                    spent.setdefault((read, name), []).append(
                        per_call_us(ways[name][read], args.times) / 1000
                    )
    finally:
        for queue in days.values():
            queue.uow.engine.dispose()
    return spent


def main(argv: list[str] | None = None) -> int:
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="sqlite", help="sqlite, or a PostgreSQL URL")
    parser.add_argument("--past", type=int, default=200_000, help="visitors of past days")
    parser.add_argument("--tickets", type=int, default=400, help="tickets issued today first")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--times", type=int, default=20, help="reads of each kind per round")
    args = parser.parse_args(argv)
    # Stopped by SIGTERM, the temporary databases are still dropped (as on Ctrl-C).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    kind = "sqlite" if args.database == "sqlite" else "postgresql"
    if kind == "postgresql":
        import os

        os.environ.setdefault("ANTRIAN_TEST_POSTGRES_URL", args.database)
    with (
        tempfile.TemporaryDirectory(prefix="antrian-bench-history-") as folder,
        database(kind, Path(folder), "fresh") as fresh,
        database(kind, Path(folder), "past") as old,
    ):
        spent = measure(fresh, old, args)
    print(
        f"{machine_note(client_and_server=False)}; {kind}; {args.tickets} tickets today, "
        f"{args.past:,} past visitors; median of {args.rounds} rounds of {args.times}"
    )
    print()
    print("| read | no past, ms | past, ms | past / no past |")
    print("| --- | ---: | ---: | ---: |")
    for read in READS:
        fresh_ms = statistics.median(spent[(read, "no past")])
        past_ms = statistics.median(spent[(read, "past")])
        print(f"| {read} | {fresh_ms:.2f} | {past_ms:.2f} | {past_ms / fresh_ms:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
