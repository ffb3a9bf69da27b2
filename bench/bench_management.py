"""What management adds: the quota read on the issue path, and one dashboard read.

Issuing reads today's quotas once per batch (core/quotas.py), beside the closed services it
already read (`repository.closed_reasons`); both are timed side by side, taking turns in
rounds so that a slower stretch of the shared machine falls on both alike. The dashboard
(core/views/dashboard.py) is what every manager's page reads on each event (at most once a
second) and every 5 s, and what the alert monitor evaluates: timed for the whole demo mall
with a day of tickets.

    python bench/bench_management.py                 # 5 rounds
    python bench/bench_management.py --rounds 9 --tickets 2000
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from common import machine_note, per_call_us  # noqa: E402

from core import repository  # noqa: E402
from core.config import load_settings  # noqa: E402
from core.context import SYSTEM, Actor  # noqa: E402
from core.handlers import QueueService  # noqa: E402
from core.quotas import day_quotas  # noqa: E402
from core.scope import scope_for  # noqa: E402
from core.store import UnitOfWork, make_engine  # noqa: E402
from core.views.dashboard import dashboard  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=2000, help="reads per way per round")
    parser.add_argument("--tickets", type=int, default=1000, help="tickets issued today")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="antrian-bench-management-") as folder:
        settings = dataclasses.replace(
            load_settings(ROOT / "config.yaml", environ={}),
            database_url=f"sqlite:///{folder}/bench.db",
        )
        # Noon on a weekday, when every service of the demo is open.
        queue = QueueService(
            settings, UnitOfWork(make_engine(settings.database_url)),
            clock=lambda: datetime(2026, 11, 30, 5, 0, tzinfo=UTC),
        )  # fmt: skip
        queue.ensure_ready()
        kiosk = Actor("kiosk", "bench", kiosk="K1")
        codes = [s.code for s in settings.services if not s.daily_quota]
        for n in range(args.tickets):
            queue.issue_ticket(codes[n % len(codes)], None, kiosk)
        ctx, day = queue.ctx, queue.today()
        reads: dict[str, list[float]] = {"closed services": [], "today's quotas": []}
        with ctx.uow.reading() as conn:
            ways = {
                "closed services": lambda: repository.closed_reasons(conn, ctx.mall),
                "today's quotas": lambda: day_quotas(conn, ctx.mall, day),
            }
            for way in ways.values():
                way()
            for _ in range(args.rounds):
                for name, way in ways.items():
                    reads[name].append(per_call_us(way, args.calls))
        everything = scope_for(SYSTEM, None)
        boards = [per_call_us(lambda: dashboard(ctx, everything), 20) / 1000 for _ in range(3)]
    print(f"{machine_note(client_and_server=False)}; {args.tickets} tickets today")
    for name, spent in reads.items():
        print(
            f"{name:16} median {statistics.median(spent):6.1f} µs per read ({args.rounds} rounds)"
        )
    print(f"dashboard        median {statistics.median(boards):6.1f} ms (whole mall, 31 services)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
