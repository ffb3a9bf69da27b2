"""kill -9 while kiosks issue tickets: after the restart every resent request (same key) gets
the one ticket it was meant to get, and the numbers have no gap and no repeat."""

from __future__ import annotations

import time

import pytest

from tests.faults.harness import IssueLoad, check_issued, engine_for, issue_plans, wait_until

pytestmark = pytest.mark.faults

THREADS = 4
PER_THREAD = 30
SERVICES = ["KTP", "KK", "AKTA"]  # within the demo's quotas (150, 120, ...) at 40 each
KILL_AFTER = 25  # acknowledged tickets before the kill (before the n-th: n times as many)
KILLS_AT_MOST = 3


def test_kill_9_while_issuing_loses_and_doubles_nothing(database_url, make_server) -> None:
    server = make_server(database_url=database_url)
    server.start()
    token = server.device_token("kiosk-lobby", "kiosk", kiosk="K1")  # prints (dummy printer)
    mall = server.settings.mall.code
    load = IssueLoad(
        server.base_url,
        token,
        issue_plans(THREADS, PER_THREAD, SERVICES),
        deadline=time.monotonic() + 60,
    )
    load.start()
    # The kill must hit real work: a request in flight. Between seeing some in flight and
    # the kill, a loaded machine can pause this thread long enough for them all to be
    # answered (CI saw it once); then the server is killed again later in the load.
    cut: list[tuple[float, float]] = []
    for kill in range(1, KILLS_AT_MOST + 1):
        assert wait_until(
            lambda n=kill: load.acked_count() >= KILL_AFTER * n and load.in_flight >= 2, 30
        ), "the load never got going"
        killed_at = time.monotonic()
        killed_wall = time.time()
        server.kill()
        time.sleep(0.3)  # kiosks keep resending into a dead port meanwhile
        server.start()
        cut = [a for a in load.lost_attempts if a[0] <= killed_at <= a[1]]
        if cut:
            break
    load.join()

    assert not load.unexpected, load.unexpected
    assert not load.unanswered, f"{len(load.unanswered)} requests never answered"
    assert set(load.statuses) <= {201, 503}, load.statuses
    # Some requests were in flight when the process died: the kill hit real work.
    assert cut, f"no request was in flight at any of {KILLS_AT_MOST} kills"
    assert len(load.acked) == THREADS * PER_THREAD
    engine = engine_for(server)
    try:
        check_issued(engine, mall, "kiosk-lobby", load.keys, load.acked)
    finally:
        engine.dispose()
    # Each acknowledged ticket is what the public status page shows, after the restart too.
    for body in load.acked.values():
        status = server.api("GET", f"/tickets/{body['id']}")
        assert status.status_code == 200 and status.json()["number"] == body["number"]
    committed_unanswered = [
        key
        for key, body in load.acked.items()
        if load.acked_at[key] > killed_wall and _issued_before(body, killed_wall)
    ]
    print(
        f"in flight at the kill: {len(cut)}; committed before the kill but answered only "
        f"after the restart (replayed from the key): {len(committed_unanswered)}"
    )


def _issued_before(body: dict, wall: float) -> bool:
    from datetime import datetime

    issued = datetime.fromisoformat(body["issued_at"].replace("Z", "+00:00"))
    return issued.timestamp() < wall
