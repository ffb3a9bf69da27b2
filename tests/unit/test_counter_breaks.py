"""Planned breaks: `counters[].breaks` in config.yaml, and the estimate's plan for the day,
cut by the mall's weekday breaks (`calendar.breaks`) and by each counter's own."""

from __future__ import annotations

from datetime import date, time
from typing import Any

import pytest

from core.config import ConfigError, Settings, TimeRange
from core.counter_hours import plan_from_config
from core.forecast import Span, without_breaks
from tests.unit.test_config import minimal, parse

MONDAY, FRIDAY = date(2026, 11, 23), date(2026, 11, 27)
NOON = TimeRange(time(12, 0), time(12, 30))


def with_breaks(breaks: Any, calendar: dict[str, Any] | None = None) -> Settings:
    """The minimal file (counter 1 serves KTP and KK from the mall's 07:30) with breaks."""

    def edit(data: dict[str, Any]) -> None:
        data["counters"][0]["breaks"] = breaks
        if calendar is not None:
            data["calendar"] = calendar

    return parse(minimal(edit))


# --------------------------------------------------------------------------- config.yaml


def test_a_list_of_breaks_applies_every_day() -> None:
    counter = with_breaks(["12:00-12:30", "14:00-14:15"]).counter(1)
    assert all(
        counter.breaks_on(day) == (NOON, TimeRange(time(14), time(14, 15))) for day in range(7)
    )


def test_a_weekday_mapping_applies_only_on_the_days_named() -> None:
    counter = with_breaks({"Mon": "12:00-12:30", "fri": ["10:00-10:15", "13:30-24:00"]}).counter(1)
    assert counter.breaks_on(0) == (NOON,)
    assert counter.breaks_on(4) == (
        TimeRange(time(10), time(10, 15)),
        TimeRange(time(13, 30), time.max),
    )
    assert counter.breaks_on(1) == () and counter.breaks_on(6) == ()


@pytest.mark.parametrize("breaks", [None, [], {}, {"fri": None}])
def test_no_breaks(breaks: Any) -> None:
    settings = with_breaks(breaks)
    assert settings.counter(1).breaks == () and settings.counter(1).breaks_on(4) == ()
    assert settings.counter(2).breaks_on(0) == ()  # a counter without the key


@pytest.mark.parametrize(
    ("breaks", "key_path", "gist"),
    [
        ("12:00-12:30", "counters[0].breaks", "must be a list of breaks, e.g. ['12:00-12:30']"),
        (30, "counters[0].breaks", "must be a list like ['12:00-12:30'] or a weekday mapping"),
        (["12-13"], "counters[0].breaks[0]", "expected a break 'HH:MM-HH:MM', got '12-13'"),
        (["12:00-12:30", "13:00-12:00"], "counters[0].breaks[1]", "ends before it starts"),
        (["12:00-12:00"], "counters[0].breaks[0]", "is empty"),
        (["25:00-25:30"], "counters[0].breaks[0]", "is not a valid time of day"),
        (["closed"], "counters[0].breaks[0]", "leave it out for no break"),
        ({"fry": "12:00-12:30"}, "counters[0].breaks.fry", "unknown weekday; did you mean 'fri'?"),
        ({"fri": "closed"}, "counters[0].breaks.fri", "expected a break 'HH:MM-HH:MM'"),
        ({"fri": ["10:00-10:15", 12]}, "counters[0].breaks.fri[1]", "got 12"),
    ],
)
def test_a_bad_break_names_its_key_path(breaks: Any, key_path: str, gist: str) -> None:
    with pytest.raises(ConfigError) as caught:
        with_breaks(breaks)
    message = str(caught.value)
    assert message.startswith(f"{key_path}: ") and gist in message
    assert "\n" not in message


# --------------------------------------------------------------------------- the plan


def plan(settings: Settings, day: date) -> dict[int, list[Span]]:
    return plan_from_config(settings, day)


def test_without_breaks_cuts_what_overlaps_and_keeps_the_rest() -> None:
    day = Span(450, 990)
    assert without_breaks(day, []) == [day]
    assert without_breaks(day, [Span(720, 750)]) == [Span(450, 720), Span(750, 990)]
    # Overlapping breaks, one sticking out of the day, given out of order.
    assert without_breaks(day, [Span(960, 1200), Span(700, 760), Span(690, 720)]) == [
        Span(450, 690),
        Span(760, 960),
    ]
    assert without_breaks(day, [Span(0, 1440)]) == []


def test_the_plan_without_breaks_is_the_hours_and_an_hour_after() -> None:
    # Counter 1 (KTP, KK: the mall's 07:30-15:30); counter 2 (SIM 08:00-14:00, KTP).
    assert plan(with_breaks(None), MONDAY) == {1: [Span(450, 990)], 2: [Span(450, 990)]}


def test_the_friday_break_cuts_every_counter() -> None:
    settings = with_breaks(None, calendar={"breaks": {"fri": "11:30-13:00"}})
    # The mall's Friday: 07:30-16:00, served until 17:00.
    assert plan(settings, FRIDAY) == {
        1: [Span(450, 690), Span(780, 1020)],
        2: [Span(450, 690), Span(780, 1020)],
    }
    assert plan(settings, MONDAY)[1] == [Span(450, 990)]  # other days are not cut


def test_a_counter_break_cuts_only_that_counter() -> None:
    plans = plan(with_breaks(["12:00-12:30"]), MONDAY)
    assert plans[1] == [Span(450, 720), Span(750, 990)]
    assert plans[2] == [Span(450, 990)]


def test_a_counter_break_and_the_friday_break_together() -> None:
    settings = with_breaks({"fri": ["11:00-11:45"]}, calendar={"breaks": {"fri": "11:30-13:00"}})
    assert plan(settings, FRIDAY)[1] == [Span(450, 660), Span(780, 1020)]
    assert plan(settings, MONDAY)[1] == [Span(450, 990)]


def test_a_dated_closure_takes_the_closed_services_hours_out() -> None:
    only_sim_and_kk = {
        "closed": [
            {"date": "2026-11-23", "kind": "closure", "reason": "x", "services": ["KTP"]},
            {"date": "2026-11-27", "kind": "holiday", "reason": "y"},
        ]
    }
    settings = with_breaks(None, calendar=only_sim_and_kk)
    # Counter 1 still serves KK; counter 2 only SIM (08:00-14:00) that day.
    assert plan(settings, MONDAY) == {1: [Span(450, 990)], 2: [Span(480, 900)]}
    assert plan(settings, FRIDAY) == {}  # the whole mall closed: no counter works
