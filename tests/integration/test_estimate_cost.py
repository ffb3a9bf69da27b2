"""The wait estimate's cost does not grow with the queue where it matters.

Playing a long queue forward costs time in proportion to the people in it, so from
`REUSE_WAITING` visitors on, one play answers for `REUSE_SECONDS` and newcomers are placed
behind it; below it, every change gets a fresh play. Here the threshold is lowered so a few
tickets make a "long" queue, and the reused answers are checked against a fresh play.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import event, insert

from core import estimate_cache as estimate
from core.bookings_desk import BookingDesk
from core.forecast import Span
from core.handlers import QueueService
from core.store import tickets
from core.usecases.quota import set_day_quota
from tests.conftest import ADMIN, KIOSK, FakeClock, officer
from tests.integration.pg import insert_booking, past_visit

NINE = 9 * 60  # the fixture's clock: 09:00 local


@pytest.fixture
def plays(queue: QueueService, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Each play of the estimator, as the connection it read from."""
    estimator = queue.ctx.estimator
    estimator.plan = lambda day: {1: [Span(NINE - 60, NINE + 480)]}
    monkeypatch.setattr(estimate, "REUSE_WAITING", 3)
    seen: list[Any] = []
    play = estimator._play

    def counted(conn: Any, *args: Any) -> Any:
        seen.append(conn)
        return play(conn, *args)

    monkeypatch.setattr(estimator, "_play", counted)
    return seen


def test_a_long_queue_is_played_once_and_newcomers_are_placed_behind_it(
    queue: QueueService, clock: FakeClock, plays: list[Any]
) -> None:
    queue.open_counter(1, officer(1))
    queue.issue_ticket("KTP", None, KIOSK)
    queue.call_next(1, officer(1))  # at the counter: 6 minutes by default
    first = [queue.issue_ticket("KTP", None, KIOSK) for _ in range(3)]
    before = len(plays)
    newcomers = [queue.issue_ticket("KTP", None, KIOSK) for _ in range(3)]
    priority = queue.issue_ticket("KTP", "lansia", KIOSK)
    assert len(plays) == before  # four answers, no play: the queue's play is reused

    reused = [t["eta_minutes"] for t in newcomers]
    assert reused == [24, 30, 36]  # 3 ahead of the first newcomer, 6 minutes each, + 6 busy
    assert priority["eta_minutes"] == 6  # next, once the counter is free

    clock.advance(seconds=estimate.REUSE_SECONDS + 1)  # now the play is old: played afresh
    fresh = [queue.ticket_status(t["id"])["eta_minutes"] for t in newcomers]
    assert len(plays) == before + 1
    # The same answers, but that the priority visitor, now really ahead, moves everyone 6
    # minutes, and their rate (one in the last hour) plays another in at 09:30.
    assert fresh == [30, 42, 48]
    assert queue.ticket_status(priority["id"])["eta_minutes"] == 6
    assert queue.ticket_status(first[1]["id"])["eta_minutes"] == 18


def test_a_newcomer_to_a_long_queue_is_answered_without_reading_again(
    queue: QueueService, plays: list[Any]
) -> None:
    """The play in hand places a newcomer from the ticket as written: no read transaction
    of its own after the ticket's (on PostgreSQL that was half a kiosk ticket's round trips)."""
    queue.open_counter(1, officer(1))
    queue.issue_ticket("KTP", None, KIOSK)
    queue.call_next(1, officer(1))
    [queue.issue_ticket("KTP", None, KIOSK) for _ in range(3)]
    reads: list[Any] = []

    def count_read(conn: Any) -> None:
        if conn.get_execution_options().get("sqlite_begin") is None:
            reads.append(conn)

    event.listen(queue.uow.engine, "begin", count_read)
    try:
        newcomers = [queue.issue_ticket("KTP", None, KIOSK) for _ in range(3)]
    finally:
        event.remove(queue.uow.engine, "begin", count_read)

    assert reads == []
    assert [t["eta_minutes"] for t in newcomers] == [24, 30, 36]  # as read from the database
    assert [queue.ticket_status(t["id"])["eta_minutes"] for t in newcomers] == [24, 30, 36]


def test_a_short_queue_is_played_afresh_after_every_change(
    queue: QueueService, plays: list[Any]
) -> None:
    queue.open_counter(1, officer(1))
    queue.issue_ticket("KTP", None, KIOSK)
    before = len(plays)
    second = queue.issue_ticket("KTP", None, KIOSK)
    assert len(plays) == before + 1 and second["eta_minutes"] == 6


