"""Before a service's hours begin nobody has waited: the dashboard shows it "not open yet",
never red, and no wait alert is raised for it; after its hours it is "closed" (core/alerts.py).
The demo's services open at 07:30 or 08:00 WIB on a Tuesday and close by 15:30."""

from __future__ import annotations

from datetime import UTC, datetime

from core.context import SYSTEM
from core.handlers import QueueService
from core.scope import scope_for
from core.usecases.alerting import AlertMonitor
from core.views.dashboard import service_rows
from tests.conftest import KIOSK, FakeClock, officer

EARLY = datetime(2026, 11, 23, 22, 0, tzinfo=UTC)  # 05:00 WIB, Tuesday 24 November
EVENING = datetime(2026, 11, 24, 13, 0, tzinfo=UTC)  # 20:00 WIB


def levels(queue: QueueService) -> dict[str, str]:
    with queue.uow.reading() as conn:
        rows = service_rows(queue.ctx, conn, scope_for(SYSTEM, None))
    return {row["code"]: row["level"] for row in rows}


def test_before_opening_every_service_is_not_open_yet_and_raises_no_alert(
    queue: QueueService, clock: FakeClock
):
    clock.now = EARLY
    assert set(levels(queue).values()) == {"not_open"}
    assert [c for c in AlertMonitor(queue.ctx).conditions() if c.kind == "wait"] == []


def test_after_hours_a_service_nobody_waits_for_is_closed_not_red(
    queue: QueueService, clock: FakeClock
):
    clock.now = EVENING
    assert set(levels(queue).values()) == {"closed"}
    assert [c for c in AlertMonitor(queue.ctx).conditions() if c.kind == "wait"] == []


def test_visitors_still_waiting_after_hours_are_judged_as_always(
    queue: QueueService, clock: FakeClock
):
    """Taken at 09:00; at 16:00 WIB KTP's hours are over but the visitor still waits."""
    queue.issue_ticket("KTP", None, KIOSK)
    queue.open_counter(1, officer(1))
    clock.now = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    found = levels(queue)
    assert found["KTP"] == "red"
    assert found["KK"] == "closed"
    waits = [c.subject for c in AlertMonitor(queue.ctx).conditions() if c.kind == "wait"]
    assert waits == ["KTP"]
