"""The oracle's plays: the rest of the day played forward from a snapshot of the true state,
fast enough for a couple of hundred plays per visitor (`core/simulation/oracle.py` says what
the oracle knows and how it is asked).

- everything that does not change between plays (the queues of the true state, the counters'
  spans, the services' rates) is laid out once per visitor asked about, as plain lists;
- a play stops as soon as the visitor is called;
- arrivals still to come are drawn lazily, one class (service, priority or not) at a time
  and only when a counter finds that class's queue empty: an independent Poisson process
  per class (the split of one Poisson process by independent marks), so no visitor behind
  the one asked about is drawn for nothing;
- random numbers come in blocks from NumPy, not one call per draw.
Each counter calls by the rule of `core/queueing.py`, as `core/forecast.py` plays it
(priority, then checked-in bookings whose slot began within the booking ratio, then
walk-ins); a visitor sent on to another service joins its queue when their first service
ends, keeping their arrival and class (and does not hold up that queue before). The day's
bookings not checked in yet come at their slot's start into the booked queue, and the
service's walk-ins to come are thinned by as many as the day's bookings are.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import time

import numpy as np

from core.simulation.model import NO_SHOW_MINUTES, WALK_MINUTES, ServiceTime
from core.simulation.oracle_state import AtCounter, Snapshot, components
from core.simulation.scenario import Scenario

ORACLE_STREAM = 2  # the day's random streams: 0 arrivals, 1 the work, 2 the oracle
NEVER = 10_000.0  # not called today: beyond any percentile that is a time
BLOCK = 1024  # random numbers drawn from NumPy at a time


@dataclass(frozen=True)
class _Service:
    share_priority: float
    no_show: float
    transfers: tuple[tuple[str, float], ...]  # (target, cumulative share)
    time: ServiceTime
    segments: tuple[tuple[float, float, float], ...]  # (from, to, arrivals per minute)

    @property
    def expected_arrivals(self) -> float:
        return sum((b - a) * rate for a, b, rate in self.segments)


class Player:
    """Plays a scenario's day forward from snapshots (one per process)."""

    def __init__(self, scenario: Scenario, seed: int) -> None:
        self.seed = seed
        self.replications = scenario.file.oracle.replications
        self.knows_outcomes = scenario.file.oracle.knows_outcomes
        self.components = components(scenario)
        settings = scenario.settings
        self.ratio = settings.calling.priority_ratio
        self.booking_ratio = settings.calling.booking_ratio
        windows = scenario.counter_windows()
        self.spans = {n: tuple((w.start, w.end) for w in ws) for n, ws in windows.items()}
        self.counter_services = {c.number: c.services for c in settings.counters}
        end = max(ws[-1].end for ws in windows.values() if ws)
        weekday = scenario.day.weekday()
        self.services: dict[str, _Service] = {}
        for code, spec in scenario.file.services.items():
            hours = settings.service_hours(code, weekday)
            open_, close = (
                (hours.start.hour * 60.0 + hours.start.minute, _minutes(hours.end))
                if hours
                else (0.0, 0.0)
            )
            segments = []
            for hour, rate in sorted(spec.arrivals_per_hour.items()):
                # Tickets are issued only in the service's hours, and nobody is called after
                # the last counter closes: arrivals outside are refused.
                lo, hi = max(hour * 60.0, open_), min(hour * 60.0 + 60.0, close, end)
                if hi > lo and rate > 0:
                    segments.append((lo, hi, rate / 60.0))
            cumulative, acc = [], 0.0
            for target, share in spec.transfers.items():
                acc += share
                cumulative.append((target, acc))
            self.services[code] = _Service(
                spec.priority,
                spec.no_show,
                tuple(cumulative),
                scenario.service_time(code),
                tuple(segments),
            )

    def answer(self, snap: Snapshot) -> tuple[float | None, float | None, float | None]:
        """(median, 10th, 90th percentile) of the wait from `snap.now` in minutes; the median
        is None when the visitor is called today in at most half the plays."""
        seq = np.random.SeedSequence(self.seed, spawn_key=(ORACLE_STREAM, snap.index))
        game = _Game(self, snap, np.random.default_rng(seq))
        waits = [game.play() for _ in range(self.replications)]
        values = np.array([w if math.isfinite(w) else NEVER for w in waits])
        if np.sum(values < NEVER) * 2 <= len(values):  # called in at most half the plays
            return None, None, None
        # The 'weibull' positions (q × (n + 1)) make [10th, 90th] hold a new draw from the
        # same distribution 80 % of the time on average; the usual interpolation holds it
        # 80 % × (n − 1) / (n + 1), too narrow for few plays (74 % for 24).
        median, low, high = (
            float(np.percentile(values, q, method="weibull")) for q in (50, 10, 90)
        )
        return median, low, (high if high < NEVER else None)


