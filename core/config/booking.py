"""The settings of booked visits and of the mall's calendar (frozen dataclasses, pure).

Kept apart from :mod:`core.config.values` so the booking rules read as one piece: how a
service cuts its day into slots, how many places each slot offers online, when a booked
visitor may check in, and which dates the mall is closed (national holidays, *cuti bersama*
and local closures, each with the reason visitors are shown).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from core.config.values import TimeRange

LATE_RULES = ("walk_in", "refuse")
CLOSED_KINDS = ("holiday", "cuti_bersama", "closure")
DEFAULT_BOOKING_RATIO = 2
DEFAULT_RETENTION_DAYS = 30
DEFAULT_CLIENT_LIMITS = "10 per minute; 60 per hour"


@dataclass(frozen=True)
class ArrivalWindow:
    """A booked visitor checks in from `before_min` minutes before the slot's start to
    `after_min` minutes after it."""

    before_min: int = 30
    after_min: int = 15


@dataclass(frozen=True)
class BookingRules:
    """How one service takes bookings.

    `online_quota`: at most this many bookings a day across its slots (None: only the slots'
    capacity bounds it); walk-in tickets keep the service's own `daily_quota`, apart.
    `same_day_cutoff_minutes`: today's slots can be booked until this many minutes before
    they start (None: no booking for the same day). `late`: what a visitor who comes after
    the arrival window gets, a walk-in ticket or a refusal.
    """

    enabled: bool = True
    slot_minutes: int = 30
    capacity_per_slot: int = 10
    online_quota: int | None = None
    arrival_window: ArrivalWindow = field(default_factory=ArrivalWindow)
    late: str = "walk_in"
    horizon_days: int = 14
    same_day_cutoff_minutes: int | None = 60


@dataclass(frozen=True)
class ClosedDate:
    """A dated closure: the whole mall, or only `services` when they are named."""

    day: date
    kind: str  # holiday | cuti_bersama | closure
    reason: str
    services: tuple[str, ...] = ()

    def closes(self, service: str) -> bool:
        return not self.services or service in self.services


@dataclass(frozen=True)
class Calendar:
    """Dated closures and the breaks of each weekday (Friday prayers) when no slot runs."""

    closed: tuple[ClosedDate, ...] = ()
    breaks: dict[int, TimeRange | None] = field(default_factory=dict)

    def closure(self, day: date, service: str) -> ClosedDate | None:
        return next((c for c in self.closed if c.day == day and c.closes(service)), None)


@dataclass(frozen=True)
class BookingSettings:
    """Mall-wide booking settings: how long personal data is kept after the visit, and the
    per-client request limits on booking (`limits` notation, e.g. "10 per minute")."""

    retention_days: int = DEFAULT_RETENTION_DAYS
    client_limits: str = DEFAULT_CLIENT_LIMITS
