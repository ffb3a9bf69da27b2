"""Ten counters racing call-next over one queue: every visitor is called exactly once."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import Connection, RootTransaction, select

from core.bus import InMemoryPublisher
from core.config import Settings
from core.handlers import QueueService
from core.store import UnitOfWork, make_engine, ticket_events, tickets
from core.tickets import Priority
from tests.conftest import FakeClock, officer
from tests.integration.pg import all_day, counters_for, insert_waiting_ktp

COUNTERS = 10
WAITING = 500


def line_up(queue: QueueService, clock: FakeClock, how_many: int) -> list[str]:
    """`how_many` KTP visitors, one a second; every fifth is a priority visitor.

    Stored in one transaction through the repository: the race under test is call-next.
    """
    with queue.uow.writing() as conn:
        ids = [
            insert_waiting_ktp(
                conn,
                queue,
                f"t{i:04d}",
                clock.now + timedelta(seconds=i),
                priority=Priority.ELDERLY if i % 5 == 0 else None,
            )
            for i in range(how_many)
        ]
    clock.advance(seconds=how_many)
    return ids


def test_racing_counters_call_every_ticket_exactly_once(
    demo_settings: Settings, database_url: str, clock: FakeClock
):
    settings = all_day(
        demo_settings,
        database_url=database_url,
        no_quotas=True,
        counters=counters_for("KTP", COUNTERS),
    )
    engine = make_engine(database_url)
    publisher = InMemoryPublisher()
    queue = QueueService(settings, UnitOfWork(engine), publisher, clock=clock)
    queue.ensure_ready()
    issued = line_up(queue, clock, WAITING)
    for number in range(1, COUNTERS + 1):
        queue.open_counter(number, officer(number))

    start = threading.Barrier(COUNTERS)
    calls: dict[int, list[str]] = {n: [] for n in range(1, COUNTERS + 1)}
    errors: list[BaseException] = []
    left_over: list[int] = []  # waiting tickets when a counter was told nobody waits

    def still_waiting() -> int:
        with queue.uow.reading() as conn:
            rows = conn.execute(select(tickets.c.id).where(tickets.c.status == "waiting"))
            return len(rows.all())

    def counter_desk(number: int) -> None:
        actor = officer(number)
        try:
            start.wait()
            while True:
                called = queue.call_next(number, actor)
                if called is None:
                    # "Nobody waits" must be true: on PostgreSQL call-next skips the rows
                    # racing counters have locked, and waits for them instead of answering 204.
                    left_over.append(still_waiting())
                    return
                calls[number].append(called["id"])
                # The counter must be done with a visitor before it may call the next.
                if len(calls[number]) % 5 == 0:
                    queue.act(called["id"], "start", actor)
                    queue.act(called["id"], "finish", actor)
                else:
                    queue.act(called["id"], "no_show", actor)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    desks = [threading.Thread(target=counter_desk, args=(n,)) for n in calls]
    for desk in desks:
        desk.start()
    for desk in desks:
        desk.join(timeout=120)
    try:
        assert not errors, errors[:3]
        assert left_over == [0] * COUNTERS
        called_ids = [ticket for per_counter in calls.values() for ticket in per_counter]
        duplicates = [t for t, n in Counter(called_ids).items() if n > 1]
        assert not duplicates
        assert sorted(called_ids) == sorted(issued)
        # The work really was shared between the counters.
        assert sum(1 for per_counter in calls.values() if per_counter) >= 2
        with queue.uow.reading() as conn:
            call_rows = conn.execute(
                select(ticket_events.c.ticket_seq, ticket_events.c.counter).where(
                    ticket_events.c.action == "call"
                )
            ).all()
            statuses = Counter(row.status for row in conn.execute(select(tickets.c.status)))
        assert len(call_rows) == WAITING
        assert len({row.ticket_seq for row in call_rows}) == WAITING
        assert statuses["waiting"] == 0
        assert statuses["done"] + statuses["no_show"] == WAITING
        versions = [e.version for e in publisher.events]
        assert versions == list(range(1, len(versions) + 1))
    finally:
        engine.dispose()


@dataclass
class LockedVisitor:
    """One waiting KTP visitor, locked by another counter's call still in progress, and
    counter 1 pressing call-next meanwhile (in a thread)."""

    ticket_id: str
    other_counter: Connection
    other_call: RootTransaction
    caller: threading.Thread
    answer: list[dict | None]


@pytest.fixture
def locked_visitor(
    demo_settings: Settings, postgres_url: str, clock: FakeClock
) -> Iterator[LockedVisitor]:
    settings = all_day(
        demo_settings, database_url=postgres_url, no_quotas=True, counters=counters_for("KTP", 2)
    )
    engine = make_engine(postgres_url)
    queue = QueueService(settings, UnitOfWork(engine), clock=clock)
    queue.ensure_ready()
    (waiting,) = line_up(queue, clock, 1)
    queue.open_counter(1, officer(1))
    other_counter = engine.connect()
    other_call = other_counter.begin()
    other_counter.execute(select(tickets).where(tickets.c.id == waiting).with_for_update())
    answer: list[dict | None] = []
    caller = threading.Thread(target=lambda: answer.append(queue.call_next(1, officer(1))))
    caller.start()
    try:
        yield LockedVisitor(waiting, other_counter, other_call, caller, answer)
    finally:
        other_counter.close()
        caller.join(5)
        engine.dispose()


@pytest.mark.postgres
def test_call_next_waits_for_a_visitor_locked_by_another_counter(locked_visitor: LockedVisitor):
    """The other counter's call then fails (rolls back): call-next must not have answered
    "nobody waits" while the visitor was still there."""
    time.sleep(0.3)
    assert locked_visitor.caller.is_alive(), "answered while the visitor was locked elsewhere"
    locked_visitor.other_call.rollback()
    locked_visitor.caller.join(5)
    [called] = locked_visitor.answer
    assert called is not None and called["id"] == locked_visitor.ticket_id


@pytest.mark.postgres
def test_call_next_answers_nobody_once_the_other_counter_took_the_last_visitor(
    locked_visitor: LockedVisitor,
):
    time.sleep(0.2)
    locked_visitor.other_counter.execute(
        tickets.update()
        .where(tickets.c.id == locked_visitor.ticket_id)
        .values(status="called", counter=2)
    )
    locked_visitor.other_call.commit()
    locked_visitor.caller.join(5)
    assert locked_visitor.answer == [None]
