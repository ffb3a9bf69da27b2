"""PostgreSQL connections of a running server killed under it (pg_terminate_backend from a
separate admin connection): answers are 200/201/204 or 503 "unavailable", never a 500;
retries with the same key succeed; the invariants hold.

The server process runs with its own `application_name` (PGAPPNAME), so the admin
connection terminates exactly that server's backends and nobody else's.
"""

from __future__ import annotations

import secrets
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import create_engine, text

from tests.faults.harness import (
    IssueLoad,
    OfficerLoad,
    check_calls,
    check_issued,
    engine_for,
    issue_plans,
    new_key,
    wait_until,
)
from tests.integration.pg import postgres_base_url

pytestmark = [pytest.mark.faults, pytest.mark.postgres]

ROUNDS = 6


def admin_engine():  # type: ignore[no-untyped-def]
    url = postgres_base_url().replace("postgresql://", "postgresql+psycopg://", 1)
    return create_engine(url, isolation_level="AUTOCOMMIT")


def terminate(admin, application: str, only_waiting: bool = False) -> int:  # type: ignore[no-untyped-def]
    """Kill the server's backends; how many there were."""
    condition = " AND wait_event_type = 'Lock'" if only_waiting else ""
    with admin.connect() as conn:
        return len(
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE application_name = :app AND pid <> pg_backend_pid()" + condition
                ),
                {"app": application},
            ).all()
        )


def start_server(make_server, postgres_url):  # type: ignore[no-untyped-def]
    server = make_server(database_url=postgres_url)
    application = f"antrian-fault-{secrets.token_hex(4)}"
    server.extra_env["PGAPPNAME"] = application
    server.start()
    return server, application


def test_killed_database_connections_give_503_and_retries_succeed(
    postgres_url, make_server
) -> None:
    server, application = start_server(make_server, postgres_url)
    mall = server.settings.mall.code
    kiosk = server.device_token("kiosk-lobby", "kiosk", kiosk="K1")
    # Visitors for the officers to call, before the faults begin.
    for _ in range(20):
        assert server.api("POST", "/tickets", kiosk, json={"service": "SIM"}).status_code == 201
    tokens = {}
    for counter in (7, 8):  # both call SIM
        server.add_officer(f"officer{counter}", counters=[counter])
        tokens[counter] = server.login(f"officer{counter}", counter=counter)
        server.open_counter(tokens[counter], counter)

    deadline = time.monotonic() + 60
    issuing = IssueLoad(server.base_url, kiosk, issue_plans(3, 25, ["KTP", "KK"]), deadline)
    calling = OfficerLoad(server, tokens, cycles=8, deadline=deadline, retry_window=3)
    admin = admin_engine()
    terminated = 0
    try:
        issuing.start()
        calling.start()
        for _ in range(ROUNDS):
            time.sleep(0.25)
            terminated += terminate(admin, application)
        issuing.join()
        calling.join()
    finally:
        admin.dispose()

    assert terminated >= ROUNDS, f"only {terminated} server connections were terminated"
    assert set(issuing.statuses) <= {201, 503}, issuing.statuses  # never a 500
    assert issuing.statuses[503] > 0, "no request met a killed connection"
    assert not issuing.unexpected and not issuing.unanswered
    statuses = {status for _, status in calling.statuses}
    assert statuses <= {200, 204, 409, 503}, calling.statuses
    assert not calling.unexpected, calling.unexpected

    engine = engine_for(server)
    try:
        check_issued(
            engine, mall, "kiosk-lobby", issuing.keys, issuing.acked, services=["KTP", "KK"]
        )
        check_calls(engine, mall, calling.calls)
    finally:
        engine.dispose()
    print(
        f"terminated {terminated} connections; kiosk answers {dict(issuing.statuses)}; "
        f"officer answers {dict(calling.statuses)}; "
        f"'in progress' after the retry window: {calling.in_progress_after_retries}"
    )


@pytest.mark.parametrize("action", ["issue", "call-next"])
def test_a_request_whose_connection_was_killed_succeeds_when_retried_with_its_key(
    postgres_url, make_server, action: str
) -> None:
    """Deterministic: the request waits on a row lock the admin connection holds, its backend
    is terminated while it waits, and the client's retry with the same key must then act."""
    server, application = start_server(make_server, postgres_url)
    mall = server.settings.mall.code
    kiosk = server.device_token("kiosk-lobby", "kiosk", kiosk="K2")
    assert server.api("POST", "/tickets", kiosk, json={"service": "SIM"}).status_code == 201
    server.add_officer("officer7", counters=[7])
    officer = server.login("officer7", counter=7)
    server.open_counter(officer, 7)
    if action == "issue":
        token, path, body = kiosk, "/tickets", {"service": "SIM"}
        lock = "SELECT 1 FROM daily_sequences WHERE mall = :mall AND service = 'SIM' FOR UPDATE"
        ok = 201
    else:
        token, path, body = officer, "/counters/7/call-next", {}
        lock = "SELECT 1 FROM counter_state WHERE mall = :mall AND number = 7 FOR UPDATE"
        ok = 200
    key = new_key()

    def send() -> requests.Response:
        return server.api("POST", path, token, json=body, headers={"Idempotency-Key": key})

    admin = create_engine(
        server.settings.database_url.replace("postgresql://", "postgresql+psycopg://", 1)
    )
    try:
        with admin.connect() as holder, ThreadPoolExecutor(1) as pool:
            holder.execute(text(lock), {"mall": mall})  # held until this block ends
            pending = pool.submit(send)
            killer = admin_engine()
            try:
                assert wait_until(lambda: terminate(killer, application, True) > 0, 10, 0.05), (
                    "the request never waited on the lock"
                )
            finally:
                killer.dispose()
            first = pending.result(timeout=20)
            holder.rollback()
        assert first.status_code == 503, first.text
        assert first.json()["error"]["code"] == "unavailable"
        answers = []
        for _ in range(20):  # a kiosk or terminal resending for a few seconds
            retry = send()
            answers.append((retry.status_code, retry.text[:120]))
            if retry.status_code == ok:
                break
            time.sleep(0.2)
        assert retry.status_code == ok, f"the retries with the same key got {answers[-3:]}"
        again = send()
        assert again.status_code == ok and again.json()["id"] == retry.json()["id"]
    finally:
        admin.dispose()
