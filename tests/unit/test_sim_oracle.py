"""The oracle's fast plays follow the call order `core/forecast.py` plays, and repeat with
their seed."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from core.forecast import Desk, Span, Visitor, play
from core.simulation.oracle import AtCounter, Player, Snapshot
from core.simulation.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
FIXED = """
name: oracle test
sources: [made up for a test]
config: {config}
date: 2026-12-07
oracle: {{replications: 6, knows_outcomes: true}}
services:
  KTP:
    hours: "07:30-14:00"
    arrivals_per_hour: {{}}
    service_minutes: {{distribution: fixed, mean: 5}}
    no_show: 0.1
  KK:
    hours: "07:30-14:00"
    arrivals_per_hour: {{}}
    service_minutes: {{distribution: fixed, mean: 4}}
counters:
  - {{number: 1, services: [KTP], hours: "08:00-10:00", breaks: ["08:40-08:55"]}}
  - {{number: 2, services: [KTP, KK], hours: "08:00-10:00"}}
  - {{number: 3, services: [KK], hours: "08:00-09:15"}}
"""
NOW = 8 * 60 + 10.0
# (place in the call order, service, priority, will not show up, transfer, not called yet,
# checked-in booking): a mix of priority, bookings, no-shows and a shared counter; fixed
# service times, no arrivals to come and an oracle that knows who will not show up make
# every play alike.
WAITING = (
    (470.0, "KTP", False, False, None, True, False),
    (471.0, "KK", False, False, None, True, False),
    (472.5, "KTP", True, False, None, True, False),
    (474.0, "KTP", False, True, None, True, False),
    (475.0, "KK", True, False, None, True, False),
    (477.0, "KTP", False, False, None, True, False),
    (478.0, "KK", False, False, None, True, False),
    (479.5, "KTP", True, False, None, True, False),
    (481.0, "KTP", False, False, None, True, False),
    (483.0, "KK", False, True, None, True, False),
    (485.0, "KTP", False, False, None, True, False),
    (486.0, "KK", False, False, None, True, False),
    (488.0, "KTP", False, False, None, True, False),
    (489.0, "KTP", True, False, None, True, False),
    (476.0, "KTP", False, False, None, True, True),  # a booking whose slot began at 07:56
    (480.0, "KK", False, False, None, True, True),
    (495.0, "KTP", False, False, None, True, True),  # checked in before its 08:15 slot
)
COUNTERS = (
    AtCounter(1, 0, "KTP", called=486.5, started=487.0),  # 2 min of its 5 left
    AtCounter(2, 1),  # free, one priority call in a row behind it
    AtCounter(3, 0, "KK", called=489.0, no_show=True),  # gives up on a no-show at 491
)


def fixed_desks() -> list[Desk]:
    """The counters of COUNTERS as the forecast plays them (next free, streak, spans)."""
    return [
        Desk(1, ("KTP",), NOW + 2.0, 0, [Span(480, 520), Span(535, 600)]),
        Desk(2, ("KTP", "KK"), NOW, 1, [Span(480, 600)]),
        Desk(3, ("KK",), NOW + 1.0, 0, [Span(480, 555)]),
    ]


def waiting_people() -> list[Visitor]:
    """WAITING as the forecast's visitors, keyed by their index."""
    return [
        Visitor((arrive, i), str(i), code, priority, booked=booked)
        for i, (arrive, code, priority, *_, booked) in enumerate(WAITING)
    ]


