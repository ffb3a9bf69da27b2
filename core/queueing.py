"""Which waiting ticket a counter calls next (pure Python).

Priority visitors (lansia, disabilitas, ibu hamil) go first, but a counter calls at most
`priority_ratio` priority tickets in a row while a normal visitor waits, so nobody is starved.
Within each group the oldest arrival wins, across all services the counter serves.

Booked visitors (a checked-in booking whose slot has begun) are a class of their own between
the two: among the visitors who are not priority, a counter calls at most `booking_ratio`
booked visitors in a row while a walk-in waits. The same rule, applied twice:

    next = fair(priority, fair(booked, walk-in, booked_streak, booking_ratio),
                priority_streak, priority_ratio)

A priority visitor who booked stays priority. A booked visitor who checked in before the
slot's start waits among the walk-ins, ordered at the slot's start, until the slot begins.
`booked_streak` counts the booked calls in a row among the counter's non-priority calls
(a priority call neither adds to it nor ends it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Candidate:
    """The head of one group of the queue, as the database sees it."""

    ticket_id: str
    arrived_at: datetime
    seq: int
    is_priority: bool
    is_booked: bool = False

    @property
    def order_key(self) -> tuple[datetime, int]:
        return (self.arrived_at, self.seq)


def choose_next(
    oldest_priority: T | None,
    oldest_normal: T | None,
    priority_streak: int,
    priority_ratio: int,
    oldest_booked: T | None = None,
    booked_streak: int = 0,
    booking_ratio: int = 1,
) -> T | None:
    """Pick between the oldest priority, the oldest booked (slot begun) and the oldest
    walk-in waiting ticket (`Candidate`s for the database's heads; the forecast passes its
    own visitors: only which of them is present matters).

    `priority_streak` counts the priority tickets this counter called in a row just before;
    `booked_streak` the booked ones in a row among its non-priority calls.
    """
    non_priority = _fair(oldest_booked, oldest_normal, booked_streak, booking_ratio)
    return _fair(oldest_priority, non_priority, priority_streak, priority_ratio)


def _fair(favoured: T | None, other: T | None, streak: int, ratio: int) -> T | None:
    """The favoured head, unless `ratio` of it were called in a row and `other` waits."""
    if favoured is None:
        return other
    if other is None or streak < ratio:
        return favoured
    return other


def next_streak(previous_streak: int, called: Candidate) -> int:
    """The counter's priority streak after calling `called`."""
    return previous_streak + 1 if called.is_priority else 0


def next_booked_streak(previous_streak: int, called: Candidate) -> int:
    """The counter's booked streak after calling `called` (a priority call keeps it)."""
    if called.is_priority:
        return previous_streak
    return previous_streak + 1 if called.is_booked else 0


def call_order(
    priority: Sequence[T],
    normal: Sequence[T],
    priority_streak: int,
    priority_ratio: int,
    booked: Sequence[T] = (),
    booked_streak: int = 0,
    booking_ratio: int = 1,
) -> list[T]:
    """Every waiting ticket in the order one counter would call them if nobody new came:
    `priority`, `booked` and `normal` each oldest first, merged by the rule of
    `choose_next`."""
    non_priority = _merge(booked, normal, booked_streak, booking_ratio)
    return _merge(priority, non_priority, priority_streak, priority_ratio)


def _merge(
    priority: Sequence[T], normal: Sequence[T], priority_streak: int, priority_ratio: int
) -> list[T]:
    """`priority` and `normal` merged: at most `priority_ratio` of the first in a row while
    the second has someone waiting."""
    order: list[T] = []
    p = n = 0
    streak = priority_streak
    while p < len(priority) or n < len(normal):
        take_priority = n >= len(normal) or (p < len(priority) and streak < priority_ratio)
        if take_priority:
            order.append(priority[p])
            p += 1
            streak += 1
        else:
            order.append(normal[n])
            n += 1
            streak = 0
    return order


def people_ahead_in_call_order(
    is_priority: bool,
    same_group_ahead: int,
    other_group_waiting: int,
    priority_streak: int,
    priority_ratio: int,
) -> int:
    """How many waiting tickets `call_order` puts before one ticket, counted, not listed.

    `same_group_ahead`: tickets of its own group (priority or normal) that arrived before it;
    `other_group_waiting`: every waiting ticket of the other group. The counter first calls
    `first_run` priority tickets (what is left of its streak), then one normal after every
    `priority_ratio` priority calls.
    """
    first_run = max(0, priority_ratio - priority_streak)
    if is_priority:
        j = same_group_ahead
        normals_before = 0 if j < first_run else 1 + (j - first_run) // max(1, priority_ratio)
        return j + min(other_group_waiting, normals_before)
    k = same_group_ahead
    return k + min(other_group_waiting, first_run + priority_ratio * k)


def people_ahead_of(
    kind: str,
    same_class_ahead: int,
    waiting: dict[str, int],
    streaks: tuple[int, int],
    ratios: tuple[int, int],
) -> int:
    """`people_ahead_in_call_order` for the three classes: `kind` is "priority", "booked" or
    "normal"; `waiting` counts every waiting ticket of each class; `streaks` and `ratios`
    are (priority, booked)."""
    (priority_streak, booked_streak), (priority_ratio, booking_ratio) = streaks, ratios
    if kind == "priority":
        others = waiting.get("booked", 0) + waiting.get("normal", 0)
        return people_ahead_in_call_order(
            True, same_class_ahead, others, priority_streak, priority_ratio
        )
    other = waiting.get("normal" if kind == "booked" else "booked", 0)
    in_stream = people_ahead_in_call_order(
        kind == "booked", same_class_ahead, other, booked_streak, booking_ratio
    )
    return people_ahead_in_call_order(
        False, in_stream, waiting.get("priority", 0), priority_streak, priority_ratio
    )
