"""Counter time per visitor of a service, learned from finished tickets: the pace the wait
estimate (`core/estimate.py`) plays the queue forward at."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

COUNTER_APART_SE = 3.0  # standard errors a counter's own mean must be from the service's


@dataclass(frozen=True)
class Pace:
    """Counter minutes per visitor of one service: mean, variance, and counters that differ."""

    mean: float
    variance: float
    per_counter: dict[int, float]

    def at(self, counter: int) -> float:
        return self.per_counter.get(counter, self.mean)


def robust_pace(
    today: list[tuple[float, int | None]],
    recent: list[tuple[float, int | None]],
    default: float,
) -> Pace:
    """A mean robust to outliers (values beyond Q3 + 3·IQR are clipped there: a ticket left
    open over lunch must not double the pace) that keeps the skew of service times (a median
    would be 0.86 × the mean); today's times, leaned on recent days' until there are enough."""

    def winsorised(values: list[float]) -> list[float]:
        if len(values) < 4:
            return values
        q1, _, q3 = statistics.quantiles(values, n=4)
        top = q3 + 3 * (q3 - q1)
        return [min(v, top) for v in values]

    now_values = winsorised([m for m, _ in today])
    old_values = winsorised([m for m, _ in recent])
    prior_mean, prior_var, weight = default, (0.6 * default) ** 2, 6.0
    if len(old_values) >= 10:
        prior_mean, prior_var, weight = (
            statistics.fmean(old_values),
            statistics.pvariance(old_values),
            10.0,
        )
    n = len(now_values)
    if n >= 2:
        mean = (n * statistics.fmean(now_values) + weight * prior_mean) / (n + weight)
        var = (n * statistics.pvariance(now_values) + weight * prior_var) / (n + weight)
    else:
        mean, var = prior_mean, prior_var
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
