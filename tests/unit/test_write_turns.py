"""A process's write transactions on PostgreSQL take turns: a few at once, nested ones free."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy.exc import TimeoutError as PoolTimeout

from core.write_turns import WriteTurns


def test_no_more_than_the_limit_write_at_once() -> None:
    turns = WriteTurns(3, wait_seconds=10)
    inside, most = 0, 0
    lock = threading.Lock()

    def write() -> None:
        nonlocal inside, most
        with turns.turn():
            with lock:
                inside += 1
                most = max(most, inside)
            time.sleep(0.05)
            with lock:
                inside -= 1

    threads = [threading.Thread(target=write) for _ in range(9)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert most == 3
    assert inside == 0


def test_a_write_inside_another_takes_no_second_turn() -> None:
    turns = WriteTurns(1, wait_seconds=0.2)
    with turns.turn(), turns.turn(), turns.turn():
        pass
    # Every turn was given back: another thread gets one at once.
    got: list[bool] = []
    thread = threading.Thread(target=lambda: got.append(turns._take()))
    thread.start()
    thread.join(2)
    assert got == [True]


def test_a_writer_that_waited_in_vain_gets_the_pools_timeout() -> None:
    turns = WriteTurns(1, wait_seconds=0.1)
    held = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with turns.turn():
            held.set()
            release.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert held.wait(5)
        started = time.monotonic()
        with pytest.raises(PoolTimeout, match="1 write transactions"), turns.turn():
            pass
        assert time.monotonic() - started >= 0.1
    finally:
        release.set()
        holder.join(5)
    with turns.turn():  # the holder's turn came back
        pass


def test_at_least_one_writer() -> None:
    with pytest.raises(ValueError, match="at least one writer"):
        WriteTurns(0, wait_seconds=1)


def test_turns_go_to_writers_in_the_order_they_came() -> None:
    """A writer that gives its turn back and asks again queues behind those already waiting."""
    turns = WriteTurns(1, wait_seconds=10)
    order: list[str] = []
    first_in = threading.Event()
    queued = threading.Event()

    def first() -> None:
        with turns.turn():
            first_in.set()
            queued.wait(5)
        # Straight back for another turn: the waiters came before it.
        with turns.turn():
            order.append("first again")

    def waiter(name: str) -> None:
        with turns.turn():
            order.append(name)

    runner = threading.Thread(target=first)
    runner.start()
    assert first_in.wait(5)
    waiters = []
    for name in ("second", "third"):
        waiters.append(threading.Thread(target=waiter, args=(name,)))
        waiters[-1].start()
        while len(turns._waiting) < len(waiters):  # queued in this order
            time.sleep(0.001)
    queued.set()
    for thread in (runner, *waiters):
        thread.join(5)
    assert order == ["second", "third", "first again"]
