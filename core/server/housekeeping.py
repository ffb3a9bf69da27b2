"""Work the server does on its own, on a timer: today, closing days that ended.

A day must close at the mall's closing time even when nobody acts (core/usecases/closing.py);
commands close it too, but a hall that falls quiet at 16:00 would otherwise keep yesterday's
visitors "waiting" on their phones all night.
"""

from __future__ import annotations

import atexit
import logging
from collections.abc import Mapping
from typing import Any

from core import idempotency
from core.bookings_desk import BookingDesk
from core.config.environment import seconds_from_environment
from core.handlers import QueueService

log = logging.getLogger(__name__)

INTERVAL_SECONDS = 60.0


def run_once(queue: QueueService, desk: BookingDesk | None = None) -> int:
    """One round of housekeeping; never raises (a failed round is retried next time).
    Bookings' personal data (the NIK hash) past its retention is deleted too, print jobs a
    dead process left pending end `interrupted`, and idempotency keys past the day a retry
    could come in are forgotten."""
    closed = 0
    try:
        closed = queue.close_ended_days()
    except Exception:
        log.exception("closing the day failed; trying again in %.0f s", INTERVAL_SECONDS)
    if desk is not None:
        try:
            desk.forget_identities()
        except Exception:
            log.exception("deleting old booking data failed; trying again later")
    try:
        queue.end_interrupted_print_jobs()
    except Exception:
        log.exception("ending interrupted print jobs failed; trying again later")
    try:
        idempotency.forget_old(queue.uow)
    except Exception:
        log.exception("deleting old idempotency keys failed; trying again later")
    return closed


def start(
    socketio: Any,
    queue: QueueService,
    interval: float = INTERVAL_SECONDS,
    desk: BookingDesk | None = None,
) -> None:
    """Run `run_once` every `interval` seconds in a background task of the server."""

    def loop() -> None:
        while True:
            socketio.sleep(interval)
            run_once(queue, desk)

    socketio.start_background_task(loop)


# The wait estimates visitors were given are written this often (core/promises.py): a
# process killed outright loses at most these seconds of them.
PROMISE_FLUSH_SECONDS = 5.0
PROMISE_FLUSH_KEY = "ANTRIAN_ESTIMATE_FLUSH_SECONDS"
PROMISE_FLUSH_RANGE = (0.5, 3600.0)


def promise_flush_seconds(environ: Mapping[str, str] | None = None) -> float:
    """How often the noted estimates are written (`ANTRIAN_ESTIMATE_FLUSH_SECONDS`)."""
    return seconds_from_environment(
        PROMISE_FLUSH_KEY,
        PROMISE_FLUSH_SECONDS,
        PROMISE_FLUSH_RANGE,
        "how often the wait estimates given are written",
        environ,
    )


def start_promise_flush(socketio: Any, queue: QueueService, interval: float) -> None:
    """Write the noted wait estimates every `interval` seconds, and at a clean exit."""
    ledger, uow = queue.ctx.promises, queue.uow
    atexit.register(ledger.flush, uow)  # the development server; gunicorn's workers flush
    # in their exit hook (core/server/production.py), which ends them before atexit would

    def loop() -> None:
        while True:
            socketio.sleep(interval)
            ledger.flush(uow)

    socketio.start_background_task(loop)


# How often a kiosk printer last seen failing is asked again. A health check costs a
# connection and a status byte; one that cannot connect waits out the printer's timeout
# (5 s by default) in this background task, so the interval stays well above that. Every
# process asks on its own, but what one finds the others take from their relay at once
# (Hub._emit_record): they do not wait for their own round.
PRINTER_RECHECK_SECONDS = 30.0


def recheck_printers(printing: Any) -> list[str]:
    """One round: ask the failing printers again (server/printing.py). Never raises."""
    try:
        return list(printing.recheck_failing())
    except Exception:
        log.exception("asking the failing printers again failed; trying again later")
        return []


def start_printer_checks(
    socketio: Any, printing: Any, interval: float = PRINTER_RECHECK_SECONDS
) -> None:
    """Run `recheck_printers` at once and then every `interval` seconds, in a background
    task of the server."""

    def loop() -> None:
        # A first round at once, in this background task (a printer that does not answer
        # delays nothing else): a printer stored as failing or low on paper when the process
        # started is asked now, so a roll put in while the server was down is known within
        # seconds, not after the first interval.
        while True:
            recheck_printers(printing)
            socketio.sleep(interval)

    socketio.start_background_task(loop)


ALERT_TICK_SECONDS = 2.0


def start_alerts(socketio: Any, monitor: Any, tick: float = ALERT_TICK_SECONDS) -> None:
    """Evaluate the alerts (core/usecases/alerting.py) soon after an event moved the hall,
    and every `EVALUATE_SECONDS` anyway: waits and breaks grow with time alone."""

    def loop() -> None:
        while True:
            socketio.sleep(tick)
            if monitor.due():
                monitor.run_once()

    socketio.start_background_task(loop)
