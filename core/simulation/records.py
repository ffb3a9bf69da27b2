"""What a simulated day records: what each visitor was told and when they were called
(`VisitorRecord`, its `Estimate`s), and the day's result the report is made from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.simulation.model import Window
from core.simulation.scenario import Scenario
from core.tickets import wait_starts_at


@dataclass
class Estimate:
    at: float
    ahead: int | None
    model: float | None
    low: float | None = None
    high: float | None = None
    not_today: bool = False
    baseline: float | None = None
    oracle: float | None = None
    oracle_low: float | None = None
    oracle_high: float | None = None


@dataclass
class VisitorRecord:
    index: int
    service: str
    priority: bool
    arrive: float
    no_show: bool
    service_minutes: float
    transfer_to: str | None = None
    transfer_minutes: float = 0.0
    ticket_id: str | None = None
    refused: str | None = None
    current_service: str = ""
    state: str = "new"  # waiting | called | done | no_show | unserved | refused
    called: float | None = None
    started: float | None = None
    finished: float | None = None
    estimates: list[Estimate] = field(default_factory=list)
    booked: bool = False  # comes with a booking made before the day
    booking_code: str | None = None
    booking_refused: str | None = None  # why no slot could be booked: they come as walk-ins
    channel: str | None = None  # the ticket's: kiosk, booking or late_booking
    slot_start: float | None = None  # a checked-in booking's: its place in the call order
    booked_slot: float | None = None  # the start of the slot booked before the day

    @property
    def waits_from(self) -> float:
        """When the wait counts from, as the mall's reports count it: a checked-in booking's
        from the later of its check-in and its slot's start (`wait_starts_at`)."""
        if self.slot_start is None:
            return self.arrive
        return wait_starts_at(self.arrive, self.slot_start)

    @property
    def wait(self) -> float | None:
        return None if self.called is None else max(0.0, self.called - self.waits_from)


@dataclass
class DayResult:
    scenario: Scenario
    seed: int
    visitors: list[VisitorRecord]
    queue_length: list[tuple[float, int]]  # (minute, visitors waiting)
    busy: dict[int, list[tuple[float, float]]]  # counter: (from, to) occupied
    windows: dict[int, list[Window]]
    # The estimates as the mall's own report measures them (core/views/estimates.py), from
    # what the day's database kept of them: beside the simulator's own count of the same.
    recorded_eta: dict[str, Any] | None = None

    def bookings(self) -> dict[str, Any]:
        """How the visitors who meant to book fared: for report.json."""
        wanted = [v for v in self.visitors if v.booked]
        refused: dict[str, int] = {}
        for v in wanted:
            if v.booking_refused:
                refused[v.booking_refused] = refused.get(v.booking_refused, 0) + 1
        return {
            "wanted": len(wanted),
            "booked": sum(1 for v in wanted if v.booking_code),
            "not_booked": refused,  # by the booking's refusal: they came as walk-ins
        }
