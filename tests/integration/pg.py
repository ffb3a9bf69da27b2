"""Helpers for integration tests: an all-day mall, PostgreSQL schemas, a recording printer.

Every PostgreSQL test runs in its own freshly created schema (named in the connection URL's
`options=-csearch_path=...`), so parallel runs on one server never see each other's rows.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from core.config import Counter, Settings, TimeRange
from tests.conftest import services_required

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
ALL_DAY = TimeRange(time(0, 0), time.max)


def postgres_base_url() -> str:
    return os.environ.get("ANTRIAN_TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL


def _driver_url(url: str) -> str:
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def with_search_path(url: str, schema: str) -> str:
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options={quote(f'-csearch_path={schema}')}"


@contextmanager
def postgres_schema() -> Iterator[str]:
    """A database URL whose connections live in a new, empty schema; dropped afterwards.

    Skips when PostgreSQL is unreachable, or fails when the services are required (CI).
    """
    base = postgres_base_url()
    admin = create_engine(_driver_url(base), isolation_level="AUTOCOMMIT")
    schema = f"antrian_test_{secrets.token_hex(6)}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except OperationalError as exc:
        admin.dispose()
        reason = f"PostgreSQL at {base} is unreachable: {str(exc).splitlines()[0]}"
        if services_required():
            pytest.fail(reason)
        pytest.skip(reason)
    try:
        yield with_search_path(base, schema)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def all_day(
    settings: Settings,
    *,
    database_url: str | None = None,
    no_quotas: bool = False,
    counters: Iterable[Counter] | None = None,
) -> Settings:
    """The same mall open around the clock, every day: tests do not depend on the hour."""
    mall = dataclasses.replace(settings.mall, opening_hours=dict.fromkeys(range(7), ALL_DAY))
    services = tuple(
        dataclasses.replace(s, hours=None, daily_quota=None if no_quotas else s.daily_quota)
        for s in settings.services
    )
    # No planned breaks either: the wait estimate counts them in.
    calendar = dataclasses.replace(settings.calendar, breaks={}) if settings.calendar else None
    changes: dict[str, Any] = {"mall": mall, "services": services, "calendar": calendar}
    if database_url is not None:
        changes["database_url"] = database_url
    chosen = settings.counters if counters is None else counters
    changes["counters"] = tuple(dataclasses.replace(c, breaks=()) for c in chosen)
    return dataclasses.replace(settings, **changes)


def counters_for(service: str, how_many: int, zone: str = "A") -> list[Counter]:
    """`how_many` counters 1..n that all call tickets of `service`."""
    return [
        Counter(number=n, name=f"Loket {n}", agency="DISDUKCAPIL", services=(service,), zone=zone)
        for n in range(1, how_many + 1)
    ]


@dataclasses.dataclass
class _Health:
    ok: bool = True
    message: str = "OK"


class RecordingPrinter:
    """Keeps what it was asked to print; stands in for a kiosk's thermal printer."""

    def __init__(self, spec: Any = None) -> None:
        self.spec = spec
        self.printed: list[bytes] = []

    def print_bytes(self, data: bytes, timeout: float) -> None:
        self.printed.append(data)

    def check(self, timeout: float) -> _Health:
        return _Health()


def insert_waiting_ktp(
    conn: Any,
    queue: Any,
    ticket_id: str,
    moment: Any,
    *,
    priority: Any = None,
    channel: str = "kiosk",
    issued_at: Any = None,
) -> str:
    """A waiting KTP ticket that arrived at `moment`, written straight through the
    repository (numbered as issuing would): for tests whose subject is what comes after."""
    from core import numbering, repository
    from core.tickets import Ticket
    from tests.conftest import KIOSK

    day = queue.today()
    ticket = Ticket(
        id=ticket_id,
        service="KTP",
        prefix="A",
        sequence=numbering.claim_next_number(conn, queue.mall, "KTP", day),
        day=day.isoformat(),
        issued_at=moment if issued_at is None else issued_at,
        arrived_at=moment,
        priority=priority,
    )
    repository.insert_tickets(conn, queue.mall, [(ticket, channel, KIOSK.name)])
    return ticket.id


def insert_booking(conn: Any, queue: Any, code: str, slot: Any) -> None:
    """Today's KTP booking `code` for the slot starting at `slot` (a local time), as if
    booked elsewhere: for tests of what a booking does to the queue and its estimates."""
    from sqlalchemy import insert

    from core.store_bookings import bookings

    now = queue.ctx.now()
    conn.execute(
        insert(bookings).values(
            code=code,
            mall=queue.mall,
            service="KTP",
            day=queue.today().isoformat(),
            slot=f"{slot:%H:%M}",
            status="booked",
            language="id",
            created_at=now,
            updated_at=now,
        )
    )


def past_visit(mall: str, day: date, number: int, at: datetime, **fields: Any) -> dict[str, Any]:
    """A row of `tickets`: a KTP visitor of a past `day`, done, issued at `at` (`fields`
    add to it or replace its values)."""
    return {
        "id": f"past-{day.isoformat()}-{number}",
        "mall": mall,
        "day": day.isoformat(),
        "service": "KTP",
        "origin_service": "KTP",
        "prefix": "A",
        "sequence": number,
        "status": "done",
        "issued_at": at,
        "arrived_at": at,
        "call_count": 1,
        "transfers": [],
        "channel": "kiosk",
    } | fields


@contextmanager
def all_day_app(settings: Settings, clock: Any) -> Iterator[Any]:
    """The server's app for a mall open around the clock, on `clock`, printing to memory."""
    from core.server.app import create_app

    app = create_app(
        all_day(settings),
        clock=clock,
        printer_factory=RecordingPrinter,
        test_config={"TESTING": True},
    )
    try:
        yield app
    finally:
        app.extensions["antrian.engine"].dispose()
