"""Today's visitors say how wide a service's range must be: the ranges given at issue are
compared with the first calls the database records, and each side is scaled."""

from __future__ import annotations

from core.config import Settings
from core.config.values import Counter
from core.estimate_calibration import LEAST, MOST
from core.forecast import Span
from tests.conftest import KIOSK, FakeClock, officer
from tests.integration.pg import all_day


def test_a_service_whose_visitors_all_waited_past_their_ranges_is_told_wider_ones(
    demo_settings: Settings, sqlite_url: str, make_queue, clock: FakeClock, monkeypatch
) -> None:
    monkeypatch.setattr("core.estimate_calibration.FEWEST", 8)  # a short day will do
    counters = [
        Counter(number=1, name="Loket 1", agency="DISDUKCAPIL", services=("KTP",), zone="A"),
        Counter(number=2, name="Loket 2", agency="DISDUKCAPIL", services=("KK",), zone="A"),
    ]
    settings = all_day(demo_settings, database_url=sqlite_url, counters=counters)
    queue = make_queue(settings)
    day = {1: [Span(0, 24 * 60)], 2: [Span(0, 24 * 60)]}
    queue.ctx.estimator.plan = lambda _: day
    calibration = queue.ctx.estimator.calibration
    queue.open_counter(1, officer(1))
    queue.open_counter(2, officer(2))
    # Five-minute visits (the pace the estimate learns), then an hour goes by before each
    # next call: every visitor waits far past the range they were given.
    for _ in range(3):
        queue.issue_ticket("KTP", None, KIOSK)
        served = queue.call_next(1, officer(1))
        queue.act(served["id"], "start", officer(1))
        clock.advance(minutes=5)
        queue.act(served["id"], "finish", officer(1))
    told = [queue.issue_ticket("KTP", None, KIOSK) for _ in range(10)]
    assert all(t["eta_range"][1] - t["eta_minutes"] >= 1 for t in told[1:])
    for ticket in told:
        clock.advance(minutes=60)
        called = queue.call_next(1, officer(1))
        assert called["id"] == ticket["id"]
        queue.act(called["id"], "start", officer(1))
        clock.advance(minutes=5)
        queue.act(called["id"], "finish", officer(1))

    # The next visitors (the third of them has two ahead) read the calls and the scales.
    ktp = [queue.issue_ticket("KTP", None, KIOSK) for _ in range(3)][-1]
    lower, upper = calibration.scales("KTP")
    assert upper == MOST
    assert lower == LEAST  # nobody was called before the point they were told
    assert calibration.scales("KK") == (1.0, 1.0)  # nothing known of KK's visitors yet

    # What the next KTP visitor is shown is the model's range scaled so.
    with queue.uow.reading() as conn:
        eta = queue.ctx.estimator.for_waiting(conn, "KTP", ktp["id"])
    assert eta.model_range is not None
    low, high = eta.model_range
    assert high - eta.minutes >= 1
    assert eta.high == round(eta.minutes + MOST * (high - eta.minutes))
    assert eta.low == max(0, round(eta.minutes - LEAST * (eta.minutes - low)))


def test_the_scales_start_again_each_day(
    demo_settings: Settings, sqlite_url: str, make_queue, clock: FakeClock
) -> None:
    settings = all_day(demo_settings, database_url=sqlite_url)
    queue = make_queue(settings)
    calibration = queue.ctx.estimator.calibration
    calibration.note("old", "KTP", queue.ctx.now(), 30, 20, 40)
    clock.advance(hours=24)
    with queue.uow.reading() as conn:
        calibration.refresh(conn)
    assert calibration.scales("KTP") == (1.0, 1.0)
    assert not calibration._given  # yesterday's ranges are not kept
