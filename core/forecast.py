"""When each waiting visitor will be called: the call order played forward over the counters.

Pure Python, no database: the wait estimate (`core/estimate.py`) plays it once with expected
service times, the simulator's oracle many times with random ones. Both follow the rule of
`core/queueing.py` at every counter (priority first, at most `priority_ratio` in a row while a
normal visitor waits; then checked-in bookings whose slot began, at most `booking_ratio` in a
row while a walk-in waits; oldest arrival first across the counter's services), so a counter shared
by several services gives each only the share the queues take, and a counter calls only inside
its working windows (hours without breaks): a visitor whose turn would come after the last
window of every counter that serves them is not called today.

Times are minutes past the local midnight of the day.
"""

from __future__ import annotations

import heapq
from bisect import insort
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from core.queueing import choose_next


@dataclass(frozen=True)
class Span:
    """Minutes past midnight in which a counter calls visitors: `start` included."""

    start: float
    end: float


def without_breaks(span: Span, breaks: Iterable[Span]) -> list[Span]:
    """The parts of `span` outside every break (breaks may overlap or stick out of it)."""
    spans = [span]
    for pause in sorted(breaks, key=lambda b: b.start):
        cut: list[Span] = []
        for part in spans:
            if pause.end <= part.start or pause.start >= part.end:
                cut.append(part)
                continue
            if pause.start > part.start:
                cut.append(Span(part.start, pause.start))
            if pause.end < part.end:
                cut.append(Span(pause.end, part.end))
        spans = cut
    return spans


@dataclass(order=True)
class Visitor:
    """A waiting (or future) visitor: `order` is the call-order key (arrival, issue number);
    `ready` is when they join the queue (now for those already waiting)."""

    order: tuple[float, int]
    key: str = field(compare=False)
    service: str = field(compare=False)
    priority: bool = field(compare=False)
    ready: float = field(default=float("-inf"), compare=False)
    booked: bool = field(default=False, compare=False)
    # Only asked about ("when would a newcomer be called?"): called in turn like anyone, but
    # leaves the counter's priority streak as it was (its occupancy should be zero too).
    ghost: bool = field(default=False, compare=False)


@dataclass
class Desk:
    """A counter as the forecast sees it: its services, when it is next free (its current
    visitor done), its priority streak and the spans in which it calls."""

    number: int
    services: tuple[str, ...]
    free_at: float
    streak: int
    spans: Sequence[Span]
    booked_streak: int = 0  # booked calls in a row among its non-priority calls

    def next_call_time(self, t: float) -> float | None:
        for span in self.spans:
            if t < span.end:
                return max(t, span.start)
        return None


Occupancy = Callable[[Visitor, Desk, float], float]
"""Minutes a counter is taken by a visitor it calls at a time (service, or a no-show)."""
AfterService = Callable[[Visitor, Desk, float], Visitor | None]
"""A visitor sent on to another service after being served (a transfer), or None."""


def play(
    now: float,
    desks: Iterable[Desk],
    waiting: Iterable[Visitor],
    occupancy: Occupancy,
    priority_ratio: int,
    *,
    booking_ratio: int = 1,
    targets: set[str] | None = None,
    after_service: AfterService | None = None,
    horizon: float = 24 * 60,
) -> dict[str, float]:
    """Call times of the visitors (all, or only until every one of `targets` is called).

    A visitor missing from the answer is not called before every counter that serves them
    has ended its day (or before `horizon`)."""
    queues: dict[tuple[str, str], list[Visitor]] = {}
    for visitor in waiting:
        insort(queues.setdefault((visitor.service, _kind(visitor)), []), visitor)
    heads = {k: 0 for k in queues}
    desks = list(desks)
    keys = [[(s, kind) for s in desk.services for kind in KINDS] for desk in desks]
    heap: list[tuple[float, int, int]] = []
    for i, desk in enumerate(desks):
        t = desk.next_call_time(max(now, desk.free_at))
        if t is not None:
            heap.append((t, desk.number, i))
    heapq.heapify(heap)
    called: dict[str, float] = {}
    remaining = set(targets) if targets is not None else None
    # Visitors sent on to another service, by when their first service ends: they join the
    # queue then (in it earlier, their turn would hold up the visitors behind them).
    sent_on: list[tuple[float, int, Visitor]] = []
    while heap and (remaining is None or remaining):
        t, _, i = heapq.heappop(heap)
        if t >= horizon:
            break
        while sent_on and sent_on[0][0] <= t:
            _, _, moved = heapq.heappop(sent_on)
            key = (moved.service, _kind(moved))
            queue = queues.setdefault(key, [])
            heads.setdefault(key, 0)
            # A transferred visitor keeps their arrival: they go in by order among the
            # visitors not yet called.
            insort(queue, moved, lo=heads[key])
        desk = desks[i]
        chosen, as_booked, wake = _choose(
            desk, keys[i], queues, heads, t, priority_ratio, booking_ratio
        )
        if chosen is None:
            if sent_on:
                wake = sent_on[0][0] if wake is None else min(wake, sent_on[0][0])
            if wake is None:
                continue  # nobody left for this counter today
            t_next = desk.next_call_time(wake)
            if t_next is not None:
                heapq.heappush(heap, (t_next, desk.number, i))
            continue
        heads[(chosen.service, _kind(chosen))] += 1
        if not chosen.ghost:
            desk.streak = desk.streak + 1 if chosen.priority else 0
            if not chosen.priority:
                desk.booked_streak = desk.booked_streak + 1 if as_booked else 0
        called[chosen.key] = t
        if remaining is not None:
            remaining.discard(chosen.key)
        done = t + occupancy(chosen, desk, t)
        if after_service is not None:
            moved = after_service(chosen, desk, done)
            if moved is not None:
                heapq.heappush(sent_on, (done, len(called), moved))
        t_next = desk.next_call_time(done)
        if t_next is not None:
            heapq.heappush(heap, (t_next, desk.number, i))
    return called


KINDS = ("priority", "booked", "normal")


def _kind(visitor: Visitor) -> str:
    """The visitor's queue: priority, booked (whatever their slot), or walk-in."""
    return "priority" if visitor.priority else "booked" if visitor.booked else "normal"


def _choose(
    desk: Desk,
    keys: Sequence[tuple[str, str]],
    queues: dict[tuple[str, str], list[Visitor]],
    heads: dict[tuple[str, str], int],
    t: float,
    priority_ratio: int,
    booking_ratio: int,
) -> tuple[Visitor | None, bool, float | None]:
    """The visitor `desk` calls at `t` by the call-order rule and whether as a booked one, or
    (None, False, when someone of its services is next ready). `keys`: its queues."""
    p = b = n = None
    wake: float | None = None
    for key in keys:
        queue = queues.get(key)
        if not queue:
            continue
        index = heads[key]
        if index >= len(queue):
            continue
        head = queue[index]
        if head.ready > t:
            wake = head.ready if wake is None else min(wake, head.ready)
            continue
        kind = key[1]
        if kind == "priority":
            if p is None or head.order < p.order:
                p = head
        elif kind == "booked" and head.order[0] <= t:
            if b is None or head.order < b.order:
                b = head
        # A walk-in, or checked in before the slot began: a walk-in, ordered at the slot's
        # start.
        elif n is None or head.order < n.order:
            n = head
    if p is None and b is None and n is None:
        return None, False, wake
    chosen = choose_next(
        p,
        n,
        desk.streak,
        priority_ratio,
        oldest_booked=b,
        booked_streak=desk.booked_streak,
        booking_ratio=booking_ratio,
    )
    assert chosen is not None
    return chosen, chosen is b, None
