"""When a service makes its last call of a day: not the end of its listed hours (when it issues
numbers) but the end of the working day of the counters that serve it, never after the day
closes. What a visitor taking a number from home is told (core/usecases/remote.py)."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, time, timedelta

from core.config import Settings
from core.config.booking import ClosedDate
from core.counter_hours import plan_from_config, service_last_call
from core.forecast import Span

TUESDAY, FRIDAY, SUNDAY = date(2026, 11, 24), date(2026, 11, 27), date(2026, 11, 29)


def local(settings: Settings, day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), settings.mall.tz)


def test_a_service_issuing_until_14_30_calls_until_its_counters_hour_of_grace_ends(
    demo_settings: Settings,
):
    assert str(demo_settings.service_hours("KTP", TUESDAY.weekday())) == "08:00-14:30"
    last = service_last_call(demo_settings, "KTP", TUESDAY)
    assert last == local(demo_settings, TUESDAY, 15, 30)  # 14:30 + serve_after_closing 60


def test_without_an_hour_of_grace_the_listed_hours_are_the_last_call(demo_settings: Settings):
    mall = dataclasses.replace(demo_settings.mall, serve_after_closing_minutes=0)
    settings = dataclasses.replace(demo_settings, mall=mall)
    assert service_last_call(settings, "KTP", TUESDAY) == local(settings, TUESDAY, 14, 30)


def test_a_break_that_runs_into_the_evening_of_its_counters_ends_their_calls(
    demo_settings: Settings,
):
    # Friday: KTP issues until 11:00; its counters serve until the prayer break at 11:30 and
    # do not come back for it, though the day closes at 17:00.
    assert service_last_call(demo_settings, "KTP", FRIDAY) == local(demo_settings, FRIDAY, 11, 30)


def test_a_counter_shared_with_a_later_service_calls_until_its_own_day_ends(
    demo_settings: Settings,
):
    # Counter 3 serves KTP and KIA; KIA made to issue until 15:00 keeps it calling KTP too.
    listed = demo_settings.service("KIA").hours or {}
    tuesday = listed[TUESDAY.weekday()]
    assert tuesday is not None
    hours = {**listed, TUESDAY.weekday(): dataclasses.replace(tuesday, end=time(15, 0))}
    services = tuple(
        dataclasses.replace(s, hours=hours) if s.code == "KIA" else s
        for s in demo_settings.services
    )
    settings = dataclasses.replace(demo_settings, services=services)
    assert service_last_call(settings, "KTP", TUESDAY) == local(settings, TUESDAY, 16, 0)


def test_the_estimators_plan_decides_and_the_days_close_bounds_it(demo_settings: Settings):
    plan = plan_from_config(demo_settings, TUESDAY)
    staffed = {1: [Span(8 * 60, 13 * 60)], **{n: s for n, s in plan.items() if n not in (1, 2, 3)}}
    assert service_last_call(demo_settings, "KTP", TUESDAY, staffed) == local(
        demo_settings, TUESDAY, 13
    )
    until_midnight = {1: [Span(8 * 60, 24 * 60)]}
    closes = local(demo_settings, TUESDAY, 16, 30)  # the demo's Tuesday closes at 16:30
    assert service_last_call(demo_settings, "KTP", TUESDAY, until_midnight) == closes
    # A close promised later by the hours in force earlier that day (core/usecases/closing.py).
    promised = (TUESDAY, closes + timedelta(hours=2))
    assert service_last_call(demo_settings, "KTP", TUESDAY, until_midnight, promised) == (
        closes + timedelta(hours=2)
    )


def test_a_day_without_hours_or_closed_in_the_calendar_has_no_last_call(
    demo_settings: Settings,
):
    assert service_last_call(demo_settings, "KTP", SUNDAY) is None
    closed = ClosedDate(TUESDAY, "closure", "Banjir / Flood", ("KTP",))
    calendar = dataclasses.replace(demo_settings.calendar, closed=(closed,))
    settings = dataclasses.replace(demo_settings, calendar=calendar)
    assert service_last_call(settings, "KTP", TUESDAY) is None
