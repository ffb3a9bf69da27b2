"""A ticket sent between two paper-status requests (DLE EOT 4), for printers that answer them:
network printers (printers.network) and serial ones (printers.serial).

The answer before the ticket keeps it from an empty roll; the one after confirms the printer
outlived the ticket, which a completed write alone cannot (the kernel and the printer's buffer
accept bytes long before they are printed). A printer that leaves the request unanswered for
`STATUS_REPLY_SECONDS` (or half the timeout) gets the ticket anyway, reported as printed with
its state unknown; later tickets do not ask again (and so do not wait) until a health check
hears an answer or `ASK_SILENT_AGAIN_SECONDS` have passed.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from printers.base import STATUS_REPLY_SECONDS, Label, PrinterError, out_of_paper, paper_out
from printers.words import both, halves, seconds

# A printer that left the status request unanswered is asked again after this long: it may
# have been stalled only for a while, and without the answer a closed connection, a reset or
# an empty paper roll after the ticket's bytes went out cannot be told from a printed ticket.
ASK_SILENT_AGAIN_SECONDS = 60.0

# Asks for the status byte by a deadline (time.monotonic()); `sent` is the ticket's size once
# it went out. None: no answer in time.
Ask = Callable[[float, "int | None"], "int | None"]


class StatusQueries:
    """What a printer that answers status requests remembers between tickets."""

    # In messages: ("printer 10.0.0.5:9100", "printer 10.0.0.5:9100"), ("printer serial
    # /dev/ttyUSB0", "serial printer /dev/ttyUSB0").
    label: Label

    def __init__(self, status_query: bool) -> None:
        self.status_query = status_query
        # Set when a status request went unanswered; cleared when one is answered.
        self.silent = False
        self._silent_since = 0.0
        # What the last status byte said of the roll's near-end sensor (None: none heard
        # yet). A ticket reads it too, so a roll running low is known without a health check.
        self.paper_low: bool | None = None

    def heard(self, status: int | None, when: float) -> None:
        if status is None:
            self.silent, self._silent_since = True, when
        else:
            self.silent = False

    def guarded_send(
        self, ask: Ask, send: Callable[[], None], size: int, timeout: float
    ) -> str | None:
        """Send the ticket (`send`, `size` bytes) between two status requests; None, or a
        note when the printer did not say how it is. Raises `PrinterError`."""
        started = time.monotonic()
        deadline = started + timeout
        if not self.status_query:
            send()
            return None
        label_id, label_en = self.label
        if self.silent and started - self._silent_since < ASK_SILENT_AGAIN_SECONDS:
            send()
            return both(
                f"tiket dikirim ke {label_id} ({size} byte) tanpa menanyakan status kertasnya, "
                "yang sebelumnya tidak dijawab: keadaan printer tidak diketahui",
                f"ticket sent to {label_en} ({size} bytes) without asking its paper status, "
                "which it left unanswered before: printer state unknown",
            )
        wait = min(STATUS_REPLY_SECONDS, timeout / 2)
        status = ask(started + wait, None)
        self.heard(status, started)
        if status is None:
            unanswered_id = (
                f"{label_id} tidak menjawab permintaan status kertas dalam {seconds(wait)}"
            )
            unanswered_en = (
                f"{label_en} did not answer the paper-status request within {seconds(wait)}"
            )
            try:
                send()
            except PrinterError as error:
                error_id, error_en = halves(str(error))
                raise PrinterError(
                    both(
                        f"{unanswered_id}; tiket tetap dikirim: {error_id}",
                        f"{unanswered_en}; sending the ticket anyway: {error_en}",
                    )
                ) from None
            return both(
                f"{unanswered_id}; tiket tetap dikirim: keadaan printer tidak diketahui",
                f"{unanswered_en}; the ticket was sent anyway: printer state unknown",
            )
        if paper_out(status):
            raise PrinterError(out_of_paper(self.label))
        send()
        after = ask(deadline, size)
        if after is None:
            return both(
                f"{label_id} menerima tiket ({size} byte) tetapi tidak mengonfirmasinya dalam "
                f"{seconds(timeout)}: keadaan printer tidak diketahui",
                f"{label_en} took the ticket ({size} bytes) but did not confirm it within "
                f"{seconds(timeout)}: printer state unknown",
            )
        if paper_out(after):
            # The roll ended under this ticket: a slip torn off half-way, or none at all.
            raise PrinterError(
                both(
                    f"{label_id} kehabisan kertas saat mencetak tiket",
                    f"{label_en} ran out of paper during the ticket",
                )
            )
        return None
