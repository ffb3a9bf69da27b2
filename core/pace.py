"""Counter time per visitor of a service, learned from finished tickets: the pace the wait
estimate (`core/estimate.py`) plays the queue forward at."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

COUNTER_APART_SE = 3.0  # standard errors a counter's own mean must be from the service's
# How many of today's visits weigh as much as recent days' mean, at least (`prior_visits`).
FEWEST_PRIOR_VISITS = 10.0


@dataclass(frozen=True)
class Pace:
    """Counter minutes per visitor of one service: mean, variance, and counters that differ."""

    mean: float
    variance: float
    per_counter: dict[int, float]

    def at(self, counter: int) -> float:
        return self.per_counter.get(counter, self.mean)


def winsorised(values: list[float]) -> list[float]:
    """Values beyond Q3 + 3·IQR clipped there: a ticket left open over lunch must not double
    the pace."""
    if len(values) < 4:
        return values
    q1, _, q3 = statistics.quantiles(values, n=4)
    top = q3 + 3 * (q3 - q1)
    return [min(v, top) for v in values]


def prior_visits(days: list[list[float]]) -> float:
    """How many of today's visits should weigh as much as recent days' mean pace: the
    visits whose mean is as uncertain as recent days' mean is as a guess of today's (the
    variance within a day over the variance between days' true means, the latter estimated
    from the recent days' means less what chance alone makes them differ, plus the chance in
    recent days' own mean). Where days do not differ, that is about as many as recent days
    had: a fixed most of 200 let a week of 1,500 visits weigh as much as 200 of today's, and
    a morning's first hundred moved the pace by a third of their own chance (the simulated
    busy day: the error against the oracle's better on 21 of 30 days, docs/estimate-history.md).

    Where days differ (another officer, a slow system) today's own times soon count; where
    they do not, a morning's early visits that happened to be slow do not make the whole
    day's estimate slow (the simulated busy day, seed 6: the first hour's 71 driving-licence
    visits took 7.7 min against a true 7.0, the rest of the day 6.8)."""
    full = [winsorised(d) for d in days if len(d) >= 10]
    if len(full) < 3:
        return FEWEST_PRIOR_VISITS
    within = statistics.fmean(statistics.pvariance(d) for d in full)
    chance = statistics.fmean(within / len(d) for d in full)
    between = statistics.variance([statistics.fmean(d) for d in full]) - chance
    # The recent days' mean misses today's by the days' difference and by its own chance
    # (their visits are many, not endless).
    visits = sum(len(d) for d in full)
    miss = max(between, 0.0) + within / visits
    if miss <= 0.0:  # every recent visit took the same minutes
        return float(visits)
    return max(FEWEST_PRIOR_VISITS, within / miss)


@dataclass(frozen=True)
class Prior:
    """Recent days' counter minutes of a service: mean, variance, and how many of today's
    visits weigh as much (`prior_visits`)."""

    mean: float
    variance: float
    weight: float


def prior_from(days: list[list[float]]) -> Prior | None:
    """The prior of recent days' counter minutes (one list per day), None without enough."""
    values = winsorised([v for day in days for v in day])
    if len(values) < 10:
        return None
    return Prior(statistics.fmean(values), statistics.pvariance(values), prior_visits(days))


def robust_pace(today: list[tuple[float, int | None]], prior: Prior | None, default: float) -> Pace:
    """A mean robust to outliers (`winsorised`) that keeps the skew of service times (a
    median would be 0.86 × the mean): today's times, leaned on recent days' `prior` (or on
    the service's default minutes, as much as six visits, without one)."""
    if prior is None:
        prior = Prior(default, (0.6 * default) ** 2, 6.0)
    now_values = winsorised([m for m, _ in today])
    n = len(now_values)
    if n >= 2:
        weight = prior.weight
        mean = (n * statistics.fmean(now_values) + weight * prior.mean) / (n + weight)
        var = (n * statistics.pvariance(now_values) + weight * prior.variance) / (n + weight)
    else:
        mean, var = prior.mean, prior.variance
    per_counter: dict[int, float] = {}
    by_counter: dict[int, list[float]] = {}
    for (_, counter), value in zip(today, now_values, strict=True):
        if counter is not None:
            by_counter.setdefault(counter, []).append(value)
    for counter, values in by_counter.items():
        if len(values) >= 10:
            own = statistics.fmean(values)
            # Apart by more than a quarter, and by more than chance: ten visits of skewed
            # times land a quarter off their service's mean about one time in five (on the
            # simulated day, whose counters all work at their service's pace, a quarter of
            # the paces took a counter's own, and the estimate's error grew by a tenth).
            chance = COUNTER_APART_SE * math.sqrt(max(var, 0.0) / len(values))
            if abs(own - mean) > max(0.25 * mean, chance):
                per_counter[counter] = own
    return Pace(max(mean, 0.1), max(var, 0.0), per_counter)
