"""The wait estimate follows the staffing plan: breaks push a turn past them, the closing
ends the day, a busy counter is busy even with nobody ahead, and the range is given."""

from __future__ import annotations

from core.forecast import Span
from core.handlers import QueueService
from tests.conftest import KIOSK, FakeClock, officer

NINE = 9 * 60  # the fixture's clock: 09:00 local


def _three_waiting(queue: QueueService) -> list[dict]:
    queue.open_counter(1, officer(1))
    tickets = [queue.issue_ticket("KTP", None, KIOSK) for _ in range(3)]
    queue.call_next(1, officer(1))  # the first is at the counter: 6 minutes by default
    return tickets


def test_nobody_ahead_but_the_counter_busy_is_not_zero(queue: QueueService) -> None:
    queue.ctx.estimator.plan = lambda day: {1: [Span(NINE - 60, NINE + 300)]}
    _, second, third = _three_waiting(queue)
    status = queue.ticket_status(second["id"])
    assert status["ahead"] == 0
    assert status["eta_minutes"] == 6  # KTP's default minutes, the counter being busy
    low, high = status["eta_range"]
    assert low <= 6 <= high and status["eta_today"] is True
    assert queue.ticket_status(third["id"])["eta_minutes"] == 12


def test_a_turn_due_now_at_a_free_counter_is_certain(queue: QueueService) -> None:
    queue.ctx.estimator.plan = lambda day: {1: [Span(NINE - 60, NINE + 300)]}
    queue.open_counter(1, officer(1))
    now = queue.issue_ticket("KTP", None, KIOSK)  # counter 1 is free: called at once
    assert (now["eta_minutes"], now["eta_range"], now["eta_approx"]) == (0, [0, 0], True)
    # Behind the visitor about to be called, the turn waits on a visit of unknown length.
    later = queue.issue_ticket("KTP", None, KIOSK)
    low, high = later["eta_range"]
    assert later["eta_approx"] is False and low < 6 < high


def test_a_long_waits_range_is_nearly_even_about_it_and_a_short_ones_leans_up(
    queue: QueueService,
) -> None:
    """A short wait cannot fall far below its point, but a visit ahead can run on; a long
    one is a sum of many visits, as likely short as long (as the oracle's ranges are)."""
    queue.ctx.estimator.plan = lambda day: {1: [Span(NINE - 60, NINE + 600)]}
    queue.open_counter(1, officer(1))
    tickets = [queue.issue_ticket("KTP", None, KIOSK) for _ in range(25)]
    queue.call_next(1, officer(1))

    def place_in_range(ticket: dict) -> float:
        status = queue.ticket_status(ticket["id"])
        low, high = status["eta_range"]
        return (status["eta_minutes"] - low) / (high - low)

    short, long = place_in_range(tickets[2]), place_in_range(tickets[-1])
    assert queue.ticket_status(tickets[-1]["id"])["eta_minutes"] == 24 * 6
    assert short < 0.42
    assert 0.45 < long < 0.55


def test_a_break_pushes_the_turn_past_it(queue: QueueService) -> None:
    queue.ctx.estimator.plan = lambda day: {1: [Span(NINE - 60, NINE + 10), Span(NINE + 60, 900)]}
    _, second, third = _three_waiting(queue)
    assert queue.ticket_status(second["id"])["eta_minutes"] == 6
    # Free again at 09:12, after its break began at 09:10: back at 10:00.
    assert queue.ticket_status(third["id"])["eta_minutes"] == 60


def test_no_time_is_promised_after_the_closing(queue: QueueService) -> None:
    queue.ctx.estimator.plan = lambda day: {1: [Span(NINE - 60, NINE + 10)]}
    _, second, third = _three_waiting(queue)
    assert queue.ticket_status(second["id"])["eta_minutes"] == 6
    late = queue.ticket_status(third["id"])
    assert (late["eta_minutes"], late["eta_range"], late["eta_today"]) == (None, None, False)


def test_before_the_counters_open_the_estimate_counts_from_the_opening(
    queue: QueueService, clock: FakeClock
) -> None:
    queue.ctx.estimator.plan = lambda day: {1: [Span(NINE + 30, 900)]}
    first = queue.issue_ticket("KTP", None, KIOSK)
    second = queue.issue_ticket("KTP", None, KIOSK)
    assert first["eta_minutes"] == 30 and second["eta_minutes"] == 36
    clock.advance(minutes=20)
    assert queue.ticket_status(second["id"])["eta_minutes"] == 16
