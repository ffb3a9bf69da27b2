"""Visitors sent on to another service after their turn are foreseen by the estimate of the
queue they join, at today's share of transfers, even when the two services share no
counter (a payment desk fed by another agency's desks)."""

from __future__ import annotations

from core.config import Settings
from core.config.values import Counter
from core.estimate import WaitEstimator
from core.forecast import Span
from tests.conftest import KIOSK, FakeClock, officer
from tests.integration.pg import all_day


def test_a_queue_fed_by_another_services_transfers_is_told_of_them(
    demo_settings: Settings, sqlite_url: str, make_queue, monkeypatch, clock: FakeClock
) -> None:
    counters = [
        Counter(number=1, name="Loket 1", agency="DISDUKCAPIL", services=("KTP",), zone="A"),
        Counter(number=2, name="Loket 2", agency="DISDUKCAPIL", services=("KK",), zone="A"),
    ]
    settings = all_day(demo_settings, database_url=sqlite_url, counters=counters)
    queue = make_queue(settings)
    day = {1: [Span(0, 24 * 60)], 2: [Span(0, 24 * 60)]}
    queue.ctx.estimator.plan = lambda _: day
    queue.open_counter(1, officer(1))
    queue.open_counter(2, officer(2))
    # This morning 6 of the KK visits ended with the visitor sent on to KTP.
    for _ in range(6):
        queue.issue_ticket("KK", None, KIOSK)
        sent = queue.call_next(2, officer(2))
        queue.act(sent["id"], "start", officer(2))
        clock.advance(minutes=5)
        queue.transfer(sent["id"], "KTP", officer(2))
        served = queue.call_next(1, officer(1))
        queue.act(served["id"], "start", officer(1))
        clock.advance(minutes=6)
        queue.act(served["id"], "finish", officer(1))
    for _ in range(8):
        queue.issue_ticket("KK", None, KIOSK)
    ahead = [queue.issue_ticket("KTP", None, KIOSK) for _ in range(4)]
    me = queue.issue_ticket("KTP", None, KIOSK)
    assert len(ahead) == me["ahead"] == 4

    told = queue.ticket_status(me["id"])["eta_minutes"]
    unaware = WaitEstimator(queue.ctx)
    unaware.plan = lambda _: day
    monkeypatch.setattr("core.estimate_data.transfer_pairs", lambda *a: set())
    with queue.uow.reading() as conn:
        without = unaware.for_waiting(conn, "KTP", me["id"]).minutes
    # The KK visitors came earlier: the ones sent on (6 in 16 visits, 0.375 each) join the
    # KTP queue ahead of the four and this visitor, as soon as their KK turn is over.
    assert without == 4 * 6  # KTP's 6 minutes each
    assert told is not None and told >= without + 6
    assert "KK" in queue.ctx.estimator.inflow.group_of(None, "KTP")  # checked a moment ago
