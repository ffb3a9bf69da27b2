"""What every ticket printer shares: the interface, its errors, its health, the defaults."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from printers.words import both, halves, seconds

KINDS = ("network", "usb", "serial", "file", "cups", "dummy")
# A printer as its messages name it: (Indonesian, English), e.g. ("printer serial /dev/ttyS0",
# "serial printer /dev/ttyS0").
Label = tuple[str, str]
DEFAULT_PORT = 9100
DEFAULT_BAUDRATE = 9600
DEFAULT_TIMEOUT_SECONDS = 5.0

# DLE EOT 4: real-time request for the roll paper sensor status (one byte back).
PAPER_STATUS_REQUEST = b"\x10\x04\x04"
# The longest a ticket waits for that byte before it is sent anyway (at most half the printer's
# timeout): a printer on a LAN answers within milliseconds, and one that does not answer at all
# (a print server that relays no replies, a model without the command) must not hold every
# visitor up for the whole timeout.
STATUS_REPLY_SECONDS = 1.0
_STATUS_FIXED_MASK, _STATUS_FIXED_BITS = 0x93, 0x12  # bits 0, 1, 4, 7 are fixed at 0, 1, 1, 0
_PAPER_NEAR_END, _PAPER_NOT_PRESENT = 0x0C, 0x60


class PrinterError(Exception):
    """A ticket could not be printed; the message says why in words an operator understands."""


class PrinterConfigError(ValueError):
    """A printer entry in the configuration is invalid; the message starts with its key path."""


@dataclass(frozen=True, slots=True)
class PrinterHealth:
    ok: bool
    message: str
    # False when nothing answered at all; True when something is there but not ready.
    reachable: bool = True
    # False when the printer is there but did not say whether it can print (no status reply).
    known: bool = True
    # The roll's near-end sensor is on: it still prints, but someone should fetch a roll
    # before it runs out (a warning, not a failure).
    paper_low: bool = False


@runtime_checkable
class TicketPrinter(Protocol):
    def print_bytes(self, data: bytes, timeout: float) -> str | None:
        """Deliver `data` within `timeout` seconds or raise `PrinterError`.

        Returns None, or a note when the bytes went out but the printer's state could not be
        learnt (it did not answer a status request): printed, as far as anyone can tell.
        """
        ...

    def check(self, timeout: float) -> PrinterHealth:
        """Whether the printer can take a ticket now. Never raises."""
        ...


class _Busy(PrinterError):
    """An earlier ticket still holds the device (its driver call has not returned)."""


@contextlib.contextmanager
def _held(lock: threading.Lock, timeout: float, label: Label) -> Iterator[None]:
    # One handle serves every ticket; a write stuck in the driver must not also hang the next
    # ticket or a health check forever.
    if not lock.acquire(timeout=max(timeout, 0)):
        raise _Busy(
            both(
                f"{label[0]} masih sibuk dengan tiket sebelumnya",
                f"{label[1]} is still busy with an earlier ticket",
            )
        )
    try:
        yield
    finally:
        lock.release()


def is_status_byte(byte: int) -> bool:
    """Whether `byte` is a DLE EOT status reply: bytes a printer volunteers on its own do not
    carry the fixed bits."""
    return byte & _STATUS_FIXED_MASK == _STATUS_FIXED_BITS


def paper_out(status: int) -> bool:
    return status & _PAPER_NOT_PRESENT == _PAPER_NOT_PRESENT


def paper_health(
    status: int | None, label: Label, silent_after: float, reachable: Label
) -> PrinterHealth:
    """A health check's answer from the paper-status byte (None: no reply within
    `silent_after` seconds from a printer that is there, in the words of `reachable`)."""
    if status is None:
        # Tickets are printed regardless (see print_bytes): nothing to warn visitors about.
        return PrinterHealth(
            True,
            both(
                f"{reachable[0]}, tetapi tidak menjawab permintaan status kertas dalam "
                f"{seconds(silent_after)}: keadaan printer tidak diketahui",
                f"{reachable[1]} but did not answer the paper-status request within "
                f"{seconds(silent_after)}: printer state unknown",
            ),
            known=False,
        )
    if paper_out(status):
        return PrinterHealth(False, out_of_paper(label))
    if status & _PAPER_NEAR_END:
        return PrinterHealth(
            True,
            both(
                f"{label[0]} siap; kertas hampir habis",
                f"{label[1]} is ready; paper is running low",
            ),
            paper_low=True,
        )
    return PrinterHealth(True, both(f"{label[0]} siap", f"{label[1]} is ready"))


def out_of_paper(label: Label) -> str:
    return both(f"{label[0]} kehabisan kertas", f"{label[1]} is out of paper")


def not_taken(label: Label, timeout: float) -> str:
    return both(
        f"{label[0]} tidak menerima tiket dalam {seconds(timeout)}",
        f"{label[1]} did not take the ticket within {seconds(timeout)}",
    )


def failed(label: Label, error: object) -> str:
    """A device's own error (English, or already in both languages) after the printer's name."""
    error_id, error_en = halves(str(error))
    return both(f"{label[0]} gagal: {error_id}", f"{label[1]} failed: {error_en}")
