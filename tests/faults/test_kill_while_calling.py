"""kill -9 while officers race call-next / start / finish at three counters of one queue:
every acknowledged call is one ticket called once at that counter, and after the restart a
display that was connected all along reconnects to a snapshot that agrees with the database,
and misses no event after it."""

from __future__ import annotations

import time

import pytest

from tests.faults.harness import (
    Display,
    OfficerLoad,
    check_calls,
    check_display_agrees,
    database_view,
    engine_for,
    wait_until,
)

pytestmark = pytest.mark.faults

COUNTERS = (1, 2, 3)  # all three call KTP (counter 3 also KIA, which nobody takes here)
WAITING = 45
CYCLES = 12  # calls per counter
KILL_AFTER = 8  # acknowledged calls before the kill


def test_kill_9_while_calling_loses_no_call(database_url, make_server) -> None:
    server = make_server(database_url=database_url)
    server.start()
    mall = server.settings.mall.code
    kiosk = server.device_token("kiosk-lobby", "kiosk", kiosk="K2")  # no printing needed
    for _ in range(WAITING):
        issued = server.api("POST", "/tickets", kiosk, json={"service": "KTP"})
        assert issued.status_code == 201, issued.text
    tokens = {}
    for counter in COUNTERS:
        server.add_officer(f"officer{counter}", counters=[counter])
        tokens[counter] = server.login(f"officer{counter}", counter=counter)
        server.open_counter(tokens[counter], counter)
    zone = server.settings.counter(COUNTERS[0]).zone
    zone_counters = [c.number for c in server.settings.counters if c.zone == zone]
    display = Display(server.base_url, server.device_token("tv-lobby", "display", zone=zone))
    display.connect()

    # A short retry window: a key cut by the kill stays "in progress" far longer (see the
    # README), and the officer then goes on from the counter's state, as the terminal does.
    load = OfficerLoad(
        server, tokens, cycles=CYCLES, deadline=time.monotonic() + 60, retry_window=3
    )
    engine = engine_for(server)
    try:
        load.start()
        assert wait_until(lambda: load.call_count() >= KILL_AFTER, 30), "no calls were made"
        server.kill()
        time.sleep(0.3)
        server.start()
        # The display that was connected through the kill comes back by itself.
        assert wait_until(lambda: display.connects >= 2 and display.snapshot_count() >= 2, 15), (
            "the display did not reconnect to a snapshot after the restart"
        )
        load.join()

        assert not load.unexpected, load.unexpected
        allowed = {200, 204, 409, *range(502, 505)}  # 409: "in progress", retried
        assert {status for _, status in load.statuses} <= allowed, load.statuses
        assert load.call_count() >= KILL_AFTER + len(COUNTERS), "calling did not go on"
        check_calls(engine, mall, load.calls)

        expected = database_view(engine, mall, zone_counters)
        # The display followed every event after its reconnect snapshot: no version missing,
        # and its counters show what the database has.
        assert wait_until(lambda: display.state()[0] >= expected["version"], 10), (
            f"the display is at version {display.state()[0]}, the database at {expected['version']}"
        )
        version, counters, missing = display.state()
        assert not missing, f"versions the display never got: {missing}"
        assert version == expected["version"]
        shown = {
            n: ({"number": c["number"], "status": c["status"]} if c else None)
            for n, c in counters.items()
        }
        assert shown == expected["active"]
        # And a snapshot asked for now (as on a version gap) is the database's state.
        check_display_agrees(display.fresh_snapshot(), expected)
        print(
            f"calls acknowledged: {load.call_count()}; statuses: {dict(load.statuses)}; "
            f"still 'in progress' after the retry window: {load.in_progress_after_retries}"
        )
    finally:
        display.disconnect()
        engine.dispose()


@pytest.mark.postgres
def test_an_officer_action_cut_by_kill_9_is_answered_when_retried(
    postgres_url, make_server
) -> None:
    """Deterministic on PostgreSQL: call-next claims its key, then waits on the counter's row,
    locked by an admin connection; the server is killed there and restarted; the terminal's
    retry with the same key must get an answer (the call) within a few seconds."""
    from concurrent.futures import ThreadPoolExecutor

    import requests
    from sqlalchemy import create_engine, text

    from tests.faults.harness import new_key

    server = make_server(database_url=postgres_url)
    server.start()
    mall = server.settings.mall.code
    kiosk = server.device_token("kiosk-lobby", "kiosk", kiosk="K2")
    assert server.api("POST", "/tickets", kiosk, json={"service": "SIM"}).status_code == 201
    server.add_officer("officer7", counters=[7])
    officer = server.login("officer7", counter=7)
    server.open_counter(officer, 7)
    key = new_key()

    def send() -> requests.Response | None:
        try:
            return server.api(
                "POST", "/counters/7/call-next", officer, headers={"Idempotency-Key": key}
            )
        except requests.RequestException:
            return None

    admin = create_engine(postgres_url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with admin.connect() as holder, ThreadPoolExecutor(1) as pool:
            holder.execute(
                text("SELECT 1 FROM counter_state WHERE mall = :m AND number = 7 FOR UPDATE"),
                {"m": mall},
            )
            pending = pool.submit(send)
            # Read from another connection: a transaction sees pg_stat_activity frozen.
            watcher = create_engine(
                postgres_url.replace("postgresql://", "postgresql+psycopg://", 1),
                isolation_level="AUTOCOMMIT",
            )
            waiting = text(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND query LIKE '%FROM counter_state%' AND pid <> pg_backend_pid()"
            )
            try:
                with watcher.connect() as conn:
                    assert wait_until(lambda: conn.execute(waiting).scalar_one() > 0, 10, 0.05)
            finally:
                watcher.dispose()
            server.kill()
            assert pending.result(timeout=10) is None  # the officer got no answer
            holder.rollback()
    finally:
        admin.dispose()
    server.start()
    answers = []
    deadline = time.monotonic() + 10  # the terminal would give up at 30 s; the key waits 60
    while time.monotonic() < deadline:
        retry = send()
        answers.append(retry.status_code if retry is not None else None)
        if retry is not None and retry.status_code == 200:
            break
        time.sleep(0.3)
    assert answers[-1] == 200, f"retries with the same key got {answers}"
