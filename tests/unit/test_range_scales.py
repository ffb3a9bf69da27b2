"""Each side of a service's range is scaled by what today's decided visitors showed."""

from __future__ import annotations

import pytest

from core.estimate_calibration import FEWEST, LEAST, MOST, Given, work_out_scales


def _told(n: int, service: str = "KTP", at: float = 0.0) -> dict[str, Given]:
    """`n` visitors told 30 minutes, range 20-40, all at minute `at`."""
    return {f"{service}{i}": Given(service, at, 30, 20, 40) for i in range(n)}


def test_a_service_with_too_few_decided_visitors_keeps_the_models_range() -> None:
    told = _told(FEWEST - 1)
    called = dict.fromkeys(told, 100.0)  # all far too late
    assert work_out_scales(told, called, now=1000)["KTP"] == (1.0, 1.0)


def test_waits_far_past_the_range_widen_its_upper_side_to_the_most() -> None:
    told = _told(100)
    called = dict.fromkeys(told, 90.0)  # 60 minutes past the point: six upper sides
    lower, upper = work_out_scales(told, called, now=1000)["KTP"]
    assert upper == MOST
    assert lower == LEAST  # nobody came before the point: the lower side narrows


def test_waits_spread_through_the_range_keep_it_about_as_wide() -> None:
    told = _told(101)
    # Evenly from 20 to 40 minutes: every wait inside, the extremes at its ends.
    called = {ticket: 20 + 20 * i / 100 for i, ticket in enumerate(told)}
    lower, upper = work_out_scales(told, called, now=1000)["KTP"]
    # Half the scores are 0 (the other side), half spread evenly up to 1: the 94th
    # percentile of them is 0.88 of a side.
    assert lower == pytest.approx(0.88, abs=0.01)
    assert upper == pytest.approx(0.88, abs=0.01)


def test_only_decided_visitors_count() -> None:
    told = _told(100, at=0.0)
    # At minute 29 nobody's point has passed: nothing is decided on either side.
    assert work_out_scales(told, {}, now=29) == {}
    # At minute 30 the points have passed (the lower side is decided), the upper side of
    # a visitor only at 30 + 2 × 10 minutes.
    lower, upper = work_out_scales(told, {}, now=30)["KTP"]
    assert (lower, upper) == (LEAST, 1.0)
    assert work_out_scales(told, {}, now=50)["KTP"] == (LEAST, MOST)  # still waiting: late


def test_services_are_scaled_apart() -> None:
    told = _told(60, "KTP") | _told(60, "BAYAR")
    called = {t: (90.0 if t.startswith("BAYAR") else 30.0) for t in told}
    scales = work_out_scales(told, called, now=1000)
    assert scales["BAYAR"][1] == MOST
    assert scales["KTP"][1] == LEAST  # every KTP visitor called at the point
