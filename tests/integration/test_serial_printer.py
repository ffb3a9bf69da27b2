"""A serial ticket printer asked for its paper status around each ticket, as a network one is.

The printer is a real serial peer: the other end of a pseudo-terminal, which pyserial (through
python-escpos) opens like any /dev/ttyUSB0. It reads what the kiosk sends and answers the
paper-status request (DLE EOT 4) with the status byte a real printer sends.
"""

from __future__ import annotations

import os
import select
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from printers.base import PAPER_STATUS_REQUEST, PrinterError
from printers.devices import SerialPrinter
from printers.jobs import print_with_timeout

PAPER_OK, PAPER_NEAR_END, PAPER_OUT = 0x12, 0x1E, 0x72  # fixed bits 0x12; near end 0x0C; out 0x60
TIMEOUT = 2.0
TICKET = b"\x1b@A-001\n\x1dV\x00"


class SerialPeer:
    """The printer's side of the line: keeps what it is sent (the status requests apart) and
    answers each request with `status`, or not at all when it is None."""

    def __init__(self) -> None:
        self.master, slave = os.openpty()
        self.path = os.ttyname(slave)
        self._slave = slave  # kept open so the line stays up while pyserial reopens it
        self.status: int | None = PAPER_OK
        self.received = b""
        self.requests = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        pending = b""
        while not self._stop.is_set():
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if not ready:
                continue
            try:
                pending += os.read(self.master, 4096)
            except OSError:
                return
            while PAPER_STATUS_REQUEST in pending:
                before, pending = pending.split(PAPER_STATUS_REQUEST, 1)
                self.received += before
                self.requests += 1
                if self.status is not None:
                    os.write(self.master, bytes([self.status]))
            # Keep a request's first bytes that may be completed by the next read.
            keep = next((n for n in (2, 1) if pending.endswith(PAPER_STATUS_REQUEST[:n])), 0)
            self.received += pending[: len(pending) - keep]
            pending = pending[len(pending) - keep :]

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        os.close(self.master)
        os.close(self._slave)


@pytest.fixture
def peer() -> Iterator[SerialPeer]:
    line = SerialPeer()
    yield line
    line.close()


@pytest.fixture
def printer(peer: SerialPeer) -> Iterator[SerialPrinter]:
    device = SerialPrinter(peer.path, 9600)
    yield device
    device.close()


def wait_for(condition: Callable[[], object], seconds: float = 2.0) -> bool:
    """Whether `condition` holds within `seconds` (the peer reads on its own thread)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_a_ticket_goes_out_between_two_answered_status_requests(peer, printer):
    assert printer.print_bytes(TICKET, TIMEOUT) is None
    assert wait_for(lambda: peer.received == TICKET)
    assert peer.requests == 2  # before the ticket, and after it to confirm it
    assert printer.paper_low is False
    health = printer.check(TIMEOUT)
    assert (health.ok, health.known, health.paper_low) == (True, True, False)
    assert (
        health.message == f"printer serial {peer.path} siap / serial printer {peer.path} is ready"
    )


def test_a_roll_running_low_is_known_from_the_ticket_and_the_health_check(peer, printer):
    peer.status = PAPER_NEAR_END
    outcome = print_with_timeout(printer, TICKET, TIMEOUT)
    # The kiosk's path: printed, and the roll's sensor is passed on to the counters' banner.
    assert (outcome.ok, outcome.printer_state, outcome.paper_low) == (True, "ok", True)
    health = printer.check(TIMEOUT)
    assert (health.ok, health.paper_low) == (True, True)
    assert "paper is running low" in health.message


def test_an_empty_roll_gets_no_ticket_and_says_why(peer, printer):
    peer.status = PAPER_OUT
    with pytest.raises(PrinterError, match="out of paper"):
        printer.print_bytes(TICKET, TIMEOUT)
    assert not wait_for(lambda: peer.received, seconds=0.3)
    health = printer.check(TIMEOUT)
    assert not health.ok and health.reachable and "out of paper" in health.message
    # A new roll: the next ticket prints.
    peer.status = PAPER_OK
    assert printer.print_bytes(TICKET, TIMEOUT) is None
    assert wait_for(lambda: peer.received == TICKET)


def test_a_printer_that_never_answers_still_prints_and_is_not_asked_again(peer, printer):
    peer.status = None
    note = printer.print_bytes(TICKET, TIMEOUT)
    assert note is not None and "did not answer the paper-status request" in note
    assert "state unknown" in note
    assert wait_for(lambda: peer.received == TICKET)
    asked = peer.requests
    note = printer.print_bytes(TICKET, TIMEOUT)
    assert note is not None and "without asking its paper status" in note
    assert wait_for(lambda: peer.received == TICKET * 2)
    assert peer.requests == asked
    outcome = print_with_timeout(printer, TICKET, TIMEOUT)
    assert (outcome.ok, outcome.printer_state) == (True, "unknown")


def test_without_status_queries_the_ticket_is_only_sent(peer):
    printer = SerialPrinter(peer.path, 9600, status_query=False)
    try:
        assert printer.print_bytes(TICKET, TIMEOUT) is None
        assert wait_for(lambda: peer.received == TICKET)
        assert peer.requests == 0
        assert printer.check(TIMEOUT).message == (
            f"port serial {peer.path} terbuka / serial port {peer.path} is open"
        )
    finally:
        printer.close()
