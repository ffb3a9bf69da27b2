"""Idempotency keys on SQLite and PostgreSQL: claim, answer, forget, take over, and a race.

The API tests drive the same functions through HTTP (a retry gets the same ticket, a refusal
frees the key, a dead attempt is taken over); these check the storage underneath, on both
databases, and that two attempts racing with one key never both run.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from core import idempotency
from core.repository import as_utc
from core.store import UnitOfWork, idempotency_keys


def test_a_key_runs_once_and_its_answer_comes_back(uow: UnitOfWork):
    assert idempotency.claim(uow, "tap-1", "kiosk-lobby").state == "new"
    assert idempotency.claim(uow, "tap-1", "kiosk-lobby").state == "running"
    body = {"number": "A001", "ahead": 0, "print": {"status": "printed"}}
    idempotency.answer(uow, "tap-1", "kiosk-lobby", 201, body)

    again = idempotency.claim(uow, "tap-1", "kiosk-lobby")
    assert (again.state, again.status, again.body) == ("answered", 201, body)
    # Keys belong to one client: another may use the same one.
    assert idempotency.claim(uow, "tap-1", "kiosk-east").state == "new"


def test_a_forgotten_key_may_run_again(uow: UnitOfWork):
    assert idempotency.claim(uow, "tap-2", "kiosk-lobby").state == "new"
    idempotency.forget(uow, "tap-2", "kiosk-lobby")
    assert idempotency.claim(uow, "tap-2", "kiosk-lobby").state == "new"


def test_an_attempt_silent_for_a_minute_is_taken_over(uow: UnitOfWork):
    assert idempotency.claim(uow, "tap-3", "kiosk-lobby").state == "new"
    long_ago = datetime.now(UTC) - timedelta(seconds=idempotency.ABANDONED_AFTER_SECONDS + 5)
    with uow.writing() as conn:
        conn.execute(update(idempotency_keys).values(created_at=long_ago))

    assert idempotency.claim(uow, "tap-3", "kiosk-lobby").state == "new"
    # Taking over restarts the clock: a retry right after is told to wait.
    assert idempotency.claim(uow, "tap-3", "kiosk-lobby").state == "running"
    with uow.reading() as conn:
        taken_at = conn.execute(select(idempotency_keys.c.created_at)).scalar_one()
    assert as_utc(taken_at) > long_ago + timedelta(seconds=30)


def test_racing_attempts_with_one_key_let_exactly_one_run(uow: UnitOfWork):
    states: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def attempt() -> None:
        start.wait()
        state = idempotency.claim(uow, "double-tap", "kiosk-lobby").state
        with lock:
            states.append(state)

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert sorted(states) == ["new"] + ["running"] * 7


def test_keys_older_than_a_day_are_forgotten_in_batches(
    uow: UnitOfWork, monkeypatch: pytest.MonkeyPatch
):
    """A retry comes within minutes: the table keeps a day of keys, not every action ever."""
    monkeypatch.setattr(idempotency, "FORGET_BATCH", 2)  # several batches from five keys
    for n in range(7):
        assert idempotency.claim(uow, f"tap-{n}", "kiosk-lobby").state == "new"
    ages = [timedelta(days=3), timedelta(days=2)] * 2 + [timedelta(days=1, minutes=1)]
    with uow.writing() as conn:
        for n, age in enumerate(ages):
            conn.execute(
                update(idempotency_keys)
                .where(idempotency_keys.c.key == f"tap-{n}")
                .values(created_at=datetime.now(UTC) - age)
            )
    assert idempotency.forget_old(uow) == 5
    with uow.reading() as conn:
        kept = conn.execute(select(idempotency_keys.c.key).order_by(idempotency_keys.c.key))
        assert list(kept.scalars()) == ["tap-5", "tap-6"]
    assert idempotency.forget_old(uow) == 0
    # A key forgotten may be used again: a new request, not a retry of a day-old one.
    assert idempotency.claim(uow, "tap-0", "kiosk-lobby").state == "new"
