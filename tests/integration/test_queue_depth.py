"""A long queue costs call-next and issuing nothing more than a short one: the queue heads are
read from indexes without sorting the queue, and the waiting counts are kept, not counted
(core/queue_lengths.py). Timing is measured in bench/bench_queue_depth.py, not here: these
tests check the plans and that the kept counts equal a recount."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, func, inspect, select, text, update

from core import queue_heads, repository
from core.config import Settings
from core.handlers import QueueService
from core.queue_lengths import BOOKED_HEAD_INDEX, HEAD_INDEXES, TRIGGER_NAMES, queue_lengths
from core.store import make_engine, tickets
from tests.conftest import KIOSK, FakeClock, officer
from tests.integration.pg import all_day

SERVICES = ("AKTA", "KIA", "IKD", "KTP")
HEAD_INDEX_NAMES = {index.name for index in (*HEAD_INDEXES.values(), BOOKED_HEAD_INDEX)}


@pytest.fixture
def queue(make_queue: Any, demo_settings: Settings, database_url: str) -> QueueService:
    """The demo mall, open all day, migrated to head by its start-up, on each backend."""
    return make_queue(all_day(demo_settings, database_url=database_url, no_quotas=True))


def recount(conn: Connection) -> dict[tuple[str, str, str], tuple[int, int]]:
    rows = conn.execute(
        select(
            tickets.c.mall,
            tickets.c.day,
            tickets.c.service,
            func.count() - func.count(tickets.c.priority),
            func.count(tickets.c.priority),
        )
        .where(tickets.c.status == "waiting")
        .group_by(tickets.c.mall, tickets.c.day, tickets.c.service)
    )
    return {(m, d, s): (int(n), int(p)) for m, d, s, n, p in rows}


def kept(conn: Connection) -> dict[tuple[str, str, str], tuple[int, int]]:
    rows = conn.execute(select(queue_lengths))
    return {
        (r.mall, r.day, r.service): (r.waiting_normal, r.waiting_priority)
        for r in rows
        if r.waiting_normal or r.waiting_priority
    }


def test_the_kept_waiting_counts_equal_a_recount_after_every_kind_of_change(
    queue: QueueService, clock: FakeClock
):
    with queue.uow.reading() as conn:
        triggers = {
            name
            for (name,) in conn.execute(
                text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
                if conn.dialect.name == "postgresql"
                else text("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            )
        }
        # Made by the migrations (start-up runs them), not only by create_all.
        assert set(TRIGGER_NAMES) <= triggers
        assert {i["name"] for i in inspect(conn).get_indexes("tickets")} >= HEAD_INDEX_NAMES

    issued = []
    for i in range(12):
        issued.append(queue.issue_ticket(SERVICES[i % 3], "lansia" if i % 4 == 0 else None, KIOSK))
        clock.advance(seconds=30)
    for n in (6, 3):
        queue.open_counter(n, officer(n))
    counts = {c["code"]: c["waiting"] for c in queue.services_overview()}
    assert (counts["AKTA"], counts["KIA"], counts["IKD"]) == (4, 4, 4)

    first = queue.call_next(6, officer(6))
    queue.act(first["id"], "hold", officer(6))
    queue.act(first["id"], "requeue", officer(6))  # back in the queue: counted again
    second = queue.call_next(6, officer(6))
    queue.transfer(second["id"], "KTP", officer(6))  # out of one service, into another
    third = queue.call_next(3, officer(3))
    queue.act(third["id"], "no_show", officer(3))
    queue.call_ticket(third["id"], 3, officer(3))  # the no-show turned up after all
    queue.act(issued[-1]["id"], "cancel", officer(6))
    with queue.uow.writing() as conn:  # a repair by hand counts too
        conn.execute(update(tickets).where(tickets.c.id == issued[-2]["id"]).values(status="done"))
        conn.execute(
            update(tickets).where(tickets.c.id == issued[-3]["id"]).values(priority="ibu_hamil")
        )
    with queue.uow.reading() as conn:
        assert kept(conn) == recount(conn)
        assert sum(n + p for n, p in kept(conn).values()) == 9

    clock.advance(days=1)  # the day closes: nobody waits any more for it
    queue.close_ended_days()
    with queue.uow.reading() as conn:
        assert recount(conn) == {}
        assert kept(conn) == {}


def test_a_counter_of_several_services_calls_by_arrival_across_them_priority_first(
    queue: QueueService, clock: FakeClock
):
    """The heads are read per service and merged: the oldest arrival of any of the counter's
    services wins within each group."""
    order = [("IKD", None), ("KIA", None), ("AKTA", "lansia"), ("AKTA", None), ("KIA", "lansia")]
    issued = []
    for service, priority in order:
        issued.append(queue.issue_ticket(service, priority, KIOSK)["number"])
        clock.advance(minutes=1)
    queue.open_counter(6, officer(6))  # AKTA, KIA, IKD; priority ratio 2
    called = []
    for _ in order:
        ticket = queue.call_next(6, officer(6))
        called.append(ticket["number"])
        queue.act(ticket["id"], "start", officer(6))
        queue.act(ticket["id"], "finish", officer(6))
    assert called == [issued[2], issued[4], issued[0], issued[1], issued[3]]
    assert queue.call_next(6, officer(6)) is None


def test_a_call_on_postgresql_takes_the_chosen_ticket_from_the_heads_read(
    queue: QueueService, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
):
    """PostgreSQL reads (and locks) each head whole: the call does not read the one it
    chooses a second time. SQLite reads only the heads' keys and then the chosen ticket."""
    normal = queue.issue_ticket("KIA", None, KIOSK)
    clock.advance(minutes=1)
    elderly = queue.issue_ticket("AKTA", "lansia", KIOSK)
    queue.open_counter(6, officer(6))  # AKTA, KIA, IKD
    loads: list[str] = []
    load_ticket = repository.load_ticket

    def counted(conn: Connection, mall: str, ticket_id: str, **kw: Any) -> Any:
        loads.append(ticket_id)
        return load_ticket(conn, mall, ticket_id, **kw)

    def call() -> dict[str, Any]:
        with monkeypatch.context() as patched:
            patched.setattr(repository, "load_ticket", counted)
            return queue.call_next(6, officer(6))

    first = call()
    queue.act(first["id"], "no_show", officer(6))
    second = call()
    postgresql = not queue.ctx.uow.is_sqlite
    assert loads == ([] if postgresql else [elderly["id"], normal["id"]])
    for called, issued in ((first, elderly), (second, normal)):
        assert (called["id"], called["number"], called["service"]) == (
            issued["id"],
            issued["number"],
            issued["service"],
        )
        assert (called["status"], called["counter"], called["priority"]) == (
            "called",
            6,
            issued["priority"],
        )
    stored = queue.ticket_status(second["id"])
    assert (stored["number"], stored["status"], stored["counter"]) == (
        normal["number"],
        "called",
        6,
    )


