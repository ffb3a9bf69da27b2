"""The counters' working hours of a day as the configuration gives them, for the wait
estimate (`core/estimate.py`) where no staffing plan says otherwise, when the day closes
(core/usecases/closing.py; the counter terminal warns before), and when a service makes its
last call (`service_last_call`: what a visitor taking a number from home is told). Pure
Python."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from core.config import Settings
from core.forecast import Span, without_breaks

DayPlan = dict[int, list[Span]]  # counter number: its working spans, in minutes of the day


def plan_from_config(settings: Settings, day: date) -> dict[int, list[Span]]:
    """Without a staffing plan, a counter works from the first of its services' opening
    to `mall.serve_after_closing_minutes` after the last one's closing (officers serve who
    took a number; the day closes then, core/usecases/closing.py), less the
    mall's breaks of the weekday (`calendar.breaks`, Friday prayers) and its own
    (`counters[].breaks`, a lunch rotation). Services closed on the date (a holiday, a
    local closure) give it no hours; a counter with none left does not work."""
    weekday = day.weekday()
    mall_break = settings.calendar.breaks.get(weekday)
    grace = float(settings.mall.serve_after_closing_minutes)
    plan: dict[int, list[Span]] = {}
    for counter in settings.counters:
        hours = [
            settings.service_hours(code, weekday)
            for code in counter.services
            if settings.calendar.closure(day, code) is None
        ]
        hours = [h for h in hours if h is not None]
        if not hours:
            continue
        start = min(_minute_of(h.start) for h in hours)
        end = max(_minute_of(h.end) for h in hours)
        day_span = Span(start, min(24 * 60, end + grace))
        pauses = [*counter.breaks_on(weekday), *([mall_break] if mall_break else [])]
        spans = without_breaks(
            day_span, [Span(_minute_of(b.start), _minute_of(b.end)) for b in pauses]
        )
        if spans:
            plan[counter.number] = spans
    return plan


def _minute_of(t: time) -> float:
    """A wall-clock time as minutes past midnight (`time.max`, written 24:00, is 1440)."""
    return 24 * 60 if t == time.max else t.hour * 60 + t.minute


def day_closes_at(
    settings: Settings, day: date, promised: tuple[date, datetime] | None = None
) -> datetime:
    """When `day` closes, in the mall's time zone: the latest end of that weekday's hours
    (the mall's and each service's) plus `mall.serve_after_closing_minutes`, at the latest
    midnight; or `promised`'s later close, when it is for `day` (the close promised by the
    hours in force earlier that day: core/usecases/closing.py)."""
    configured = _configured_close(settings, day)
    if promised is not None and promised[0] == day and promised[1] > configured:
        return promised[1]
    return configured


def _configured_close(settings: Settings, day: date) -> datetime:
    tz = settings.mall.tz
    midnight = datetime.combine(day + timedelta(days=1), time(0), tz)
    weekday = day.weekday()
    ends = [
        hours.end
        for hours in [settings.mall.opening_hours.get(weekday)]
        + [settings.service_hours(s.code, weekday) for s in settings.services]
        if hours is not None
    ]
    if not ends:  # closed all day: nothing to serve
        return datetime.combine(day, time(0), tz)
    if time.max in ends:
        return midnight
    grace = timedelta(minutes=settings.mall.serve_after_closing_minutes)
    return min(midnight, datetime.combine(day, max(ends), tz) + grace)


def service_last_call(
    settings: Settings,
    code: str,
    day: date,
    plan: DayPlan | None = None,
    promised: tuple[date, datetime] | None = None,
) -> datetime | None:
    """The last moment service `code` still calls a visitor on `day`, in the mall's time
    zone, or None when it takes nobody that day (no hours, a dated closure, no counter).

    A service's listed hours are when it *issues* numbers (`Settings.service_hours`): its
    counters go on calling who took one until their working day ends, the end of the last
    working span of any counter that serves it (`plan`, the wait estimate's: by default
    `plan_from_config`, the latest hours of the counter's services plus
    `mall.serve_after_closing_minutes`), and never after the day closes (`day_closes_at`,
    then every ticket still waiting ends unserved). A visitor travelling in with a number
    from home is served if called by then, so that is when the service "closes" for them;
    and it is the horizon of the estimate's `eta_today`, so the warning and the refusal
    agree with the estimate they quote."""
    if settings.service_hours(code, day.weekday()) is None:
        return None
    if settings.calendar.closure(day, code) is not None:
        return None
    plan = plan_from_config(settings, day) if plan is None else plan
    ends = [
        spans[-1].end
        for counter in settings.counters_serving(code)
        if (spans := plan.get(counter.number))
    ]
    if not ends:
        return None
    midnight = datetime.combine(day, time(0), settings.mall.tz)
    last = midnight + timedelta(minutes=max(ends))
    return min(last, day_closes_at(settings, day, promised))
