"""A play of one part of the mall's queue, kept to answer for a while.

Playing a queue forward (`core/estimate.py`) costs time in proportion to the people waiting
in that part of the mall: a third of a second at 20,000, and still 5-10 ms for a short queue,
which a display's snapshot pays for each of its services. Below REUSE_WAITING, every change
gets a fresh play, and a play answers for its own state (its version) for SAME_STATE_SECONDS;
from REUSE_WAITING on, a play answers every question for REUSE_SECONDS, and visitors who
joined since are placed behind it (`Forecast.extrapolated`): the cost no longer grows with
the queue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.tickets import Ticket

REUSE_WAITING = 300
REUSE_SECONDS = 10.0
# Nothing changed but the clock: the play's answers, less the minutes passed, hold for this
# long. Without it every snapshot played every service again; 600 displays reconnecting
# after a restart took a process's database connections for tens of seconds.
SAME_STATE_SECONDS = 5.0


@dataclass
class Forecast:
    version: int
    at: datetime
    results: dict[str, tuple[float, float] | None]  # id: (minutes from then, spread) or None
    waiting: int = 0  # visitors of the group played
    last_sequence: dict[str, int] = field(default_factory=dict)  # per service, of those played
    step: dict[str, float] = field(default_factory=dict)  # per service: minutes one more adds

    @property
    def long(self) -> bool:
        """Long enough a queue that playing it on every change would cost too much."""
        return self.waiting >= REUSE_WAITING

    def usable(self, version: int, now: datetime) -> bool:
        """Whether this play answers for the state at `version` and `now`: its own state a
        few seconds on, or, for a long queue, closely enough for a while."""
        age = (now - self.at).total_seconds()
        if version == self.version and 0 <= age < SAME_STATE_SECONDS:
            return True
        return self.long and 0 <= age < REUSE_SECONDS

    def answers_for_new(self, version: int, now: datetime) -> bool:
        """Whether this play answers for a ticket issued at `version` without reading the
        database: a play of that state or a later one, or a long queue's recent play."""
        age = (now - self.at).total_seconds()
        if self.version >= version and 0 <= age < SAME_STATE_SECONDS:
            return True
        return self.long and 0 <= age < REUSE_SECONDS

    def result(
        self, key: str, now: datetime, ticket: Ticket | None, service: str
    ) -> tuple[float, float] | None | bool:
        """(minutes from `now`, spread), None (not today), or False: not in this play."""
        elapsed = (now - self.at).total_seconds() / 60
        if key in self.results:
            found = self.results[key]
        elif ticket is not None and ticket.channel != "booking":
            found = self.extrapolated(ticket)
        else:
            return False
        if found is None:
            return None
        wait, spread = found
        return max(0.0, wait - elapsed), spread

    def extrapolated(self, ticket: Ticket) -> tuple[float, float] | None:
        """A visitor who took a ticket after this play: where a newcomer of their service and
        class would be called, later by the ones of the service who came between. (Not a
        checked-in booking: its slot puts it ahead of the walk-ins, wherever a newcomer
        would be; the few of them get a play of their own.)"""
        base = self.results.get(f"{'newp' if ticket.priority else 'new'}:{ticket.service}")
        if base is None:
            return None
        between = 0
        if ticket.priority is None:  # priority visitors who came between are few: ignored
            between = max(0, ticket.sequence - self.last_sequence.get(ticket.service, 0) - 1)
        wait, spread = base
        return wait + between * self.step.get(ticket.service, 0.0), spread
