"""The booking keys of config.yaml: defaults, and mistakes reported with their key path."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from core.config import ConfigError
from tests.unit.test_config import minimal, parse


def with_booking(booking: Any) -> dict[str, Any]:
    return minimal(lambda d: d["services"][0].update(booking=booking))


def test_booking_defaults_and_the_calendar():
    def edit(data: dict[str, Any]) -> None:
        data["calendar"] = {
            "breaks": {"fri": "11:30-13:00"},
            "closed": [{"date": date(2026, 12, 25), "kind": "holiday", "reason": "Natal"}],
        }
        data["bookings"] = {"retention_days": 7}
        data["services"][0]["booking"] = {"capacity_per_slot": 3}

    settings = parse(minimal(edit))
    rules = settings.service("KTP").booking
    assert (rules.slot_minutes, rules.capacity_per_slot, rules.late) == (30, 3, "walk_in")
    assert rules.arrival_window.before_min == 30 and rules.arrival_window.after_min == 15
    assert settings.service("KK").booking is None
    assert settings.calendar.closure(date(2026, 12, 25), "KK").reason == "Natal"
    assert settings.calendar.breaks[4] is not None and settings.bookings.retention_days == 7
    assert settings.calling.booking_ratio == 2


@pytest.mark.parametrize(
    ("booking", "path"),
    [
        ({"late": "maybe"}, r"^services\[0\]\.booking\.late: must be one of walk_in, refuse"),
        ({"slot_minutes": 0}, r"^services\[0\]\.booking\.slot_minutes"),
        ({"capacity_per_slot": "ten"}, r"^services\[0\]\.booking\.capacity_per_slot"),
        ({"arrival_window": {"before": 5}}, r"^services\[0\]\.booking\.arrival_window"),
        ({"slots": 3}, r"^services\[0\]\.booking"),
    ],
)
def test_booking_mistakes_name_their_key(booking: dict[str, Any], path: str):
    with pytest.raises(ConfigError, match=path):
        parse(with_booking(booking))


def test_calendar_and_limit_mistakes_name_their_key():
    closed = [{"date": "2026-12-25", "kind": "party", "reason": "x"}]
    with pytest.raises(ConfigError, match=r"^calendar\.closed\[0\]\.kind: must be one of"):
        parse(minimal(lambda d: d.update(calendar={"closed": closed})))
    with pytest.raises(ConfigError, match=r"^bookings\.client_limits: must read like"):
        parse(minimal(lambda d: d.update(bookings={"client_limits": "lots"})))


def test_a_closure_may_name_only_known_services():
    closed = [{"date": "2026-12-29", "kind": "closure", "reason": "x", "services": ["NOPE"]}]
    with pytest.raises(
        ConfigError, match=r"^calendar\.closed\[0\]\.services\[0\]: unknown service"
    ):
        parse(minimal(lambda d: d.update(calendar={"closed": closed})))
