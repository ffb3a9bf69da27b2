"""A visitor's phone page that connects while the queue moves is not left a move behind."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from core.server.app import socketio_of
from tests.integration.test_api import Api, api, app, kiosk, quick_hashes, siti  # noqa: F401


def test_a_queue_move_between_the_first_read_and_the_join_reaches_the_page(
    app: Flask,  # noqa: F811
    api: Api,  # noqa: F811
    kiosk: str,  # noqa: F811
    siti: str,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
):
    first, _, mine = (api.issue(kiosk) for _ in range(3))
    queue = app.extensions["antrian.queue"]
    read = queue.ticket_status
    reads: list[dict[str, Any]] = []

    def read_then_an_officer_calls(ticket_id: str) -> dict[str, Any]:
        status = read(ticket_id)
        reads.append(status)
        if len(reads) == 1:
            # The page knows its service's room only from this read; the call lands before
            # the page has joined it, so no `queue.moved` can reach the page for it.
            called = api("POST", "/counters/1/call-next", siti)
            assert called[0] == 200, called
            assert called[1]["number"] == first["number"]
        return status

    monkeypatch.setattr(queue, "ticket_status", read_then_an_officer_calls)
    page = socketio_of(app).test_client(app, auth={"ticket": mine["id"]})
    assert page.is_connected()
    statuses = [m["args"][0] for m in page.get_received() if m["name"] == "ticket.status"]
    assert reads[0]["ahead"] == 2
    assert [status["ahead"] for status in statuses] == [1]
    page.disconnect()
