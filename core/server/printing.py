"""Kiosk printing: the ticket is already committed; print it, record the job, report health.

A failed print never loses the ticket: the answer tells the kiosk to show it on screen with
its QR code, and a `printer.status` event tells the counters and admins.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from core.config import ConfigError, Settings
from core.context import DEFAULT_LANGUAGE, Actor
from core.handlers import QueueService
from core.server.printer_keys import printer_key
from core.tickets import NotFound
from printers.devices import PrinterConfigError, PrinterSpec, TicketPrinter, build_printer
from printers.jobs import GRACE_SECONDS, PrintOutcome, print_with_timeout
from printers.layout import TicketSlip, render_ticket

log = logging.getLogger(__name__)

FOOTER = {"id": "Silakan menunggu panggilan", "en": "Please wait to be called"}
PRIORITY_LABEL = {"id": "PRIORITAS", "en": "PRIORITY"}


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
        _check_drawable(settings, specs[kiosk.code], kiosk.printer_path)
    return specs


def _check_drawable(settings: Settings, spec: PrinterSpec, path: str) -> None:
    """Draw a ticket with the longest status address the mall prints (English, with its
    survey key) for this printer, once, at start-up: a profile without room for a readable
    QR code, or an address a QR code cannot carry, would otherwise fail every ticket of the
    day and be reported as a broken printer."""
    sample = TicketSlip(
        mall_name=settings.mall.name,
        mall_address=settings.mall.address,
        agency_name="-",
        service_name="-",
        number="A001",
        issued_at=datetime.now(UTC),
        timezone_label="WIB",
        ahead=0,
        eta_minutes=None,
        status_url=f"{settings.mall.public_base_url}/t/{'x' * 16}?lang=en#k={'x' * 16}",
    )
    try:
        render_ticket(sample, spec.paper_width, native_qr=spec.native_qr, profile=spec.profile)
    except ValueError as exc:
        raise ConfigError(
            "",
            f"{path}: no ticket can be printed on it ({exc}); check its profile and paper, "
            "and mall.public_base_url",
        ) from None


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
        # Kiosks configured with the same printer (same host:port, USB ids, device or
        # queue) share one printer and one state: what one kiosk learns of it (out of paper,
        # switched off), the others know at once, instead of offering a print that fails.
        self._device: dict[str, str] = {
            code: printer_key(code, spec) for code, spec in self.specs.items()
        }
        shared: dict[str, TicketPrinter] = {}
        self.printers: dict[str, TicketPrinter] = {}
        for code, spec in self.specs.items():
            if self._device[code] not in shared:
                shared[self._device[code]] = factory(spec)
            self.printers[code] = shared[self._device[code]]
        # The rest is by device (`_device`), not by kiosk.
        # What this process last learnt of each printer (a print or a probe): ok, message.
        self._known: dict[str, tuple[bool, str]] = {}
        # Prints under way on each printer (kiosks sharing it may print at once).
        self._printing: dict[str, int] = {}
        # Prints recorded per printer: a health check that a print overtook records nothing.
        self._prints: dict[str, int] = {}
        # Whether each printer's roll was last heard running low (its near-end sensor): a
        # warning for whoever fetches rolls, told once when it starts and once when it ends.
        self._paper_low: dict[str, bool] = {}
        self._lock = threading.Lock()
        # Told of every print's outcome (kiosk, ok): the metrics count the failures.
        self.outcome_listeners: list[Callable[[str, bool], None]] = []
        self._remember_stored()

    def _remember_stored(self) -> None:
        """Start from what was last said of each printer (stored with its `printer.status`,
        by this process before a restart or by another one): a roll running low, or a printer
        a health check found off, is known to the kiosks and the counters' banner at once,
        not only after the next ticket or health check. The recheck asks those again soon
        (`recheck_failing`)."""
        if not self.printers:
            return
        stored = self.queue.stored_printer_states()
        for device in set(self._device.values()):
            if device in stored:
                ok, message, paper_low = stored[device]
                self._known[device] = (ok, message)
                self._paper_low[device] = paper_low

    def printer_keys(self) -> dict[str, str]:
        """Kiosk code -> the identity of the printer it prints on (core/server/printer_keys.py)."""
        return dict(self._device)

    def has_printer(self, kiosk: str | None) -> bool:
        return kiosk is not None and kiosk in self.printers

    def _sharing(self, kiosk: str) -> list[str]:
        """The other kiosks configured with this kiosk's printer."""
        device = self._device[kiosk]
        return [code for code in self.printers if code != kiosk and self._device[code] == device]

    def slip(
        self,
        ticket_id: str,
        language: str = DEFAULT_LANGUAGE,
        copy: bool = False,
        view: dict[str, Any] | None = None,
    ) -> TicketSlip:
        """`view`: the ticket's answer when it was issued, the places and wait the kiosk's
        screen shows; without it the ticket's status now (a reprint)."""
        view = view if view is not None else self.queue.ticket_status(ticket_id)
        mall = self.settings.mall
        issued = datetime.fromisoformat(view["issued_at"].replace("Z", "+00:00"))
        english = language == "en"
        return TicketSlip(
            mall_name=mall.name,
            mall_address=mall.address,
            agency_name=(english and view.get("agency_name_en")) or view["agency_name"],
            service_name=(english and view.get("service_name_en")) or view["service_name"],
            number=view["number"],
            issued_at=issued.astimezone(mall.tz),
            timezone_label=_zone_label(mall.timezone),
            ahead=view["ahead"],
            eta_minutes=view["eta_minutes"],
            served_today=view.get("eta_today", True),
            status_url=self.queue.visitor_url(ticket_id, language),
            footer=FOOTER[language],
            priority_label=PRIORITY_LABEL[language] if view["priority"] else None,
            booking_label=(
                f"BOOKING {view['slot']}"
                if view.get("channel") == "booking" and view.get("slot")
                else None
            ),
            language=language,
            copy=copy,
        )

    def print_ticket(
        self,
        ticket_id: str,
        kiosk: str | None,
        actor: Actor,
        language: str = DEFAULT_LANGUAGE,
        copy: bool = False,
        issued: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Print a committed ticket at a kiosk, in `language`, and record the job. A reprint
        (`copy`) is marked SALINAN / COPY. `issued`: the answer the ticket was issued with,
        printed as the screen shows it (reading its status again played the queue a second
        time for every ticket: a quarter of a kiosk ticket's cost)."""
        if kiosk is None or kiosk not in self.printers:
            known = ", ".join(self.printers)
            raise NotFound(
                f"Anjungan {kiosk!r} tidak memiliki printer; anjungan dengan printer: "
                f"{known or 'tidak ada'}. / "
                f"Kiosk {kiosk!r} has no printer; kiosks with printers: {known or 'none'}."
            )
        spec = self.specs[kiosk]
        job = self.queue.start_print_job(ticket_id, kiosk, actor)
        device = self._device[kiosk]
        with self._lock:
            self._printing[device] = self._printing.get(device, 0) + 1
        try:
            return self._print(ticket_id, kiosk, spec, job, language, copy, issued)
        finally:
            with self._lock:
                self._printing[device] -= 1

    def _print(
        self,
        ticket_id: str,
        kiosk: str,
        spec: PrinterSpec,
        job: int,
        language: str,
        copy: bool,
        issued: dict[str, Any] | None,
    ) -> dict[str, Any]:
        try:
            data = render_ticket(
                self.slip(ticket_id, language, copy, issued),
                spec.paper_width,
                native_qr=spec.native_qr,
                profile=spec.profile,
            )
        except Exception as exc:  # a layout bug must not hide the ticket from the visitor
            log.exception("rendering ticket %s failed", ticket_id)
            outcome = PrintOutcome(
                False,
                f"tiket tidak dapat digambar: {exc} / could not render the ticket: {exc}",
                0.0,
            )
        else:
            outcome = print_with_timeout(self.printers[kiosk], data, spec.timeout_seconds)
        # The sensor is believed only from a print the printer confirmed: a failed one may
        # have read nothing, and a silent printer's last reading is old.
        paper_low = outcome.paper_low if outcome.printer_state == "ok" else None
        device, sharing = self._device[kiosk], self._sharing(kiosk)
        # How the kiosks sharing this printer last saw it: told when this print says otherwise.
        shared_before = self.known_state(kiosk) if sharing else None
        message = outcome.error or outcome.note or "OK"
        with self._lock:
            before = self._known.get(device)
            self._known[device] = (outcome.ok, message)
            self._prints[device] = self._prints.get(device, 0) + 1
            paper_news = self._heard_paper(device, paper_low)
        # A ticket sent to a printer that did not say how it is: printed, and the job keeps
        # why its state is unknown (the core's job row has one text column, `error`). A health
        # check that failed since the last print is known here only: a print that works now
        # must take its warning off the kiosk, even when the last print job worked too.
        self.queue.finish_print_job(
            job,
            outcome.ok,
            outcome.error or outcome.note,
            announce=(before is not None and before[0] != outcome.ok) or paper_news,
            paper_low=paper_low,
        )
        if shared_before is not None and (shared_before["ok"] != outcome.ok or paper_news):
            for other in sharing:
                self.queue.printer_status(other, outcome.ok, message, paper_low)
        for listener in self.outcome_listeners:
            listener(kiosk, outcome.ok)
        return {
            "job": job,
            "status": "printed" if outcome.ok else "failed",
            "error": outcome.error,
            # "ok", "unknown" (sent, but the printer did not answer its status request: the
            # note says so) or "error".
            "printer_state": outcome.printer_state,
            "note": outcome.note,
            # The kiosk shows the ticket with its QR so the visitor can photograph it: also
            # when the printer did not confirm it (a slip may not have come out).
            "show_on_screen": outcome.printer_state != "ok",
        }

    def outcome_or_print(
        self, ticket_id: str, kiosk: str | None, actor: Actor, language: str = DEFAULT_LANGUAGE
    ) -> dict[str, Any]:
        """For a retried request: how the ticket's last print job ended, or, when no job
        ever finished (the first attempt died before or while printing), print it now. A
        visitor may then hold two slips of one number, never two numbers."""
        jobs = self.queue.print_jobs_for(ticket_id)
        finished = [job for job in jobs if job["status"] in ("printed", "failed")]
        if not finished:
            pending = jobs and jobs[-1]["status"] == "pending"
            if pending and kiosk in self.specs and self._still_printing(jobs[-1], kiosk):
                # The first attempt is printing right now: no second slip; the screen shows
                # the number and its QR meanwhile.
                return {
                    "job": jobs[-1]["id"],
                    "status": "pending",
                    "error": None,
                    "printer_state": "unknown",
                    "note": "the first request is still printing this ticket",
                    "show_on_screen": True,
                }
            return self.print_ticket(ticket_id, kiosk, actor, language)
        job = finished[-1]
        printed = job["status"] == "printed"
        return {
            "job": job["id"],
            "status": job["status"],
            "error": None if printed else job["error"],
            "printer_state": "ok"
            if printed and not job["error"]
            else ("unknown" if printed else "error"),
            "note": job["error"] if printed else None,
            "show_on_screen": not printed or bool(job["error"]),
        }

    def _still_printing(self, job: dict[str, Any], kiosk: str) -> bool:
        started = datetime.fromisoformat(job["created_at"].replace("Z", "+00:00"))
        patience = timedelta(seconds=self.specs[kiosk].timeout_seconds + GRACE_SECONDS)
        return self.queue.now() - started < patience

    def known_state(self, kiosk: str | None) -> dict[str, Any] | None:
        """The kiosk's printer as last seen (by this process, or as stored when it started,
        else by its last print job); None for a kiosk without a printer. Never touches the
        printer."""
        if kiosk is None or kiosk not in self.printers:
            return None
        with self._lock:
            known = self._known.get(self._device[kiosk])
            paper_low = self._paper_low.get(self._device[kiosk], False)
        if known is None:
            known = self.queue.last_print_outcome(kiosk, *self._sharing(kiosk))
        ok, message = known if known is not None else (True, "")
        return {"kiosk": kiosk, "ok": ok, "message": message, "paper_low": paper_low}

    def known_states(self) -> list[dict[str, Any]]:
        """`known_state` of every kiosk with a printer, for the staff's snapshots."""
        return [state for kiosk in self.printers if (state := self.known_state(kiosk))]

    def probe(self, kiosk: str | None) -> None:
        """Ask the kiosk's printer whether it can print (paper, cover, connection) and, when
        the answer differs from what was known, publish `printer.status` like a failed print
        would: the kiosk shows its warning before a visitor takes a number, counters see it,
        and so do the kiosks sharing its printer. Skipped while the printer is printing (the
        print reports its own outcome)."""
        if kiosk is None or kiosk not in self.printers:
            return
        device = self._device[kiosk]
        with self._lock:
            if self._printing.get(device):
                return
            prints = self._prints.get(device, 0)
        before = self.known_state(kiosk)
        health = self.printers[kiosk].check(self.specs[kiosk].timeout_seconds)
        with self._lock:
            if self._prints.get(device, 0) != prints or self._printing.get(device):
                # A print began or ended while the printer was asked (a check may take the
                # whole timeout): its outcome is newer than this answer, which is dropped.
                return
            self._known[device] = (health.ok, health.message)
            paper_low = health.paper_low if health.ok and health.known else None
            paper_news = self._heard_paper(device, paper_low)
        # A printer whose state is unknown is not a warning for visitors (tickets print
        # regardless) but counters and admins hear of it, once per new message.
        unknown_news = (
            not health.known and before is not None and before["message"] != health.message
        )
        if before is None or before["ok"] != health.ok or unknown_news or paper_news:
            for told in (kiosk, *self._sharing(kiosk)):
                self.queue.printer_status(told, health.ok, health.message, paper_low)

    def heard(self, status: dict[str, Any]) -> None:
        """A `printer.status` event's payload, relayed in version order from whichever
        process sent it: take it as what is known of the printer, announcing nothing (it was
        announced). Events from this process come back here too; they say what it knows."""
        kiosk = status.get("kiosk")
        if not isinstance(kiosk, str) or kiosk not in self.printers:
            return
        device = self._device[kiosk]
        with self._lock:
            self._known[device] = (bool(status.get("ok")), str(status.get("message") or ""))
            if isinstance(status.get("paper_low"), bool):
                self._paper_low[device] = status["paper_low"]

    def _heard_paper(self, device: str, paper_low: bool | None) -> bool:
        """Note what the roll's sensor said (None: nothing); whether that is news. Called
        with the lock held."""
        if paper_low is None:
            return False
        before = self._paper_low.get(device, False)
        self._paper_low[device] = paper_low
        return before != paper_low

    def recheck_failing(self) -> list[str]:
        """Ask again each printer last seen failing (by a print or a health check) or with
        its roll running low, and announce the ones that recovered: a roll put in or a
        printer switched on takes the warning off the kiosk, the counters and the alerts
        without waiting for the next visitor's ticket. Printers seen working are left alone;
        a printer kiosks share is asked once, for the first of them. Returns the kiosks asked."""
        asked, devices = [], set()
        for kiosk in self.printers:
            device = self._device[kiosk]
            if device in devices:
                continue
            devices.add(device)
            state = self.known_state(kiosk)
            with self._lock:
                low = self._paper_low.get(device, False)
            if state is not None and (not state["ok"] or low):
                self.probe(kiosk)
                asked.append(kiosk)
        return asked

    def health(self) -> dict[str, dict[str, Any]]:
        result = {}
        for kiosk, printer in self.printers.items():
            state = printer.check(self.specs[kiosk].timeout_seconds)
            result[kiosk] = {"ok": state.ok, "known": state.known, "message": state.message}
        return result


# Indonesia's time zones as visitors know them. Asia/Pontianak (West and Central Kalimantan)
# keeps WIB under a name of its own, as the hallway display knows (display/static/screen.js).
_INDONESIAN_LABELS = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Jayapura": "WIT",
}


def _zone_label(timezone: str) -> str:
    """WIB, WITA or WIT for the mall's zone; a zone outside Indonesia keeps its name."""
    return _INDONESIAN_LABELS.get(timezone, timezone)
