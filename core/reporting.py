"""Report figures from ticket events, pure Python (no SQL, no Flask).

A ticket's day is walked event by event, split into *visits*: its stay in one service, from
its issue or a transfer into the service until it is finished, marked no-show, cancelled,
closed unserved with the day, or transferred out. Each visit is counted once, on the row of
its service and of the counter and officer that handled it last (counter 0 and officer ""
when it never reached one):
- issued: visits that began with the ticket's issue (arrivals by hour and the channel too);
- transferred_in / transferred_out: visits that began or ended with a transfer;
- served, no_show, cancelled, unserved: how the visit ended (a no-show called back and then
  served counts as served: the last word wins);
- wait: from the visit's start (issue or transfer) to its first call; service time: from the
  start of service (or, without one, the last call) to the finish; both in whole minutes.
  A booked visitor's wait starts at the later of their check-in (the ticket's issue) and
  their slot's start (`core.tickets.wait_starts_at`): one who checks in at 09:20 for a 10:00
  slot waits for it by choice, and is counted from 10:00 (called at 09:55: no wait at all);
  one who checks in late, from their check-in. A transfer starts a visit of its own, whose
  wait counts from the transfer as any other's.
- not_called: visits that ended unserved with the day or cancelled (the visitor left) before
  anyone called them. They waited too, until their ticket ended: that wait is kept in a
  histogram of its own, and the report's waits (p50/p90, and the share within target) are
  *including visitors not served*: a day whose queue was so long that people gave up or were
  sent home does not look best because its worst waits were never called. The waits of the
  called alone stay in the report as `called_wait_p50` / `called_wait_p90`.
- within_target: served visits whose wait was at most the service's target; its share is
  over the served and the not called (a visitor never called was not served within target,
  however long they waited).

Per (service, counter) the sums add up: issued + transferred_in = served + no_show +
cancelled + unserved + transferred_out (+ still open, on a day not closed yet).

Percentiles are the nearest-rank percentiles of the histograms (`percentile`): the lower
bound of the first bucket by which at least ⌈p·n⌉ samples are counted. Below an hour the
buckets are whole minutes (a sample of 4 min 59 s is in minute 4, so a reported p90 of 12
means the 90th percentile wait was 12 to 13 minutes); then 5 minutes to three hours, 30
minutes to eight hours, and "480" means eight hours or more (`BOUNDS`).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Any

from core.tickets import wait_starts_at

COUNTS = (
    "issued",
    "served",
    "no_show",
    "cancelled",
    "unserved",
    "transferred_out",
    "transferred_in",
    "waits",
    "within_target",
    "not_called",
)
OUTCOMES = {
    "finish": "served",
    "no_show": "no_show",
    "cancel": "cancelled",
    "close_day": "unserved",
}
GROUPS = ("mall", "agency", "service", "counter", "officer")


# Histogram buckets of wait and service times, by their lower bound in minutes: every minute
# below an hour, then 5-minute steps to three hours, 30-minute steps to eight hours, then one
# bucket for the rest. Stored as one integer column each (`w0`… and `s0`…), so a report sums
# them in SQL whatever the number of tickets.
BOUNDS: tuple[int, ...] = (
    *range(0, 60),
    *range(60, 180, 5),
    *range(180, 480, 30),
    480,
)
BUCKETS = len(BOUNDS)
WAIT_COLUMNS = tuple(f"w{i}" for i in range(BUCKETS))
SERVICE_COLUMNS = tuple(f"s{i}" for i in range(BUCKETS))
NOT_CALLED_COLUMNS = tuple(f"n{i}" for i in range(BUCKETS))  # the waits of the not called
HOUR_COLUMNS = tuple(f"h{i}" for i in range(24))


def bucket(minutes: int) -> int:
    """The index of the bucket that holds `minutes`."""
    return bisect_right(BOUNDS, minutes) - 1


@dataclass
class Figures:
    """Sums and histograms of one report row (one summary row, or many merged). The
    histograms count per bucket index (`BOUNDS`)."""

    counts: Counter[str] = field(default_factory=Counter)
    wait_hist: Counter[int] = field(default_factory=Counter)
    service_hist: Counter[int] = field(default_factory=Counter)
    not_called_hist: Counter[int] = field(default_factory=Counter)
    arrivals: Counter[int] = field(default_factory=Counter)  # hour of day
    heatmap: Counter[tuple[int, int]] = field(default_factory=Counter)  # (weekday, hour)
    channels: Counter[str] = field(default_factory=Counter)

    def add(self, other: Figures) -> None:
        self.counts.update(other.counts)
        self.wait_hist.update(other.wait_hist)
        self.service_hist.update(other.service_hist)
        self.not_called_hist.update(other.not_called_hist)
        self.arrivals.update(other.arrivals)
        self.heatmap.update(other.heatmap)
        self.channels.update(other.channels)

    def add_sums(self, sums: Mapping[str, Any]) -> None:
        """Add a row of SQL sums over `report_days` (counts, w…, s… and h… columns)."""
        for name in COUNTS:
            self.counts[name] += int(sums[name] or 0)
        for i in range(BUCKETS):
            if sums[f"w{i}"]:
                self.wait_hist[i] += int(sums[f"w{i}"])
            if sums[f"s{i}"]:
                self.service_hist[i] += int(sums[f"s{i}"])
            if sums[f"n{i}"]:
                self.not_called_hist[i] += int(sums[f"n{i}"])
        for hour in range(24):
            if sums[f"h{hour}"]:
                self.arrivals[hour] += int(sums[f"h{hour}"])

    def stored_columns(self) -> dict[str, Any]:
        """The `report_days` columns of one day's row (its channels go in their own table)."""
        return {
            **{name: self.counts[name] for name in COUNTS},
            **{column: self.wait_hist[i] for i, column in enumerate(WAIT_COLUMNS)},
            **{column: self.service_hist[i] for i, column in enumerate(SERVICE_COLUMNS)},
            **{column: self.not_called_hist[i] for i, column in enumerate(NOT_CALLED_COLUMNS)},
            **{column: self.arrivals[h] for h, column in enumerate(HOUR_COLUMNS)},
        }

    def summary(self) -> dict[str, Any]:
        counts = {name: self.counts[name] for name in COUNTS if name != "waits"}
        waited = counts["served"] + counts["not_called"]
        every_wait = self.wait_hist + self.not_called_hist
        return {
            **counts,
            # Including visitors not served: the not called waited until their ticket ended.
            "wait_p50": percentile(every_wait, 0.5),
            "wait_p90": percentile(every_wait, 0.9),
            "called_wait_p50": percentile(self.wait_hist, 0.5),
            "called_wait_p90": percentile(self.wait_hist, 0.9),
            "service_p50": percentile(self.service_hist, 0.5),
            "service_p90": percentile(self.service_hist, 0.9),
            "within_target_share": round(counts["within_target"] / waited, 4) if waited else None,
            "channels": dict(sorted(self.channels.items())),
        }


