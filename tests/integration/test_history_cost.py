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

from sqlalchemy import Connection, event, insert, text

from core.context import SYSTEM
from core.handlers import QueueService
from core.scope import scope_for
from core.store import tickets
from core.views.dashboard import counter_rows
from tests.conftest import KIOSK, officer
from tests.integration.pg import all_day
from tests.integration.test_queue_depth import plan_nodes

PAST_VISITORS = 5_000
# A read of the tickets at the counters: which ticket each counter calls or serves now.
AT_COUNTERS = re.compile(r"FROM tickets\s+WHERE .*tickets\.counter .*tickets\.status IN", re.S)


def write_past_days(queue: QueueService, days: int = 10) -> None:
    """`PAST_VISITORS` visitors served at 20 counters over the days before today."""
    rows = []
    for i in range(PAST_VISITORS):
        day = queue.today() - timedelta(days=1 + i % days)
        at = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=2, seconds=i)
        rows.append(
            {
                "id": f"past-{i}",
                "mall": queue.mall,
                "day": day.isoformat(),
                "service": "KTP",
                "origin_service": "KTP",
                "prefix": "A",
                "sequence": i + 1,
                "status": "done",
                "counter": 1 + i % 20,
                "issued_at": at,
                "arrived_at": at,
                "called_at": at,
                "finished_at": at + timedelta(minutes=5),
                "call_count": 1,
                "transfers": [],
                "channel": "kiosk",
            }
        )
    with queue.uow.writing() as conn:
        conn.execute(insert(tickets), rows)
        if conn.dialect.name == "postgresql":
            conn.execute(text("ANALYZE tickets"))


@contextmanager
def statements_at_counters(queue: QueueService) -> Iterator[list[tuple[str, Any]]]:
    """The reads of the tickets at the counters run inside the block, with their parameters."""
    seen: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        if AT_COUNTERS.search(statement):
            seen.append((statement, parameters))

    engine = queue.uow.engine
    event.listen(engine, "before_cursor_execute", capture)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", capture)


def rows_examined(conn: Connection, statement: str, parameters: Any) -> int:
    """Rows of `tickets` PostgreSQL read to answer (kept and filtered out)."""
    document = conn.exec_driver_sql(
        "EXPLAIN (ANALYZE, FORMAT JSON) " + statement, parameters
    ).scalar_one()
    plan = (document if isinstance(document, list) else json.loads(document))[0]["Plan"]
    return sum(
        int(node.get("Actual Rows", 0)) + int(node.get("Rows Removed by Filter", 0))
        for node in plan_nodes(plan)
        if node.get("Relation Name") == "tickets"
    )


def test_the_visitors_at_the_counters_are_found_without_reading_past_days(
    make_queue: Any, demo_settings: Any, database_url: str
) -> None:
    queue = make_queue(all_day(demo_settings, database_url=database_url))
    write_past_days(queue)
    queue.open_counter(1, officer(1))
    queue.issue_ticket("KTP", None, KIOSK)
    queue.call_next(1, officer(1))
    with statements_at_counters(queue) as seen:
        waiting = queue.issue_ticket("KTP", None, KIOSK)  # its estimate reads the counters
        with queue.uow.reading() as conn:
            shown = counter_rows(queue.ctx, conn, scope_for(SYSTEM, None))
    assert waiting["eta_minutes"] is not None
    assert [r["current"] is not None for r in shown if r["number"] == 1] == [True]
    assert len(seen) >= 2, seen  # the estimate's and the dashboard's
    with queue.uow.reading() as conn:
        for statement, parameters in seen:
            if conn.dialect.name == "postgresql":
                assert rows_examined(conn, statement, parameters) <= 5, statement
            else:
                plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
                details = " ".join(row[-1] for row in plan)
                assert "counter=?" in details and "counter>?" not in details, plan
