"""How long a visitor will wait: the one engine every surface asks (kiosk, printed ticket,
phone page, counter terminal, display, the simulator and capacity planning).

The old estimate (`ahead × median ÷ open counters`) was measured on a simulated busy day to be
off by 25–28 minutes on average. Its faults, largest first, and what this engine does instead:
- counters shared by several services counted as whole counters: the call order is played
  forward over every counter of the services linked by shared counters (`core/forecast.py`),
  each calling by the real rule, so a shared counter gives each service only what it takes;
- breaks and closing ignored: each counter calls only in the working spans of the staffing
  plan (`plan`; on a live server its services' hours less the planned breaks of config.yaml),
  and a visitor whose turn would come after the last span is told so;
- the median of 20 skewed service times (0.86 × the mean): counter time per service (call to
  finish, no-shows included) is learned from today's and recent days' tickets as a mean
  robust to outliers (winsorised), per counter where a counter differs;
- priority ignored: the position is the real call order, and priority visitors still to come
  (at today's rate) are played in ahead of normal visitors;
- "nobody ahead" meant 0 while every counter was busy, and no estimate before opening or
  during breaks: the play starts from when each counter is next free.
Visitors sent on to another service join its queue in the play as today's share of
transfers says (one in so many, keeping their arrival, when their first turn ends), and a
transfer today between services that share no counter plays them together from then on: a
queue that transfers feed is not told too little.

It also says how sure it is: the spread of the time to the visitor's turn gives a range.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from core import estimate_data, repository
from core.booked_streaks import booked_streak
from core.counter_hours import plan_from_config
from core.estimate_cache import Forecast
from core.estimate_inflow import Inflow
from core.estimate_paces import Paces
from core.forecast import Desk, Span, Visitor, play
from core.numbering import local_day_start
from core.pace import Pace

if TYPE_CHECKING:
    from core.context import MallContext
    from core.tickets import Ticket

BREAK_RETURN_MINUTES = 15.0  # a counter on an unplanned break is expected back after this
LATE_OPENING_MINUTES = 30.0  # a counter still closed this long into its hours is not staffed
# The range is RANGE_SPREADS spreads wide (~80 %); where the point sits in it follows the
# oracle's 80 % ranges on the busy day (seeds 1-2): a short wait is skewed, its point a third
# of the way up under 5 minutes; a long one, a sum of many visits, is nearly symmetric (0.48
# beyond an hour). A fixed 0.42 put long waits' ranges too high (README.md).
RANGE_SPREADS = 3.1
RANGE_POINT_LONG, RANGE_POINT_SKEW, RANGE_POINT_MINUTES = 0.49, 0.15, 15.0
# The spread of the time to a visitor's turn, in squared minutes (measured on the simulated
# busy day against the oracle, which plays the rest of the day many times over):
# - the counter times before the turn, summed by the play over the group of linked services
#   and shared by the counters it used, understate it (the turn comes at the few counters
#   of one service, and a counter time's spread adds to the next call's wait): twice it;
# - what no counter time shows (priority visitors and transfers arriving ahead, breaks
#   moving) grows like a count of arrivals, its variance in proportion to the wait;
# - a floor: the minute the counters next free up and the shown minutes are rounded to. It
#   grows over the turn's first SPREAD_FLOOR_MINUTES: a turn due now, at a counter free now,
#   is certain, and one due in a minute or two waits only on the visits ending soonest (the
#   oracle's ranges widen about linearly over those minutes; the whole floor there made the
#   short waits' ranges 2-4 times as wide as the oracle's, holding 95-99 % of those waits).
# (A spread of 0.10 × the wait made a two-hour wait's range 40 minutes wide, the oracle's 15.)
SPREAD_COUNTER_FACTOR, SPREAD_PER_MINUTE, SPREAD_FLOOR = 2.0, 0.05, 4.0
SPREAD_FLOOR_MINUTES = 5.0
TIGHT_RANGE_MINUTES = 4  # narrower than this, the range is shown as "≈ n menit"

Plan = Callable[[date], dict[int, list[Span]]]


@dataclass(frozen=True)
class Eta:
    """An estimate: `minutes` (None: no estimate, or not today), the range, and whether the
    visitor may still be served today."""

    minutes: int | None
    low: int | None = None
    high: int | None = None
    today: bool | None = True  # None: unknown (no counter of the service works today)

    @property
    def approx(self) -> bool:
        return (
            self.low is not None
            and self.high is not None
            and (self.high - self.low < TIGHT_RANGE_MINUTES)
        )

    def fields(self) -> dict[str, Any]:
        """The API's fields: `eta_minutes` keeps its shape; the range and the day are new."""
        return {
            "eta_minutes": self.minutes,
            "eta_range": [self.low, self.high] if self.minutes is not None else None,
            "eta_approx": self.approx if self.minutes is not None else None,
            "eta_today": self.today,
        }


