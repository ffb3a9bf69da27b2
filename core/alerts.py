"""When the hall needs a supervisor: the rules, pure Python (no SQL, no Flask).

A service's wait is judged by the worse of two numbers against its target: how long the
longest-waiting visitor has waited already, and how long a visitor arriving now is expected
to wait (the estimate every screen shows), so a queue growing faster than the counters serve
turns amber before anyone has waited long. Amber from `amber_percent` of the target, red at
the target. The evaluator turns the dashboard's figures into the conditions that should be
open now; core/usecases/alerting.py keeps the stored alerts in step with them.

Outside its hours a service nobody waits for has no wait to judge: before opening the
estimate for a "visitor arriving now" is the time until the counters open (three hours at
05:00), which made every service red and raised an alert for each before the first visitor.
It is `not_open` (belum buka) until its hours of the day begin, `closed` after they end or on
a closed day: neutral, never an alert. Visitors still waiting there (served after the last
number, a checked-in booking) are judged as always.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

LEVELS = ("green", "amber", "red")
NEUTRAL_LEVELS = ("not_open", "closed")  # outside the service's hours, nobody waiting


@dataclass(frozen=True)
class Condition:
    """Something wrong now; `key` names it, so the same condition is one alert while it lasts."""

    kind: str  # wait | break | printer | paper (a roll running low: a warning, it still prints)
    subject: str  # service code, counter number, printer identity (printer and paper)
    agency: str | None
    message: str

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.subject}"


def wait_level(
    longest_wait: int | None,
    eta: int | None,
    target: int,
    amber_percent: int,
    waiting: int = 0,
) -> str:
    """Green, amber or red. Visitors waiting with no counter open to serve them (no estimate)
    are amber at least: nobody is getting them closer."""
    worst = max(longest_wait or 0, eta or 0)
    if worst >= target:
        return "red"
    if worst * 100 >= target * amber_percent or (waiting > 0 and eta is None):
        return "amber"
    return "green"


def service_level(
    longest_wait: int | None,
    eta: int | None,
    target: int,
    amber_percent: int,
    waiting: int,
    outside_hours: str | None,
) -> str:
    """`wait_level`, unless the service is outside its hours (`outside_hours`: "not_open"
    before they begin today, "closed" after they end or on a closed day, None inside them)
    with nobody waiting: then that neutral level."""
    if outside_hours is not None and waiting == 0:
        return outside_hours
    return wait_level(longest_wait, eta, target, amber_percent, waiting)


def evaluate(
    services: Iterable[Mapping[str, Any]],
    counters: Iterable[Mapping[str, Any]],
    printers: Mapping[str, tuple[bool, str]],
    break_limit_minutes: int,
    paper_low: Iterable[str] = (),
    kiosks: Mapping[str, Sequence[str]] | None = None,
) -> list[Condition]:
    """The conditions open now, from the dashboard's rows (`level`, `longest_wait_minutes`,
    `eta_minutes`, `target_wait_minutes` per service; `status`, `minutes_in_state` per counter),
    the kiosk printers as last seen and the printers whose roll is running low.

    Printers are keyed by the printer's identity, so kiosks sharing one printer have one alert
    for it, naming them all (`kiosks`: printer -> the kiosks printing on it; a printer not in
    it is named by its key, as when each kiosk is its own printer)."""
    found: list[Condition] = []
    for s in services:
        if s["level"] == "red":
            found.append(
                Condition(
                    "wait",
                    s["code"],
                    s["agency"],
                    f"{s['code']}: menunggu {s['longest_wait_minutes'] or 0} mnt, perkiraan "
                    f"{s['eta_minutes'] if s['eta_minutes'] is not None else '-'} mnt; target "
                    f"{s['target_wait_minutes']} mnt / wait past its target",
                )
            )
    for c in counters:
        if c["status"] == "break" and c["minutes_in_state"] >= break_limit_minutes:
            reason = f" ({c['reason']})" if c.get("reason") else ""
            found.append(
                Condition(
                    "break",
                    str(c["number"]),
                    c["agency"],
                    f"{c['name']}: istirahat {c['minutes_in_state']} mnt{reason}, batas "
                    f"{break_limit_minutes} mnt / on break past the limit",
                )
            )
    named = kiosks or {}
    for printer, (ok, message) in sorted(printers.items()):
        if not ok:
            codes, shared = _kiosks_of(printer, named)
            english = f"printer of kiosks {codes}" if shared else f"kiosk {codes} printer"
            # The printer's message says what failed in both languages ("… / …"); one in a
            # single language (a device's own words) stands in both halves.
            said, separator, said_en = message.partition(" / ")
            found.append(
                Condition(
                    "printer",
                    printer,
                    None,
                    f"Printer anjungan {codes} gagal mencetak: {said} / {english} failed: "
                    f"{said_en if separator else said}",
                )
            )
    for printer in sorted(set(paper_low)):
        codes, shared = _kiosks_of(printer, named)
        english = f"printer paper of kiosks {codes}" if shared else f"kiosk {codes} printer paper"
        # Its own kind: the kiosk still prints, and a new roll ends it (the failure alert,
        # if the roll runs out first, is a separate one).
        found.append(
            Condition(
                "paper",
                printer,
                None,
                f"Kertas printer anjungan {codes} hampir habis, siapkan gulungan baru / "
                f"{english} is running low, fetch a new roll",
            )
        )
    return found


def _kiosks_of(printer: str, kiosks: Mapping[str, Sequence[str]]) -> tuple[str, bool]:
    """The kiosks printing on `printer`, as a message names them, and whether they are
    several."""
    codes = list(kiosks.get(printer) or (printer,))
    return ", ".join(codes), len(codes) > 1
