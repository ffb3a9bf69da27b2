"""A client that connects just after a change must not hear that change after its snapshot.

The change's event can be on its way (another thread's emit, the relay's queue) while the
new client joins the room and reads its snapshot, which already holds the change. The server
then skips that client for every event whose version is not past the snapshot's."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from core.config import Settings
from core.events import Event
from core.server.app import socketio_of
from tests.conftest import FakeClock
from tests.integration.pg import all_day_app


@pytest.fixture
def app(settings: Settings, clock: FakeClock) -> Iterator[Flask]:
    with all_day_app(settings, clock) as app:
        yield app


def versions_heard(received: list[dict[str, Any]]) -> list[tuple[str, int]]:
    return [
        (packet["name"], packet["args"][0]["version"])
        for packet in received
        if isinstance(packet["args"][0], dict) and "version" in packet["args"][0]
    ]


def test_an_event_the_snapshot_holds_is_not_sent_after_it(app: Flask):
    hub = app.extensions["antrian.hub"]
    fan_out = app.extensions["antrian.queue"].publisher
    http = app.test_client()
    accounts = app.extensions["antrian.accounts"]
    kiosk = {"Authorization": f"Bearer {accounts.add_device('kiosk-1', 'kiosk', kiosk='K1')}"}
    screen = accounts.add_device("kiosk-2", "kiosk", kiosk="K2")

    # A ticket is issued; its event is held on its way to the hub (a slow emit).
    held: list[Event] = []
    fan_out.subscribers[fan_out.subscribers.index(hub.publish)] = held.append
    assert http.post("/api/v1/tickets", json={"service": "KK"}, headers=kiosk).status_code == 201
    fan_out.subscribers[fan_out.subscribers.index(held.append)] = hub.publish

    # A client connects now: its snapshot already holds the ticket.
    client = socketio_of(app).test_client(app, auth={"token": screen})
    try:
        first = client.get_received()
        assert first[0]["name"] == "snapshot"
        version = first[0]["args"][0]["version"]
        assert held and held[-1].payload()["version"] <= version

        # The held event arrives after the snapshot: not sent to this client.
        for event in held:
            hub.publish(event)
        assert versions_heard(client.get_received()) == []

        # The next change is.
        assert (
            http.post("/api/v1/tickets", json={"service": "KK"}, headers=kiosk).status_code == 201
        )
        later = versions_heard(client.get_received())
        assert later and all(v > version for _, v in later)
        assert ("ticket.issued", version + 1) in later
    finally:
        client.disconnect()
