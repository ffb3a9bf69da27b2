"""Which printer a kiosk prints on, by the printer's identity.

Kiosks configured with the same printer (the same host:port, USB ids, device or CUPS queue)
share one printer: what this process knows of it (core/server/printing.py), its stored state
(`printer_states`) and its alerts (core/usecases/alerting.py) are the printer's, so one empty
roll is one alert, not one per kiosk. A `dummy` printer is each kiosk's own.
"""

from __future__ import annotations

import hashlib

from printers.devices import PrinterSpec

# The longest identity: printer_states.printer and alerts.subject hold 64 characters.
MAX_LENGTH = 64
_DIGEST = 16


def printer_key(kiosk: str, spec: PrinterSpec) -> str:
    """The identity of `kiosk`'s printer, configured as `spec`."""
    key = spec.device_key or f"dummy:{kiosk}"
    if len(key) <= MAX_LENGTH:
        return key
    # A long device path or queue name: its start stays readable, a digest keeps two long
    # names that start alike apart.
    digest = hashlib.sha256(key.encode()).hexdigest()[:_DIGEST]
    return f"{key[: MAX_LENGTH - _DIGEST - 1]}~{digest}"
