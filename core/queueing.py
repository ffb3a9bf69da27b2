"""Which waiting ticket a counter calls next (pure Python).

Priority visitors (lansia, disabilitas, ibu hamil) go first, but a counter calls at most
`priority_ratio` priority tickets in a row while a normal visitor waits, so nobody is starved.
Within each group the oldest arrival wins, across all services the counter serves.
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

    @property
    def order_key(self) -> tuple[datetime, int]:
        return (self.arrived_at, self.seq)


def choose_next(
    oldest_priority: Candidate | None,
    oldest_normal: Candidate | None,
    priority_streak: int,
    priority_ratio: int,
) -> Candidate | None:
    """Pick between the oldest priority and the oldest normal waiting ticket.

    `priority_streak` counts the priority tickets this counter called in a row just before.
    """
    if oldest_priority is None:
        return oldest_normal
    if oldest_normal is None:
        return oldest_priority
    if priority_streak >= priority_ratio:
        return oldest_normal
    return oldest_priority


def next_streak(previous_streak: int, called: Candidate) -> int:
    """The counter's priority streak after calling `called`."""
    return previous_streak + 1 if called.is_priority else 0


def call_order(
    priority: Sequence[T], normal: Sequence[T], priority_streak: int, priority_ratio: int
) -> list[T]:
    """Every waiting ticket in the order one counter would call them if nobody new came:
    `priority` and `normal` each oldest first, merged by the same rule as `choose_next`."""
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
