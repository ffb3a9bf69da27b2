"""The wait each visitor was told is kept and measured against the wait they had
(core/promises.py, core/views/estimates.py), on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from core.config import ConfigError, Settings
from core.estimate import NO_ESTIMATE
from core.handlers import QueueService
from core.promises import Promise, PromiseLedger, note_promise
from core.server.housekeeping import promise_flush_seconds
from core.store_reports import wait_promises
from core.views.reports import report
from tests.conftest import KIOSK, OPENING_MORNING, FakeClock, officer
from tests.support.live import LiveServer


@pytest.fixture
def queue(make_queue, settings: Settings, database_url: str) -> QueueService:
    return make_queue(dataclasses.replace(settings, database_url=database_url))


def at(clock: FakeClock, minute: float) -> None:
    clock.now = OPENING_MORNING + timedelta(minutes=minute)


def told(ticket: dict) -> tuple[int, int, int]:
    low, high = ticket["eta_range"]
    return ticket["eta_minutes"], low, high


def test_the_report_compares_what_each_visitor_was_told_with_their_wait(
    queue: QueueService, clock: FakeClock
) -> None:
    o1 = officer(1)
    queue.open_counter(1, o1)
    queue.open_counter(4, officer(4))  # KK's
    first, second, third = (queue.issue_ticket("KTP", None, KIOSK) for _ in range(3))
    kk = queue.issue_ticket("KK", None, KIOSK)
    at(clock, 4), queue.call_ticket(first["id"], 1, o1)
    queue.act(first["id"], "start", o1)
    at(clock, 13), queue.act(first["id"], "finish", o1)
    at(clock, 13.5), queue.call_ticket(second["id"], 1, o1)
    queue.act(second["id"], "no_show", o1)
    at(clock, 20), queue.call_ticket(second["id"], 1, o1)  # called back: the first call counts
    at(clock, 21), queue.act(third["id"], "cancel", o1)  # never called: counted apart
    assert queue.ctx.promises.flush(queue.uow) == 4

    day = OPENING_MORNING.date()
    estimates = report(queue.ctx, day, day, "service")["estimates"]
    pairs = [(told(first), 4.0), (told(second), 13.5)]
    errors = [minutes - real for (minutes, _, _), real in pairs]
    overall = estimates["overall"]
    assert overall["count"] == 2 and overall["not_called"] == 2  # the third, and KK waiting
    assert overall["mean_abs_error_min"] == pytest.approx(sum(map(abs, errors)) / 2, abs=0.01)
    assert overall["bias_min"] == pytest.approx(sum(errors) / 2, abs=0.01)
    assert overall["within_5_min"] == sum(abs(e) <= 5 for e in errors) / 2
    held = sum(low - 0.5 <= real <= high + 0.5 for (_, low, high), real in pairs)
    assert overall["range_coverage"] == held / 2
    assert estimates["services"]["KTP"]["count"] == 2
    assert estimates["services"]["KK"] == {"count": 0, "not_called": 1}
    # A supervisor of KK sees KK's estimates alone.
    only_kk = report(queue.ctx, day, day, "service", {"KK"})["estimates"]
    assert only_kk["overall"] == {"count": 0, "not_called": 1}
    assert kk["eta_minutes"] is not None


def test_a_visitor_told_twice_is_measured_by_what_they_were_told_first(
    queue: QueueService, clock: FakeClock
) -> None:
    queue.open_counter(1, officer(1))
    ticket = queue.issue_ticket("KTP", None, KIOSK)
    ledger = queue.ctx.promises
    again = Promise(
        ticket["id"], queue.mall, ticket["day"], "KTP", clock.now, ticket["eta_minutes"] + 30
    )
    ledger.note(again)  # a retried request's answer, estimated again later
    note_promise(queue.ctx, ticket, NO_ESTIMATE)  # "no estimate" promises nothing
    assert ledger.flush(queue.uow) == 2
    with queue.uow.reading() as conn:
        kept = conn.execute(select(wait_promises.c.minutes)).scalars().all()
    assert kept == [ticket["eta_minutes"]]


class FailingOnce:
    """A unit of work whose first write fails as a database outage does."""

    def __init__(self, uow) -> None:  # type: ignore[no-untyped-def]
        self.uow, self.failed = uow, False

    @contextmanager
    def writing(self):  # type: ignore[no-untyped-def]
        if not self.failed:
            self.failed = True
            raise OperationalError("INSERT", {}, Exception("the database is restarting"))
        with self.uow.writing() as conn:
            yield conn


def test_estimates_noted_while_the_database_is_away_are_written_when_it_is_back(
    queue: QueueService, clock: FakeClock
) -> None:
    queue.open_counter(1, officer(1))
    ticket = queue.issue_ticket("KTP", None, KIOSK)
    ledger: PromiseLedger = queue.ctx.promises
    flaky = FailingOnce(queue.uow)
    assert ledger.flush(flaky) == 0 and ledger.pending == 1  # type: ignore[arg-type]
    assert ledger.flush(flaky) == 1 and ledger.pending == 0  # type: ignore[arg-type]
    with queue.uow.reading() as conn:
        kept = conn.execute(select(wait_promises.c.ticket_id)).scalars().all()
    assert kept == [ticket["id"]]


def test_a_server_stopped_right_after_issuing_keeps_what_the_visitor_was_told(
    tmp_path: Path,
) -> None:
    # The notes are written every few seconds; a clean stop writes the rest on its way out.
    server = LiveServer(tmp_path)
    server.extra_env["ANTRIAN_ESTIMATE_FLUSH_SECONDS"] = "3600"  # only the stop writes them
    server.start()
    try:
        kiosk = server.device_token("kiosk-1", "kiosk", kiosk="K1")
        server.add_officer("budi", counters=[1])
        server.login("budi", counter=1)  # opens counter 1: KTP has a wait to tell
        answer = server.api("POST", "/tickets", kiosk, json={"service": "KTP"})
        assert answer.status_code == 201, answer.text
    finally:
        server.stop()
    ticket = answer.json()
    with server.accounts.uow.reading() as conn:
        kept = conn.execute(select(wait_promises.c.ticket_id, wait_promises.c.minutes)).all()
    assert [tuple(row) for row in kept] == [(ticket["id"], ticket["eta_minutes"])]


@pytest.mark.parametrize("raw", ["0", "soon", "nan", "7200"])
def test_a_flush_interval_out_of_range_is_refused_with_its_name(raw: str) -> None:
    with pytest.raises(ConfigError) as refused:
        promise_flush_seconds({"ANTRIAN_ESTIMATE_FLUSH_SECONDS": raw})
    assert "ANTRIAN_ESTIMATE_FLUSH_SECONDS" in str(refused.value) and raw in str(refused.value)
    assert promise_flush_seconds({}) == 5.0
