"""The simulator's model of time and chance, against statistics and closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest

from core.forecast import Desk, Span, Visitor, play
from core.simulation.model import (
    HourlyRates,
    ServiceTime,
    Window,
    erlang_c,
    erlang_c_wait_quantile,
    working_windows,
)


def test_arrival_counts_match_the_hourly_rates_within_statistical_bounds() -> None:
    rates = HourlyRates({8: 120.0, 9: 60.0, 13: 30.0})
    rng = np.random.default_rng(7)
    days = [rates.draw(rng) for _ in range(400)]
    for hour, rate in rates.per_hour.items():
        counts = np.array([np.sum((d >= hour * 60) & (d < hour * 60 + 60)) for d in days])
        # Poisson: the mean of 400 days is within 4 standard errors of the rate...
        assert abs(counts.mean() - rate) < 4 * math.sqrt(rate / len(days))
        # ...and the variance equals the mean (not a fixed count per hour).
        assert 0.8 * rate < counts.var() < 1.2 * rate
    assert all(np.sum((d >= 600) & (d < 780)) == 0 for d in days)  # no rate: nobody
    assert all(np.all(np.diff(d) >= 0) for d in days)
    assert rates.expected(8 * 60 + 30, 9 * 60 + 30) == pytest.approx(60 + 30)


@pytest.mark.parametrize("distribution", ["lognormal", "gamma"])
def test_service_times_have_the_mean_and_spread_asked_for(distribution: str) -> None:
    spec = ServiceTime(distribution, 7.0, 0.6)
    draws = spec.draw(np.random.default_rng(3), 200_000)
    assert draws.mean() == pytest.approx(7.0, rel=0.02)
    assert draws.std() / draws.mean() == pytest.approx(0.6, rel=0.05)
    assert np.median(draws) < draws.mean()  # skewed: the median understates the mean


def test_a_draw_beyond_an_elapsed_time_is_the_rest_of_a_longer_service() -> None:
    spec = ServiceTime("lognormal", 5.0, 0.5)
    rng = np.random.default_rng(1)
    rests = [spec.draw_beyond(rng, 6.0) for _ in range(2000)]
    assert min(rests) > 0
    whole = spec.draw(rng, 400_000)
    assert np.mean(rests) == pytest.approx(np.mean(whole[whole > 6.0] - 6.0), rel=0.08)


def test_breaks_cut_the_working_windows() -> None:
    spans = working_windows(Window(480, 900), [Window(720, 750), Window(600, 610)])
    assert spans == [Window(480, 600), Window(610, 720), Window(750, 900)]


def test_one_counter_with_fixed_service_times_matches_the_m_d_1_formula() -> None:
    """M/D/1 (Pollaczek–Khinchine): the mean wait is ρ·D / (2(1 − ρ))."""
    rng = np.random.default_rng(11)
    service, rho = 4.0, 0.6
    arrivals = np.cumsum(rng.exponential(service / rho, 40_000))
    people = [Visitor((float(t), i), str(i), "S", False, float(t)) for i, t in enumerate(arrivals)]
    desk = Desk(1, ("S",), 0.0, 0, [Span(0.0, 1e9)])
    called = play(0.0, [desk], people, lambda v, d, t: service, 2, horizon=1e9)
    waits = np.array([called[p.key] - p.ready for p in people])
    assert waits.mean() == pytest.approx(rho * service / (2 * (1 - rho)), rel=0.08)


def test_deterministic_arrivals_and_service_d_d_1() -> None:
    """D/D/1: arrivals every 5 minutes served in 4 never wait; served in 6 wait 1 more each."""
    for service, expected in ((4.0, [0.0] * 10), (6.0, [float(k) for k in range(10)])):
        people = [Visitor((5.0 * k, k), str(k), "S", False, 5.0 * k) for k in range(10)]
        desk = Desk(1, ("S",), 0.0, 0, [Span(0.0, 1e9)])
        called = play(0.0, [desk], people, lambda v, d, t, s=service: s, 2, horizon=1e9)
        assert [called[p.key] - p.ready for p in people] == pytest.approx(expected)


def test_a_counter_calls_only_inside_its_windows() -> None:
    people = [Visitor((0.0, k), str(k), "S", False) for k in range(4)]
    desk = Desk(1, ("S",), 0.0, 0, [Span(0.0, 10.0), Span(30.0, 40.0)])
    called = play(0.0, [desk], people, lambda v, d, t: 5.0, 2)
    assert called == {"0": 0.0, "1": 5.0, "2": 30.0, "3": 35.0}
    desk = Desk(1, ("S",), 0.0, 0, [Span(0.0, 10.0)])
    assert set(play(0.0, [desk], people, lambda v, d, t: 5.0, 2)) == {"0", "1"}  # closed


def test_erlang_c_closed_forms() -> None:
    assert erlang_c(1, 0.5) == pytest.approx(0.5)  # M/M/1: P(wait) = ρ
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)
    assert erlang_c(2, 2.5) == 1.0  # unstable
    # M/M/1: P(W > t) = ρ·exp(−(μ − λ)t); the p90 solves ρ·exp(−(μ−λ)t) = 0.1.
    lam, mean = 0.15, 5.0
    t90 = erlang_c_wait_quantile(1, lam, mean, 0.9)
    assert t90 == pytest.approx(math.log(0.75 / 0.1) / (1 / mean - lam))
    assert erlang_c_wait_quantile(3, 0.01, 5.0, 0.9) == 0.0