# ---------------------------------------------------------------------- plans
def plan_nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", ()):
        yield from plan_nodes(child)


def fill(engine: Engine, mall: str, day: str, how_many: int) -> None:
    """`how_many` tickets of four services, two thirds waiting, one in five a priority one."""
    with engine.begin() as conn:
        conn.execute(
            text(
                """
                INSERT INTO tickets (id, mall, day, service, origin_service, prefix, sequence,
                    status, priority, issued_at, arrived_at, call_count, transfers, channel)
                SELECT 'q' || i, :mall, :day, s.service, s.service, 'Q', i,
                    CASE WHEN i % 3 = 0 THEN 'done' ELSE 'waiting' END,
                    CASE WHEN i % 5 = 0 THEN 'lansia' END,
                    now() + i * interval '1 second', now() + i * interval '1 second',
                    0, '[]', 'kiosk'
                FROM generate_series(1, :n) AS i,
                    LATERAL (SELECT (ARRAY['AKTA', 'KIA', 'IKD', 'KTP'])[1 + i % 4] AS service) s
                """
            ),
            {"mall": mall, "day": day, "n": how_many},
        )
        conn.execute(text("ANALYZE tickets"))


def explain(
    conn: Connection, statement: Any, params: dict[str, Any], *, analyze: bool = False
) -> dict[str, Any]:
    """PostgreSQL's plan of `statement` with `params`, as JSON (EXPLAIN ANALYZE runs it)."""
    compiled = statement.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    sql = f"EXPLAIN ({'ANALYZE, ' if analyze else ''}FORMAT JSON) {compiled.string}"
    document = conn.exec_driver_sql(sql, compiled.construct_params(params)).scalar_one()
    return (document if isinstance(document, list) else json.loads(document))[0]


