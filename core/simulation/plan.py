"""Capacity planning: per service and hour, how many counters keep the p90 wait under a
target, and what the scenario's staffing gives.

A first guess from queueing theory (Erlang C: an M/M/c queue's p90 wait for the hour's arrival
rate and the service's mean counter time), then checked by simulation: the day is played with
that staffing (`core/forecast.py`, the call order at each counter, the scenario's arrivals and
skewed service times, several replications) and a counter is added in every hour whose p90
wait is still over the target, until none is (a queue left at the end of one hour is felt in
the next, which Erlang C, hour by hour, does not see).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from core.forecast import Desk, Span, Visitor, play
from core.simulation.model import NO_SHOW_MINUTES, WALK_MINUTES, erlang_c_wait_quantile
from core.simulation.scenario import Scenario

MAX_COUNTERS = 40


def current_staffing(scenario: Scenario, code: str, hour: int) -> float:
    """Counters the scenario gives `code` in `hour`: a counter shared by several services
    counts for the share of its services' expected work that is this one's."""
    lo, hi = hour * 60.0, hour * 60.0 + 60.0
    total = 0.0
    for counter in scenario.file.counters:
        if code not in counter.services:
            continue
        present = sum(max(0.0, min(hi, w.end) - max(lo, w.start)) for w in counter.windows()) / 60
        loads = {
            s: scenario.arrivals(s).expected(lo, hi)
            * (scenario.service_time(s).mean + WALK_MINUTES)
            for s in counter.services
        }
        share = loads[code] / sum(loads.values()) if sum(loads.values()) else 1 / len(loads)
        total += present * share
    return round(total, 2)


def _hours(scenario: Scenario, code: str) -> list[int]:
    return sorted(h for h, r in scenario.arrivals(code).per_hour.items() if r > 0)


def erlang_guess(scenario: Scenario, code: str, target: float) -> dict[int, int]:
    spec = scenario.file.services[code]
    mean = (1 - spec.no_show) * (scenario.service_time(code).mean + WALK_MINUTES) + (
        spec.no_show * NO_SHOW_MINUTES
    )
    guess = {}
    for hour in _hours(scenario, code):
        rate = scenario.arrivals(code).per_hour[hour] / 60
        c = 1
        while c < MAX_COUNTERS and erlang_c_wait_quantile(c, rate, mean, 0.9) > target:
            c += 1
        guess[hour] = c
    return guess


def simulated_p90(
    scenario: Scenario, code: str, staffing: dict[int, int], rng: np.random.Generator, reps: int
) -> dict[int, float]:
    """p90 wait by arrival hour for one service alone with `staffing` counters per hour."""
    spec = scenario.file.services[code]
    dist = scenario.service_time(code)
    hours = sorted(staffing)
    top = max(staffing.values())
    waits: dict[int, list[float]] = {h: [] for h in hours}
    for _ in range(reps):
        arrivals = scenario.arrivals(code).draw(rng)
        people = [
            Visitor((float(t), i), str(i), code, bool(rng.random() < spec.priority), float(t))
            for i, t in enumerate(arrivals)
        ]
        desks = []
        for k in range(top):
            spans = [Span(h * 60.0, h * 60.0 + 60.0) for h in hours if staffing[h] > k]
            if spans:  # the last hour's counters finish the queue
                spans[-1] = Span(spans[-1].start, 24 * 60.0)
                desks.append(Desk(k + 1, (code,), 0.0, 0, spans))
        shows = {p.key: rng.random() >= spec.no_show for p in people}

        def occupancy(v: Visitor, desk: Desk, t: float, shows: dict = shows) -> float:
            return WALK_MINUTES + float(dist.draw(rng)) if shows[v.key] else NO_SHOW_MINUTES

        called = play(0.0, desks, people, occupancy, scenario.settings.calling.priority_ratio)
        for p in people:
            hour = int(p.ready // 60)
            if hour in waits:
                waits[hour].append(called.get(p.key, 24 * 60.0) - p.ready)
    return {h: float(np.percentile(w, 90)) if w else 0.0 for h, w in waits.items()}


def plan(scenario: Scenario, target: float, reps: int = 8) -> dict[str, Any]:
    rng = np.random.default_rng(scenario.file.seed)
    out: dict[str, Any] = {"target_wait_min": target, "services": {}}
    for code in sorted(scenario.file.services):
        guess = erlang_guess(scenario, code, target)
        staffing = dict(guess)
        for _ in range(12):
            p90 = simulated_p90(scenario, code, staffing, rng, reps)
            over = [h for h, w in p90.items() if w > target and staffing[h] < MAX_COUNTERS]
            if not over:
                break
            for h in over:
                staffing[h] += 1
        out["services"][code] = {
            f"{h:02d}": {
                "arrivals": scenario.arrivals(code).per_hour[h],
                "erlang_c": guess[h],
                "needed": staffing[h],
                "current": current_staffing(scenario, code, h),
                "p90_wait_min": round(p90[h], 1),
            }
            for h in sorted(staffing)
        }
    return out


def table(result: dict[str, Any]) -> str:
    lines = [
        f"Counters to keep the p90 wait under {result['target_wait_min']:g} min "
        "(needed / Erlang C first guess / current staffing)",
        f"{'service':12s} " + " ".join(f"{h:>10s}" for h in _all_hours(result)),
    ]
    for code, hours in result["services"].items():
        cells = [
            f"{hours[h]['needed']:>3d}/{hours[h]['erlang_c']:<2d}/{hours[h]['current']:<4.1f}"
            if h in hours
            else " " * 10
            for h in _all_hours(result)
        ]
        lines.append(f"{code:12s} " + " ".join(f"{c:>10s}" for c in cells))
    return "\n".join(lines)


def _all_hours(result: dict[str, Any]) -> list[str]:
    return sorted({h for hours in result["services"].values() for h in hours})


def plot(result: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    hours = _all_hours(result)
    fig, ax = plt.subplots(figsize=(10, 4.5))
    needed = [sum(s[h]["needed"] for s in result["services"].values() if h in s) for h in hours]
    current = [sum(s[h]["current"] for s in result["services"].values() if h in s) for h in hours]
    ax.plot(hours, needed, marker="o", label="needed (p90 ≤ target)")
    ax.plot(hours, current, marker="s", label="current staffing")
    ax.set_xlabel("jam / hour")
    ax.set_ylabel("loket / counters")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
