"""The wait each visitor was told, kept to measure the estimate on the mall's real days.

The simulator measures the estimate against a simulated day (core/simulation). A mall needs
the same figures for its real days: how far the minutes a kiosk printed, or a phone showed,
were from the wait the visitor then had. The first estimate a visitor is given (at the kiosk,
from home, at a booking's check-in) is noted here with the moment it was given; the reports
compare it with the ticket's first call (core/views/estimates.py).

Notes are kept in memory and written in batches (`flush`: every few seconds by the server,
at its exit, and at the end of a simulated day). A write transaction of its own for every
ticket would take the write lock that issuing waits for, for a figure nobody reads before
the evening. A process killed outright loses its last seconds of notes: those tickets are
left out of the figures, never counted wrong.
"""

from __future__ import annotations

import logging
import statistics
import threading
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import SQLAlchemyError

from core.health import DATABASE_ERRORS
from core.store import UnitOfWork, insert_if_absent
from core.store_reports import wait_promises

if TYPE_CHECKING:
    from core.context import MallContext
    from core.estimate import Eta

log = logging.getLogger(__name__)

# Kept while the database refuses the writes (an outage); beyond it the oldest are dropped:
# they are statistics, and a day of a busy mall is a few thousand.
MAX_PENDING = 50_000
WITHIN_MINUTES = 5.0  # "within ±5 minutes", as the simulator reports it
# A shown range of whole minutes covers the real wait to the half minute either side.
RANGE_TOLERANCE = 0.5


@dataclass(frozen=True)
class Promise:
    """What one visitor was told: `minutes`, and the range shown (None: no range)."""

    ticket_id: str
    mall: str
    day: str
    service: str
    given_at: datetime
    minutes: int
    low: int | None = None
    high: int | None = None


class PromiseLedger:
    """Notes each visitor's first estimate; `flush` writes them (the first kept per ticket)."""

    def __init__(self) -> None:
        self._pending: list[Promise] = []
        self._lock = threading.Lock()

    def note(self, promise: Promise) -> None:
        with self._lock:
            self._pending.append(promise)
            if len(self._pending) > MAX_PENDING:
                del self._pending[: len(self._pending) - MAX_PENDING]

    @property
    def pending(self) -> int:
        return len(self._pending)

    def flush(self, uow: UnitOfWork) -> int:
        """Write what was noted; on a database error keep it for the next flush. Never raises:
        it runs on a timer and at exit. Returns how many notes were written."""
        with self._lock:
            batch, self._pending = self._pending, []
        if not batch:
            return 0
        try:
            with uow.writing() as conn:
                # A retried request or a second estimate of one ticket keeps the first.
                insert_if_absent(conn, wait_promises, [asdict(p) for p in batch])
        except (SQLAlchemyError, *DATABASE_ERRORS) as exc:
            log.warning("%d wait estimates not written yet: %s", len(batch), exc)
            with self._lock:
                self._pending[:0] = batch
                if len(self._pending) > MAX_PENDING:
                    del self._pending[: len(self._pending) - MAX_PENDING]
            return 0
        return len(batch)


def note_promise(ctx: MallContext, view: Mapping[str, Any], eta: Eta) -> None:
    """Keep what a visitor with a new ticket (`view`) was told, to measure it later."""
    if eta.minutes is None:
        return
    ctx.promises.note(
        Promise(
            ticket_id=view["id"],
            mall=ctx.mall,
            day=view.get("day") or ctx.today().isoformat(),
            service=view["service"],
            given_at=ctx.now(),
            minutes=eta.minutes,
            low=eta.low,
            high=eta.high,
        )
    )


def accuracy(pairs: Iterable[tuple[float, float, int | None, int | None]]) -> dict[str, Any]:
    """Figures for (estimate, real wait, low, high) in minutes, as the simulator reports them
    (core/simulation/report.py): errors are estimate − real, so a positive bias means the
    visitors were told too much."""
    rows = list(pairs)
    if not rows:
        return {"count": 0}
    errors = [estimate - real for estimate, real, _, _ in rows]
    absolute = sorted(abs(e) for e in errors)
    ranged = [(low, high, real) for _, real, low, high in rows if low is not None]
    figures: dict[str, Any] = {
        "count": len(rows),
        "mean_abs_error_min": round(statistics.fmean(absolute), 2),
        "median_abs_error_min": round(statistics.median(absolute), 2),
        "p90_abs_error_min": round(_percentile(absolute, 0.9), 2),
        "within_5_min": round(sum(1 for e in absolute if e <= WITHIN_MINUTES) / len(rows), 4),
        "bias_min": round(statistics.fmean(errors), 2),
    }
    if ranged:
        held = sum(
            1
            for low, high, real in ranged
            if low - RANGE_TOLERANCE <= real <= (high or low) + RANGE_TOLERANCE
        )
        figures["range_coverage"] = round(held / len(ranged), 4)
    return figures


def _percentile(ordered: list[float], share: float) -> float:
    """Linear interpolation between the closest ranks, as numpy's default."""
    position = share * (len(ordered) - 1)
    below = int(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)
