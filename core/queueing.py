"""Which waiting ticket a counter calls next (pure Python).

Priority visitors (lansia, disabilitas, ibu hamil) go first, but a counter calls at most
`priority_ratio` priority tickets in a row while a normal visitor waits, so nobody is starved.
Within each group the oldest arrival wins, across all services the counter serves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


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
