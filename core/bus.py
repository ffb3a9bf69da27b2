"""Where committed events go: subscribers in this process (the server's Socket.IO hub).

A use case publishes only after its transaction committed (core/usecases/unit.py), so a
subscriber never hears of a change that was rolled back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol

from core.events import Event

log = logging.getLogger(__name__)


class Publisher(Protocol):
    def publish(self, event: Event) -> None: ...


class FanOut:
    """Hands each event to the subscribers in this process (the server's Socket.IO hub)."""

    def __init__(self) -> None:
        self.subscribers: list[Callable[[Event], None]] = []

    def subscribe(self, subscriber: Callable[[Event], None]) -> None:
        self.subscribers.append(subscriber)

    def publish(self, event: Event) -> None:
        for subscriber in self.subscribers:
            try:
                subscriber(event)
            except Exception:  # a broken listener must not undo a committed change
                log.exception("event subscriber failed for %s", event.name)


class InMemoryPublisher(FanOut):
    """A fan-out that also keeps every event it saw: for tests and tools, never the server,
    whose events would pile up for as long as it runs."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[Event] = []

    def publish(self, event: Event) -> None:
        self.events.append(event)
        super().publish(event)
