"""The message queue goes away for a few seconds: two server processes share a PostgreSQL
schema and a private Redis (started here, on a free port, without persistence; the machine's
own Redis is never touched). While Redis is down a call is made through process B; a display
connected to process A is told that its data may be out of date, and shows that call (heard as
an event, in version order, so the display announces it) within 5 s of Redis's return at the
latest, without a snapshot: the relay reads the database while the queue is away."""

from __future__ import annotations

import secrets
import time

import pytest
import yaml

from tests.faults.harness import Display, PrivateRedis, wait_until
from tests.support.live import ROOT

pytestmark = [pytest.mark.faults, pytest.mark.postgres, pytest.mark.redis]

OUTAGE_SECONDS = 3
RECOVERY_SECONDS = 5  # after Redis is back


def test_a_call_made_while_redis_is_down_reaches_a_display_on_the_other_process(
    postgres_url, make_server, tmp_path
) -> None:
    redis = PrivateRedis(tmp_path)
    redis.start()
    try:
        mall = yaml.safe_load((ROOT / "config.yaml").read_text())["mall"]
        mall["code"] = f"test-{secrets.token_hex(4)}"
        first = make_server("a", database_url=postgres_url, message_queue=redis.url, mall=mall)
        second = make_server("b", database_url=postgres_url, message_queue=redis.url, mall=mall)
        first.start()
        second.start()
        kiosk = first.device_token("kiosk-lobby", "kiosk", kiosk="K2")
        numbers = []
        for _ in range(2):
            issued = first.api("POST", "/tickets", kiosk, json={"service": "KTP"})
            assert issued.status_code == 201, issued.text
            numbers.append(issued.json()["number"])
        first.add_officer("rina", counters=[1])
        officer = second.login("rina", counter=1)
        second.open_counter(officer, 1)
        display = Display(first.base_url, first.device_token("tv-lobby", "display", zone="A"))
        display.connect()
        try:
            # With Redis up, a call through B reaches the display on A.
            called = second.api("POST", "/counters/1/call-next", officer)
            assert called.status_code == 200, called.text
            assert wait_until(lambda: _shows(display, numbers[0]), 10), "the path never worked"
            for action in ("start", "finish"):
                done = second.api("POST", f"/tickets/{called.json()['id']}/{action}", officer)
                assert done.status_code == 200, done.text
            assert wait_until(lambda: _shows(display, None), 10)

            redis.stop()
            assert wait_until(lambda: display.live_statuses[-1:] == [False], 10), (
                "the display was never told that its data may be out of date"
            )
            during = second.api("POST", "/counters/1/call-next", officer)
            assert during.status_code == 200, during.text  # the database does not need Redis
            assert during.json()["number"] == numbers[1]
            time.sleep(OUTAGE_SECONDS)
            redis.start()

            shown = wait_until(lambda: _shows(display, numbers[1]), RECOVERY_SECONDS, 0.1)
            version, counters, missing = display.state()
            assert shown, (
                f"{RECOVERY_SECONDS}s after Redis came back the display on process A still "
                f"shows {counters[1]} at counter 1, at version {version}, not the call of "
                f"{numbers[1]} made through process B during the outage; process B's log: "
                f"{[line for line in second.log_tail(20_000).splitlines() if 'redis' in line]}"
            )
            assert not missing, f"versions the display never got: {missing}"
            # The call came as an event (the display announces it), not through a snapshot.
            called_events = [p for n, p in display.events if n == "ticket.called"]
            assert called_events[-1]["ticket"]["number"] == numbers[1]
            assert display.snapshot_count() == 1, "the display needed a snapshot"
            assert wait_until(lambda: display.live_statuses[-1:] == [True], RECOVERY_SECONDS), (
                f"the display still hears that it may be out of date: {display.live_statuses}"
            )
        finally:
            display.disconnect()
    finally:
        redis.stop()


def _shows(display: Display, number: str | None) -> bool:
    current = display.state()[1].get(1)
    return (current["number"] if current else None) == number
