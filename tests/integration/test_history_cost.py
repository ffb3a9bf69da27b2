"""A mall's past does not slow its day: the reads that run on every estimate and every
dashboard refresh find the visitors at the counters now without walking the index of every
visitor ever served (after a year, most of a million rows)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, event, insert, select, text

from core.bookings_desk import BookingDesk
from core.context import SYSTEM
from core.handlers import QueueService
from core.prepared import PREPARED_LISTENERS
from core.scope import scope_for
from core.store import print_jobs, ticket_events, tickets
from core.usecases.alerting import AlertMonitor
from core.views.dashboard import counter_rows, service_rows
from tests.conftest import KIOSK, officer
from tests.integration.pg import all_day, insert_booking, past_visit
from tests.integration.test_queue_depth import plan_nodes

PAST_VISITORS = 20_000
PAST_TABLES = ("tickets", "ticket_events", "print_jobs")
READS = re.compile(rf"^\s*(SELECT|WITH)\b.*\b({'|'.join(PAST_TABLES)})\b", re.S | re.I)


def write_past_days(queue: QueueService, days: int = 10) -> None:
    """`PAST_VISITORS` visitors called and served at 20 counters over the days before today,
    with their events and printed tickets."""
    rows = []
    for i in range(PAST_VISITORS):
        day = queue.today() - timedelta(days=1 + i % days)
        at = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=2, seconds=i)
        rows.append(
            past_visit(
                queue.mall,
                day,
                i + 1,
                at,
                counter=1 + i % 20,
                called_at=at,
                started_at=at,
                finished_at=at + timedelta(minutes=5),
                channel="booking" if i % 10 == 0 else "kiosk",  # checked-in bookings too
            )
        )
    with queue.uow.writing() as conn:
        conn.execute(insert(tickets), rows)
        seqs = conn.execute(
            select(tickets.c.seq, tickets.c.counter, tickets.c.called_at).where(
                tickets.c.id.like("past-%")
            )
        ).all()
        events = [
            {
                "mall": queue.mall,
                "ticket_seq": seq,
                "action": action,
                "from_status": before,
                "to_status": after,
                "service": "KTP",
                "counter": counter,
                "officer": "o",
                "at": at + timedelta(minutes=minutes),
                "version": 0,
            }
            for seq, counter, at in seqs
            for action, before, after, minutes in (
                ("call", "waiting", "called", 0),
                ("finish", "serving", "done", 5),
            )
        ]
        conn.execute(insert(ticket_events), events)
        kiosk = queue.settings.kiosks[0].code
        jobs = [
            {
                "mall": queue.mall,
                "ticket_seq": seq,
                "kiosk": kiosk,
                "status": "printed",
                "created_at": at,
                "finished_at": at,
            }
            for seq, _, at in seqs
        ]
        conn.execute(insert(print_jobs), jobs)
        if conn.dialect.name == "postgresql":
            conn.execute(text("ANALYZE tickets"))
            conn.execute(text("ANALYZE ticket_events"))
            conn.execute(text("ANALYZE print_jobs"))


@contextmanager
def reads_of_visits(queue: QueueService) -> Iterator[dict[str, Any]]:
    """The reads of tickets and their events run inside the block, with their parameters."""
    seen: dict[str, Any] = {}

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        if READS.search(statement):
            seen.setdefault(statement, parameters)

    def capture_prepared(statement: str, parameters: Any) -> None:
        positional = isinstance(parameters, list)  # SQLite's driver form
        capture(None, None, statement, tuple(parameters) if positional else parameters)

    engine = queue.uow.engine
    event.listen(engine, "before_cursor_execute", capture)
    PREPARED_LISTENERS.append(capture_prepared)  # the statements run on the driver's cursor
    try:
        yield seen
    finally:
        PREPARED_LISTENERS.remove(capture_prepared)
        event.remove(engine, "before_cursor_execute", capture)


def rows_examined(conn: Connection, statement: str, parameters: Any) -> int:
    """Rows of tickets and events PostgreSQL read to answer (kept and filtered out)."""
    document = conn.exec_driver_sql(
        "EXPLAIN (ANALYZE, FORMAT JSON) " + statement, parameters
    ).scalar_one()
    plan = (document if isinstance(document, list) else json.loads(document))[0]["Plan"]
    return sum(
        int(node.get("Actual Rows", 0)) * int(node.get("Actual Loops", 1))
        + int(node.get("Rows Removed by Filter", 0)) * int(node.get("Actual Loops", 1))
        for node in plan_nodes(plan)
        if node.get("Relation Name") in PAST_TABLES
    )


def test_a_day_of_the_hall_reads_nothing_of_the_days_before(
    make_queue: Any, demo_settings: Any, database_url: str
) -> None:
    """Every read an officer's call, a visitor's ticket, a booking's check-in, a display, the
    dashboard and the alert round make finds today's rows from an index; the mall's past
    stays unread. (What the wait estimate learns from recent days it reads once a day: done
    before the block.)"""
    queue = make_queue(all_day(demo_settings, database_url=database_url))
    write_past_days(queue)
    queue.open_counter(1, officer(1))
    for _ in range(2):  # the day's first: what is read once a day
        queue.issue_ticket("KTP", None, KIOSK)
    queue.services_overview()  # every service's estimate: their recent days' counter times
    with queue.uow.writing() as conn:
        insert_booking(conn, queue, "TSTBK234", queue.ctx.now().astimezone(queue.settings.mall.tz))
    with reads_of_visits(queue) as seen:
        waiting = queue.issue_ticket("KTP", None, KIOSK)
        booked, issued = BookingDesk(queue.ctx, "a server secret").check_in("TSTBK234", KIOSK)
        assert issued and booked["channel"] == "booking"
        called = queue.call_next(1, officer(1))
        assert called is not None
        queue.act(called["id"], "start", officer(1))
        queue.ticket_status(waiting["id"])
        queue.snapshot()
        queue.services_overview()
        queue.counter_state(1, officer(1))
        with queue.uow.reading() as conn:
            services = service_rows(queue.ctx, conn, scope_for(SYSTEM, None))
            shown = counter_rows(queue.ctx, conn, scope_for(SYSTEM, None))
        AlertMonitor(queue.ctx).run_once()
        queue.act(called["id"], "finish", officer(1))
        other = queue.call_next(1, officer(1))
        assert other is not None
        queue.act(other["id"], "recall", officer(1))
        queue.act(other["id"], "hold", officer(1))
        queue.act(other["id"], "resume", officer(1))
        queue.transfer(other["id"], "KK", officer(1))
        queue.issue_ticket("KTP", "lansia", KIOSK)
        late = queue.call_next(1, officer(1))
        assert late is not None
        queue.act(late["id"], "no_show", officer(1))
        queue.set_counter_status(1, "break", None, officer(1))
    assert waiting["eta_minutes"] is not None
    assert [r["current"] is not None for r in shown if r["number"] == 1] == [True]
    assert [r["served"] for r in services if r["code"] == "KTP"] == [0]  # not the past's
    assert len(seen) >= 10, seen
    if queue.uow.engine.dialect.name == "postgresql":
        with queue.uow.reading() as conn:
            examined = {st: rows_examined(conn, st, params) for st, params in seen.items()}
        broad = {st: n for st, n in examined.items() if n > 50}
    else:
        broad = {}
        with queue.uow.engine.connect() as conn, conn.begin():
            before = {st: sqlite_steps(conn, st, params) for st, params in seen.items()}
            forget_the_past(conn)
            for statement, parameters in seen.items():
                without = sqlite_steps(conn, statement, parameters)
                if before[statement] > 2 * without + 2_000:
                    broad[statement] = (before[statement], without)
            conn.rollback()
    assert not broad, broad


def sqlite_steps(conn: Connection, statement: str, parameters: Any) -> int:
    """SQLite's virtual machine steps to answer: the work done, whichever plan it chose."""
    raw = conn.connection.dbapi_connection
    assert raw is not None
    ticks = 0

    def tick() -> int:
        nonlocal ticks
        ticks += 1
        return 0

    raw.set_progress_handler(tick, 10)
    try:
        conn.exec_driver_sql(statement, parameters).fetchall()
    finally:
        raw.set_progress_handler(None, 0)
    return ticks * 10


def forget_the_past(conn: Connection) -> None:
    """The rows `write_past_days` wrote, deleted (in the caller's transaction)."""
    past = select(tickets.c.seq).where(tickets.c.id.like("past-%")).scalar_subquery()
    conn.execute(delete(print_jobs).where(print_jobs.c.ticket_seq.in_(past)))
    conn.execute(delete(ticket_events).where(ticket_events.c.ticket_seq.in_(past)))
    conn.execute(delete(tickets).where(tickets.c.id.like("past-%")))
