"""Kiosk printing: the ticket is already committed; print it, record the job, report health.

A failed print never loses the ticket: the answer tells the kiosk to show it on screen with
its QR code, and a `printer.status` event tells the counters and admins.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from core.config import ConfigError, Settings
from core.context import Actor
from core.handlers import QueueService
from core.tickets import NotFound
from printers.devices import PrinterConfigError, PrinterSpec, TicketPrinter, build_printer
from printers.jobs import print_with_timeout
from printers.layout import PaperWidth, TicketSlip, render_ticket

log = logging.getLogger(__name__)

FOOTER = "Silakan menunggu panggilan"


def printer_specs(settings: Settings) -> dict[str, PrinterSpec]:
    """Each kiosk's printer, checked (opens nothing): kiosk code -> spec."""
    specs = {}
    for kiosk in settings.kiosks:
        if kiosk.printer is None:
            continue
        try:
            specs[kiosk.code] = PrinterSpec.from_mapping(kiosk.printer, kiosk.printer_path)
        except PrinterConfigError as exc:
            # Reported like every other configuration mistake: one line, the key path.
            raise ConfigError("", str(exc)) from None
    return specs


class KioskPrinting:
    def __init__(
        self,
        settings: Settings,
        queue: QueueService,
        printer_factory: Callable[[PrinterSpec], TicketPrinter] | None = None,
    ) -> None:
        self.settings = settings
        self.queue = queue
        factory = printer_factory or build_printer
        self.specs: dict[str, PrinterSpec] = printer_specs(settings)
        self.printers: dict[str, TicketPrinter] = {
            code: factory(spec) for code, spec in self.specs.items()
        }
        # What this process last learnt of each printer (a print or a probe): ok, message.
        self._known: dict[str, tuple[bool, str]] = {}
        self._printing: set[str] = set()
        self._lock = threading.Lock()

    def has_printer(self, kiosk: str | None) -> bool:
        return kiosk is not None and kiosk in self.printers

    def slip(self, ticket_id: str) -> TicketSlip:
        view = self.queue.ticket_status(ticket_id)
        mall = self.settings.mall
        issued = datetime.fromisoformat(view["issued_at"].replace("Z", "+00:00"))
        return TicketSlip(
            mall_name=mall.name,
            mall_address=mall.address,
            agency_name=view["agency_name"],
            service_name=view["service_name"],
            number=view["number"],
            issued_at=issued.astimezone(mall.tz),
            timezone_label=_zone_label(mall.timezone),
            ahead=view["ahead"],
            eta_minutes=view["eta_minutes"],
            status_url=view["status_url"],
            footer=FOOTER,
            priority_label="PRIORITAS" if view["priority"] else None,
        )

    def print_ticket(self, ticket_id: str, kiosk: str | None, actor: Actor) -> dict[str, Any]:
        """Print (or reprint) a committed ticket at a kiosk and record the job."""
        if kiosk is None or kiosk not in self.printers:
            known = ", ".join(self.printers) or "none"
            raise NotFound(f"Kiosk {kiosk!r} has no printer; kiosks with printers: {known}.")
        spec = self.specs[kiosk]
        job = self.queue.start_print_job(ticket_id, kiosk, actor)
        with self._lock:
            self._printing.add(kiosk)
        try:
            return self._print(ticket_id, kiosk, spec, job)
        finally:
            with self._lock:
                self._printing.discard(kiosk)

    def _print(self, ticket_id: str, kiosk: str, spec: PrinterSpec, job: int) -> dict[str, Any]:
        try:
            data = render_ticket(
                self.slip(ticket_id),
                PaperWidth.MM58 if spec.paper == 58 else PaperWidth.MM80,
                native_qr=spec.native_qr,
            )
        except Exception as exc:  # a layout bug must not hide the ticket from the visitor
            log.exception("rendering ticket %s failed", ticket_id)
            outcome_ok, error = False, f"could not render the ticket: {exc}"
        else:
            outcome = print_with_timeout(self.printers[kiosk], data, spec.timeout_seconds)
            outcome_ok, error = outcome.ok, outcome.error
        self.queue.finish_print_job(job, outcome_ok, error)
        with self._lock:
            self._known[kiosk] = (outcome_ok, error or "OK")
        return {
            "job": job,
            "status": "printed" if outcome_ok else "failed",
            "error": error,
            # The kiosk shows the ticket with its QR so the visitor can photograph it.
            "show_on_screen": not outcome_ok,
        }

    def known_state(self, kiosk: str | None) -> dict[str, Any] | None:
        """The kiosk's printer as last seen (by this process, else by its last print job);
        None for a kiosk without a printer. Never touches the printer."""
        if kiosk is None or kiosk not in self.printers:
            return None
        with self._lock:
            known = self._known.get(kiosk)
        if known is None:
            known = self.queue.last_print_outcome(kiosk)
        ok, message = known if known is not None else (True, "")
        return {"kiosk": kiosk, "ok": ok, "message": message}

    def probe(self, kiosk: str | None) -> None:
        """Ask the kiosk's printer whether it can print (paper, cover, connection) and, when
        the answer differs from what was known, publish `printer.status` like a failed print
        would: the kiosk shows its warning before a visitor takes a number, counters see it.
        Skipped while the printer is printing (the print reports its own outcome)."""
        if kiosk is None or kiosk not in self.printers:
            return
        with self._lock:
            if kiosk in self._printing:
                return
        before = self.known_state(kiosk)
        health = self.printers[kiosk].check(self.specs[kiosk].timeout_seconds)
        with self._lock:
            self._known[kiosk] = (health.ok, health.message)
        if before is None or before["ok"] != health.ok:
            self.queue.printer_status(kiosk, health.ok, health.message)

    def health(self) -> dict[str, dict[str, Any]]:
        result = {}
        for kiosk, printer in self.printers.items():
            state = printer.check(self.specs[kiosk].timeout_seconds)
            result[kiosk] = {"ok": state.ok, "message": state.message}
        return result


def _zone_label(timezone: str) -> str:
    return {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}.get(
        timezone, timezone
    )
