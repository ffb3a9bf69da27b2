"""What the oracle is handed (`core/simulation/oracle.py`): which services form a visitor's
part of the mall, and the true state of that part at the moment asked, in plain values that
cross to the processes that play it (`core/simulation/oracle_plays.py`)."""

from __future__ import annotations

from dataclasses import dataclass

from core.simulation.scenario import Scenario


def components(scenario: Scenario) -> dict[str, frozenset[str]]:
    """Services linked by shared counters or transfers: the part of the mall whose queues
    decide a visitor's wait."""
    parent = {code: code for code in scenario.file.services}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def join(a: str, b: str) -> None:
        parent[find(a)] = find(b)

    for counter in scenario.file.counters:
        for code in counter.services[1:]:
            join(counter.services[0], code)
    for code, day in scenario.file.services.items():
        for target in day.transfers:
            join(code, target)
    groups: dict[str, set[str]] = {}
    for code in parent:
        groups.setdefault(find(code), set()).add(code)
    return {code: frozenset(groups[find(code)]) for code in parent}


@dataclass(frozen=True)
class AtCounter:
    """A counter of the visitor's group at the moment asked: its priority streak and the
    visitor it is busy with, if any (their service, called, started, a no-show pending)."""

    number: int
    streak: int
    service: str | None = None
    called: float | None = None
    started: float | None = None
    no_show: bool = False


@dataclass(frozen=True)
class Snapshot:
    """The true state when a visitor takes a ticket: all the oracle needs, in plain values.

    `waiting`: (place in the call order (the arrival; a checked-in booking's slot start),
    service, priority, will not show up, transfer after service, not called yet, checked-in
    booking) of every visitor waiting in the group's services, the one asked about
    included. The two outcomes are the day's true draws: a player that does not know
    outcomes draws them again for every visitor not called yet.

    `bookings`: (slot start, service, will not show up, transfer after service) of the
    group's bookings not checked in yet; `booked_today`: (service, bookings made for the day),
    which the arrivals of the service's rate include."""

    index: int
    service: str
    now: float
    waiting: tuple[tuple[float, str, bool, bool, str | None, bool, bool], ...]
    me: int  # the position in `waiting` of the visitor asked about
    counters: tuple[AtCounter, ...]
    bookings: tuple[tuple[float, str, bool, str | None], ...] = ()
    booked_today: tuple[tuple[str, int], ...] = ()
