"""The day before a simulated day, over, written into its database: a mall that has run for a
while has recent days, and the wait estimate learns its pace and the shape of a day's
arrivals from them (`core/estimate.py`, `core/estimate_inflow.py`)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

import numpy as np
from sqlalchemy import Engine, insert

from core.simulation.model import NO_SHOW_MINUTES, WALK_MINUTES
from core.store import tickets
from core.tickets import Priority

if TYPE_CHECKING:
    from core.simulation.scenario import Scenario


def write_days_before(
    scenario: Scenario, engine: Engine, mall: str, rng: np.random.Generator, days: int
) -> None:
    """The `days` days before the scenario's, over, the day before first (each drawn after
    the one after it from `rng`)."""
    for back in range(1, days + 1):
        write_day_before(scenario, engine, mall, rng, scenario.day - timedelta(days=back))


def write_day_before(
    scenario: Scenario, engine: Engine, mall: str, rng: np.random.Generator, day: date
) -> None:
    """A day before, over: its visitors drawn like the day's own (arrivals per hour in the
    service's hours that weekday, the priority share, counter times: a walk to the desk and
    the service, or the wait for a no-show), each served by a counter of the service. The
    estimate learns its pace and the shape of a day's arrivals from recent days."""
    settings = scenario.settings
    tz = settings.mall.tz
    # In UTC, as the repository stores every instant (SQLite keeps no offset).
    midnight = datetime.combine(day, time(0), tz).astimezone(UTC)
    rows = []
    for code, spec in scenario.file.services.items():
        service = settings.service(code)
        hours = settings.service_hours(code, day.weekday())
        if hours is None:
            continue
        start, end = hours.start.hour * 60.0 + hours.start.minute, _minute(hours.end)
        arrivals = scenario.arrivals(code).draw(rng, start, end)
        n = len(arrivals)
        times = np.asarray(scenario.service_time(code).draw(rng, n), dtype=float)
        no_shows = rng.random(n) < spec.no_show
        priority = rng.random(n) < spec.priority
        desks = [c.number for c in settings.counters_serving(code)]
        for i, minute in enumerate(arrivals):
            issued = midnight + timedelta(minutes=float(minute))
            called = issued + timedelta(minutes=30)  # the wait is not learnt from
            counter_time = NO_SHOW_MINUTES if no_shows[i] else WALK_MINUTES + times[i]
            rows.append(
                {
                    "id": f"before-{day.isoformat()}-{code}-{i}",
                    "mall": mall,
                    "day": day.isoformat(),
                    "service": code,
                    "origin_service": code,
                    "prefix": service.prefix,
                    "sequence": i + 1,
                    "status": "no_show" if no_shows[i] else "done",
                    "priority": Priority.ELDERLY.value if priority[i] else None,
                    "counter": desks[i % len(desks)] if desks else None,
                    "issued_at": issued,
                    "arrived_at": issued,
                    "called_at": called,
                    "finished_at": called + timedelta(minutes=float(counter_time)),
                    "call_count": 1,
                    "transfers": [],
                    "channel": "kiosk",
                }
            )
    if rows:
        with engine.begin() as conn:
            conn.execute(insert(tickets), rows)


def _minute(t: time) -> float:
    """A wall-clock time as minutes past midnight (`time.max`, written 24:00, is 1440)."""
    return 24 * 60.0 if t == time.max else t.hour * 60.0 + t.minute
