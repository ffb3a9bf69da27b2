"""What sending one committed event to a process's own screens costs the live relay.

In process, on the demo mall (SQLite in a temporary folder): `--displays` display sockets
(Flask-SocketIO's test clients) in the mall room, and a `ticket.issued` event as the relay
hands it over (`Hub._emit_record`). Two ways, taking turns in many short rounds so that a
slower stretch of the shared machine falls on both alike:

  shipped      the hub's emit: one for the ticket's room and the mall room together, and
               a service's `queue.moved` only where a client listens for it
  three emits  the way it replaced: the ticket's room, the mall room, then each service's
               room, each emitted (and encoded) whether anyone is in it or not

    python bench/bench_relay_emit.py                 # 40 rounds of 250 events each way
    python bench/bench_relay_emit.py --displays 40 --events 100
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, machine_note, markdown_table, per_call_us  # noqa: E402

from core.config import load_settings  # noqa: E402
from core.server.app import create_app  # noqa: E402
from core.server.hub import Hub  # noqa: E402
from core.server.relay import Record  # noqa: E402


def three_emits(hub: Hub, name: str, payload: dict[str, Any], ticket_id: str | None) -> None:
    emit = hub.socketio.emit
    if ticket_id:
        emit(name, payload, to=f"ticket:{ticket_id}", ignore_queue=True)
    emit(name, payload, to=hub.mall_room, ignore_queue=True)
    if ticket_id:
        for service in payload.get("waiting") or ():
            emit("queue.moved", {"service": service}, to=f"service:{service}", ignore_queue=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--displays", type=int, default=4, help="screens in the mall room")
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--events", type=int, default=250, help="events per round and way")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as folder:
        settings = dataclasses.replace(
            load_settings(ROOT / "config.yaml", environ={}),
            database_url=f"sqlite:///{Path(folder) / 'bench.db'}",
        )
        opening = datetime(2026, 11, 24, 9, 0, tzinfo=ZoneInfo(settings.mall.timezone))
        app = create_app(settings, clock=lambda: opening, test_config={"TESTING": True})
        hub: Hub = app.extensions["antrian.hub"]
        socketio = app.extensions["socketio"]
        accounts = app.extensions["antrian.accounts"]
        screen = accounts.add_device("bench-tv", "display", zone="A")
        screens = [socketio.test_client(app, auth={"token": screen}) for _ in range(args.displays)]
        kiosk = accounts.add_device("bench-kiosk", "kiosk", kiosk="K2")
        issued = app.test_client().post(
            "/api/v1/tickets", json={"service": "KTP"}, headers={"Authorization": f"Bearer {kiosk}"}
        )
        assert issued.status_code == 201, issued.get_json()
        heard = [e for e in screens[0].get_received() if e["name"] == "ticket.issued"]
        payload = heard[-1]["args"][0]  # the event exactly as the screens get it
        record = Record(payload["version"], "ticket.issued", payload, issued.get_json()["id"])

        ways = {
            "shipped": lambda: hub._emit_record(record),
            "three emits": lambda: three_emits(hub, record.name, record.payload, record.ticket_id),
        }
        times: dict[str, list[float]] = {name: [] for name in ways}
        for _ in range(args.rounds):
            for name, way in ways.items():
                times[name].append(per_call_us(way, args.events))
                for each in screens:
                    each.get_received()  # the test clients keep what they hear
        shipped = statistics.median(times["shipped"])
        rows = [
            [
                name,
                args.displays,
                f"{statistics.median(values):.0f}",
                f"{min(values):.0f}-{max(values):.0f}",
                f"{statistics.median(values) / shipped:.2f}",
            ]
            for name, values in times.items()
        ]
        for each in screens:
            each.disconnect()
    print(
        markdown_table(
            ["way", "displays", "µs per event, median", "range over rounds", "× shipped"], rows
        )
    )
    machine = machine_note(client_and_server=False)
    print(f"\n{args.rounds} rounds of {args.events} events each way; {machine}")
    print(f"(measured {time.strftime('%Y-%m-%d')})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
