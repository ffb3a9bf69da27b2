"""How long a full simulated busy day takes (`scenarios/hari-sibuk.yaml`, ~3,000 visitors
through the real QueueService on SQLite, or on PostgreSQL with `--database URL`), with and
without the oracle.

    python bench/bench_simulate.py [--seed N] [--no-oracle] [--database URL]
                                   [--replications N] [--oracle-workers N]

Prints wall-clock and CPU seconds, the day's own process and the oracle's worker processes
apart: on a machine shared with other work the CPU time is what the day itself cost.
Target: a full busy day in at most 60 s on a 2-core machine.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import signal
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.simulation.database import kind  # noqa: E402
from core.simulation.day import Day  # noqa: E402
from core.simulation.scenario import load_scenario  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-oracle", action="store_true")
    parser.add_argument("--database", default=None, help="a temporary database of this kind")
    parser.add_argument("--replications", type=int, help="the oracle's plays per visitor")
    parser.add_argument("--oracle-workers", type=int, help="0: play in the day's process")
    args = parser.parse_args()
    # Stopped by SIGTERM, the day still drops its temporary database (as on Ctrl-C).
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    scenario = load_scenario(ROOT / "scenarios" / "hari-sibuk.yaml", seed=args.seed)
    if args.replications:
        options = scenario.file.oracle.model_copy(update={"replications": args.replications})
        file = scenario.file.model_copy(update={"oracle": options})
        scenario = dataclasses.replace(scenario, file=file)
    before, wall = os.times(), time.perf_counter()
    day = Day(
        scenario,
        oracle=not args.no_oracle,
        database=args.database,
        oracle_workers=args.oracle_workers,
    )
    result = day.run()
    wall, after = time.perf_counter() - wall, os.times()
    own = after.user + after.system - before.user - before.system
    # The oracle's workers are the forkserver's children: they report their own CPU.
    workers = max(
        0.0,  # never "-0.0" from rounding
        after.children_user + after.children_system - before.children_user - before.children_system,
        sum(day.oracle.worker_cpu.values()),
    )
    issued = sum(1 for v in result.visitors if v.ticket_id)
    load = os.getloadavg()[0]
    plays = "off" if args.no_oracle else f"{scenario.file.oracle.replications} plays"
    print(
        f"hari-sibuk seed {args.seed} oracle {plays} "
        f"on {kind(args.database or scenario.settings.database_url)}: {issued} tickets, "
        f"wall {wall:.1f} s, CPU {own:.1f} s in the day's process + {workers:.1f} s in the "
        f"oracle's workers (load average {load:.1f})"
    )


if __name__ == "__main__":
    main()
