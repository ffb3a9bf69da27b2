"""Running one print with a hard deadline, so a stuck driver never stalls the kiosk.

No persistence here: the caller (core) records the outcome wherever it keeps tickets.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from printers.devices import PrinterError, TicketPrinter
from printers.words import both, seconds

__all__ = ["GRACE_SECONDS", "PrintOutcome", "print_with_timeout"]

logger = logging.getLogger(__name__)

# Extra time given to a driver past `timeout`, so that its own, more precise error (e.g. "did
# not take the ticket within 5 s (812 of 900 bytes sent)") wins over the generic one here.
GRACE_SECONDS = 0.25


@dataclass(frozen=True, slots=True)
class PrintOutcome:
    ok: bool
    error: str | None
    duration_ms: float
    # With ok: the printer took the ticket but its state is unknown, and why (see
    # `TicketPrinter.print_bytes`).
    note: str | None = None
    # What the printer's near-end sensor said during this print (None: it was not asked, or
    # the printer has no such sensor here).
    paper_low: bool | None = None

    @property
    def printer_state(self) -> str:
        """ "ok", "unknown" (printed without the printer saying it could) or "error"."""
        if not self.ok:
            return "error"
        return "unknown" if self.note else "ok"


def print_with_timeout(printer: TicketPrinter, data: bytes, timeout: float) -> PrintOutcome:
    """Print `data`, giving up after `timeout` seconds (plus `GRACE_SECONDS`). Never raises.

    The print runs in a daemon thread. Python cannot stop a thread that is blocked inside a
    driver (a USB write, an unplugged device node), so such a thread is abandoned: it ends when
    the driver returns, and the caller has its answer long before.
    """
    started = time.monotonic()
    result: list[tuple[str | None, str | None]] = []  # (error, note)

    def run() -> None:
        try:
            note = printer.print_bytes(data, timeout)
            result.append((None, note if isinstance(note, str) and note else None))
        except PrinterError as error:
            result.append((str(error) or type(error).__name__, None))
        except Exception as error:  # a driver bug must not take the kiosk down
            logger.exception("printer %r failed unexpectedly", printer)
            detail = f"{type(error).__name__}: {error}"
            result.append(
                (
                    both(
                        f"galat printer tak terduga: {detail}",
                        f"unexpected printer error: {detail}",
                    ),
                    None,
                )
            )

    worker = threading.Thread(target=run, name=f"print-{type(printer).__name__}", daemon=True)
    worker.start()
    worker.join(max(timeout, 0) + GRACE_SECONDS)
    duration_ms = (time.monotonic() - started) * 1000
    if not result:
        # The list is only appended to by the worker, so an empty one means it is still busy.
        return PrintOutcome(
            False,
            both(
                f"printer tidak selesai dalam {seconds(timeout)}",
                f"printer did not finish within {seconds(timeout)}",
            ),
            duration_ms,
        )
    error, note = result[0]
    # Printers that read the roll's sensor keep what it said (printers.network); others do not.
    paper_low = getattr(printer, "paper_low", None)
    return PrintOutcome(error is None, error, duration_ms, note, paper_low)
