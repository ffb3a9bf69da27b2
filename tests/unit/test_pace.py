"""A counter gets a pace of its own only where it really works at another pace: not where its
few visits happened to run long."""

from __future__ import annotations

import numpy as np

from core.pace import robust_pace


def visits(rng: np.random.Generator, counter: int, n: int, mean: float) -> list[tuple[float, int]]:
    sigma = 0.6  # the spread of service times on the simulated busy day
    mu = np.log(mean) - sigma**2 / 2
    return [(float(m), counter) for m in rng.lognormal(mu, sigma, n)]


def test_a_counter_that_works_slower_gets_its_own_pace() -> None:
    rng = np.random.default_rng(1)
    today = visits(rng, 1, 60, 6.0) + visits(rng, 2, 60, 6.0) + visits(rng, 3, 60, 12.0)
    pace = robust_pace(today, [], 6.0)
    assert set(pace.per_counter) == {3}
    assert pace.at(3) > 1.25 * pace.mean


def test_counters_of_one_pace_share_it_whatever_their_first_visits_took() -> None:
    """Three counters at one pace, ten to twenty visits each, a thousand days: the service's
    pace stands for them all (before, one day in seven gave some counter its own)."""
    rng = np.random.default_rng(2)
    apart = 0
    for _ in range(1000):
        today = [v for c in (1, 2, 3) for v in visits(rng, c, int(rng.integers(10, 21)), 6.0)]
        apart += bool(robust_pace(today, [], 6.0).per_counter)
    assert apart <= 10
