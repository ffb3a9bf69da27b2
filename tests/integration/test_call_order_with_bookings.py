"""The call order with booked visitors in the database, on SQLite and PostgreSQL: call-next
calls in the order the "people ahead" of every waiting ticket predicted, the counter's
waiting list shows that same order, and booked visitors go ahead of walk-ins under the ratio
while priority visitors stay first."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from core.config import Settings
from core.tickets import Priority
from tests.conftest import FakeClock, officer
from tests.integration.pg import all_day, counters_for, insert_waiting_ktp

# (kind, minutes before now it arrived; negative: a booked slot that starts later)
LINE = [
    ("walk", 50), ("walk", 45), ("booked", 40), ("priority", 35), ("walk", 30), ("booked", 20),
    ("booked", 15), ("early", -20), ("walk", 10), ("booked", 5), ("priority", 3), ("walk", 1),
]  # fmt: skip


def test_call_next_follows_the_predicted_order(
    demo_settings: Settings, database_url: str, clock: FakeClock, make_queue
):
    settings = all_day(demo_settings, database_url=database_url, counters=counters_for("KTP", 1))
    settings = dataclasses.replace(
        settings, calling=dataclasses.replace(settings.calling, priority_ratio=2, booking_ratio=2)
    )
    queue = make_queue(settings)
    kinds = {}
    with queue.uow.writing() as conn:
        for i, (kind, minutes) in enumerate(LINE):
            moment = clock.now - timedelta(minutes=minutes)
            ticket_id = insert_waiting_ktp(
                conn,
                queue,
                f"t{i:02d}",
                moment,
                priority=Priority.ELDERLY if kind == "priority" else None,
                channel="booking" if kind in ("booked", "early") else "kiosk",
                issued_at=min(moment, clock.now),
            )
            kinds[ticket_id] = kind
    queue.open_counter(1, officer(1))
    predicted = sorted(kinds, key=lambda tid: queue.ticket_status(tid)["ahead"])
    assert sorted(queue.ticket_status(t)["ahead"] for t in kinds) == list(range(len(LINE)))
    listed = [row["id"] for row in queue.counter_state(1, officer(1))["waiting"]]
    assert listed == predicted
    called = []
    while True:
        ticket = queue.call_next(1, officer(1))
        if ticket is None:
            break
        called.append(ticket["id"])
        queue.act(ticket["id"], "start", officer(1))
        queue.act(ticket["id"], "finish", officer(1))
    assert called == predicted
    order = [kinds[t] for t in called]
    # Priority first (two in a row at most), then booked before walk-ins, two at a time.
    assert order == [
        "priority", "priority", "booked", "booked", "walk", "booked", "booked", "walk",
        "walk", "walk", "walk", "early",
    ]  # fmt: skip
