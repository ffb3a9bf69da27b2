"""The pace the estimate plays a service at follows the visits that end, in this process and
in the others sharing the database, without reading the day's visits again each time."""

from __future__ import annotations

from typing import Any

import pytest

from core import estimate_data, estimate_paces
from core.handlers import QueueService
from tests.conftest import KIOSK, FakeClock, officer
from tests.integration.pg import all_day


def serve(queue: QueueService, clock: FakeClock, counter: int, minutes: float) -> None:
    queue.issue_ticket("KTP", None, KIOSK)
    called = queue.call_next(counter, officer(counter))
    assert called is not None
    queue.act(called["id"], "start", officer(counter))
    clock.advance(minutes=minutes)
    queue.act(called["id"], "finish", officer(counter))


def pace_of(queue: QueueService) -> float:
    with queue.uow.reading() as conn:
        return queue.ctx.estimator.paces.of(conn, "KTP", queue.ctx.today()).mean


def test_visits_another_process_ended_reach_the_pace_within_a_minute(
    make_queue: Any, demo_settings: Any, database_url: str, clock: FakeClock
) -> None:
    settings = all_day(demo_settings, database_url=database_url)
    here, there = make_queue(settings), make_queue(settings)  # two processes' estimators
    here.open_counter(1, officer(1))
    there.open_counter(2, officer(2))
    serve(here, clock, 1, 5)
    first = pace_of(here)
    for _ in range(12):
        serve(there, clock, 2, 30)  # the other process's visits are slow
    assert pace_of(there) > first + 5
    clock.advance(seconds=estimate_paces.FRESH_FOR.total_seconds() + 1)
    assert pace_of(here) == pace_of(there)


def test_a_finished_visit_reads_only_what_is_new(
    make_queue: Any,
    demo_settings: Any,
    database_url: str,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    queue = make_queue(all_day(demo_settings, database_url=database_url))
    queue.open_counter(1, officer(1))
    for k in range(30):
        serve(queue, clock, 1, 3 + k % 4)
    before = pace_of(queue)
    reads: list[tuple[Any, int]] = []  # KTP's: (since, rows)
    counter_times = estimate_data.counter_times

    def recorded(*args: Any) -> Any:
        found = counter_times(*args)
        if args[3] == "KTP":
            reads.append((args[4], len(found)))
        return found

    monkeypatch.setattr(estimate_data, "counter_times", recorded)
    serve(queue, clock, 1, 9)  # one long visit: heard of at once, read with few others
    assert pace_of(queue) > before + 0.05
    assert reads and all(since is not None and n <= 2 for since, n in reads), reads