def test_snapshots_of_one_state_share_a_play_for_a_few_seconds(
    queue: QueueService, clock: FakeClock, plays: list[Any]
) -> None:
    """Every display's snapshot estimates every service: 600 displays reconnecting after a
    restart played them all 600 times. One state's play answers for a few seconds, its waits
    counting down with the clock."""
    queue.open_counter(1, officer(1))
    waiting = queue.issue_ticket("KTP", None, KIOSK)
    first = queue.ticket_status(waiting["id"])["eta_minutes"]
    queue.snapshot()  # every part of the mall played once
    before = len(plays)
    clock.advance(seconds=estimate.SAME_STATE_SECONDS - 1)
    for _ in range(3):
        queue.snapshot()
    assert queue.ticket_status(waiting["id"])["eta_minutes"] == first
    assert len(plays) == before
    clock.advance(seconds=2)
    queue.snapshot()
    assert len(plays) > before  # older than that: played again
    issued = queue.issue_ticket("KTP", None, KIOSK)  # a change: played at once
    assert issued["eta_minutes"] == first + 6


def test_a_counter_opening_plays_the_queue_afresh(queue: QueueService, plays: list[Any]) -> None:
    queue.ctx.estimator.plan = lambda day: {n: [Span(NINE - 60, NINE + 480)] for n in (1, 2)}
    queue.open_counter(1, officer(1))
    tickets = [queue.issue_ticket("KTP", None, KIOSK) for _ in range(5)]
    assert queue.ticket_status(tickets[4]["id"])["eta_minutes"] == 24
    queue.open_counter(2, officer(2))
    before = len(plays)
    assert queue.ticket_status(tickets[4]["id"])["eta_minutes"] == 12  # two counters now
    assert len(plays) == before + 1


def test_the_estimate_is_read_after_the_ticket_is_written(
    queue: QueueService, plays: list[Any]
) -> None:
    """A play of a long queue must not hold the write lock every other change waits for."""
    queue.open_counter(1, officer(1))
    for _ in range(3):
        assert queue.issue_ticket("KTP", None, KIOSK)["eta_minutes"] is not None
    assert plays
    assert all(conn.get_execution_options().get("sqlite_begin") is None for conn in plays)


def test_while_a_long_queue_is_played_again_the_last_play_answers(
    queue: QueueService, clock: FakeClock, plays: list[Any]
) -> None:
    """Kiosks that find the play old at the same moment do not all play the queue again."""
    queue.open_counter(1, officer(1))
    tickets = [queue.issue_ticket("KTP", None, KIOSK) for _ in range(4)]
    clock.advance(seconds=estimate.REUSE_SECONDS + 60)  # the play is old, by a minute
    estimator = queue.ctx.estimator
    group = next(g for g in estimator._playing if "KTP" in g)
    before = len(plays)
    with estimator._playing[group]:  # another request is playing it now
        meanwhile = queue.ticket_status(tickets[3]["id"])["eta_minutes"]
        newcomer = queue.issue_ticket("KTP", None, KIOSK)["eta_minutes"]
    assert len(plays) == before
    assert (meanwhile, newcomer) == (17, 23)  # 18 and 24 when played, a minute ago
    assert queue.ticket_status(tickets[3]["id"])["eta_minutes"] == 18
    assert len(plays) == before + 1


def test_a_checked_in_booking_gets_a_play_of_its_own_not_a_newcomers_place(
    queue: QueueService, clock: FakeClock, plays: list[Any]
) -> None:
    """Newcomers are placed behind a reused play; a booking checked in is not a newcomer
    (its slot puts it ahead of the walk-ins), so it is played, even while the play is new."""
    desk = BookingDesk(queue.ctx, "a server secret")
    queue.open_counter(1, officer(1))
    queue.issue_ticket("KTP", None, KIOSK)
    queue.call_next(1, officer(1))  # at the counter: 6 minutes by default
    newcomers = [queue.issue_ticket("KTP", None, KIOSK) for _ in range(4)]
    assert newcomers[-1]["eta_minutes"] == 24  # behind the play: 3 ahead, + 6 busy
    local = clock.now.astimezone(queue.settings.mall.tz)
    for code, slot in (("NWSPT234", local), ("ERPY2345", local + timedelta(minutes=15))):
        with queue.uow.writing() as conn:
            insert_booking(conn, queue, code, slot)
    before = len(plays)
    now, _ = desk.check_in("NWSPT234", KIOSK)
    assert len(plays) == before + 1
    assert now["eta_minutes"] == 6  # next, once the counter is free (a newcomer: 30)
    assert now["ahead"] == 0
    early, _ = desk.check_in("ERPY2345", KIOSK)
    # Among the walk-ins until 09:15, then ahead of them: the first booking at 6, one
    # walk-in at 12, then this one at 18 (a newcomer: 36).
    assert early["eta_minutes"] == 18


