"""What every ticket printer shares: the interface, its errors, its health, the defaults."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

KINDS = ("network", "usb", "serial", "file", "cups", "dummy")
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


def _seconds(value: float) -> str:
    return f"{value:g} s"