@pytest.mark.postgres
def test_the_queue_head_is_read_from_an_index_without_sorting_the_queue(postgres_url: str):
    from core import migrations

    engine = make_engine(postgres_url)
    try:
        migrations.upgrade(engine)
        fill(engine, "M", "2026-11-24", 20_000)
        params = {"mall": "M", "day": "2026-11-24", "now": datetime(2026, 11, 24, 12, tzinfo=UTC)}
        heads = queue_heads._lateral_heads_statement(skip_locked=True)
        by_service = {"services": list(SERVICES)}
        # The query the heads replaced, which the planner answers by sorting the queue: the
        # rows and statistics are enough for the test to mean something.
        across = (
            select(tickets.c.id)
            .where(
                tickets.c.mall == "M",
                tickets.c.day == "2026-11-24",
                tickets.c.service.in_(SERVICES),
                tickets.c.status == "waiting",
                tickets.c.priority.is_(None),
            )
            .order_by(tickets.c.arrived_at, tickets.c.seq)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        with engine.begin() as conn:
            before = list(plan_nodes(explain(conn, across, {})["Plan"]))
            assert any(node["Node Type"] == "Sort" for node in before), before

            nodes = list(plan_nodes(explain(conn, heads, {**params, **by_service})["Plan"]))
            assert not [n for n in nodes if "Sort" in n["Node Type"]], nodes
            scans = [n for n in nodes if n.get("Relation Name") == "tickets"]
            assert len(scans) == 3  # priority, booked, normal: each once per service
            assert {n["Node Type"] for n in scans} <= {"Index Scan", "Index Only Scan"}
            assert {n["Index Name"] for n in scans} == HEAD_INDEX_NAMES
            # Each reads one entry per service: the head of its range, not the queue.
            analyzed = explain(conn, heads, {**params, **by_service}, analyze=True)
            run = [n for n in plan_nodes(analyzed["Plan"]) if n.get("Relation Name")]
            assert {n["Actual Loops"] for n in run} == {len(SERVICES)}
            assert max(n["Actual Rows"] for n in run) == 1

            counted = explain(
                conn, repository._WAITING_SPLIT_OF.statement, {**params, "service": "KTP"}
            )
            assert "tickets" not in json.dumps(counted)  # the kept count, not the queue
    finally:
        engine.dispose()


def test_statements_run_often_are_prepared_and_planned_for_their_own_values(postgres_url: str):
    """Prepared, PostgreSQL parses a statement once per connection; planned afresh each time
    (never one generic plan), a plan made while the queue was short is never kept."""
    from core import migrations

    engine = make_engine(postgres_url)
    try:
        migrations.upgrade(engine)
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SHOW plan_cache_mode").scalar_one() == "force_custom_plan"
            for _ in range(6):
                repository.waiting_count(conn, "M", "2026-11-24", "KTP")
            prepared = conn.exec_driver_sql(
                "SELECT count(*) FROM pg_prepared_statements "
                "WHERE strpos(statement, 'queue_lengths') > 0"
            ).scalar_one()
            assert prepared == 1
    finally:
        engine.dispose()


def test_sqlite_reads_the_queue_heads_without_a_sort(
    make_queue: Any, demo_settings: Settings, sqlite_url: str
):
    queue = make_queue(all_day(demo_settings, database_url=sqlite_url))
    with queue.uow.reading() as conn:
        statement = queue_heads._queue_heads_statement(
            len(SERVICES), skip_locked=False, sqlite=True
        )
        compiled = statement.compile(dialect=conn.dialect)
        params = compiled.construct_params(
            {"mall": queue.mall, "day": "2026-11-24", "now": datetime(2026, 11, 24, 12, tzinfo=UTC)}
            | {f"service_{i}": s for i, s in enumerate(SERVICES)}
        )
        values = [params[name] for name in compiled.positiontup or ()]
        plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + compiled.string, tuple(values)).all()
    details = [row[-1] for row in plan]
    assert not [d for d in details if "TEMP B-TREE" in d], details
    # The booked head from the few checked-in bookings, not by walking the walk-ins.
    for index in ("ix_tickets_waiting_priority", "ix_tickets_waiting_booked"):
        assert sum(index in d for d in details) == len(SERVICES), details
    # The people-ahead count of a new ticket reads the same index for its booked part.
    with queue.uow.reading() as conn:
        counted = repository._BOOKED_WAITING._form(conn.dialect)
        plan = conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN " + counted.sql,
            tuple(
                counted.values(
                    {
                        "mall": queue.mall,
                        "day": "2026-11-24",
                        "service": "KTP",
                        "now": datetime(2026, 11, 24, 12, tzinfo=UTC),
                    }
                )
            ),
        ).all()
    assert "ix_tickets_waiting_booked" in " ".join(row[-1] for row in plan), plan