def _minutes(t: time) -> float:
    return 24 * 60.0 if t == time.max else t.hour * 60.0 + t.minute


def _blocks(draw: object) -> Iterator[float]:
    """An endless iterator over `draw()`'s blocks: one NumPy call per BLOCK numbers."""
    return itertools.chain.from_iterable(iter(draw, None))  # type: ignore[call-overload]


class _Game:
    """One visitor's state laid out for fast plays: queues as lists, numbers as iterators.

    Queue `q` is class `3 s` (service `s`, priority), `3 s + 1` (a checked-in booking) or
    `3 s + 2` (a walk-in). A visitor is a number `v` into the fate lists (no-show, transfer
    target or -1, service)."""

    def __init__(self, player: Player, snap: Snapshot, rng: np.random.Generator) -> None:
        self.now = now = snap.now
        self.ratio = player.ratio
        self.booking_ratio = player.booking_ratio
        codes = sorted(player.components[snap.service])
        self._codes = codes
        index = {c: i for i, c in enumerate(codes)}
        specs = [player.services[c] for c in codes]
        self.queues = 3 * len(codes)
        self.uniform = _blocks(lambda: rng.random(BLOCK).tolist())
        self.exponential = _blocks(lambda: rng.standard_exponential(BLOCK).tolist())
        self.service_draws = [
            _blocks(lambda t=s.time: np.asarray(t.draw(rng, BLOCK), dtype=float).tolist())
            for s in specs
        ]
        self.means = [s.time.mean for s in specs]
        self.no_show = [s.no_show for s in specs]
        self.transfers = [tuple((index[t], acc) for t, acc in s.transfers) for s in specs]
        # Arrivals to come per class: the service's segments thinned by the priority share and
        # by the share of its visitors who come with a booking (played apart, below).
        made = dict(snap.booked_today)
        self.segments: list[tuple[tuple[float, float, float], ...]] = []
        for code, s in zip(codes, specs, strict=True):
            expected = s.expected_arrivals
            unbooked = max(0.0, 1.0 - made.get(code, 0) / expected) if expected > 0 else 1.0
            for share in (s.share_priority, 0.0, 1.0 - s.share_priority):
                share *= unbooked
                self.segments.append(
                    tuple((a, b, r * share) for a, b, r in s.segments if b > now and share > 0)
                )
        # The queues of the true state, oldest first (all of them arrived before now).
        order: list[list[float]] = [[] for _ in range(self.queues)]
        who: list[list[int]] = [[] for _ in range(self.queues)]
        fate_no_show, fate_transfer, fate_service = [], [], []
        self.undecided: list[int] = []  # visitors whose outcomes each play draws anew
        ranked = sorted(range(len(snap.waiting)), key=lambda i: snap.waiting[i][0])
        for i in ranked:
            arrive, code, priority, no_show, transfer, first_call, booked = snap.waiting[i]
            s = index[code]
            if first_call and not player.knows_outcomes:
                self.undecided.append(len(fate_no_show))
            q = 3 * s + (0 if priority else 1 if booked else 2)
            if i == snap.me:
                self.target = len(fate_no_show)
            order[q].append(arrive)
            who[q].append(len(fate_no_show))
            fate_no_show.append(no_show)
            fate_transfer.append(index[transfer] if transfer else -1)
            fate_service.append(s)
        # Bookings to come, in the booked queue at their slot's start; until then they are
        # not here (`to_come`). Whether they show up and are sent on is drawn in each play.
        self.to_come: set[int] = set()
        for start, code, no_show, transfer in snap.bookings:
            s = index[code]
            q, v = 3 * s + 1, len(fate_no_show)
            at = bisect.bisect_right(order[q], start)
            order[q].insert(at, start)
            who[q].insert(at, v)
            self.to_come.add(v)
            if not player.knows_outcomes:
                self.undecided.append(v)
            fate_no_show.append(no_show)
            fate_transfer.append(index[transfer] if transfer else -1)
            fate_service.append(s)
        self.order, self.who = order, who
        self.fate_no_show, self.fate_transfer, self.fate_service = (
            fate_no_show,
            fate_transfer,
            fate_service,
        )
        self.desks = []
        for at in snap.counters:
            classes = tuple(
                (3 * index[c], 3 * index[c] + 1, 3 * index[c] + 2)
                for c in player.counter_services[at.number]
                if c in index
            )
            self.desks.append((at, classes, player.spans[at.number]))

    def play(self) -> float:
        """One play: minutes from now until the visitor is called (inf: not today)."""
        now, ratio, booking_ratio = self.now, self.ratio, self.booking_ratio
        order = [list(x) for x in self.order]
        who = [list(x) for x in self.who]
        heads = [0] * self.queues
        # Transferred visitors waiting to be ready: per queue [(order, ready, visitor)].
        moved: list[list[tuple[float, float, int]]] = [[] for _ in range(self.queues)]
        clock = [now] * self.queues  # each class's arrivals drawn up to here
        cursor = [0] * self.queues  # and the segment that time is in
        live = [bool(segs) for segs in self.segments]  # more arrivals of the class to come
        fate_no_show = list(self.fate_no_show)
        fate_transfer = list(self.fate_transfer)
        fate_service = list(self.fate_service)
        segments, exponential, uniform = self.segments, self.exponential, self.uniform
        service_draws, no_show_share, transfers = self.service_draws, self.no_show, self.transfers
        target, to_come = self.target, self.to_come

        def draw_transfer(s: int) -> int:
            if transfers[s]:
                u = next(uniform)
                for t_s, acc in transfers[s]:
                    if u < acc:
                        return t_s
            return -1

        for v in self.undecided:
            s = fate_service[v]
            fate_no_show[v] = next(uniform) < no_show_share[s]
            fate_transfer[v] = draw_transfer(s)

        def arrive(q: int) -> bool:
            """Draw the next arrival of class q (False: none before the day ends)."""
            segs, k, t = segments[q], cursor[q], clock[q]
            e = next(exponential)
            while k < len(segs):
                a, b, rate = segs[k]
                t = max(t, a)
                if e < rate * (b - t):
                    t += e / rate
                    break
                e -= rate * (b - t)
                k += 1
            else:
                live[q] = False
                return False
            clock[q], cursor[q] = t, k
            s = q // 3
            order[q].append(t)
            who[q].append(len(fate_no_show))
            fate_no_show.append(next(uniform) < no_show_share[s])
            fate_transfer.append(draw_transfer(s))
            fate_service.append(s)
            return True

        streaks = []
        booked_streaks = []  # not known from the day: each play starts them at 0
        heap: list[tuple[float, int, int]] = []
        for i, (at, _, spans) in enumerate(self.desks):
            streaks.append(at.streak)
            booked_streaks.append(0)
            free = now
            if at.service is not None:
                free = now + self._remaining(at)
            t = _next_call(spans, free)
            if t is not None:
                heap.append((t, at.number, i))
        heapq.heapify(heap)
        desks = self.desks
        inf = math.inf
        pop, push = heapq.heappop, heapq.heappush
        while heap:
            t, number, i = pop(heap)
            classes, spans = desks[i][1], desks[i][2]
            # The oldest ready head of each kind across the desk's services (p: priority,
            # b: checked-in booking, n: walk-in; from a queue's head or, m >= 0, from its
            # transferred visitors), and when someone is next ready if nobody is. Written
            # out per kind: the hot loop.
            p_order = b_order = n_order = wake = inf
            p_q = b_q = n_q = p_m = b_m = n_m = -1
            for qp, qb, qn in classes:
                h = heads[qp]
                if h < len(order[qp]) or (live[qp] and arrive(qp)):
                    o = order[qp][h]
                    if o <= t:
                        if o < p_order:
                            p_order, p_q, p_m = o, qp, -1
                    elif o < wake:
                        wake = o
                if moved[qp]:
                    for m, (o, ready, _) in enumerate(moved[qp]):
                        if ready <= t:
                            if o < p_order:
                                p_order, p_q, p_m = o, qp, m
                        elif ready < wake:
                            wake = ready
                h = heads[qb]
                if h < len(order[qb]):
                    o = order[qb][h]
                    if o <= t:
                        if o < b_order:
                            b_order, b_q, b_m = o, qb, -1
                    elif who[qb][h] in to_come:  # comes at its slot's start
                        if o < wake:
                            wake = o
                    elif o < n_order:
                        # Checked in before the slot began: a walk-in, ordered at its start.
                        n_order, n_q, n_m = o, qb, -1
                if moved[qb]:
                    for m, (o, ready, _) in enumerate(moved[qb]):
                        if ready <= t:
                            if o < b_order:
                                b_order, b_q, b_m = o, qb, m
                        elif ready < wake:
                            wake = ready
                h = heads[qn]
                if h < len(order[qn]) or (live[qn] and arrive(qn)):
                    o = order[qn][h]
                    if o <= t:
                        if o < n_order:
                            n_order, n_q, n_m = o, qn, -1
                    elif o < wake:
                        wake = o
                if moved[qn]:
                    for m, (o, ready, _) in enumerate(moved[qn]):
                        if ready <= t:
                            if o < n_order:
                                n_order, n_q, n_m = o, qn, m
                        elif ready < wake:
                            wake = ready
            if p_q < 0 and b_q < 0 and n_q < 0:
                if wake < inf:
                    t_next = _next_call(spans, wake)
                    if t_next is not None:
                        push(heap, (t_next, number, i))
                continue  # else nobody left for this desk today
            # The rule of core/queueing.py's choose_next: bookings against walk-ins within
            # the booking ratio, then priority against those within the priority ratio.
            if b_q >= 0 and (n_q < 0 or booked_streaks[i] < booking_ratio):
                o_q, o_m, o_order, o_kind = b_q, b_m, b_order, 1
            else:
                o_q, o_m, o_order, o_kind = n_q, n_m, n_order, 2  # (n_q may be a booking's)
            if p_q >= 0 and (o_q < 0 or streaks[i] < ratio):
                q, m, o, kind = p_q, p_m, p_order, 0
                streaks[i] += 1
            else:
                q, m, o, kind = o_q, o_m, o_order, o_kind
                streaks[i] = 0
                booked_streaks[i] = booked_streaks[i] + 1 if kind == 1 else 0
            if m < 0:
                v = who[q][heads[q]]
                heads[q] += 1
                if v == target:
                    return t - now
                if fate_no_show[v]:
                    done = t + NO_SHOW_MINUTES
                else:
                    done = t + WALK_MINUTES + next(service_draws[fate_service[v]])
                    if fate_transfer[v] >= 0:
                        # Sent on after the service, keeping their arrival and priority.
                        moved[3 * fate_transfer[v] + kind].append((o, done, v))
            else:  # a transferred visitor's second service: no no-show, no transfer
                moved[q].pop(m)
                done = t + WALK_MINUTES + next(service_draws[q // 3])
            for start, end in spans:  # the counter's next call (as _next_call)
                if done < end:
                    push(heap, (start if done < start else done, number, i))
                    break
        return inf

    def _remaining(self, at: AtCounter) -> float:
        """The rest of the visit at a counter, drawn given how long it has lasted."""
        now = self.now
        assert at.service is not None
        if at.no_show:
            return max(0.0, (at.called or now) + NO_SHOW_MINUTES - now)
        s = self._codes.index(at.service)
        draws = self.service_draws[s]
        if at.started is None:
            return max(0.0, (at.called or now) + WALK_MINUTES - now) + next(draws)
        elapsed = now - at.started
        # The whole service given that it has lasted `elapsed` (by rejection; past the far
        # tail, the memoryless guess of one more half-mean piece), as ServiceTime.draw_beyond.
        for _ in range(64):
            whole = next(draws)
            if whole > elapsed:
                return whole - elapsed
        return next(self.exponential) * max(self.means[s] * 0.5, 0.5)


def _next_call(spans: tuple[tuple[float, float], ...], t: float) -> float | None:
    """When a counter with these working spans next calls, being free at `t`."""
    for start, end in spans:
        if t < end:
            return start if t < start else t
    return None
