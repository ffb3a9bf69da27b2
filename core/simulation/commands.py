"""`antrian simulate` and `antrian plan`: the commands, registered in core/server/cli.py."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from pathlib import Path
from typing import Any

from core.simulation.scenario import ScenarioError, load_scenario


def simulate(
    path: str, seed: int | None, out: str, oracle: bool = True, database: str | None = None
) -> int:
    """Run the scenario's day; `database` overrides the kind (and server) of the temporary
    database it runs on, which is the settings' `database_url` otherwise."""
    from sqlalchemy.exc import OperationalError

    from core.simulation.database import DatabaseKindError
    from core.simulation.database import kind as database_kind
    from core.simulation.day import Day
    from core.simulation.report import write

    try:
        scenario = load_scenario(path, seed)
    except ScenarioError as exc:
        print(f"Scenario error: {exc}", file=sys.stderr)
        return 2
    url = database or scenario.settings.database_url
    try:
        database_kind(url)
    except DatabaseKindError as exc:
        print(f"Database error: {exc}", file=sys.stderr)
        return 2
    # A stop request (SIGTERM, as from `kill` or a service manager) ends the day like Ctrl-C
    # does, through the `finally` that drops the temporary database; by default it would end
    # the process on the spot and leave the database on the server.
    previous = signal.signal(signal.SIGTERM, _stop)
    started = time.perf_counter()
    try:
        result = Day(scenario, oracle=oracle, database=url).run()
    except OperationalError as exc:  # the server is unreachable, or refused us
        print(f"Database error: {str(exc.orig or exc).splitlines()[0]}", file=sys.stderr)
        return 2
    finally:
        signal.signal(signal.SIGTERM, previous)
    data = write(result, Path(out))
    seconds = time.perf_counter() - started
    eta = data["eta"]
    print(
        f"{scenario.file.name}, seed {result.seed}: {data['visitors']['issued']} tickets, "
        f"{data['visitors']['unserved_at_closing']} unserved, {seconds:.1f} s "
        f"on {database_kind(url)}"
    )
    for kind in ("model", "baseline", "oracle"):
        f = eta[kind]
        if f.get("count"):
            print(
                f"  ETA {kind:8s} mean |err| {f['mean_abs_error_min']:6.2f} min, median "
                f"{f['median_abs_error_min']:6.2f}, p90 {f['p90_abs_error_min']:6.2f}, "
                f"within ±5 {f['within_5_min']:.2%}, bias {f['bias_min']:+.2f}"
                + (f", range coverage {f['range_coverage']:.2%}" if "range_coverage" in f else "")
            )
    width = eta.get("range_width", {})
    if width.get("count"):
        print(
            f"  range width, model against oracle on {width['count']} visitors: median "
            f"{width['model_median_width_min']} against {width['oracle_median_width_min']} min, "
            f"median ratio {width['median_ratio']}, within {width['goal_ratio']} × "
            f"{width['share_within_goal']:.2%}; coverage {width['model_coverage']} "
            f"against {width['oracle_coverage']}"
        )
    bookings = data["channels"]["bookings"]
    if bookings["wanted"]:
        waits = data["channels"]["waits"]
        print(
            f"  bookings: {bookings['booked']} of {bookings['wanted']} booked a slot; wait p50 "
            + ", ".join(f"{name} {w['wait_p50_min']} min" for name, w in waits.items())
        )
    print(f"  report: {Path(out) / 'report.html'}")
    return 0


def _stop(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


def plan_command(path: str, target: float, out: str) -> int:
    from core.simulation import plan

    try:
        scenario = load_scenario(path)
    except ScenarioError as exc:
        print(f"Scenario error: {exc}", file=sys.stderr)
        return 2
    result = plan.plan(scenario, target)
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "plan.json").write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
    plan.plot(result, folder / "plan.png")
    print(plan.table(result))
    print(f"  plan: {folder / 'plan.json'}, {folder / 'plan.png'}")
    return 0


def add_commands(commands: Any) -> None:
    """Register `simulate` and `plan` on the CLI's subcommands."""
    sim = commands.add_parser(
        "simulate", help="run a simulated day through the real queue; write a report"
    )
    sim.add_argument("scenario")
    sim.add_argument("--seed", type=int, default=None)
    sim.add_argument("--out", default="simulation")
    sim.add_argument("--no-oracle", action="store_true", help="skip the oracle (faster)")
    sim.add_argument(
        "--database",
        metavar="URL",
        default=None,
        help="run on a temporary database of this URL's kind and server instead of the "
        "configuration's database_url (dropped afterwards)",
    )
    sim.set_defaults(
        run=lambda a: simulate(
            a.scenario, a.seed, a.out, oracle=not a.no_oracle, database=a.database
        )
    )
    planning = commands.add_parser(
        "plan", help="counters per service and hour to keep the p90 wait under a target"
    )
    planning.add_argument("scenario")
    planning.add_argument("--target-wait", type=float, default=30.0)
    planning.add_argument("--out", default="plan")
    planning.set_defaults(run=lambda a: plan_command(a.scenario, a.target_wait, a.out))


_ = argparse  # the parser objects come from core/server/cli.py
