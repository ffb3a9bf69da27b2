"""Each ticket event tells the waiting counts of the services it touched as they stood at its
version: the counts a change moved are read before its version bump (the change holds their
rows), the others after it (core/usecases/unit.py). On both databases."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from sqlalchemy import select

from core import live_log
from core.bus import InMemoryPublisher
from core.config import Settings
from core.handlers import QueueService
from core.store import ticket_events
from tests.conftest import ADMIN, KIOSK, officer


@pytest.fixture
def settings(demo_settings: Settings, database_url: str) -> Settings:
    return dataclasses.replace(demo_settings, database_url=database_url)


def told(publisher: InMemoryPublisher) -> list[tuple[str, dict[str, Any]]]:
    events = [e for e in publisher.events if e.name.startswith("ticket.")]
    return [(e.name, e.payload()["waiting"]) for e in events]


def test_every_ticket_event_tells_the_counts_it_touched_at_its_version(
    queue: QueueService, publisher: InMemoryPublisher
) -> None:
    queue.open_counter(1, officer(1))  # KTP
    first, second, _third = (queue.issue_ticket("KTP", None, KIOSK) for _ in range(3))
    publisher.events.clear()

    called = queue.call_next(1, officer(1))
    assert called is not None and called["id"] == first["id"]
    queue.act(called["id"], "start", officer(1))
    queue.transfer(called["id"], "KK", officer(1))  # served: joins KK's queue
    again = queue.call_next(1, officer(1))
    assert again is not None and again["id"] == second["id"]
    queue.act(again["id"], "hold", officer(1))
    queue.act(again["id"], "requeue", officer(1))
    queue.act(again["id"], "cancel", ADMIN)

    assert told(publisher) == [
        ("ticket.called", {"KTP": 2}),
        ("ticket.serving", {"KTP": 2}),
        ("ticket.transferred", {"KTP": 2, "KK": 1}),
        ("ticket.called", {"KTP": 1}),
        ("ticket.on_hold", {"KTP": 1}),
        ("ticket.requeued", {"KTP": 2}),
        ("ticket.cancelled", {"KTP": 1}),
    ]
    versions = [e.version for e in publisher.events if e.name.startswith("ticket.")]
    assert versions == list(range(versions[0], versions[0] + len(versions)))
    # The log holds each event as it was sent, and each action row its version (on
    # PostgreSQL both are written with the bump, their versions computed there).
    with queue.uow.reading() as conn:
        logged = live_log.after(conn, queue.mall, versions[0] - 1, 100)
        actions = conn.execute(
            select(ticket_events.c.action, ticket_events.c.version)
            .where(ticket_events.c.version >= versions[0])
            .order_by(ticket_events.c.version)
        ).all()
    sent = [e for e in publisher.events if e.version >= versions[0]]
    assert [(v, name, payload) for v, name, _, payload in logged] == [
        (e.version, e.name, json.loads(json.dumps(e.payload()))) for e in sent
    ]
    assert [version for _, version in actions] == versions