NO_ESTIMATE = Eta(None, today=None)


def range_point_share(minutes: float) -> float:
    """How far up its range a point of `minutes` sits (0: at the low end, 1: the high)."""
    return RANGE_POINT_LONG - RANGE_POINT_SKEW * math.exp(-max(0.0, minutes) / RANGE_POINT_MINUTES)


def estimate_wait_minutes(
    people_ahead: int, average_service_minutes: float, open_counters: int
) -> int | None:
    """The old naive model, kept as the simulator's baseline: the queue ahead shared by the
    open counters at the average pace (None when no counter is open)."""
    if open_counters <= 0:
        return None
    if people_ahead <= 0:
        return 0
    return max(1, round(people_ahead * average_service_minutes / open_counters))


class WaitEstimator:
    def __init__(self, ctx: MallContext) -> None:
        self.ctx = ctx
        # Without a staffing plan, the configuration's hours (the simulator sets its own).
        self.plan: Plan = lambda day: plan_from_config(self.ctx.settings, day)
        self._lock = threading.Lock()
        self._forecasts: dict[frozenset[str], Forecast] = {}
        self._playing: dict[frozenset[str], threading.Lock] = {}  # one play per group at once
        self.paces = Paces(ctx)  # counter time per visitor of each service
        self.inflow = Inflow(ctx)  # who will join the queues ahead: priority, bookings, transfers

    # ------------------------------------------------------------------ asked by the views
    def for_ticket(self, conn: Connection, ticket: Ticket) -> Eta:
        """The estimate for a waiting ticket (its own place in the call order)."""
        return self._eta(conn, ticket.service, ticket.id, ticket)

    def for_issued(self, ticket: Ticket, version: int) -> Eta | None:
        """The estimate for a ticket that joined the queue at `version`, when a play in
        hand answers for it; None: read the database (`for_ticket`). Under a kiosk rush the
        play made for one visitor answers the others issued with or before it, and a long
        queue's play places newcomers behind it, without a transaction of their own."""
        group = self.inflow.known_group(ticket.service)
        if group is None:
            return None
        now = self.ctx.now()
        with self._lock:
            cached = self._forecasts.get(group)
        if cached is None or not cached.answers_for_new(version, now):
            return None
        if cached.version > version and ticket.id not in cached.results:
            return None  # called (or moved) since: only the database knows
        result = cached.result(ticket.id, now, ticket, ticket.service)
        if result is False:
            return None
        return self._answer(cached, result)

    def for_waiting(self, conn: Connection, service_code: str, ticket_id: str) -> Eta:
        """The estimate for a waiting ticket known by its id (the counter's waiting list)."""
        return self._eta(conn, service_code, ticket_id)

    def for_new(self, conn: Connection, service_code: str) -> Eta:
        """The estimate for a visitor who took a ticket of `service_code` now."""
        return self._eta(conn, service_code, f"new:{service_code}")

    def minutes(
        self, conn: Connection, service_code: str, ahead: int, within: timedelta | None = None
    ) -> int | None:
        """Minutes for a new visitor of the service (kept for callers of the old engine).
        `within`: a play of the service's part of the mall made this recently answers,
        whatever changed since (the alert round's glance at every service, every few seconds
        in every process: under a kiosk rush it played the whole mall each time)."""
        if within is not None:
            group = self.inflow.group_of(conn, service_code)
            now = self.ctx.now()
            with self._lock:
                cached = self._forecasts.get(group)
            if cached is not None and timedelta(0) <= now - cached.at < within:
                key = f"new:{service_code}"
                result = cached.result(key, now, None, service_code)
                if result is not False:
                    return self._answer(cached, result).minutes
        return self.for_new(conn, service_code).minutes

    def forget(self, counters_changed: bool, finished_services: Iterable[str]) -> None:
        """A committed change moved the inputs: the next estimate reads them afresh."""
        with self._lock:
            # Tickets moving are caught by the version; a counter opening or going on break
            # changes every estimate of its services at once: start afresh.
            if counters_changed:
                self._forecasts.clear()
        self.paces.heard_of_ended(finished_services)

    # ------------------------------------------------------------------ the engine
    def _eta(self, conn: Connection, service: str, key: str, ticket: Ticket | None = None) -> Eta:
        group = self.inflow.group_of(conn, service)
        now = self.ctx.now()
        version = repository.version(conn, self.ctx.mall)
        with self._lock:
            cached = self._forecasts.get(group)
        result = (
            cached.result(key, now, ticket, service)
            if cached is not None and cached.usable(version, now)
            else False
        )
        if result is False:
            # A checked-in booking must be in the play (a newcomer's place is not theirs).
            need = key if ticket is not None and ticket.channel == "booking" else None
            cached = self._fresh(conn, group, now, version, cached, need)
            result = cached.result(key, now, ticket, service)
            if result is False:  # an older play, answering while the queue is played again
                result = cached.result(f"new:{service}", now, None, service)
        return self._answer(cached, result)

    @staticmethod
    def _answer(cached: Forecast, result: tuple[float, float] | None | bool) -> Eta:
        if not cached.results.get("desks"):
            return NO_ESTIMATE
        if not result:
            return Eta(None, today=False)
        point, spread = result
        below = RANGE_SPREADS * range_point_share(point)
        low = max(0.0, point - below * spread)
        high = point + (RANGE_SPREADS - below) * spread
        # Rounded, not floor and ceiling: "10–20 menit" already reads as 9½ to 20½, and the
        # outward minute made a short wait's range half as wide again as it needed to be.
        return Eta(round(point), round(low), max(round(high), round(point)))

    def _fresh(
        self,
        conn: Connection,
        group: frozenset[str],
        now: datetime,
        version: int,
        stale: Forecast | None,
        need: str | None = None,
    ) -> Forecast:
        """A play for the state at `version`, or, for a long queue already being played by
        another request, the last one: eight kiosks finding the play old at once must not
        each play 20,000 visitors (they did, and took seconds, and the play was old again).
        `need`: a visitor the play must hold (it waits for a play, and plays if need be)."""
        lock = self._playing.setdefault(group, threading.Lock())
        if stale is not None and stale.long and need is None:
            if not lock.acquire(blocking=False):
                return stale
        else:
            lock.acquire()
        try:
            with self._lock:
                latest = self._forecasts.get(group)
            if (
                latest is not None
                and latest is not stale
                and latest.usable(version, now)
                and (need is None or need in latest.results)
            ):
                return latest  # played by the request this one waited for
            forecast = self._play(conn, group, now, version)
            with self._lock:
                self._forecasts[group] = forecast
            return forecast
        finally:
            lock.release()

    def _play(
        self, conn: Connection, group: frozenset[str], now: datetime, version: int
    ) -> Forecast:
        ctx = self.ctx
        day = ctx.today()
        tz = ctx.settings.mall.tz
        midnight = datetime.combine(day, time(0), tz)
        # In UTC as the database's times are: a difference of two times in one zone is
        # plain arithmetic, across zones it asks each for its offset (for every visitor).
        midnight_utc = midnight.astimezone(UTC)

        def minute(moment: datetime) -> float:
            return (moment - midnight_utc).total_seconds() / 60

        t_now = minute(now)
        paces = {code: self.paces.of(conn, code, day) for code in group}
        plan = self.plan(day)
        desks: list[Desk] = []
        serving = [c.number for c in ctx.settings.counters if set(c.services) & group]
        for row in estimate_data.counters(conn, ctx.mall, serving):
            try:
                counter = ctx.settings.counter(row.number)
            except KeyError:
                continue
            if not set(counter.services) & group:
                continue
            day_spans = plan.get(row.number, [])
            spans = [s for s in day_spans if s.end > t_now]
            opening = day_spans[0].start if day_spans else t_now
            paused_at = max((s.end for s in day_spans if s.end <= t_now), default=None)
            free_at = self._free_at(row, spans, (opening, paused_at), t_now, paces, minute)
            if free_at is None or not spans:
                continue
            desks.append(Desk(row.number, counter.services, free_at, row.streak, spans))
        waiting = estimate_data.waiting(conn, ctx.mall, day.isoformat(), group)
        if any(w.booked for w in waiting) and any(not w.booked for w in waiting):
            # Only then does the call order ask how many booked visitors a counter called in
            # a row (a walk-in goes through after `booking_ratio` of them): read as it does.
            day_start = local_day_start(day.isoformat(), tz)
            ratio = ctx.settings.calling.booking_ratio
            for desk in desks:
                desk.booked_streak = booked_streak(conn, ctx.mall, desk.number, day_start, ratio)
        people = [
            Visitor((minute(w.arrived_at), w.seq), w.id, w.service, w.priority, booked=w.booked)
            for w in waiting
        ]
        last_sequence: dict[str, int] = {}
        for w in waiting:
            last_sequence[w.service] = max(last_sequence.get(w.service, 0), w.sequence)
        for code in group:  # a visitor who would take a ticket now: last in the call order
            for priority in (False, True):
                key = f"{'newp' if priority else 'new'}:{code}"
                people.append(Visitor((t_now, 2**62), key, code, priority, ghost=True))
        horizon = max((s.end for d in desks for s in d.spans), default=t_now)
        # Priority visitors still to come go before normal ones; bookings still to check in
        # before walk-ins from their slot's start.
        people += self.inflow.priority_visitors(conn, group, day, t_now, horizon)
        people += self.inflow.bookings_to_come(conn, group, day, t_now)
        spread_at: dict[str, tuple[float, int]] = {}
        variance = 0.0
        used: set[int] = set()

        def occupancy(visitor: Visitor, desk: Desk, t: float) -> float:
            nonlocal variance
            if visitor.ghost:  # a newcomer only asked about takes no counter time
                spread_at[visitor.key] = (variance, len(used | {desk.number}))
                return 0.0
            used.add(desk.number)
            spread_at[visitor.key] = (variance, len(used))
            pace = paces[visitor.service]
            variance += pace.variance
            return pace.at(desk.number)

        rules = ctx.settings.calling
        called = play(
            t_now,
            desks,
            people,
            occupancy,
            rules.priority_ratio,
            booking_ratio=rules.booking_ratio,
            after_service=self.inflow.sent_on(conn, group, midnight),
        )
        busy = len(desks) or 1
        results: dict[str, Any] = {"desks": bool(desks)}
        for visitor in people:  # (those sent on are not in `people`: no answer for them)
            if visitor.key.startswith("future:"):
                continue
            at = called.get(visitor.key)
            if at is None:
                results[visitor.key] = None
                continue
            var, counters = spread_at[visitor.key]
            c = max(1, min(counters, busy))
            wait = at - t_now
            # The time to the turn is a sum of counter times shared by the counters that
            # work it, and what arrives meanwhile (see SPREAD_COUNTER_FACTOR).
            spread = math.sqrt(
                SPREAD_COUNTER_FACTOR * var / (c * c)
                + SPREAD_PER_MINUTE * max(0.0, wait)
                + SPREAD_FLOOR * min(1.0, max(0.0, wait) / SPREAD_FLOOR_MINUTES)
            )
            results[visitor.key] = (wait, spread)
        # One more visitor of a service ahead adds their counter time, shared by the counters
        # that call the service (a newcomer behind a long queue is told that much later).
        step = {}
        for code in group:
            serving = [d for d in desks if code in d.services] or desks
            step[code] = paces[code].mean / max(1, len(serving))
        return Forecast(version, now, results, len(waiting), last_sequence, step)

    def _free_at(
        self,
        row: estimate_data.CounterRow,
        spans: list[Span],
        day_marks: tuple[float, float | None],
        t_now: float,
        paces: dict[str, Pace],
        minute: Callable[[datetime], float],
    ) -> float | None:
        """When the counter can next call, or None when it will not work today; `spans`
        are its working spans not yet over, `day_marks` the start of its day's first and the
        end of its last one over (None: none is)."""
        opening, paused_at = day_marks
        if not spans:
            return None
        if row.status == "open":
            if row.busy_since is None or row.busy_service is None:
                return t_now
            pace = paces.get(row.busy_service)
            mean = pace.at(row.number) if pace else 5.0
            elapsed = t_now - minute(row.busy_since)
            # Expected rest of a visit that has lasted `elapsed`: service times are skewed,
            # so a long visit is not nearly over.
            return t_now + max(mean - elapsed, 0.3 * mean)
        if row.status == "break":
            if t_now < spans[0].start:
                # In a planned break (or before the hours): the plan says when it ends.
                return spans[0].start
            # An unplanned break: back after a usual pause. When that falls in a planned
            # break (the officer left a little early for it), the play's next call waits for
            # the planned end (`Desk.next_call_time`).
            return t_now + BREAK_RETURN_MINUTES
        # Closed: before its hours it will open; well into them, nobody staffs it today. The
        # end of a planned break is no opening: a counter nobody opened this morning is not
        # expected after lunch either. One an officer closed for a planned break (Friday
        # prayers), in it or shortly before, is: closing is how some officers leave for it.
        if t_now < opening:
            return spans[0].start
        left_for_break = (
            paused_at is not None
            and t_now < spans[0].start
            and row.status_since is not None
            and minute(row.status_since) >= paused_at - BREAK_RETURN_MINUTES
        )
        if left_for_break:
            return spans[0].start
        return t_now + 5.0 if t_now < opening + LATE_OPENING_MINUTES else None