def percentile(histogram: Mapping[int, int], p: float) -> int | None:
    """Nearest-rank percentile of a histogram by bucket index, as the bucket's lower bound in
    minutes; None when it is empty."""
    total = sum(histogram.values())
    if not total:
        return None
    rank = max(1, math.ceil(p * total))
    seen = 0
    for index in sorted(histogram):
        seen += histogram[index]
        if seen >= rank:
            return BOUNDS[index]
    return BOUNDS[max(histogram)]  # pragma: no cover - rank <= total


Key = tuple[str, int, str]  # service, counter (0: none), officer ("": none)


@dataclass
class _Visit:
    service: str
    entered_at: datetime
    issued: bool
    transferred_in: bool
    wait_from: datetime  # entered_at, or a booked visitor's slot start when later
    counter: int = 0
    officer: str = ""
    wait: int | None = None
    last_call_at: datetime | None = None
    started_at: datetime | None = None
    service_minutes: int | None = None
    outcome: str | None = None
    not_called_wait: int | None = None  # ended (unserved, cancelled) before any call


def _minutes(start: datetime, end: datetime) -> int:
    return max(0, int((end - start).total_seconds() // 60))


def summarize_day(
    events: Iterable[Mapping[str, Any]],
    channels: Mapping[int, str],
    targets: Mapping[str, int],
    tz: tzinfo,
    day: str,
    closes_at: datetime | None = None,
    arrivals: Mapping[int, datetime] | None = None,
) -> dict[Key, Figures]:
    """One day's rows from its tickets' events (in id order); `channels` per ticket seq,
    `targets` the target wait in minutes per service. `closes_at`, when the day closed by its
    hours: a visitor the close ended waited until then, however late the close ran (a server
    down for the night closes the day the next morning). `arrivals`: each ticket's
    `arrived_at` per seq (a checked-in booking's slot start), from which a wait may start
    later than the issue (`wait_starts_at`); without it every wait starts at the issue."""
    weekday = date.fromisoformat(day).weekday()
    by_ticket: dict[int, list[Mapping[str, Any]]] = {}
    for event in events:
        by_ticket.setdefault(event["ticket_seq"], []).append(event)
    rows: dict[Key, Figures] = {}
    for seq, ticket_events in by_ticket.items():
        issued_at: datetime | None = None
        arrived = arrivals.get(seq) if arrivals else None
        for visit in _visits(ticket_events, closes_at, arrived):
            figures = rows.setdefault((visit.service, visit.counter, visit.officer), Figures())
            counts = figures.counts
            if visit.issued:
                counts["issued"] += 1
                issued_at = visit.entered_at
                hour = issued_at.astimezone(tz).hour
                figures.arrivals[hour] += 1
                figures.heatmap[(weekday, hour)] += 1
                figures.channels[channels.get(seq, "kiosk")] += 1
            if visit.transferred_in:
                counts["transferred_in"] += 1
            if visit.outcome:
                counts[visit.outcome] += 1
            if visit.wait is not None:
                counts["waits"] += 1
                figures.wait_hist[bucket(visit.wait)] += 1
                if visit.outcome == "served" and visit.wait <= targets.get(visit.service, 0):
                    counts["within_target"] += 1
            if visit.not_called_wait is not None:
                counts["not_called"] += 1
                figures.not_called_hist[bucket(visit.not_called_wait)] += 1
            if visit.service_minutes is not None:
                figures.service_hist[bucket(visit.service_minutes)] += 1
    return rows


def _visits(
    events: list[Mapping[str, Any]], closes_at: datetime | None, arrived: datetime | None
) -> list[_Visit]:
    visits: list[_Visit] = []
    visit: _Visit | None = None
    for e in events:
        action, at = e["action"], e["at"]
        if action == "issue":
            begins = wait_starts_at(at, arrived) if arrived is not None else at
            visit = _Visit(e["service"], at, issued=True, transferred_in=False, wait_from=begins)
            visits.append(visit)
            continue
        if visit is None:  # a ticket of an earlier day seen from its later events only
            visit = _Visit(e["service"], at, issued=False, transferred_in=False, wait_from=at)
            visits.append(visit)
        if action in ("call", "start", "finish", "recall", "resume") and e["counter"]:
            visit.counter, visit.officer = int(e["counter"]), e["officer"] or ""
        if action == "call":
            if visit.wait is None:
                visit.wait = _minutes(visit.wait_from, at)
            visit.last_call_at = at
            visit.outcome = None  # a no-show called back is open again
        elif action == "resume":
            visit.last_call_at = at
        elif action == "start":
            visit.started_at = at
        elif action == "finish":
            began = visit.started_at or visit.last_call_at
            if began is not None:
                visit.service_minutes = _minutes(began, at)
            visit.outcome = "served"
        elif action in OUTCOMES:
            visit.outcome = OUTCOMES[action]
            if visit.wait is None and action in ("cancel", "close_day"):
                ended = at
                if action == "close_day" and closes_at is not None:
                    ended = min(at, closes_at)  # both aware: stored moments are read back in UTC
                visit.not_called_wait = _minutes(visit.wait_from, ended)
        elif action == "transfer":
            visit.outcome = "transferred_out"
            visit = _Visit(e["to_service"], at, issued=False, transferred_in=True, wait_from=at)
            visits.append(visit)
    return visits


def group_key(group: str, key: Key, agency_of: Mapping[str, str]) -> str:
    service, counter, officer = key
    if group == "mall":
        return "all"
    if group == "agency":
        return agency_of.get(service, "?")
    if group == "service":
        return service
    if group == "counter":
        return str(counter) if counter else "-"
    return officer or "-"
