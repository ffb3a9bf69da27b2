"""How long each service's visitors hold a counter, as the wait estimate (`core/estimate.py`)
plays the queue: learned from today's finished visits and the recent days' (`core/pace.py`),
kept between plays.

Recent days' counter times are read once a day. Today's are read as they come: after a visit
of the service ends in this process, or when the last read is `FRESH_FOR` old (a visit ended
by another process reaches no other process's estimator), only the visits that ended since
the last read are read. Reading the service's latest 200 again after every finished visit,
and parsing their times, was a tenth of a simulated busy day's time; and a process never
heard of the visits other processes ended.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import Connection

from core import estimate_data
from core.pace import Pace, Prior, prior_from, robust_pace

if TYPE_CHECKING:
    from core.context import MallContext

FRESH_FOR = timedelta(minutes=1)
# Read again with the new ones: a visit another process ended commits a little after its
# finishing time, possibly after a later one was read here.
OVERLAP = timedelta(minutes=2)

CounterTime = tuple[float, int | None]  # minutes call to finish, the counter


@dataclass
class _Today:
    """One service's counter times of one day, by ticket (a no-show called again and served
    counts once, as it ended last)."""

    day: str
    read_at: datetime
    ended: dict[str, tuple[datetime, CounterTime]] = field(default_factory=dict)
    pace: Pace | None = None
    heard_of_more: bool = False  # a visit of the service ended in this process since

    def latest_end(self) -> datetime | None:
        return max((at for at, _ in self.ended.values()), default=None)

    def newest_first(self) -> list[CounterTime]:
        ordered = sorted(self.ended.values(), key=lambda item: item[0], reverse=True)
        return [time for _, time in ordered[: estimate_data.SAMPLE_LIMIT]]


class Paces:
    """Each service's pace for the estimator, read as little as it can be."""

    def __init__(self, ctx: MallContext) -> None:
        self.ctx = ctx
        self._lock = threading.Lock()
        self._today: dict[str, _Today] = {}
        self._recent: dict[str, tuple[str, Prior | None]] = {}

    def of(self, conn: Connection, code: str, day: date) -> Pace:
        now = self.ctx.now()
        with self._lock:
            known = self._today.get(code)
        if known is None or known.day != day.isoformat():
            known = _Today(day.isoformat(), now, heard_of_more=True)
            since = None
        elif known.pace is not None and not known.heard_of_more and _fresh(known, now):
            return known.pace
        else:
            latest = known.latest_end()
            since = latest - OVERLAP if latest is not None else None
        rows = estimate_data.counter_times(conn, self.ctx.mall, day, code, since)
        prior = self._recent_prior(conn, code, day)
        with self._lock:
            known.read_at, known.heard_of_more = now, False
            changed = known.pace is None
            for ticket_id, finished_at, time in rows:
                if known.ended.get(ticket_id) != (finished_at, time):
                    known.ended[ticket_id] = (finished_at, time)
                    changed = True
            if changed:
                if len(known.ended) > 2 * estimate_data.SAMPLE_LIMIT:
                    keep = sorted(known.ended.items(), key=lambda kv: kv[1][0], reverse=True)
                    known.ended = dict(keep[: estimate_data.SAMPLE_LIMIT])
                default = self.ctx.settings.service(code).default_service_minutes
                known.pace = robust_pace(known.newest_first(), prior, default)
            self._today[code] = known
            return known.pace  # type: ignore[return-value]

    def heard_of_ended(self, services: Iterable[str]) -> None:
        """Visits of `services` ended in this process: their next pace reads what is new."""
        with self._lock:
            for code in services:
                known = self._today.get(code)
                if known is not None:
                    known.heard_of_more = True

    def _recent_prior(self, conn: Connection, code: str, day: date) -> Prior | None:
        """Recent days' counter times of the service, as a prior: read once a day."""
        with self._lock:
            cached = self._recent.get(code)
        if cached is not None and cached[0] == day.isoformat():
            return cached[1]
        first = day - timedelta(days=estimate_data.RECENT_DAYS)
        days = estimate_data.counter_minutes_by_day(
            conn, self.ctx.mall, first, day - timedelta(days=1), code
        )
        prior = prior_from(days)
        with self._lock:
            self._recent[code] = (day.isoformat(), prior)
        return prior


def _fresh(known: _Today, now: datetime) -> bool:
    return timedelta(0) <= now - known.read_at < FRESH_FOR
