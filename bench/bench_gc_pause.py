"""How long a full garbage collection holds a worker, with its start-up set aside and without.

A full collection walks every object the interpreter tracks, with the interpreter held: every
request of that process waits until it ends. In process, on the demo mall (SQLite in a
temporary folder): the app a worker builds (`create_app`), warmed by issuing, calling and
finishing `--warm` tickets through Flask's test client, then timed:

  as it starts   full collections of the worker as it is (what a gunicorn worker did until
                 `set_start_up_aside`, core/server/production.py)
  set aside      the same after `set_start_up_aside()` (gc.freeze), then after another
                 `--warm` tickets of work, so what came after start-up is walked too

    python bench/bench_gc_pause.py
    python bench/bench_gc_pause.py --warm 400 --rounds 9
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, machine_note, markdown_table  # noqa: E402

from core.config import load_settings  # noqa: E402
from core.server.app import create_app  # noqa: E402
from core.server.production import set_start_up_aside  # noqa: E402


def work(app: Any, kiosk: str, officer: str, tickets: int) -> None:
    """Issue `tickets` visitors of KTP and call and finish each at counter 1."""
    client = app.test_client()
    kiosk_auth = {"Authorization": f"Bearer {kiosk}"}
    officer_auth = {"Authorization": f"Bearer {officer}"}
    for _ in range(tickets):
        issued = client.post("/api/v1/tickets", json={"service": "KTP"}, headers=kiosk_auth)
        assert issued.status_code == 201, issued.get_json()
        called = client.post("/api/v1/counters/1/call-next", headers=officer_auth)
        assert called.status_code == 200, called.get_json()
        ticket = called.get_json()["id"]
        for action in ("start", "finish"):
            done = client.post(f"/api/v1/tickets/{ticket}/{action}", headers=officer_auth)
            assert done.status_code == 200, done.get_json()


def full_collections_ms(rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        began = time.perf_counter()
        gc.collect()
        times.append((time.perf_counter() - began) * 1000)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--warm", type=int, default=200, help="tickets of work before timing")
    parser.add_argument("--rounds", type=int, default=7, help="full collections timed each way")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as folder:
        demo = load_settings(ROOT / "config.yaml", environ={})
        settings = dataclasses.replace(
            demo,
            database_url=f"sqlite:///{Path(folder) / 'bench.db'}",
            services=tuple(dataclasses.replace(s, daily_quota=None) for s in demo.services),
        )
        opening = datetime(2026, 11, 24, 9, 0, tzinfo=ZoneInfo(settings.mall.timezone))
        app = create_app(
            settings,
            clock=lambda: opening,
            test_config={"TESTING": True, "ANTRIAN_KIOSK_ISSUE_LIMITS": "100000 per minute"},
        )
        accounts = app.extensions["antrian.accounts"]
        kiosk = accounts.add_device("bench-kiosk", "kiosk", kiosk="K2")
        accounts.add_user("bench-officer", "rahasia-123", "officer", [1])
        officer, _ = accounts.login("bench-officer", "rahasia-123", 1)
        opened = app.test_client().post(
            "/api/v1/counters/1/status",
            json={"status": "open"},
            headers={"Authorization": f"Bearer {officer}"},
        )
        assert opened.status_code == 200, opened.get_json()
        work(app, kiosk, officer, args.warm)

        rows = []
        tracked = len(gc.get_objects())
        before = full_collections_ms(args.rounds)
        rows.append(["as it starts", tracked, 0, statistics.median(before), max(before)])
        frozen = set_start_up_aside()
        after = full_collections_ms(args.rounds)
        walked = len(gc.get_objects())
        rows.append(["set aside", walked, frozen, statistics.median(after), max(after)])
        work(app, kiosk, officer, args.warm)
        later = full_collections_ms(args.rounds)
        rows.append(
            [
                f"set aside, {args.warm} tickets later",
                len(gc.get_objects()),
                gc.get_freeze_count(),
                statistics.median(later),
                max(later),
            ]
        )
        gc.unfreeze()
        app.extensions["antrian.engine"].dispose()

    print(f"## Full garbage collection of a worker ({machine_note(client_and_server=False)})\n")
    print(
        markdown_table(
            ["worker", "objects walked", "set aside", "full collection p50 ms", "max ms"],
            [[r[0], r[1], r[2], f"{r[3]:.1f}", f"{r[4]:.1f}"] for r in rows],
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
