"""Who will join a queue ahead of the visitors already waiting, as the wait estimate
(`core/estimate.py`) plays it: priority visitors still to come, bookings still to check in,
and visitors sent on from another service after their turn.

- Priority visitors come as recent days' arrivals per hour say (today's priority share of
  them, scaled by how busy today has been so far; without recent days, the last hour's
  rate), only while the service still issues tickets (its hours, its daily quota). The last
  hour's rate held to the closing told the afternoon's visitors a quarter of an hour too
  much on the simulated busy day.
- Transfers: one in so many visitors of a service goes on to another at today's share, and a
  transfer today between services that share no counter links their queues in the play (a
  payment desk fed by another agency's desks is told of the visitors to come).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import Connection

from core import estimate_data, numbering
from core.forecast import AfterService, Desk, Visitor
from core.quotas import day_quotas, quota_of

if TYPE_CHECKING:
    from core.context import MallContext

PROFILE_WEIGHT = 50  # today's tickets that weigh as much as recent days' priority share
TRANSFERS_FRESH = timedelta(minutes=5)  # today's transfer shares and links are read this often
TRANSFER_PRIOR_VISITS = 10  # visits of no transfer assumed, so a first transfer is no rule
MOST_TO_COME = 200  # priority visitors played in per service, at most


class Inflow:
    """The estimator's knowledge of who is still to come, with what it keeps between plays."""

    def __init__(self, ctx: MallContext) -> None:
        self.ctx = ctx
        self._lock = threading.Lock()
        self._profiles: dict[str, tuple[str, tuple[list[float], float] | None]] = {}
        self._transfers: dict[frozenset[str], tuple[datetime, dict[tuple[str, str], float]]] = {}
        self._groups = linked_services(ctx)
        # Today's transfers between services that share no counter link them too (a queue
        # fed by another's transfers is played with it): checked every few minutes.
        self._links: tuple[datetime | None, frozenset[tuple[str, str]]] = (None, frozenset())

    def priority_visitors(
        self,
        conn: Connection,
        group: frozenset[str],
        day: date,
        t_now: float,
        horizon: float,
    ) -> list[Visitor]:
        """The priority visitors still to come of the group's services, each ready when they
        take their ticket."""
        # Read once for the whole group: per service, these were a third of a play's
        # statements, and every ticket issued plays its group.
        since = self.ctx.now() - timedelta(hours=1)
        issued = estimate_data.issued_today(conn, self.ctx.mall, day.isoformat(), group, since)
        limits = self.still_issuing(conn, group, day)
        people = []
        for code in sorted(group):
            today_all, today_priority, last_hour = issued.get(code, (0, 0, 0))
            stop, places = limits[code]
            times = self.priority_times(
                conn, code, day, t_now, min(horizon, stop), last_hour, (today_all, today_priority)
            )
            for k, t in enumerate(times[: int(min(MOST_TO_COME, places))]):
                people.append(Visitor((t, 2**61 + k), f"future:{code}:{k}", code, True, t))
        return people

    def bookings_to_come(
        self, conn: Connection, group: frozenset[str], day: date, t_now: float
    ) -> list[Visitor]:
        """Today's bookings not checked in yet: called ahead of walk-ins from their slot's
        start (those past their arrival window come, if at all, as walk-ins: left out)."""
        people = []
        rows = estimate_data.bookings_to_come(conn, self.ctx.mall, day.isoformat(), group)
        for k, (code, slot) in enumerate(rows):
            booking = self.ctx.settings.service(code).booking
            start = int(slot[:2]) * 60 + int(slot[3:])
            if booking is None or start + booking.arrival_window.after_min < t_now:
                continue
            people.append(
                Visitor((start, 2**60 + k), f"future:booking:{k}", code, False, start, booked=True)
            )
        return people

    def sent_on(
        self, conn: Connection, group: frozenset[str], midnight: datetime
    ) -> AfterService | None:
        """Who a visitor's turn sends on to another service of the group, played
        deterministically at today's shares (None: nobody was sent on today)."""
        shares = self.transfer_shares(conn, group, midnight)
        if not shares:
            return None
        owed = {pair: 0.0 for pair in shares}  # a share of a visitor, until it makes one
        sent = 0

        def after(visitor: Visitor, desk: Desk, done: float) -> Visitor | None:
            nonlocal sent
            if visitor.ghost or visitor.key.startswith("sent:"):
                return None
            for (source, target), share in shares.items():
                if source != visitor.service:
                    continue
                owed[(source, target)] += share
                if owed[(source, target)] >= 1.0:
                    owed[(source, target)] -= 1.0
                    sent += 1
                    return Visitor(
                        visitor.order,
                        f"sent:{sent}",
                        target,
                        visitor.priority,
                        booked=visitor.booked,
                    )
            return None

        return after

    def priority_times(
        self,
        conn: Connection,
        code: str,
        day: date,
        t_now: float,
        stop: float,
        last_hour: int,
        issued: tuple[int, int] | None = None,
    ) -> list[float]:
        """When priority visitors of the service still to come take their tickets (minutes
        past midnight, before `stop`): today's priority share of the arrivals recent days
        had in those hours, scaled by how busy today is so far. Arrivals fall after the
        morning peak: the last hour's rate held to the closing told the afternoon's
        visitors a quarter of an hour too much. Without recent days, the last hour's rate.
        `issued`: today's tickets of the service so far, all and priority (read if not given)."""
        if stop <= t_now:
            return []
        profile = self._profile(conn, code, day)
        if profile is None:
            if not last_hour:
                return []
            gap = 60.0 / last_hour
            steady, t = [], t_now + gap / 2
            while t < stop and len(steady) < 200:
                steady.append(t)
                t += gap
            return steady
        per_hour, recent_share = profile
        if issued is None:
            since = self.ctx.now() - timedelta(hours=1)
            found = estimate_data.issued_today(conn, self.ctx.mall, day.isoformat(), [code], since)
            issued = found.get(code, (0, 0, 0))[:2]
        today_all, today_priority = issued
        expected_so_far = expected_arrivals(per_hour, 0.0, t_now)
        scale = 1.0
        if expected_so_far >= 20:
            scale = min(2.0, max(0.5, today_all / expected_so_far))
        share = (today_priority + PROFILE_WEIGHT * recent_share) / (today_all + PROFILE_WEIGHT)
        rate = [share * scale * n for n in per_hour]  # priority arrivals per hour
        times, owed, k = [], 0.5, 0  # the k-th comes when k + ½ are expected
        for hour in range(int(t_now // 60), 24):
            lo, hi = max(t_now, hour * 60.0), min(stop, hour * 60.0 + 60.0)
            if hi <= lo or rate[hour] <= 0:
                continue
            per_minute = rate[hour] / 60.0
            t = lo
            while k < 200 and t + (owed / per_minute) < hi:
                t += owed / per_minute
                times.append(t)
                owed, k = 1.0, k + 1
            owed -= (hi - t) * per_minute
        return times

    def _profile(self, conn: Connection, code: str, day: date) -> tuple[list[float], float] | None:
        """Recent days' arrivals of the service per local hour (a day's average) and their
        priority share, or None without any; read once a day."""
        with self._lock:
            cached = self._profiles.get(code)
        if cached is not None and cached[0] == day.isoformat():
            return cached[1]
        first = day - timedelta(days=estimate_data.RECENT_DAYS)
        rows = estimate_data.issued(conn, self.ctx.mall, first, day - timedelta(days=1), code)
        profile: tuple[list[float], float] | None = None
        days = {d for d, _, _ in rows}
        if days:
            tz = self.ctx.settings.mall.tz
            counts = [0] * 24
            for _, at, _ in rows:
                counts[at.astimezone(tz).hour] += 1
            open_days = self._open_days(code, days)
            # An hour's average over the days the service was open then: a short Friday or
            # Saturday among them is no quieter afternoon.
            per_hour = [n / (open_days[h] or len(days)) for h, n in enumerate(counts)]
            profile = (per_hour, sum(p for _, _, p in rows) / len(rows))
        with self._lock:
            self._profiles[code] = (day.isoformat(), profile)
        return profile

    def _open_days(self, code: str, days: Iterable[str]) -> list[int]:
        """Per local hour, how many of `days` (ISO dates) the service's hours covered it."""
        open_days = [0] * 24
        for iso in days:
            hours = self.ctx.settings.service_hours(code, date.fromisoformat(iso).weekday())
            if hours is None:
                continue
            start = hours.start.hour * 60 + hours.start.minute
            end = 24 * 60 if hours.end == time.max else hours.end.hour * 60 + hours.end.minute
            for h in range(24):
                if start < (h + 1) * 60 and h * 60 < end:
                    open_days[h] += 1
        return open_days

    def still_issuing(
        self, conn: Connection, services: frozenset[str], day: date
    ) -> dict[str, tuple[float, float]]:
        """Per service: until when (minutes past midnight) it issues tickets today, and how
        many more its daily quota lets it issue (inf: no quota): nobody comes after either."""
        settings = self.ctx.settings
        overrides = day_quotas(conn, self.ctx.mall, day)
        quotas = {code: quota_of(settings, code, overrides) for code in services}
        issued = (
            numbering.issued_counts(conn, self.ctx.mall, day)
            if any(q is not None for q in quotas.values())
            else {}
        )
        limits = {}
        for code in services:
            hours = settings.service_hours(code, day.weekday())
            if hours is None:
                limits[code] = (0.0, 0.0)
                continue
            end = 24 * 60.0 if hours.end == time.max else hours.end.hour * 60.0 + hours.end.minute
            quota = quotas[code]
            places = math.inf if quota is None else max(0, quota - issued.get(code, 0))
            limits[code] = (end, places)
        return limits

    def group_of(self, conn: Connection, service: str) -> frozenset[str]:
        """The part of the mall played with `service`: the services linked to it by shared
        counters and by today's transfers."""
        now = self.ctx.now()
        with self._lock:
            checked, pairs = self._links
        if checked is None or not timedelta(0) <= now - checked < TRANSFERS_FRESH:
            midnight = datetime.combine(self.ctx.today(), time(0), self.ctx.settings.mall.tz)
            found = frozenset(estimate_data.transfer_pairs(conn, self.ctx.mall, midnight))
            with self._lock:
                self._links = (now, found)
                if found != pairs:
                    self._groups = linked_services(self.ctx, found)
        with self._lock:
            return self._groups[service]

    def known_group(self, service: str) -> frozenset[str] | None:
        """The part of the mall played with `service` as last read, or None when today's
        links are not known freshly enough to say without the database."""
        now = self.ctx.now()
        with self._lock:
            checked = self._links[0]
            if checked is None or not timedelta(0) <= now - checked < TRANSFERS_FRESH:
                return None
            return self._groups[service]

    def transfer_shares(
        self, conn: Connection, group: frozenset[str], midnight: datetime
    ) -> dict[tuple[str, str], float]:
        """Today's share of each service's visits that went on to another service of the
        group, shrunk towards none while few visits ended; read again every few minutes."""
        now = self.ctx.now()
        with self._lock:
            cached = self._transfers.get(group)
        if cached is not None and timedelta(0) <= now - cached[0] < TRANSFERS_FRESH:
            return cached[1]
        ended, moved = estimate_data.visits_ended(conn, self.ctx.mall, midnight, group)
        shares = {
            (source, target): n / (ended.get(source, 0) + TRANSFER_PRIOR_VISITS)
            for (source, target), n in moved.items()
            if target in group and target != source
        }
        with self._lock:
            self._transfers[group] = (now, shares)
        return shares


def expected_arrivals(per_hour: list[float], start: float, end: float) -> float:
    """Arrivals a per-hour profile expects between two minutes past midnight."""
    total = 0.0
    for hour, n in enumerate(per_hour):
        lo, hi = max(start, hour * 60.0), min(end, hour * 60.0 + 60.0)
        if hi > lo:
            total += n * (hi - lo) / 60.0
    return total


def linked_services(
    ctx: MallContext, transfers: Iterable[tuple[str, str]] = ()
) -> dict[str, frozenset[str]]:
    """Services linked by counters they share (and by `transfers` between them): one part
    of the mall the play covers."""
    parent = {s.code: s.code for s in ctx.settings.services}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for counter in ctx.settings.counters:
        for code in counter.services[1:]:
            parent[find(code)] = find(counter.services[0])
    for source, target in transfers:
        if source in parent and target in parent:
            parent[find(target)] = find(source)
    groups: dict[str, set[str]] = {}
    for code in parent:
        groups.setdefault(find(code), set()).add(code)
    return {code: frozenset(groups[find(code)]) for code in parent}
