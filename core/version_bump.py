"""The mall's version bump and the rows that carry its versions, written together.

Every change of a mall takes the next versions from its `mall_state` row and holds that row
until it commits (core/live_log.py says why), so the statements between the bump and the
commit are ones every other change of the mall waits for. On PostgreSQL the bump, the ticket
action rows and the live-event rows therefore go in one round trip (psycopg's pipeline): the
rows compute their versions from the bumped row in the statement itself, `back` steps below
it. Three round trips became one; with eight officers racing it was most of a call's wait.

The counts an event tells are read before the bump: a count the change moved is on a row it
holds until its commit (core/queue_lengths.py); another is read `FOR SHARE`, which waits for
a change moving it to commit and keeps the next one waiting for this one. Either way the
count is the one at this change's version.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import JSON, Connection, bindparam, cast, func, insert, select
from sqlalchemy.dialects.postgresql import JSONB

from core import live_log, repository
from core.live_log import live_events
from core.prepared import Prepared
from core.queue_lengths import queue_lengths
from core.store import mall_state, ticket_events

_COUNT_HELD = Prepared(
    select(queue_lengths.c.waiting_normal + queue_lengths.c.waiting_priority)
    .where(
        queue_lengths.c.mall == bindparam("mall"),
        queue_lengths.c.day == bindparam("day"),
        queue_lengths.c.service == bindparam("service"),
    )
    .with_for_update(read=True)
)
_BUMPED = (
    select(mall_state.c.version).where(mall_state.c.mall == bindparam("in_mall")).scalar_subquery()
)
_ACTION_COLUMNS = [c.name for c in ticket_events.c if c.name not in ("id", "version")]
_ACTIONS_AT_BUMP = Prepared(
    insert(ticket_events).values(
        {name: bindparam(name) for name in _ACTION_COLUMNS}
        | {"version": _BUMPED - bindparam("back")}
    )
)
_EVENTS_AT_BUMP = Prepared(
    insert(live_events).values(
        mall=bindparam("mall"),
        version=_BUMPED - bindparam("back"),
        name=bindparam("name"),
        ticket_id=bindparam("ticket_id"),
        # The payload as sent, its version set from the bump.
        payload=cast(
            cast(bindparam("payload", type_=JSON), JSONB).op("||")(
                func.jsonb_build_object("version", _BUMPED - bindparam("back"))
            ),
            JSON,
        ),
        at=bindparam("at"),
    )
)


def count_held(conn: Connection, mall: str, day: str, service: str) -> int:
    """The service's waiting count, its row held shared until the commit (see above)."""
    rows = _COUNT_HELD.rows(conn, {"mall": mall, "day": day, "service": service})
    return int(rows[0][0]) if rows else 0


def bump_and_write(
    conn: Connection,
    mall: str,
    steps: int,
    actions: Sequence[dict[str, Any]],
    events: Sequence[dict[str, Any]],
    *,
    last: bool = False,
) -> int:
    """Advance the mall's version by `steps` and write the rows that carry the new versions;
    returns the version before. Each row has `offset` k (1..steps): its version is the old
    one plus k.

    `last`: nothing follows in this transaction, so on PostgreSQL its COMMIT goes in the same
    round trip, and the rows it holds (the version row, its counts) are let go as soon as the
    server has run it, not once this thread has the interpreter again to send it: with other
    threads of the process running, that wait was up to a switch interval (20 ms) for every
    other change of the mall. The connection's own commit afterwards finds the transaction
    over and sends nothing."""
    if conn.dialect.name != "postgresql":
        old = bump(conn, mall, steps)
        write(conn, old, actions, events)
        return old
    driver = conn.connection.dbapi_connection
    assert driver is not None
    with driver.pipeline():  # type: ignore[attr-defined]
        bumped = repository.BUMP_VERSION.start(conn, {"in_mall": mall, "steps": steps})
        for statement, rows in ((_ACTIONS_AT_BUMP, actions), (_EVENTS_AT_BUMP, events)):
            if rows:
                statement.run_many(
                    conn, [{**row, "in_mall": mall, "back": steps - row["offset"]} for row in rows]
                )
        if last:
            driver.execute(b"COMMIT")
    try:
        (new,) = bumped.fetchone()
    finally:
        bumped.close()
    return int(new) - steps


def bump(conn: Connection, mall: str, steps: int) -> int:
    """Advance the mall's version by `steps` alone; returns the version before."""
    return repository.advance_version(conn, mall, steps)


def write(
    conn: Connection, old: int, actions: Sequence[dict[str, Any]], events: Sequence[dict[str, Any]]
) -> None:
    """The rows of `bump_and_write` once the version before is known (`old`), one statement
    each: on SQLite (one writer, no round trips), or where the bump came first."""
    if actions:
        repository.insert_ticket_events(
            conn, [_versioned(row, old + row["offset"]) for row in actions]
        )
    if events:
        live_log.record(
            conn,
            [
                _versioned(row, old + row["offset"])
                | {"payload": {**row["payload"], "version": old + row["offset"]}}
                for row in events
            ],
        )


def _versioned(row: dict[str, Any], version: int) -> dict[str, Any]:
    return {key: value for key, value in row.items() if key != "offset"} | {"version": version}
