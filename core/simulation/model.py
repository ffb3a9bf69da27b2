"""The simulator's model of time and chance, pure Python and NumPy (no database, no SimPy).

Time is minutes since the simulated day's local midnight. Arrivals are a non-homogeneous
Poisson process with a constant rate inside each clock hour (the shape of a real morning
peak); they are drawn hour by hour: a Poisson count, then uniform instants within the hour,
which is exactly that process. Service times come from named distributions given by their
mean and spread (coefficient of variation), the way an agency reports them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np

WALK_MINUTES = 0.5  # from the call to the desk
NO_SHOW_MINUTES = 2.0  # an officer waits this long (recalling once) before marking a no-show

DISTRIBUTIONS = ("lognormal", "gamma", "exponential", "fixed")


@dataclass(frozen=True)
class SimClock:
    """The clock handed to `QueueService`: the simulated day's local midnight plus the
    SimPy environment's minutes. No global datetime is touched."""

    midnight: datetime
    env: object  # anything with a `now` in minutes (a simpy.Environment)

    @classmethod
    def for_day(cls, day: date, tz: ZoneInfo, env: object) -> SimClock:
        return cls(datetime.combine(day, time(0), tz), env)

    def at(self, minutes: float) -> datetime:
        """In UTC, as the system's own clock answers (storage keeps UTC instants)."""
        return (self.midnight + timedelta(minutes=minutes)).astimezone(UTC)

    def __call__(self) -> datetime:
        return self.at(self.env.now)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class ServiceTime:
    """A service-time distribution in minutes, given by its mean and coefficient of variation
    (standard deviation ÷ mean)."""

    distribution: str
    mean: float
    cv: float = 0.0

    @property
    def variance(self) -> float:
        if self.distribution == "fixed":
            return 0.0
        if self.distribution == "exponential":
            return self.mean**2
        return (self.cv * self.mean) ** 2

    def _lognormal(self) -> tuple[float, float]:
        sigma2 = math.log(1.0 + self.cv**2)
        return math.log(self.mean) - sigma2 / 2, math.sqrt(sigma2)

    def draw(self, rng: np.random.Generator, size: int | None = None) -> float | np.ndarray:
        d = self.distribution
        if d == "fixed" or (d != "exponential" and self.cv == 0):
            return self.mean if size is None else np.full(size, self.mean)
        if d == "exponential":
            return rng.exponential(self.mean, size)
        if d == "gamma":
            shape = 1.0 / self.cv**2
            return rng.gamma(shape, self.mean / shape, size)
        mu, sigma = self._lognormal()
        return rng.lognormal(mu, sigma, size)

    def draw_beyond(self, rng: np.random.Generator, elapsed: float) -> float:
        """The rest of a service that has already lasted `elapsed` minutes: a draw of the
        whole time given that it exceeds `elapsed` (by rejection; past the far tail, the
        memoryless guess of one more mean-sized piece)."""
        if elapsed <= 0:
            return float(self.draw(rng))
        for _ in range(64):
            whole = float(self.draw(rng))
            if whole > elapsed:
                return whole - elapsed
        return float(rng.exponential(max(self.mean * 0.5, 0.5)))


@dataclass(frozen=True)
class HourlyRates:
    """Arrivals per hour for each clock hour (0–23); hours left out have none."""

    per_hour: Mapping[int, float]

    def rate_at(self, minute: float) -> float:
        """Arrivals per minute at `minute` past midnight."""
        return self.per_hour.get(int(minute // 60), 0.0) / 60.0

    def expected(self, start: float = 0.0, end: float = 24 * 60) -> float:
        """The expected number of arrivals between two instants (minutes past midnight)."""
        total = 0.0
        for hour, rate in self.per_hour.items():
            lo, hi = max(start, hour * 60.0), min(end, hour * 60.0 + 60.0)
            if hi > lo:
                total += rate * (hi - lo) / 60.0
        return total

    def draw(
        self, rng: np.random.Generator, start: float = 0.0, end: float = 24 * 60
    ) -> np.ndarray:
        """Arrival instants between `start` and `end`, sorted."""
        times: list[np.ndarray] = []
        for hour in sorted(self.per_hour):
            lo, hi = max(start, hour * 60.0), min(end, hour * 60.0 + 60.0)
            rate = self.per_hour[hour]
            if hi <= lo or rate <= 0:
                continue
            count = rng.poisson(rate * (hi - lo) / 60.0)
            times.append(rng.uniform(lo, hi, count))
        if not times:
            return np.empty(0)
        return np.sort(np.concatenate(times))


@dataclass(frozen=True)
class Window:
    """A span of minutes past midnight, `start` included, `end` excluded."""

    start: float
    end: float

    def contains(self, minute: float) -> bool:
        return self.start <= minute < self.end


def working_windows(hours: Window, breaks: list[Window]) -> list[Window]:
    """The spans in which a counter calls visitors: its hours without its breaks."""
    spans = [hours]
    for pause in sorted(breaks, key=lambda w: w.start):
        out: list[Window] = []
        for span in spans:
            if pause.end <= span.start or pause.start >= span.end:
                out.append(span)
                continue
            if pause.start > span.start:
                out.append(Window(span.start, pause.start))
            if pause.end < span.end:
                out.append(Window(pause.end, span.end))
        spans = out
    return spans


def parse_clock(text: str) -> float:
    """'08:30' -> 510.0 minutes past midnight ('24:00' is the day's end)."""
    hours, _, minutes = text.partition(":")
    return int(hours) * 60.0 + int(minutes)


def erlang_c(servers: int, offered_load: float) -> float:
    """The probability that an arrival waits in an M/M/c queue (Erlang C), for `servers`
    counters and an offered load of λ·E[S] erlangs; 1 when the queue is unstable."""
    if servers <= 0 or offered_load >= servers:
        return 1.0
    term, total = 1.0, 1.0  # a^k / k! summed for k < c, built iteratively for stability
    for k in range(1, servers):
        term *= offered_load / k
        total += term
    top = term * offered_load / servers / (1.0 - offered_load / servers)
    return top / (total + top)


def erlang_c_wait_quantile(
    servers: int, arrivals_per_minute: float, mean_service: float, q: float
) -> float:
    """The q-quantile of the wait in an M/M/c queue, in minutes (inf when unstable).
    P(W > t) = C · exp(−(cμ − λ)t)."""
    load = arrivals_per_minute * mean_service
    if servers <= 0 or load >= servers:
        return math.inf
    c = erlang_c(servers, load)
    if c <= 1.0 - q:
        return 0.0
    rate = servers / mean_service - arrivals_per_minute
    return math.log(c / (1.0 - q)) / rate
