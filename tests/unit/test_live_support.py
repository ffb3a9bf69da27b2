"""The live-server harness keeps a test off the mall's midnight (tests/support/live.py)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, timezone

from tests.support.live import clear_of_midnight


def zone_where_it_is(hour: int, minute: int, second: float) -> timezone:
    """A fixed-offset zone whose local time is now `hour:minute:second`."""
    now = datetime.now(UTC)
    wanted = now.replace(hour=hour, minute=minute, second=0, microsecond=0) + timedelta(
        seconds=second
    )
    offset = (wanted - now) % timedelta(days=1)
    if offset > timedelta(hours=12):
        offset -= timedelta(days=1)
    return timezone(offset)


def test_a_test_about_to_span_midnight_waits_for_the_new_day() -> None:
    tz = zone_where_it_is(23, 59, 58.5)
    began = time.monotonic()
    clear_of_midnight(tz, margin=10)
    assert 2.0 <= time.monotonic() - began < 6.0
    assert datetime.now(tz).hour == 0


def test_far_from_midnight_no_test_waits() -> None:
    began = time.monotonic()
    clear_of_midnight(zone_where_it_is(12, 0, 0), margin=10)
    assert time.monotonic() - began < 0.5
