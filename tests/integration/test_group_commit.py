"""Group commit: visitors who queue behind a writer are issued in one transaction.

Each test holds the lock every change of the mall needs (SQLite's write lock; on PostgreSQL
the mall's version row) while kiosk threads ask for tickets, so the first asker leads a
transaction of its own and the others queue up behind it; releasing the lock lets them
through. What must hold is what holds one issue at a time: numbers without gaps or
duplicates, each visitor's own answer or refusal, consecutive versions, and the event of each
ticket telling the queue as it was when that ticket joined it.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from typing import Any

import pytest
from sqlalchemy import event, func, select, update

from core import idempotency, numbering, repository
from core.bus import InMemoryPublisher
from core.config import Settings
from core.events import TicketIssued
from core.handlers import QueueService
from core.store import daily_sequences, mall_state, ticket_events, tickets
from core.tickets import QuotaReached, ServiceClosed
from tests.conftest import ADMIN, KIOSK
from tests.integration.conftest import service_with

QUEUED_UP_SECONDS = 0.3


@pytest.fixture
def settings(demo_settings: Settings, database_url: str) -> Settings:
    """Every test on SQLite and on PostgreSQL."""
    return dataclasses.replace(demo_settings, database_url=database_url)


def issue_while_writing(
    queue: QueueService, codes: list[str], keys: list[str | None] | None = None
) -> tuple[list[Any], int]:
    """Issue one ticket per code from its own thread while a write is open; return each
    thread's answer (or the error it got) and how many transactions the issuers committed.
    `keys`: the Idempotency-Key each request carries (None: none)."""
    answers: list[Any] = [None] * len(codes)
    commits = 0
    keys = keys or [None] * len(codes)

    def count_commit(conn: Any) -> None:
        # Only writing transactions: the estimate each answer carries is read after them.
        nonlocal commits
        options = conn.get_execution_options()
        if options.get("sqlite_begin") == "IMMEDIATE" or (
            not queue.uow.is_sqlite and options.get("isolation_level") != "REPEATABLE READ"
        ):
            commits += 1

    def ask(index: int, code: str) -> None:
        key = keys[index]
        try:
            if key is None:
                answers[index] = queue.issue_ticket(code, None, KIOSK)
            else:
                answers[index] = queue.issue_ticket_once(code, None, KIOSK, key)
        except Exception as exc:  # the refusal is this visitor's answer
            answers[index] = exc

    threads = [threading.Thread(target=ask, args=(i, c)) for i, c in enumerate(codes)]
    with queue.uow.writing() as holder:
        if not queue.uow.is_sqlite:  # every change of the mall waits for its version row
            holder.execute(
                update(mall_state)
                .where(mall_state.c.mall == queue.mall)
                .values(version=mall_state.c.version)
            )
        threads[0].start()
        time.sleep(QUEUED_UP_SECONDS)  # the first asker leads, and waits for the lock
        for thread in threads[1:]:
            thread.start()
        time.sleep(QUEUED_UP_SECONDS)  # the others queue up behind it
        event.listen(queue.uow.engine, "commit", count_commit)
    for thread in threads:
        thread.join(10)
    event.remove(queue.uow.engine, "commit", count_commit)
    return answers, commits - 1  # less the holder's own


def test_visitors_queued_behind_a_writer_are_issued_together(
    queue: QueueService, publisher: InMemoryPublisher
):
    answers, commits = issue_while_writing(queue, ["KTP"] * 6)

    assert commits == 2  # the leader alone, then the five who queued behind it
    numbers = sorted(a["number"] for a in answers)
    assert numbers == ["A001", "A002", "A003", "A004", "A005", "A006"]
    # Whoever got number n had the n - 1 earlier tickets ahead.
    assert all(a["ahead"] == int(a["number"][1:]) - 1 for a in answers)
    issued = [e for e in publisher.events if isinstance(e, TicketIssued)]
    assert [e.version for e in issued] == list(range(issued[0].version, issued[0].version + 6))
    # Each event tells the queue as it stood when its ticket joined, not the batch's end.
    assert [e.payload()["waiting"]["KTP"] for e in issued] == [1, 2, 3, 4, 5, 6]
    assert [e.payload()["ticket"]["number"] for e in issued] == numbers


def test_each_ticket_of_a_batch_has_its_own_row_and_event(queue: QueueService):
    answers, commits = issue_while_writing(queue, ["KTP", "KK", "KTP", "IKD", "KTP"])

    assert commits == 2
    assert sorted(a["number"] for a in answers) == ["A001", "A002", "A003", "B001", "F001"]
    # Each ticket's event row points at that ticket (the seq its INSERT gave back): in version
    # order, a service's events meet its numbers in order, each once.
    with queue.uow.reading() as conn:
        rows = conn.execute(
            select(tickets.c.service, tickets.c.sequence, ticket_events.c.service.label("said"))
            .join(ticket_events, ticket_events.c.ticket_seq == tickets.c.seq)
            .order_by(ticket_events.c.version)
        ).all()
    assert all(row.service == row.said for row in rows)
    assert [row.sequence for row in rows if row.service == "KTP"] == [1, 2, 3]
    assert len(rows) == 5


def test_a_refusal_answers_only_its_own_visitor_and_uses_no_number(settings: Settings, make_queue):
    queue = make_queue(service_with(settings, "KTP", daily_quota=3))
    queue.set_service_closed("KK", "Blangko habis", ADMIN)

    answers, commits = issue_while_writing(queue, ["KTP", "KTP", "KK", "KTP", "KTP", "IKD"])

    assert commits == 2
    tickets_given = sorted(a["number"] for a in answers if isinstance(a, dict))
    assert tickets_given == ["A001", "A002", "A003", "F001"]
    refusals = [a for a in answers if isinstance(a, Exception)]
    assert sorted(type(r).__name__ for r in refusals) == [
        "QuotaReached",
        "ServiceClosed",
    ]
    assert any(isinstance(r, ServiceClosed) and "Blangko habis" in str(r) for r in refusals)
    assert any(isinstance(r, QuotaReached) and "quota of 3" in str(r) for r in refusals)
    with queue.uow.reading() as conn:
        claimed = dict(
            conn.execute(select(daily_sequences.c.service, daily_sequences.c.last_number)).all()
        )
        assert claimed == {"KTP": 3, "IKD": 1}  # the refused claim was handed back
        assert conn.execute(select(func.count()).select_from(tickets)).scalar_one() == 4
    # With a larger quota the next number follows on: no gap.
    larger = make_queue(service_with(settings, "KTP", daily_quota=5))
    assert larger.issue_ticket("KTP", None, KIOSK)["number"] == "A004"


def test_a_failed_transaction_fails_everyone_in_it_and_leaves_no_trace(
    queue: QueueService, publisher: InMemoryPublisher, monkeypatch: pytest.MonkeyPatch
):
    real_insert = repository.insert_tickets
    inserts = 0

    def failing_second_batch(*args: Any, **kwargs: Any) -> None:
        nonlocal inserts
        inserts += 1
        if inserts == 2:  # the second transaction, after it claimed its numbers
            raise OSError("disk full")
        real_insert(*args, **kwargs)

    monkeypatch.setattr(repository, "insert_tickets", failing_second_batch)
    answers, commits = issue_while_writing(queue, ["KTP"] * 4)

    assert commits == 1
    assert answers[0]["number"] == "A001"  # the leader, in a transaction of its own
    assert all(isinstance(a, OSError) and "disk full" in str(a) for a in answers[1:])
    assert len([e for e in publisher.events if isinstance(e, TicketIssued)]) == 1
    monkeypatch.setattr(repository, "insert_tickets", real_insert)
    assert queue.issue_ticket("KTP", None, KIOSK)["number"] == "A002"


def test_idempotency_keys_are_claimed_and_answered_in_the_batch(queue: QueueService):
    queue.set_service_closed("KK", "Blangko habis", ADMIN)
    earlier = queue.issue_ticket_once("KTP", None, KIOSK, "tap-earlier")
    assert isinstance(earlier, dict) and earlier["number"] == "A001"

    # The leader issues a ticket: on PostgreSQL a batch of replays alone would not wait for
    # the version row, and the others would not queue behind it.
    answers, commits = issue_while_writing(
        queue,
        ["IKD", "KTP", "KTP", "IKD", "KK", "KTP"],
        keys=[None, "tap-earlier", "tap-a", "tap-b", "tap-c", "tap-a"],
    )

    assert commits == 2  # keys add no transaction of their own
    unkeyed, replay, one_a, b, closed, other_a = answers
    assert isinstance(replay, idempotency.Claim) and replay.state == "answered"
    assert replay.body == earlier  # the first answer, and no second ticket
    assert isinstance(closed, ServiceClosed)
    # The same key twice in one batch: whichever joined it first got the ticket, the other
    # is told that the first is still running.
    first_a, second_a = (one_a, other_a) if isinstance(one_a, dict) else (other_a, one_a)
    assert first_a["number"] == "A002"
    assert isinstance(second_a, idempotency.Claim) and second_a.state == "running"
    assert sorted([b["number"], unkeyed["number"]]) == ["F001", "F002"]
    # Answers were stored with their tickets; the refused key was given up.
    again = queue.issue_ticket_once("KTP", None, KIOSK, "tap-a")
    assert isinstance(again, idempotency.Claim) and again.body == first_a
    queue.set_service_closed("KK", None, ADMIN)
    retried = queue.issue_ticket_once("KK", None, KIOSK, "tap-c")
    assert isinstance(retried, dict) and retried["number"] == "B001"
    with queue.uow.reading() as conn:
        assert conn.execute(select(func.count()).select_from(tickets)).scalar_one() == 5


def test_a_failed_batch_keeps_none_of_its_keys(
    queue: QueueService, monkeypatch: pytest.MonkeyPatch
):
    def failing(*_args: Any, **_kwargs: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(repository, "insert_tickets", failing)
    with pytest.raises(OSError):
        queue.issue_ticket_once("KTP", None, KIOSK, "tap-lost")
    monkeypatch.undo()
    retried = queue.issue_ticket_once("KTP", None, KIOSK, "tap-lost")
    assert isinstance(retried, dict) and retried["number"] == "A001"


@pytest.mark.postgres
def test_two_processes_batches_of_the_same_services_never_deadlock(
    demo_settings: Settings, postgres_url: str, make_queue: Any, monkeypatch: pytest.MonkeyPatch
):
    """Each batch takes its services' number rows in one order: two processes issuing KTP
    then KK and KK then KTP at once both get their tickets. (PostgreSQL only: SQLite has one
    writer at a time, nothing to deadlock.)"""
    settings = dataclasses.replace(demo_settings, database_url=postgres_url)
    one, other = make_queue(settings), make_queue(settings)
    claim = numbering.claim_next_number

    def slow_claim(*args: Any, **kwargs: Any) -> int:
        number = claim(*args, **kwargs)
        time.sleep(0.2)  # both batches hold their first number's row before the second
        return number

    monkeypatch.setattr(numbering, "claim_next_number", slow_claim)
    answers: list[Any] = []

    def ask(queue: QueueService, code: str) -> None:
        try:
            answers.append(queue.issue_ticket(code, None, KIOSK))
        except Exception as exc:
            answers.append(exc)

    with one.uow.writing() as holder:
        holder.execute(
            update(mall_state)
            .where(mall_state.c.mall == one.mall)
            .values(version=mall_state.c.version)
        )
        # Each process's leader waits for the version row; the two behind it form a batch.
        leaders = [
            threading.Thread(target=ask, args=(q, code))
            for q, code in ((one, "IKD"), (other, "AKTA"))
        ]
        for thread in leaders:
            thread.start()
        time.sleep(QUEUED_UP_SECONDS)
        batched = [
            threading.Thread(target=ask, args=(queue, code))
            for queue, codes in ((one, ("KTP", "KK")), (other, ("KK", "KTP")))
            for code in codes
        ]
        for thread in batched:
            thread.start()
            time.sleep(0.05)  # in this order in each process's queue
        time.sleep(QUEUED_UP_SECONDS)
    for thread in leaders + batched:
        thread.join(20)

    assert [a for a in answers if isinstance(a, Exception)] == []
    numbers = sorted(a["number"] for a in answers)
    assert numbers == ["A001", "A002", "B001", "B002", "C001", "F001"]
