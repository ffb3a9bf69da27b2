"""Ticket -> ESC/POS bytes, and the printers that take them.

- `printers.layout`: `TicketSlip`, `PaperWidth`, `render_ticket`
- `printers.devices`: `TicketPrinter`, `PrinterSpec`, `build_printer`, `RecordingPrinter`
- `printers.jobs`: `print_with_timeout`
- `printers.reader`: `read_ticket`, reading bytes back (tests and previews)
"""

from printers.escpos_cache import keep_capabilities_cached

keep_capabilities_cached()  # before python-escpos is first imported, below

from printers.devices import (  # noqa: E402
    PrinterConfigError,
    PrinterError,
    PrinterHealth,
    PrinterSpec,
    RecordingPrinter,
    TicketPrinter,
    build_printer,
)
from printers.jobs import PrintOutcome, print_with_timeout  # noqa: E402
from printers.layout import PaperWidth, TicketSlip, render_ticket  # noqa: E402

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
