"""On PostgreSQL a change commits in the round trip of its version bump.

Every change of the mall waits for the mall's version row, and a call waits for its service's
waiting-count row, while another change holds them. They must be free once the server has
run the bump, not only when the thread that bumped gets the interpreter back to send COMMIT
(with other threads running, up to a switch interval later). The test looks from another
connection at the moment the connection's own commit is asked for: the rows are already free,
and what the change wrote is already there for everyone.
"""

from __future__ import annotations

from typing import Any

import pytest
from psycopg.errors import LockNotAvailable
from sqlalchemy import Connection, create_engine, event, select, text

from core.bus import InMemoryPublisher
from core.config import Settings
from core.handlers import QueueService
from core.store import UnitOfWork, make_engine, tickets
from tests.conftest import KIOSK, FakeClock, officer
from tests.integration.pg import all_day, counters_for


@pytest.mark.postgres
def test_the_rows_a_call_held_are_free_before_its_connection_commits(
    demo_settings: Settings, postgres_url: str, clock: FakeClock
):
    settings = all_day(
        demo_settings, database_url=postgres_url, counters=counters_for("KTP", 1), no_quotas=True
    )
    engine = make_engine(postgres_url)
    queue = QueueService(settings, UnitOfWork(engine), InMemoryPublisher(), clock=clock)
    queue.ensure_ready()
    issued = queue.issue_ticket("KTP", None, KIOSK)
    queue.open_counter(1, officer(1))
    onlooker = create_engine(engine.url)
    seen: list[dict[str, Any]] = []

    def look(conn: Connection) -> None:
        with onlooker.connect() as other:
            other.execute(text("SET lock_timeout = '1ms'"))
            free = {}
            for name, sql in (
                ("version row", "SELECT version FROM mall_state FOR UPDATE NOWAIT"),
                ("count row", "SELECT * FROM queue_lengths FOR UPDATE NOWAIT"),
            ):
                try:
                    other.execute(text(sql)).all()
                    free[name] = True
                except Exception as exc:  # the lock is still held
                    assert isinstance(exc.orig, LockNotAvailable), exc  # type: ignore[attr-defined]
                    free[name] = False
                other.rollback()
            status = other.execute(select(tickets.c.status).where(tickets.c.id == issued["id"]))
            seen.append(free | {"status": status.scalar_one()})

    event.listen(engine, "commit", look)
    try:
        called = queue.call_next(1, officer(1))
    finally:
        event.remove(engine, "commit", look)
        onlooker.dispose()
        engine.dispose()

    assert called is not None and called["id"] == issued["id"]
    assert seen, "the call committed no write transaction"
    assert seen[-1] == {"version row": True, "count row": True, "status": "called"}
