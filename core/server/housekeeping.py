"""Work the server does on its own, on a timer: today, closing days that ended.

A day must close at the mall's closing time even when nobody acts (core/usecases/closing.py);
commands close it too, but a hall that falls quiet at 16:00 would otherwise keep yesterday's
visitors "waiting" on their phones all night.
"""

from __future__ import annotations

import logging
from typing import Any

from core.handlers import QueueService

log = logging.getLogger(__name__)

INTERVAL_SECONDS = 60.0


def run_once(queue: QueueService) -> int:
    """One round of housekeeping; never raises (a failed round is retried next time)."""
    try:
        return queue.close_ended_days()
    except Exception:
        log.exception("closing the day failed; trying again in %.0f s", INTERVAL_SECONDS)
        return 0


def start(socketio: Any, queue: QueueService, interval: float = INTERVAL_SECONDS) -> None:
    """Run `run_once` every `interval` seconds in a background task of the server."""

    def loop() -> None:
        while True:
            socketio.sleep(interval)
            run_once(queue)

    socketio.start_background_task(loop)
