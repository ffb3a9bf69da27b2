"""Bookings under concurrency, on SQLite and PostgreSQL: 200 visitors racing for a slot of
10 places get exactly 10 bookings and 190 clear refusals; one NIK racing itself gets one
booking; two kiosks scanning the same code at once issue one ticket."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from core.bookings_desk import BookingDesk
from core.config import Settings
from core.config.booking import BookingRules
from core.context import Actor
from core.store import tickets
from core.store_bookings import bookings
from core.tickets import DomainError
from tests.conftest import FakeClock
from tests.integration.conftest import service_with

KIOSKS = [Actor("kiosk", "kiosk-1", kiosk="K1"), Actor("kiosk", "kiosk-2", kiosk="K2")]


def race(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Run `work(i)` in `count` threads released together; each one's answer or error."""
    results: list[Any] = [None] * count
    start = threading.Barrier(count)

    def run(i: int) -> None:
        start.wait()
        try:
            results[i] = work(i)
        except DomainError as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def desk_for(make_queue, settings: Settings, database_url: str) -> BookingDesk:  # type: ignore[no-untyped-def]
    rules = BookingRules(capacity_per_slot=10, online_quota=None)
    settings = service_with(
        dataclasses.replace(settings, database_url=database_url), "KTP", booking=rules
    )
    return BookingDesk(make_queue(settings).ctx, "a server secret")


def count(desk: BookingDesk, table) -> int:  # type: ignore[no-untyped-def]
    with desk.ctx.uow.reading() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_200_visitors_for_10_places_get_exactly_10_bookings(
    make_queue, settings: Settings, database_url: str
):
    desk = desk_for(make_queue, settings, database_url)
    results = race(
        200, lambda i: desk.book("KTP", "2026-11-25", "08:00", f"357301120590{i + 1:04d}")
    )
    booked = [r for r in results if isinstance(r, dict)]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(booked) == 10 and len(refused) == 190
    assert {r.code for r in refused} == {"slot_full"}
    assert all("'slot' 08:00" in r.message for r in refused)
    assert count(desk, bookings) == 10
    assert desk.slots("KTP", "2026-11-25")["slots"][0]["available"] == 0


def test_one_nik_racing_itself_gets_one_booking(make_queue, settings: Settings, database_url: str):
    desk = desk_for(make_queue, settings, database_url)
    results = race(
        8, lambda i: desk.book("KTP", "2026-11-25", f"{8 + i // 2:02d}:00", "3573011205900001")
    )
    assert sum(isinstance(r, dict) for r in results) == 1
    assert {r.code for r in results if isinstance(r, DomainError)} == {"already_booked"}
    assert count(desk, bookings) == 1


def test_two_kiosks_scanning_one_code_at_once_issue_one_ticket(
    make_queue, settings: Settings, database_url: str, clock: FakeClock
):
    desk = desk_for(make_queue, settings, database_url)
    code = desk.book("KTP", "2026-11-24", "10:00", "3573011205900001")["code"]
    clock.now = datetime(2026, 11, 24, 2, 45, tzinfo=UTC)  # 09:45 WIB: in the window
    results = race(2, lambda i: desk.check_in(code, KIOSKS[i]))
    assert sorted(created for _, created in results) == [False, True]
    assert results[0][0]["id"] == results[1][0]["id"]
    assert count(desk, tickets) == 1
