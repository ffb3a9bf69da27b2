"""Ticket -> ESC/POS bytes, and the printers that take them.

- `printers.layout`: `TicketSlip`, `PaperWidth`, `render_ticket`
- `printers.devices`: `TicketPrinter`, `PrinterSpec`, `build_printer`, `RecordingPrinter`
- `printers.jobs`: `print_with_timeout`
- `printers.reader`: `read_ticket`, reading bytes back (tests and previews)
"""

from printers.devices import (
    PrinterConfigError,
    PrinterError,
    PrinterHealth,
    PrinterSpec,
    RecordingPrinter,
    TicketPrinter,
    build_printer,
)
from printers.jobs import PrintOutcome, print_with_timeout
from printers.layout import PaperWidth, TicketSlip, render_ticket

__all__ = [
    "PaperWidth",
    "PrintOutcome",
    "PrinterConfigError",
    "PrinterError",
    "PrinterHealth",
    "PrinterSpec",
    "RecordingPrinter",
    "TicketPrinter",
    "TicketSlip",
    "build_printer",
    "print_with_timeout",
    "render_ticket",
]
