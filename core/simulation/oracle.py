"""The oracle: the best wait estimate any model could give, to measure the real one against.

It knows what no estimate in the mall can: every visitor's true place (who waits, who is a
priority visitor, which checked-in booking's slot has begun, who is at which counter since
when), the staffing plan, and each service's true distributions (service time, no-shows,
priority share, transfers, the arrival rates to come within the service's issuing hours),
and, as the estimate does, the day's bookings not checked in yet: each booked visitor comes
into the booked queue at their slot's start, and the walk-ins still to come are fewer by as
many as the day's bookings. (Until 2026-12-04 it played them as walk-ins at the back: on
waits of half an hour or more it was on average 1.6-4.5 minutes short for the population
services, which share their counters with the booked KTP-el visitors (4.5 for KTP-el), and
the model beat it there.) It does not know the future draws, among them whether a waiting
visitor will not show up or will be sent on to another service (`oracle.knows_outcomes` lets
it know them, to measure what that is worth): it plays the rest of the day forward many
times (Monte Carlo) with fresh draws, each counter calling by the rule of `core/queueing.py`
as `core/forecast.py` plays it, and answers with the median call time and the 10th–90th
percentile range. (Daily quotas are not played: on the busy day they
refuse arrivals only near its end.)

Cost. A steady 10th–90th percentile range takes a hundred plays or more per visitor, so a
play is made cheap (`core/simulation/oracle_plays.py`), and the plays run in worker
processes while the day goes on: the day hands each a snapshot of the true state
(`Snapshot`, plain values), and the answers are put into the visitors' estimates when the
day is over. Each visitor's plays draw from their own random stream (the day's seed and the
visitor's number), so the answers do not depend on which process played them or when: the
same seed gives the same report.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing import get_all_start_methods, get_context
from typing import TYPE_CHECKING

from core.simulation.oracle_plays import Player
from core.simulation.oracle_state import AtCounter, Snapshot, components
from core.simulation.scenario import Scenario

if TYPE_CHECKING:
    from core.simulation.day import Day
    from core.simulation.records import Estimate, VisitorRecord

__all__ = ["AtCounter", "Oracle", "Player", "Snapshot", "components", "snapshot"]

# A batch's answers, and the worker's (process id, CPU seconds so far).
Answers = tuple[list[tuple[float | None, ...]], tuple[int, float]]
BATCH = 8  # snapshots per task sent to a worker: fewer, larger messages


def snapshot(day: Day, visitor: VisitorRecord, group: frozenset[str]) -> Snapshot:
    """The true state of `visitor`'s group at `day`'s current time."""
    waiting = []
    me = -1
    for v in day.visitors:
        if v.state != "waiting" or v.current_service not in group:
            continue
        if v is visitor:
            me = len(waiting)
        first_call_to_come = v.called is None
        waiting.append(
            (
                v.arrive if v.slot_start is None else v.slot_start,
                v.current_service,
                v.priority,
                v.no_show and first_call_to_come,
                v.transfer_to if first_call_to_come else None,
                first_call_to_come,
                v.slot_start is not None,
            )
        )
    counters = []
    for counter in day.scenario.settings.counters:
        if not set(counter.services) & group:
            continue
        current = day.counter_current[counter.number]
        streak = day.streaks[counter.number]
        if current is None:
            counters.append(AtCounter(counter.number, streak))
            continue
        counters.append(
            AtCounter(
                counter.number,
                streak,
                current.current_service,
                current.called,
                current.started,
                current.no_show and current.finished is None and current.started is None,
            )
        )
    # The day's bookings are made before it starts: the oracle knows them as the estimate
    # does, each booked visitor coming at their slot; when they come is a draw to come.
    booked = [v for v in day.visitors if v.booking_code is not None and v.service in group]
    to_come = tuple(
        sorted(
            (v.booked_slot, v.service, v.no_show, v.transfer_to)
            for v in booked
            if v.state == "new" and v.booked_slot is not None
        )
    )
    made = Counter(v.service for v in booked)
    return Snapshot(
        visitor.index,
        visitor.current_service,
        day.env.now,
        tuple(waiting),
        me,
        tuple(counters),
        to_come,
        tuple(sorted(made.items())),
    )


class Oracle:
    """Asked at issue by the day (`ask`); its answers are in the estimates after `finish`.

    `workers` processes play while the day goes on (None: one per CPU; 0: play in the day's
    own process, at once)."""

    def __init__(self, scenario: Scenario, seed: int, *, workers: int | None = None) -> None:
        self.scenario = scenario
        self.seed = seed
        self.components = components(scenario)
        self.replications = scenario.file.oracle.replications
        if workers is None:
            workers = min(8, os.cpu_count() or 1)
            workers = workers if workers > 1 else 0  # one CPU: a second process only waits
        self.workers = workers
        self._player: Player | None = None
        self._pool: ProcessPoolExecutor | None = None
        self._batch: list[tuple[Snapshot, Estimate]] = []
        self._sent: list[tuple[Future[Answers], list[Estimate]]] = []
        # Each worker's CPU seconds as of its last batch: the workers are the forkserver's
        # children, not ours, so the day's own process accounting never sees them.
        self.worker_cpu: dict[int, float] = {}

    def ask(self, day: Day, visitor: VisitorRecord, estimate: Estimate) -> None:
        """Have the oracle answer for `visitor` from the state now, into `estimate`."""
        snap = snapshot(day, visitor, self.components[visitor.current_service])
        if not self.workers:
            _fill(estimate, self._own_player().answer(snap))
            return
        self._batch.append((snap, estimate))
        if len(self._batch) >= BATCH:
            self._send()

    def finish(self) -> None:
        """Wait for every answer and put it into its estimate."""
        try:
            self._send()
            for future, estimates in self._sent:
                answers, (pid, cpu) = future.result()
                self.worker_cpu[pid] = max(cpu, self.worker_cpu.get(pid, 0.0))
                for estimate, answer in zip(estimates, answers, strict=True):
                    _fill(estimate, answer)
            self._sent = []
        finally:
            self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def estimate(self, day: Day, visitor: VisitorRecord) -> tuple[float | None, ...]:
        """(median, 10th, 90th percentile) of the wait from now, played at once."""
        snap = snapshot(day, visitor, self.components[visitor.current_service])
        return self._own_player().answer(snap)

    def _own_player(self) -> Player:
        if self._player is None:
            self._player = Player(self.scenario, self.seed)
        return self._player

    def _send(self) -> None:
        if not self._batch:
            return
        if self._pool is None:
            # Not a plain fork of the day's process, which may hold other threads' locks (a
            # test run, a server): the workers start from a clean process and get the
            # scenario pickled, once each.
            method = "forkserver" if "forkserver" in get_all_start_methods() else "spawn"
            self._pool = ProcessPoolExecutor(
                self.workers,
                mp_context=get_context(method),
                initializer=_start_worker,
                initargs=(self.scenario, self.seed),
            )
        snaps = [s for s, _ in self._batch]
        self._sent.append((self._pool.submit(_answer_all, snaps), [e for _, e in self._batch]))
        self._batch = []


def _fill(estimate: Estimate, answer: tuple[float | None, ...]) -> None:
    estimate.oracle, estimate.oracle_low, estimate.oracle_high = answer


_worker_player: Player | None = None


def _start_worker(scenario: Scenario, seed: int) -> None:
    global _worker_player
    _worker_player = Player(scenario, seed)


def _answer_all(snaps: list[Snapshot]) -> Answers:
    """The answers, with this worker's process id and CPU seconds so far."""
    assert _worker_player is not None
    answers = [_worker_player.answer(s) for s in snaps]
    return answers, (os.getpid(), time.process_time())