def test_fixed_times_give_the_forecasts_call_times(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(FIXED.format(config=ROOT / "config.yaml"))
    scenario = load_scenario(path)
    player = Player(scenario, seed=3)
    desks = fixed_desks()
    people = waiting_people()
    minutes = {"KTP": 5.0, "KK": 4.0}

    def occupancy(v: Visitor, desk: Desk, t: float) -> float:
        return 2.0 if WAITING[int(v.key)][3] else 0.5 + minutes[v.service]

    rules = scenario.settings.calling
    called = play(
        NOW, desks, people, occupancy, rules.priority_ratio, booking_ratio=rules.booking_ratio
    )
    assert len(called) == len(WAITING)
    for me in range(len(WAITING)):
        snap = Snapshot(me, WAITING[me][1], NOW, WAITING, me, COUNTERS)
        median, low, high = player.answer(snap)
        assert median == low == high == pytest.approx(called[str(me)] - NOW)


def test_the_same_seed_gives_the_same_answers() -> None:
    scenario = load_scenario(ROOT / "scenarios" / "hari-sibuk.yaml")
    waiting = tuple(
        (
            400.0 + i,
            code,
            i % 9 == 0,
            i % 13 == 0,
            "KTP" if code == "KK" and i % 7 == 0 else None,
            True,
            i % 17 == 0,
        )
        for i, code in zip(range(120), itertools.cycle(["KTP", "KK", "AKTA", "KTP", "IKD"]))
    )
    counters = tuple(AtCounter(c.number, 0) for c in scenario.settings.counters if c.number <= 14)
    snap = Snapshot(7, waiting[100][1], 8 * 60 + 30.0, waiting, 100, counters)
    first = Player(scenario, seed=4).answer(snap)
    assert first == Player(scenario, seed=4).answer(snap)
    assert first != Player(scenario, seed=5).answer(snap)
    median, low, high = first
    assert median is not None and low is not None and high is not None
    assert 0 <= low <= median <= high


def test_the_oracle_draws_the_outcomes_still_to_come_unless_told_it_knows_them(
    tmp_path: Path,
) -> None:
    """Whether a waiting visitor will not show up is a draw still to come: the oracle of the
    goal does not read it from the day (it would be better than any estimate could be)."""
    path = tmp_path / "s.yaml"
    text = FIXED.format(config=ROOT / "config.yaml")
    path.write_text(text.replace("knows_outcomes: true", "knows_outcomes: false"))
    drawing = Player(load_scenario(path), seed=3)
    path.write_text(text)
    knowing = Player(load_scenario(path), seed=3)
    me = 12
    nobody_leaves = tuple((a, c, p, False, t, f, b) for a, c, p, _, t, f, b in WAITING)
    snap = Snapshot(me, WAITING[me][1], NOW, WAITING, me, COUNTERS)
    honest = Snapshot(me, WAITING[me][1], NOW, nobody_leaves, me, COUNTERS)
    # Told that two visitors ahead will not show up, the knowing oracle is sure of less.
    assert knowing.answer(snap) != knowing.answer(honest)
    assert knowing.answer(snap)[0] < knowing.answer(honest)[0]
    # The drawing one gives the same answer whatever the day drew for them...
    assert drawing.answer(snap) == drawing.answer(honest)
    # ...and with a no-show share of 0.1 among KTP visitors ahead, its plays differ.
    median, low, high = drawing.answer(honest)
    assert low is not None and high is not None and low < high
    # A visitor already called once (back from a hold) keeps what is known about them.
    called_before = tuple(
        (a, c, p, n, t, i != 3, b) for i, (a, c, p, n, t, _, b) in enumerate(WAITING)
    )
    told = Snapshot(me, WAITING[me][1], NOW, called_before, me, COUNTERS)
    assert drawing.answer(told) != drawing.answer(honest)


def test_bookings_still_to_come_are_called_at_their_slot_as_the_forecast_plays_them(
    tmp_path: Path,
) -> None:
    """The day's bookings are known before it starts, to the estimate and so to the oracle:
    one that has not checked in yet comes at its slot's start into the booked queue (ahead
    of the walk-ins within the booking ratio), not among the walk-ins at the back."""
    path = tmp_path / "s.yaml"
    path.write_text(FIXED.format(config=ROOT / "config.yaml"))
    player = Player(load_scenario(path), seed=3)
    to_come = ((500.0, "KTP", False, None), (503.0, "KTP", False, None), (530.0, "KK", False, None))
    desks = fixed_desks()
    people = waiting_people() + [
        Visitor((start, 2**60 + k), f"booking:{k}", code, False, start, booked=True)
        for k, (start, code, *_) in enumerate(to_come)
    ]
    minutes = {"KTP": 5.0, "KK": 4.0}

    def occupancy(v: Visitor, desk: Desk, t: float) -> float:
        no_show = not v.key.startswith("booking:") and WAITING[int(v.key)][3]
        return 2.0 if no_show else 0.5 + minutes[v.service]

    rules = player.booking_ratio, player.ratio
    called = play(NOW, desks, people, occupancy, rules[1], booking_ratio=rules[0])
    without = {}
    for me in range(len(WAITING)):
        snap = Snapshot(me, WAITING[me][1], NOW, WAITING, me, COUNTERS, to_come, (("KTP", 2),))
        median, low, high = player.answer(snap)
        assert median == low == high == pytest.approx(called[str(me)] - NOW)
        without[me] = player.answer(Snapshot(me, WAITING[me][1], NOW, WAITING, me, COUNTERS))[0]
    # The bookings to come put some of the walk-ins later than they would be without them.
    assert any(called[str(me)] - NOW > without[me] + 1 for me in range(len(WAITING)))


def test_the_walk_ins_to_come_are_thinned_by_the_days_bookings() -> None:
    """A service's arrival rate counts its booked visitors too: those the oracle plays at
    their slots are taken out of the walk-ins (and priority visitors) still to come."""
    scenario = load_scenario(ROOT / "scenarios" / "hari-sibuk.yaml")
    player = Player(scenario, seed=4)
    expected = player.services["KTP"].expected_arrivals
    # (Within the service's hours: those who come before tickets are issued are refused.)
    assert 0 < expected <= sum(scenario.file.services["KTP"].arrivals_per_hour.values())
    waiting = tuple((480.0 + i, "KTP", False, False, None, True, False) for i in range(40))
    counters = tuple(AtCounter(c.number, 0) for c in scenario.settings.counters if c.number <= 14)

    def median(made: int) -> float:
        snap = Snapshot(39, "KTP", 8 * 60 + 30.0, waiting, 39, counters, (), (("KTP", made),))
        answer = player.answer(snap)[0]
        assert answer is not None
        return answer

    # Every KTP visitor still to come booked (and so played apart): no priority visitor
    # arrives to go ahead of the last one waiting; with none booked, some do.
    assert median(round(expected)) < median(0)
