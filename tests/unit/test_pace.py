"""A counter gets a pace of its own only where it really works at another pace: not where its
few visits happened to run long. Recent days weigh against today's first visits as much as
days really differ."""

from __future__ import annotations

import numpy as np

from core.pace import prior_from, prior_visits, robust_pace


def visits(rng: np.random.Generator, counter: int, n: int, mean: float) -> list[tuple[float, int]]:
    sigma = 0.6  # the spread of service times on the simulated busy day
    mu = np.log(mean) - sigma**2 / 2
    return [(float(m), counter) for m in rng.lognormal(mu, sigma, n)]


def test_a_counter_that_works_slower_gets_its_own_pace() -> None:
    rng = np.random.default_rng(1)
    today = visits(rng, 1, 60, 6.0) + visits(rng, 2, 60, 6.0) + visits(rng, 3, 60, 12.0)
    pace = robust_pace(today, None, 6.0)
    assert set(pace.per_counter) == {3}
    assert pace.at(3) > 1.25 * pace.mean


def test_counters_of_one_pace_share_it_whatever_their_first_visits_took() -> None:
    """Three counters at one pace, ten to twenty visits each, a thousand days: the service's
    pace stands for them all (before, one day in seven gave some counter its own)."""
    rng = np.random.default_rng(2)
    apart = 0
    for _ in range(1000):
        today = [v for c in (1, 2, 3) for v in visits(rng, c, int(rng.integers(10, 21)), 6.0)]
        apart += bool(robust_pace(today, None, 6.0).per_counter)
    assert apart <= 10


def week(rng: np.random.Generator, means: list[float], n: int = 400) -> list[list[float]]:
    return [[m for m, _ in visits(rng, 1, n, mean)] for mean in means]


def test_days_of_one_pace_outweigh_a_slow_first_hour() -> None:
    """Seven days drawn alike (2,800 visits): recent days weigh as much as most of their
    visits, never more than all of them, and a first hour that ran a tenth slow by chance
    moves the pace by a fraction of that."""
    rng = np.random.default_rng(3)
    alike = [prior_visits(week(rng, [7.0] * 7)) for _ in range(50)]
    assert 1400 < np.median(alike) <= 2800
    assert max(alike) <= 2800
    prior = prior_from(week(rng, [7.0] * 7))
    assert prior is not None and abs(prior.mean - 7.0) < 0.15
    slow_hour = [(m * 7.7 / 7.0, 1) for m, _ in visits(rng, 1, 70, 7.0)]
    today = robust_pace(slow_hour, prior, 7.0).mean
    mean_of_hour = float(np.mean([m for m, _ in slow_hour]))
    assert abs(today - prior.mean) < 0.1 * abs(mean_of_hour - prior.mean)


def test_days_that_differ_let_today_count_soon() -> None:
    """Days a fifth apart (one slow officer, one fast): today's own visits soon decide."""
    rng = np.random.default_rng(4)
    weight = prior_visits(week(rng, [5.6, 8.4, 7.0, 5.6, 8.4, 7.0, 7.0]))
    assert weight < 30
    prior = prior_from(week(rng, [5.6, 8.4, 7.0, 5.6, 8.4, 7.0, 7.0]))
    assert prior is not None
    slow_day = visits(rng, 1, 60, 9.0)
    assert robust_pace(slow_day, prior, 7.0).mean > 8.2


def test_days_of_the_same_minutes_every_visit_weigh_all_their_visits() -> None:
    assert prior_visits([[7.0] * 20] * 7) == 140.0


def test_without_a_week_the_prior_weighs_as_little_as_before() -> None:
    rng = np.random.default_rng(5)
    assert prior_visits(week(rng, [7.0, 7.0])) == 10.0
    assert prior_visits([[7.0] * 5] * 7) == 10.0  # too few visits a day to tell
    assert prior_from([[7.0] * 5]) is None
