"""A booked visit's wait in `summarize_day`, from events alone (pure Python): it starts at the
later of the check-in (the issue event) and the slot's start (the ticket's `arrived_at`)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from core.reporting import bucket, summarize_day
from core.tickets import wait_starts_at

WIB = ZoneInfo("Asia/Jakarta")
DAY = "2026-11-24"


def wib(hour: int, minute: int) -> datetime:
    return datetime(2026, 11, 24, hour, minute, tzinfo=WIB).astimezone(UTC)


def event(seq: int, action: str, at: datetime, counter: int = 0) -> dict:
    return {
        "ticket_seq": seq,
        "action": action,
        "service": "KTP",
        "to_service": None,
        "counter": counter,
        "officer": "siti" if counter else None,
        "at": at,
    }


def test_the_rule_takes_the_later_of_check_in_and_slot_start():
    slot = wib(10, 0)
    assert wait_starts_at(wib(9, 20), slot) == slot  # early: waits for the slot by choice
    assert wait_starts_at(wib(10, 10), slot) == wib(10, 10)  # late: from the check-in
    assert wait_starts_at(wib(9, 20), wib(9, 20)) == wib(9, 20)  # a walk-in: from the issue
    assert wait_starts_at(560.0, 600.0) == 600.0  # the simulator's minutes of the day


def test_early_late_and_walk_in_visits_and_an_early_one_who_left_before_the_slot():
    slot = wib(10, 0)
    events = [
        event(1, "issue", wib(9, 20)),  # booked 10:00, checked in at 09:20, called 10:12
        event(2, "issue", wib(9, 20)),  # a walk-in at 09:20, called 10:12
        event(3, "issue", wib(9, 25)),  # booked 10:00, checked in at 09:25, left at 09:50
        event(4, "issue", wib(10, 10)),  # booked 10:00, checked in at 10:10, called 10:12
        event(3, "cancel", wib(9, 50)),
        *(event(seq, "call", wib(10, 12), counter=1) for seq in (1, 2, 4)),
        *(event(seq, "finish", wib(10, 20), counter=1) for seq in (1, 2, 4)),
    ]
    arrivals = {1: slot, 2: wib(9, 20), 3: slot, 4: slot}
    channels = {1: "booking", 2: "kiosk", 3: "booking", 4: "booking"}
    rows = summarize_day(events, channels, {"KTP": 10}, WIB, DAY, None, arrivals)
    served = rows[("KTP", 1, "siti")]
    # Waits 12 (from the slot), 52 (the walk-in) and 2 (from the late check-in).
    assert served.wait_hist == {bucket(12): 1, bucket(52): 1, bucket(2): 1}
    assert served.counts["within_target"] == 1  # only the late one within 10 minutes
    left = rows[("KTP", 0, "")]
    assert left.not_called_hist == {bucket(0): 1}  # left before the slot: waited nothing
    # Arrivals are still counted by the hour the visitors came in.
    assert served.arrivals == {9: 2, 10: 1} and left.arrivals == {9: 1}
    # Without the tickets' arrivals every wait counts from the issue, as before.
    plain = summarize_day(events, channels, {"KTP": 10}, WIB, DAY)[("KTP", 1, "siti")]
    assert plain.wait_hist == {bucket(52): 2, bucket(2): 1}
