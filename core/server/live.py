"""Wires the live relay (core/server/relay.py) to this server: the database, Redis, Socket.IO.

`antrian serve` starts it through `Hub.start_relay`; in-process tests leave it off and the hub
emits each event synchronously.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from core import live_log
from core.events import Event
from core.handlers import QueueService
from core.server.relay import PRUNE_SECONDS, Record, RedisBus, Sequencer, channel_name

log = logging.getLogger(__name__)


class LiveEvents:
    """One process's relay: its own events go straight into the sequencer (and out on the
    message queue), the other processes' come from the queue or, when late, the database."""

    def __init__(
        self,
        queue: QueueService,
        emit: Callable[[Record], None],
        beacon: Callable[[int], None],
        status: Callable[[bool], None],
        *,
        message_queue: str | None,
        deployment: str,
    ) -> None:
        self.queue = queue
        self.sequencer = Sequencer(emit, self._read_after, queue.version, beacon, status)
        self.bus: RedisBus | None = None
        if message_queue and message_queue.startswith(("redis://", "rediss://", "unix://")):
            self.bus = RedisBus(
                message_queue,
                channel_name(deployment, queue.mall),
                self.sequencer.offer,
                self.sequencer.bus_changed,
            )
        elif message_queue:
            log.warning(
                "live events cross processes only through Redis; with %s each process reads "
                "the others' events from the database once a second",
                message_queue.split("://")[0],
            )

    @property
    def bus_ok(self) -> bool:
        """Whether the screens of this process are told their data is up to date."""
        return self.sequencer.bus_ok

    def start(self, start_task: Callable[..., Any]) -> None:
        start_task(self.sequencer.run)
        if self.bus is not None:
            self.sequencer.bus_changed(False)  # until the subscription is up
            self.bus.start(start_task)
        start_task(self._prune_loop)

    def stop(self) -> None:
        self.sequencer.stop()

    def publish(self, event: Event) -> None:
        """A committed event of this process (called in version order, after the commit)."""
        record = Record.of(event)
        self.sequencer.offer(record)
        if self.bus is not None:
            self.bus.publish(record)

    def _read_after(self, version: int, limit: int) -> list[Record]:
        with self.queue.uow.reading() as conn:
            rows = live_log.after(conn, self.queue.mall, version, limit)
        return [Record(v, name, payload, ticket_id) for v, name, ticket_id, payload in rows]

    def _prune_loop(self) -> None:
        while True:
            time.sleep(PRUNE_SECONDS)
            try:
                newest = self.queue.version()
                if newest > live_log.KEEP_EVENTS:
                    with self.queue.uow.writing() as conn:
                        live_log.prune(conn, self.queue.mall, newest)
            except Exception:  # the database blinked: next round
                log.exception("pruning the live-event log failed")
