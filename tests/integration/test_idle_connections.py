"""PostgreSQL connections in the pool: one cut by the server while it sat idle is replaced
before a request uses it, and one in steady use is not pinged before every transaction."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, literal, select, text
from sqlalchemy.exc import OperationalError

import core.engine
from core.engine import make_engine
from core.prepared import Prepared
from tests.integration.pg import postgres_base_url

pytestmark = pytest.mark.postgres

IDLE = 0.3  # seconds: the tests' own threshold, so that they need not wait a second


@pytest.fixture
def engine(postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Engine, str]]:
    monkeypatch.setattr(core.engine, "PING_AFTER_IDLE_SECONDS", IDLE)
    name = f"antrian-idle-{secrets.token_hex(4)}"
    engine = make_engine(postgres_url, connections=1, application_name=name)
    yield engine, name
    engine.dispose()


def cut_connections(application: str) -> int:
    """End the server side of every connection named `application`; how many there were."""
    url = postgres_base_url().replace("postgresql://", "postgresql+psycopg://", 1)
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            return len(
                conn.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE application_name = :name"
                    ),
                    {"name": application},
                ).all()
            )
    finally:
        admin.dispose()


def count_pings(engine: Engine) -> list[int]:
    pings = [0]
    ping = engine.dialect.do_ping

    def counted(dbapi_connection):  # type: ignore[no-untyped-def]
        pings[0] += 1
        return ping(dbapi_connection)

    engine.dialect.do_ping = counted  # type: ignore[method-assign]
    return pings


def backend_pid(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())


def test_a_connection_cut_while_idle_is_replaced_before_use(engine) -> None:  # type: ignore[no-untyped-def]
    engine, name = engine
    pings = count_pings(engine)
    first = backend_pid(engine)
    assert cut_connections(name) == 1
    time.sleep(IDLE + 0.1)
    # Without the ping the pool hands out the dead connection and this fails.
    second = backend_pid(engine)
    assert second != first
    assert pings[0] == 1


def test_a_connection_in_steady_use_is_not_pinged(engine) -> None:  # type: ignore[no-untyped-def]
    engine, name = engine
    pings = count_pings(engine)
    pids = {backend_pid(engine) for _ in range(20)}
    assert len(pids) == 1 and pings[0] == 0


def test_connections_cut_in_steady_use_fail_one_transaction_then_are_all_replaced(
    postgres_url: str,
) -> None:
    """The price of pinging only idle connections: after a cut, the first transaction fails
    (answered 503 and retried with its key, tests/faults) and the pool replaces every
    connection it holds, also after a failure on the driver's own cursor (core/prepared.py)."""
    name = f"antrian-cut-{secrets.token_hex(4)}"
    engine = make_engine(postgres_url, connections=3, application_name=name)
    one = Prepared(select(literal(1)))
    try:
        held = [engine.connect() for _ in range(3)]
        for conn in held:
            conn.execute(text("SELECT 1"))
        for conn in held:
            conn.close()
        assert cut_connections(name) == 3
        with pytest.raises(OperationalError), engine.connect() as conn, conn.begin():
            one.rows(conn, {})
        for _ in range(6):
            with engine.connect() as conn, conn.begin():
                assert one.rows(conn, {}) == [(1,)]
    finally:
        engine.dispose()