def test_call_next_needs_no_help_from_the_earlier_day_or_another_mall(
    queue: QueueService, clock: FakeClock
):
    """Heads and counts are per mall and day: yesterday's leftovers are never the head."""
    old = queue.issue_ticket("KTP", None, KIOSK)
    with queue.uow.writing() as conn:
        yesterday = (queue.today() - timedelta(days=1)).isoformat()
        conn.execute(update(tickets).where(tickets.c.id == old["id"]).values(day=yesterday))
    clock.advance(minutes=1)
    new = queue.issue_ticket("KTP", None, KIOSK)
    queue.open_counter(1, officer(1))
    called = queue.call_next(1, officer(1))
    assert called["id"] == new["id"]
    queue.act(called["id"], "no_show", officer(1))
    assert queue.call_next(1, officer(1)) is None
    with queue.uow.reading() as conn:
        assert kept(conn) == recount(conn)


def fill_calls(engine: Engine, mall: str, how_many: int) -> None:
    """`how_many` call events spread over 20 counters, each for a ticket of its own."""
    with engine.begin() as conn:
        conn.execute(
            text(
                """
                INSERT INTO tickets (id, mall, day, service, origin_service, prefix, sequence,
                    status, issued_at, arrived_at, call_count, transfers, channel)
                SELECT 'c' || i, :mall, '2026-11-24', 'KTP', 'KTP', 'C', i, 'done',
                    now(), now(), 1, '[]', 'kiosk'
                FROM generate_series(1, :n) AS i
                """
            ),
            {"mall": mall, "n": how_many},
        )
        conn.execute(
            text(
                """
                INSERT INTO ticket_events (mall, ticket_seq, action, from_status, to_status,
                    service, counter, officer, at, version)
                SELECT t.mall, t.seq, 'call', 'waiting', 'called', 'KTP', 1 + t.sequence % 20,
                    'o', t.issued_at + t.sequence * interval '1 second', t.sequence
                FROM tickets t WHERE t.mall = :mall
                """
            ),
            {"mall": mall},
        )
        conn.execute(text("ANALYZE tickets"))
        conn.execute(text("ANALYZE ticket_events"))


@pytest.mark.postgres
def test_a_counters_booked_streak_reads_its_latest_calls_from_an_index(postgres_url: str):
    """Call-next asks for the counter's booked streak whenever a booked and a walk-in visitor
    both wait: late in a day of 20,000 calls that must not walk the day's events."""
    from core import booked_streaks, migrations

    engine = make_engine(postgres_url)
    try:
        migrations.upgrade(engine)
        fill_calls(engine, "M", 20_000)
        params = {
            "mall": "M",
            "counter": 7,
            "since": datetime(2026, 11, 23, tzinfo=UTC),
            "limit": 3,
        }
        with engine.begin() as conn:
            analyzed = explain(conn, booked_streaks._LATEST_CALLS, params, analyze=True)
        nodes = list(plan_nodes(analyzed["Plan"]))
        assert not [n for n in nodes if "Sort" in n["Node Type"]], nodes
        events = [n for n in nodes if n.get("Relation Name") == "ticket_events"]
        assert [n["Index Name"] for n in events] == ["ix_ticket_events_counter"], events
        assert events[0]["Actual Rows"] == 3  # the three latest, not the counter's thousand
    finally:
        engine.dispose()


def test_sqlite_reads_a_counters_latest_calls_from_its_index(
    make_queue: Any, demo_settings: Settings, sqlite_url: str
):
    queue = make_queue(all_day(demo_settings, database_url=sqlite_url))
    with queue.uow.reading() as conn:
        compiled = booked_streaks_statement().compile(dialect=conn.dialect)
        params = compiled.construct_params(
            {"mall": queue.mall, "counter": 1, "since": datetime(2026, 11, 24, tzinfo=UTC)}
            | {"limit": 3}
        )
        values = [params[name] for name in compiled.positiontup or ()]
        plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + compiled.string, tuple(values)).all()
    details = " ".join(row[-1] for row in plan)
    assert "ix_ticket_events_counter" in details, plan
    assert "TEMP B-TREE" not in details, plan


def booked_streaks_statement() -> Any:
    from core import booked_streaks

    return booked_streaks._LATEST_CALLS
