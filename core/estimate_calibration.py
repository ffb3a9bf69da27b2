"""How sure the estimate says it is, checked against today's own visitors, service by service.

The range's width comes from a model of the spread (core/estimate.py) whose factors were
measured on simulated days. A real day strays from them, and not alike in every service: a
payment desk fed by another service's transfers was told ranges half as wide as the oracle's,
and on most days the big services' ranges held more waits than the 80 % they stand for. So
each service's ranges given at issue today are compared with the waits those visitors then
had, and each side of the range is scaled so that about `MISS_SHARE` of the visitors fell
below it and as many above (split conformal prediction, the range's own sides its scale: a
visitor's score is how many lower, or upper, sides away from the point the real wait fell).

Only what is already decided counts, so the waits still running bias nothing:
- the lower side: the visitors whose point has passed (called before it, or not yet called);
- the upper side: those whose point plus `MOST` upper sides has passed.
The last `WINDOW` of each count; with fewer than `FEWEST`, the side keeps the model's width.

Each process keeps the ranges it gave in memory (after a restart it starts again from the
model's widths until enough of its new visitors were called) and reads the day's first calls,
whichever process made them, from `ticket_events` once a minute.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import Connection, select

from core.store import ticket_events, tickets

if TYPE_CHECKING:
    from core.context import MallContext

MISS_SHARE = 0.06  # on each side: a range meant to hold about 88 % of waits
WINDOW = 400  # the most recent decided visitors of a service that count
FEWEST = 40  # fewer decided than this: the model's width stands
LEAST, MOST = 0.6, 2.0  # how far a side may be scaled
LOOK_BACK = timedelta(minutes=2)  # calls committed late (their time taken before the last read)


@dataclass(frozen=True)
class Given:
    """A range given at issue: the model's, before scaling; `at` in minutes."""

    service: str
    at: float  # minutes since the day's first note
    point: int
    low: int  # the model's range, before any scaling
    high: int


def _quantile(values: list[float], share: float) -> float:
    """The `share` quantile, interpolated between the two nearest values."""
    ordered = sorted(values)
    position = share * (len(ordered) - 1)
    below = int(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)


class RangeCalibration:
    """Scales for the lower and upper side of each service's ranges, from today's visitors."""

    def __init__(self, ctx: MallContext) -> None:
        self.ctx = ctx
        self._lock = threading.Lock()
        self._day: date | None = None
        self._start: datetime | None = None  # what the minutes count from
        self._given: dict[str, Given] = {}
        self._called: dict[str, float] = {}  # ticket id: its first call, in those minutes
        self._read_since: datetime | None = None
        self._scales: dict[str, tuple[float, float]] = {}
        self._minute: int | None = None

    def scales(self, service: str) -> tuple[float, float]:
        """(lower, upper): how many times the model's side to show; 1.0 until known."""
        return self._scales.get(service, (1.0, 1.0))

    def note(
        self, ticket_id: str, service: str, given_at: datetime, point: int, low: int, high: int
    ) -> None:
        """A visitor was first told `point` within the model's range [low, high]."""
        with self._lock:
            self._start_day(given_at)
            assert self._start is not None
            at = (given_at - self._start).total_seconds() / 60
            self._given.setdefault(ticket_id, Given(service, at, point, low, high))

    def refresh(self, conn: Connection) -> None:
        """Read the calls since the last look and work the scales out again, once a minute."""
        now = self.ctx.now()
        with self._lock:
            self._start_day(now)
            assert self._start is not None
            minute = int((now - self._start).total_seconds() // 60)
            if minute == self._minute or not self._given:
                return
            self._minute = minute
            since = self._read_since or self._start
        calls = conn.execute(
            select(tickets.c.id, ticket_events.c.at)
            .join(tickets, tickets.c.seq == ticket_events.c.ticket_seq)
            .where(
                ticket_events.c.mall == self.ctx.mall,
                ticket_events.c.at >= since - LOOK_BACK,
                ticket_events.c.action == "call",
            )
        ).all()
        with self._lock:
            if self._start is None or self._day != self.ctx.today():
                return  # a new day began meanwhile
            for ticket_id, at in calls:
                if ticket_id in self._given:
                    called = (at - self._start).total_seconds() / 60
                    self._called[ticket_id] = min(called, self._called.get(ticket_id, called))
            self._read_since = now
            elapsed = (now - self._start).total_seconds() / 60
            self._scales = work_out_scales(self._given, self._called, elapsed)

    def _start_day(self, now: datetime) -> None:
        today = self.ctx.today()
        if self._day != today:
            self._day, self._start = today, now
            self._given, self._called, self._scales = {}, {}, {}
            self._read_since, self._minute = None, None


def work_out_scales(
    given: Mapping[str, Given], called: Mapping[str, float], now: float
) -> dict[str, tuple[float, float]]:
    """Each service's (lower, upper) scale from the ranges `given` (by ticket id), the first
    `called` times known (same minutes) and the minute it is `now`."""
    below: dict[str, list[float]] = {}
    above: dict[str, list[float]] = {}
    for ticket_id, told in sorted(given.items(), key=lambda item: item[1].at):
        point = told.point
        call = called.get(ticket_id)
        wait = call - told.at if call is not None else None
        room = point - told.low
        if room >= 1 and told.at + point <= now:  # decided: came early, or did not
            early = wait is not None and wait < point
            below.setdefault(told.service, []).append((point - wait) / room if early else 0.0)
        room = told.high - point
        if room >= 1 and told.at + point + MOST * room <= now:
            late = MOST if wait is None else min(max((wait - point) / room, 0.0), MOST)
            above.setdefault(told.service, []).append(late)
    return {
        service: (_scale(below.get(service, [])), _scale(above.get(service, [])))
        for service in set(below) | set(above)
    }


def _scale(scores: list[float]) -> float:
    recent = scores[-WINDOW:]
    if len(recent) < FEWEST:
        return 1.0
    return min(max(_quantile(recent, 1 - MISS_SHARE), LEAST), MOST)
