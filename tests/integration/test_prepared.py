"""Prepared statements: written in SQLAlchemy, run on the driver's cursor, same rows as execute.

The hot paths of issuing run their statements this way (core/prepared.py says why). What they
write must read back exactly as if SQLAlchemy had run them, on SQLite and on PostgreSQL, and
what the shortcut cannot do right must be refused when the statement is first used.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Connection, bindparam, insert, select, update

from core.prepared import Prepared, PreparedPerCount, any_of, one_of
from core.repository import as_utc
from core.store import UnitOfWork, mall_state, tickets

ISSUED_AT = datetime(2026, 11, 28, 1, 2, 3, 456789, tzinfo=UTC)
COLUMNS = [c.name for c in tickets.c if c.name != "seq"]


@pytest.fixture
def conn(uow: UnitOfWork) -> Iterator[Connection]:
    with uow.writing() as connection:
        yield connection


def ticket_row(number: int, **changes: object) -> dict[str, object]:
    row: dict[str, object] = {
        "id": f"t{number}",
        "mall": "malang",
        "day": "2026-11-28",
        "service": "KTP",
        "origin_service": "KTP",
        "prefix": "A",
        "sequence": number,
        "status": "waiting",
        "priority": None,
        "counter": None,
        "issued_at": ISSUED_AT,
        "arrived_at": ISSUED_AT,
        "called_at": None,
        "started_at": None,
        "finished_at": None,
        "call_count": 0,
        "transfers": [],
        "channel": "kiosk",
        "issued_by": "anjungan-1",
    }
    row.update(changes)
    return row


def test_rows_written_through_the_cursor_read_back_as_sqlalchemy_wrote_them(conn: Connection):
    prepared = Prepared(insert(tickets).returning(tickets.c.seq), columns=COLUMNS)
    first = prepared.scalar(conn, ticket_row(1, transfers=["KK"], priority="lansia"))
    conn.execute(insert(tickets), [ticket_row(2, transfers=["KK"], priority="lansia")])

    rows = conn.execute(select(tickets).order_by(tickets.c.seq)).all()
    assert rows[0].seq == first and rows[1].seq == first + 1
    mine, theirs = rows[0]._asdict(), rows[1]._asdict()
    for differs in ("seq", "id", "sequence"):
        mine.pop(differs), theirs.pop(differs)
    assert mine == theirs
    # Dates and JSON went through the column types' conversions, not the driver's defaults.
    assert rows[0].transfers == ["KK"]
    assert as_utc(rows[0].issued_at) == ISSUED_AT


def test_literal_values_in_the_statement_are_sent_along(conn: Connection):
    conn.execute(insert(mall_state).values(mall="malang", version=5))
    bump = Prepared(
        update(mall_state)
        .where(mall_state.c.mall == bindparam("in_mall"))
        .values(version=mall_state.c.version + 10)
        .returning(mall_state.c.version)
    )
    assert bump.scalar(conn, {"in_mall": "malang"}) == 15
    assert bump.rows(conn, {"in_mall": "elsewhere"}) == []


def test_run_many_writes_every_row(conn: Connection):
    Prepared(insert(tickets), columns=COLUMNS).run_many(conn, [ticket_row(n) for n in range(1, 6)])
    numbers = conn.execute(select(tickets.c.sequence).order_by(tickets.c.seq)).scalars().all()
    assert numbers == [1, 2, 3, 4, 5]


def test_a_missing_value_names_its_key(conn: Connection):
    prepared = Prepared(select(tickets.c.id).where(tickets.c.mall == bindparam("mall")))
    with pytest.raises(KeyError, match="mall"):
        prepared.rows(conn, {})


def test_scalar_insists_on_exactly_one_row(conn: Connection):
    count = Prepared(select(tickets.c.id).where(tickets.c.mall == bindparam("mall")))
    with pytest.raises(LookupError, match="expected one row, got 0"):
        count.scalar(conn, {"mall": "malang"})


def test_statements_the_cursor_cannot_run_right_are_refused(conn: Connection):
    expanding = Prepared(
        select(tickets.c.id).where(tickets.c.service.in_(bindparam("codes", expanding=True)))
    )
    with pytest.raises(TypeError, match="expanding IN"):
        expanding.rows(conn, {"codes": ["KTP"]})


def test_rows_read_through_the_cursor_are_converted_as_execute_converts_them(conn: Connection):
    """SQLite hands dates back as text and JSON as a string: the column types convert them,
    as they do for execute; the rows carry the columns' names."""
    conn.execute(insert(tickets), [ticket_row(1, transfers=["KK"], priority="lansia")])
    statement = select(tickets).where(tickets.c.id == bindparam("id"))
    mine = Prepared(statement).first(conn, {"id": "t1"})
    theirs = conn.execute(statement, {"id": "t1"}).one()
    assert tuple(mine) == tuple(theirs)
    assert mine.issued_at == theirs.issued_at and as_utc(mine.issued_at) == ISSUED_AT
    assert mine.transfers == ["KK"] and mine.status == "waiting"
    assert Prepared(statement).first(conn, {"id": "nobody"}) is None


def test_a_driver_error_rolls_the_transaction_back_and_leaves_the_pool_usable(uow: UnitOfWork):
    prepared = Prepared(insert(tickets).returning(tickets.c.seq), columns=COLUMNS)
    with uow.writing() as conn:
        prepared.scalar(conn, ticket_row(1))
    driver_error = uow.engine.dialect.dbapi.IntegrityError
    with pytest.raises(driver_error), uow.writing() as conn:
        prepared.scalar(conn, ticket_row(2))  # written, then undone with the rest
        prepared.scalar(conn, ticket_row(1))  # ticket 1 again (same id and number): refused
    with uow.writing() as conn:
        prepared.scalar(conn, ticket_row(3))
        ids = conn.execute(select(tickets.c.id).order_by(tickets.c.seq)).scalars().all()
    assert ids == ["t1", "t3"]


def test_a_list_of_values_is_prepared_once_for_each_length(conn: Connection):
    conn.execute(insert(tickets), [ticket_row(n, service=s) for n, s in enumerate("ABC", 1)])
    by_services = PreparedPerCount(
        lambda n: (
            select(tickets.c.id)
            .where(any_of(tickets.c.service, "services", n), one_of(tickets.c.status, ["waiting"]))
            .order_by(tickets.c.id)
        ),
        "services",
    )
    assert by_services.rows(conn, {"services": ["A", "C"]}) == [("t1",), ("t3",)]
    assert by_services.rows(conn, {"services": ["B", "Z"]}) == [("t2",)]
    assert by_services.rows(conn, {"services": ["C"]}) == [("t3",)]
    assert by_services.rows(conn, {"services": []}) == []
    assert sorted(by_services._by_count) == [1, 2]
