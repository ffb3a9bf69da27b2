"""How long a visitor will wait: the one place every surface asks (kiosk, ticket, phone page,
counter terminal, display), so a better model replaces this module alone.

Today's model is deliberately simple: the people ahead shared by the open counters that serve
the service, at the recent pace (the median of today's last service times, else the service's
default). Its inputs move by the minute but are asked for by every issue and every status page,
so each is kept for a few seconds; a change committed by this process forgets them at once
(`forget`), another process's within `ESTIMATE_INPUTS_SECONDS`.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

from sqlalchemy import Connection

from core import repository

if TYPE_CHECKING:
    from core.context import MallContext

ESTIMATE_INPUTS_SECONDS = 5.0


def estimate_wait_minutes(
    people_ahead: int, average_service_minutes: float, open_counters: int
) -> int | None:
    """An honest first model: the queue ahead shared by the open counters at the recent pace.

    None when no counter serving the service is open: any number would be a guess.
    """
    if open_counters <= 0:
        return None
    if people_ahead <= 0:
        return 0
    minutes = people_ahead * average_service_minutes / open_counters
    return max(1, round(minutes))


class WaitEstimator:
    def __init__(self, ctx: MallContext) -> None:
        self.ctx = ctx
        self._paces: dict[str, tuple[str, float, float]] = {}  # service: (day, expiry, pace)
        self._open_counters_cache: tuple[float, frozenset[int]] | None = None

    def minutes(self, conn: Connection, service_code: str, ahead: int) -> int | None:
        """Minutes until a visitor of `service_code` with `ahead` people before them is called."""
        open_counters = self._open_counters(conn)
        serving = sum(
            1 for c in self.ctx.settings.counters_serving(service_code) if c.number in open_counters
        )
        return estimate_wait_minutes(ahead, self._pace(conn, service_code), serving)

    def forget(self, counters_changed: bool, finished_services: Iterable[str]) -> None:
        """A committed change moved the inputs: the next estimate reads them afresh."""
        if counters_changed:
            self._open_counters_cache = None
        for service in finished_services:
            self._paces.pop(service, None)

    def _open_counters(self, conn: Connection) -> frozenset[int]:
        cached = self._open_counters_cache
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        numbers = frozenset(repository.open_counters(conn, self.ctx.mall))
        self._open_counters_cache = (time.monotonic() + ESTIMATE_INPUTS_SECONDS, numbers)
        return numbers

    def _pace(self, conn: Connection, service_code: str) -> float:
        """Minutes per visitor: the median of today's recent services, else the default."""
        day = self.ctx.today().isoformat()
        cached = self._paces.get(service_code)
        if cached is not None and cached[0] == day and cached[1] > time.monotonic():
            return cached[2]
        recent = repository.recent_service_minutes(conn, self.ctx.mall, day, service_code)
        if len(recent) >= 3:
            pace = statistics.median(recent)
        else:
            pace = self.ctx.settings.service(service_code).default_service_minutes
        # One entry per service (the day inside it), so the cache never outgrows the mall.
        self._paces[service_code] = (day, time.monotonic() + ESTIMATE_INPUTS_SECONDS, pace)
        return pace
