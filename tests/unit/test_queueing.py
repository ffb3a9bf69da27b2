"""Call order: priority first, never starving normal visitors, oldest arrival wins."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.estimate import estimate_wait_minutes
from core.queueing import (
    Candidate,
    call_order,
    choose_next,
    next_streak,
    people_ahead_in_call_order,
)

T0 = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)


def candidate(name: str, minutes: int, seq: int, priority: bool = False) -> Candidate:
    return Candidate(name, T0 + timedelta(minutes=minutes), seq, priority)


class Queue:
    """A counter's view of its waiting visitors, replaying what the database query does."""

    def __init__(self, waiting: list[Candidate], ratio: int) -> None:
        self.waiting = list(waiting)
        self.ratio = ratio
        self.streak = 0

    def head(self, priority: bool) -> Candidate | None:
        group = [c for c in self.waiting if c.is_priority == priority]
        return min(group, key=lambda c: c.order_key, default=None)

    def call(self) -> Candidate | None:
        chosen = choose_next(self.head(True), self.head(False), self.streak, self.ratio)
        if chosen is not None:
            self.waiting.remove(chosen)
            self.streak = next_streak(self.streak, chosen)
        return chosen

    def call_all(self) -> list[str]:
        order = []
        while (chosen := self.call()) is not None:
            order.append(chosen.ticket_id)
        return order


def test_nobody_waiting_calls_nobody():
    assert choose_next(None, None, 0, 2) is None


def test_only_one_group_waiting_is_called_whatever_the_streak():
    normal = candidate("n1", 0, 1)
    priority = candidate("p1", 0, 2, priority=True)
    assert choose_next(None, normal, 5, 2) is normal
    assert choose_next(priority, None, 5, 2) is priority


def test_priority_goes_first_even_when_it_arrived_later():
    normal = candidate("n1", 0, 1)
    priority = candidate("p1", 30, 2, priority=True)
    assert choose_next(priority, normal, 0, 2) is priority


def test_after_ratio_priority_calls_in_a_row_a_normal_visitor_is_called():
    normal = candidate("n1", 0, 1)
    priority = candidate("p1", 1, 2, priority=True)
    assert choose_next(priority, normal, 1, 2) is priority
    assert choose_next(priority, normal, 2, 2) is normal
    assert choose_next(priority, normal, 3, 2) is normal


def test_streak_counts_priority_calls_and_resets_on_a_normal_call():
    assert next_streak(0, candidate("p", 0, 1, priority=True)) == 1
    assert next_streak(1, candidate("p", 0, 1, priority=True)) == 2
    assert next_streak(2, candidate("n", 0, 1)) == 0


@pytest.mark.parametrize("ratio", [1, 2, 3])
def test_a_stream_of_priority_visitors_never_starves_normal_visitors(ratio: int):
    normals = [candidate(f"n{i}", i, i) for i in range(1, 4)]
    priorities = [candidate(f"p{i}", 10 + i, 100 + i, priority=True) for i in range(1, 11)]
    order = Queue(normals + priorities, ratio).call_all()
    # Every normal visitor is called after at most `ratio` priority calls in a row.
    assert [order.index(n) for n in ("n1", "n2", "n3")] == [ratio, 2 * ratio + 1, 3 * ratio + 2]
    assert sorted(order) == sorted(c.ticket_id for c in normals + priorities)


def test_ratio_two_gives_the_documented_order():
    normals = [candidate(f"n{i}", i, i) for i in range(1, 4)]
    priorities = [candidate(f"p{i}", 10 + i, 100 + i, priority=True) for i in range(1, 6)]
    order = Queue(normals + priorities, ratio=2).call_all()
    assert order == ["p1", "p2", "n1", "p3", "p4", "n2", "p5", "n3"]


def test_oldest_arrival_wins_within_a_group_across_services():
    # A counter serving KTP and KIA: the query returns one head over both services.
    ktp = candidate("ktp-A002", 5, 10)
    kia = candidate("kia-D001", 3, 11)
    order = Queue([ktp, kia], ratio=2).call_all()
    assert order == ["kia-D001", "ktp-A002"]


def test_same_arrival_time_is_broken_by_issue_order():
    first = candidate("first", 0, 1)
    second = candidate("second", 0, 2)
    assert Queue([second, first], ratio=2).call_all() == ["first", "second"]


def test_a_transferred_visitor_keeps_their_place_in_time():
    # A003 arrived at 09:00 for KTP and was transferred to KK at 09:20; B001 and B002 took
    # KK tickets at 09:05 and 09:10. The transfer keeps 09:00, so A003 is called first of
    # those who arrived later, while earlier arrivals keep their turn.
    earlier = candidate("B000", -5, 1)
    transferred = candidate("A003", 0, 3)
    later = [candidate("B001", 5, 4), candidate("B002", 10, 5)]
    order = Queue([*later, transferred, earlier], ratio=2).call_all()
    assert order == ["B000", "A003", "B001", "B002"]


def test_wait_estimate_is_unknown_when_no_counter_is_open():
    assert estimate_wait_minutes(5, 6.0, 0) is None


def test_wait_estimate_shares_the_queue_between_open_counters():
    assert estimate_wait_minutes(0, 6.0, 2) == 0
    assert estimate_wait_minutes(4, 6.0, 2) == 12
    assert estimate_wait_minutes(1, 0.2, 3) == 1  # never promises "0" to someone waiting


@given(
    priority=st.integers(0, 12),
    normal=st.integers(0, 12),
    streak=st.integers(0, 5),
    ratio=st.integers(1, 4),
)
def test_the_call_order_is_what_choose_next_calls_one_by_one(
    priority: int, normal: int, streak: int, ratio: int
):
    waiting = [candidate(f"p{i}", i, i, True) for i in range(priority)]
    waiting += [candidate(f"n{i}", i, 100 + i, False) for i in range(normal)]
    called = []
    heads = {
        "p": [c for c in waiting if c.is_priority],
        "n": [c for c in waiting if not c.is_priority],
    }
    current = streak
    while heads["p"] or heads["n"]:
        chosen = choose_next(
            heads["p"][0] if heads["p"] else None,
            heads["n"][0] if heads["n"] else None,
            current,
            ratio,
        )
        assert chosen is not None
        heads["p" if chosen.is_priority else "n"].pop(0)
        current = next_streak(current, chosen)
        called.append(chosen.ticket_id)
    order = call_order(
        [c for c in waiting if c.is_priority],
        [c for c in waiting if not c.is_priority],
        streak,
        ratio,
    )
    assert [c.ticket_id for c in order] == called
    # Counting the people ahead of any one ticket agrees with its place in the list.
    for place, ticket in enumerate(order):
        same = int(ticket.ticket_id[1:])
        other = normal if ticket.is_priority else priority
        assert people_ahead_in_call_order(ticket.is_priority, same, other, streak, ratio) == place


def test_a_priority_visitor_behind_two_normal_visitors_has_nobody_ahead():
    assert people_ahead_in_call_order(True, 0, 2, 0, 2) == 0
    # ...and the normal visitors each have the priority visitor ahead of them.
    assert people_ahead_in_call_order(False, 0, 1, 0, 2) == 1
    assert people_ahead_in_call_order(False, 1, 1, 0, 2) == 2
    # A counter that just called two priority visitors calls a normal one next.
    assert people_ahead_in_call_order(True, 0, 2, 2, 2) == 1
