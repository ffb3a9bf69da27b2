"""The call order with booked visitors, as properties: priority first, then booked visitors
whose slot has begun, then walk-ins, each class under its ratio so nobody starves; the
list order equals what `choose_next` calls one by one, and `people_ahead_of` agrees with it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from core.queueing import (
    Candidate,
    call_order,
    choose_next,
    next_booked_streak,
    next_streak,
    people_ahead_of,
)

T0 = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
KINDS = ("priority", "booked", "normal")


def make(kind: str, i: int) -> Candidate:
    return Candidate(
        f"{kind[0]}{i}", T0 + timedelta(minutes=i), i, kind == "priority", kind == "booked"
    )


def kind_of(c: Candidate) -> str:
    return "priority" if c.is_priority else "booked" if c.is_booked else "normal"


def replay(
    queues: dict[str, list[Candidate]], streaks: tuple[int, int], ratios: tuple[int, int]
) -> list[Candidate]:
    """One counter calling everyone with `choose_next`, as call-next does."""
    queues = {k: list(v) for k, v in queues.items()}
    p_streak, b_streak = streaks
    called = []
    while any(queues.values()):
        chosen = choose_next(
            queues["priority"][0] if queues["priority"] else None,
            queues["normal"][0] if queues["normal"] else None,
            p_streak,
            ratios[0],
            oldest_booked=queues["booked"][0] if queues["booked"] else None,
            booked_streak=b_streak,
            booking_ratio=ratios[1],
        )
        assert chosen is not None
        queues[kind_of(chosen)].pop(0)
        p_streak, b_streak = next_streak(p_streak, chosen), next_booked_streak(b_streak, chosen)
        called.append(chosen)
    return called


counts = st.integers(0, 10)
streak_values = st.integers(0, 4)
ratio_values = st.integers(1, 4)


@settings(max_examples=300, deadline=None)
@given(counts, counts, counts, streak_values, streak_values, ratio_values, ratio_values)
def test_the_order_is_what_the_counter_calls_and_people_ahead_agree(
    p: int, b: int, n: int, ps: int, bs: int, pr: int, br: int
):
    queues = {"priority": [make("priority", i) for i in range(p)]}
    queues["booked"] = [make("booked", i) for i in range(b)]
    queues["normal"] = [make("normal", i) for i in range(n)]
    order = call_order(queues["priority"], queues["normal"], ps, pr, queues["booked"], bs, br)
    assert order == replay(queues, (ps, bs), (pr, br))
    waiting = {"priority": p, "booked": b, "normal": n}
    for place, ticket in enumerate(order):
        ahead = people_ahead_of(kind_of(ticket), ticket.seq, waiting, (ps, bs), (pr, br))
        assert ahead == place
    # Within each class, oldest first.
    for kind in KINDS:
        assert [c for c in order if kind_of(c) == kind] == queues[kind]


@settings(max_examples=200, deadline=None)
@given(counts, counts, counts, ratio_values, ratio_values)
def test_no_walk_in_starves_and_priority_stays_first(p: int, b: int, n: int, pr: int, br: int):
    queues = {
        "priority": [make("priority", i) for i in range(p)],
        "booked": [make("booked", i) for i in range(b)],
        "normal": [make("normal", i) for i in range(n)],
    }
    order = [kind_of(c) for c in replay(queues, (0, 0), (pr, br))]
    run = {"priority": 0, "booked": 0}
    non_priority_run = 0
    for i, kind in enumerate(order):
        later = order[i + 1 :]
        if kind == "priority":
            run["priority"] += 1
            # never more than the ratio in a row while someone else waits
            assert run["priority"] <= pr or not any(k != "priority" for k in later)
            continue
        run["priority"] = 0
        if kind == "booked":
            non_priority_run += 1
            assert non_priority_run <= br or "normal" not in later
        else:
            non_priority_run = 0
    # A priority visitor is never called after a walk-in who was not forced first.
    if p and (b or n):
        assert order[0] == "priority"


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 3), st.integers(1, 3), st.integers(0, 2**16))
def test_over_a_day_the_ratio_holds_with_arrivals_in_between(pr: int, br: int, seed: int):
    """A day of arrivals (every class keeps coming): while both wait, at most `br` booked
    calls in a row, and walk-ins get at least one call in every `br + 1` non-priority calls."""
    import random

    rng = random.Random(seed)
    queues: dict[str, list[Candidate]] = {k: [] for k in KINDS}
    p_streak = b_streak = 0
    serial = 0
    history: list[tuple[str, bool]] = []  # (kind called, a walk-in was waiting)
    for _ in range(400):  # a day at one busy counter
        for kind in KINDS:
            if rng.random() < 0.4:
                serial += 1
                queues[kind].append(make(kind, serial))
        walk_in_waiting = bool(queues["normal"])
        chosen = choose_next(
            queues["priority"][0] if queues["priority"] else None,
            queues["normal"][0] if queues["normal"] else None,
            p_streak,
            pr,
            oldest_booked=queues["booked"][0] if queues["booked"] else None,
            booked_streak=b_streak,
            booking_ratio=br,
        )
        if chosen is None:
            continue
        queues[kind_of(chosen)].remove(chosen)
        p_streak, b_streak = next_streak(p_streak, chosen), next_booked_streak(b_streak, chosen)
        history.append((kind_of(chosen), walk_in_waiting))
    booked_run = 0
    for kind, walk_in_waiting in history:
        if kind == "booked":
            booked_run = booked_run + 1 if walk_in_waiting else 0
            assert booked_run <= br
        elif kind == "normal":
            booked_run = 0
    assert sum(1 for k, _ in history if k == "normal") > 0