def test_no_priority_visitor_is_expected_once_the_service_stops_issuing(
    queue: QueueService, clock: FakeClock, plays: list[Any]
) -> None:
    """Priority visitors still to come are played in at today's rate only while the
    service can still issue them a ticket: its quota used up, nobody more comes."""
    queue.open_counter(1, officer(1))
    queue.issue_ticket("KTP", "lansia", KIOSK)  # one priority visitor in the last hour
    queue.call_next(1, officer(1))
    waiting = [queue.issue_ticket("KTP", None, KIOSK) for _ in range(6)]
    clock.advance(seconds=estimate.REUSE_SECONDS + 1)
    expecting = queue.ticket_status(waiting[-1]["id"])["eta_minutes"]
    set_day_quota(queue.ctx, "KTP", 7, ADMIN)  # all seven numbers of the day are out
    clock.advance(seconds=estimate.REUSE_SECONDS + 1)
    full = queue.ticket_status(waiting[-1]["id"])["eta_minutes"]
    # 6 busy + 5 ahead × 6: 36; the priority visitor expected at 09:30 came on top.
    assert (expecting, full) == (42, 36)


def test_priority_visitors_to_come_follow_the_shape_of_recent_days(
    queue: QueueService, clock: FakeClock
) -> None:
    """Recent days say when a service's visitors come: yesterday KTP had 60 in the 9
    o'clock hour, 10 of them priority, 30 in the 10 o'clock hour and none after. At 09:00
    the estimate expects about 10 and 5 priority visitors in those hours, none later (the
    last hour's rate, held to the closing, expected them all afternoon)."""
    yesterday = queue.today() - timedelta(days=1)
    arrivals = [time(9, i) for i in range(60)] + [time(10, 2 * i) for i in range(30)]
    _write_visits(queue, yesterday, arrivals, every_priority=6)
    estimator = queue.ctx.estimator
    with queue.uow.reading() as conn:
        expected = estimator.inflow.priority_times(conn, "KTP", queue.today(), NINE, 16 * 60, 0)
    by_hour = [sum(1 for t in expected if h * 60 <= t < h * 60 + 60) for h in (9, 10, 11)]
    assert by_hour == [10, 5, 0]
    # Until the service stops issuing: none expected after 09:30 when it closes then.
    with queue.uow.reading() as conn:
        early = estimator.inflow.priority_times(conn, "KTP", queue.today(), NINE, NINE + 30, 0)
    assert len(early) == 5 and max(early) < NINE + 30


def test_an_hour_of_recent_days_is_averaged_over_the_days_open_then(
    queue: QueueService, clock: FakeClock
) -> None:
    """KTP closes at 11:30 on Saturdays: last Monday's 12 visitors in the 13 o'clock hour
    are that hour's day, not half of one because Saturday had none then."""
    monday, saturday = queue.today() - timedelta(days=1), queue.today() - timedelta(days=3)
    assert (monday.weekday(), saturday.weekday()) == (0, 5)
    morning = [time(9, 2 * i) for i in range(30)]
    _write_visits(queue, monday, morning + [time(13, 5 * i) for i in range(12)], every_priority=6)
    _write_visits(queue, saturday, morning, every_priority=6)
    with queue.uow.reading() as conn:
        expected = queue.ctx.estimator.inflow.priority_times(
            conn, "KTP", queue.today(), NINE, 16 * 60, 0
        )
    by_hour = [sum(1 for t in expected if h * 60 <= t < h * 60 + 60) for h in (9, 12, 13)]
    assert by_hour == [5, 0, 2]  # a sixth of 30 and of 12


def _write_visits(
    queue: QueueService, day: date, arrivals: list[time], every_priority: int
) -> None:
    """A past day's KTP visitors, done, one in `every_priority` of them priority."""
    tz = queue.settings.mall.tz
    rows = [
        past_visit(
            queue.mall,
            day,
            i + 1,
            datetime.combine(day, clock_time, tz).astimezone(UTC),
            priority="lansia" if i % every_priority == 0 else None,
        )
        for i, clock_time in enumerate(arrivals)
    ]
    with queue.uow.writing() as conn:
        conn.execute(insert(tickets), rows)


def test_the_alert_round_takes_the_estimates_of_a_recent_play(
    queue: QueueService, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every process evaluates the alerts every few seconds while the hall moves; their
    estimates come from a play made since the last round, not from a play of every part of
    the mall each time."""
    from core.usecases.alerting import EVALUATE_SECONDS, AlertMonitor

    estimator = queue.ctx.estimator
    estimator.plan = lambda day: {n: [Span(NINE - 60, NINE + 480)] for n in range(1, 30)}
    played: list[frozenset[str]] = []
    play = estimator._play

    def counted(conn: Any, group: frozenset[str], *args: Any) -> Any:
        played.append(group)
        return play(conn, group, *args)

    monkeypatch.setattr(estimator, "_play", counted)
    monitor = AlertMonitor(queue.ctx)
    queue.open_counter(1, officer(1))
    monitor.run_once()  # the first round plays every part of the mall
    first = len(played)
    assert first > 1
    for _ in range(3):
        queue.issue_ticket("KTP", None, KIOSK)  # the version moves; KTP's part is played
    played.clear()
    clock.advance(seconds=2)
    monitor.run_once()
    assert played == []
    clock.advance(seconds=EVALUATE_SECONDS)
    monitor.run_once()
    assert len(played) == first
