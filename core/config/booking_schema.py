"""The booking keys of ``config.yaml`` as pydantic models: ``services[].booking``, the
mall's ``calendar`` (dated closures, weekday breaks) and ``bookings`` (retention, limits)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from pydantic import Field, field_validator

from core.config.booking import (
    CLOSED_KINDS,
    LATE_RULES,
    ArrivalWindow,
    BookingRules,
    BookingSettings,
    Calendar,
    ClosedDate,
)
from core.config.fields import Code, Text
from core.config.sections import Week, _Section

_LIMIT = re.compile(r"\d+\s*(/|per)\s*(\d+\s*)?(second|minute|hour|day|month|year)s?", re.I)

Minutes = Annotated[int, Field(strict=True, ge=0, le=1440)]


def check_limits(value: str) -> str:
    """Rate limits in the notation of the `limits` library, checked here by their shape (the
    domain does not import it); the server parses them."""
    if not all(_LIMIT.fullmatch(part.strip()) for part in value.split(";")):
        example = "'10 per minute; 60 per hour'"
        raise ValueError(f"must read like {example}, got {value!r}")
    return value


class ArrivalWindowEntry(_Section):
    before_min: Minutes = 30
    after_min: Minutes = 15


class BookingEntry(_Section):
    """``services[].booking``: slots, places online, check-in window, late rule, horizon."""

    enabled: bool = True
    slot_minutes: Annotated[int, Field(strict=True, ge=5, le=240)] = 30
    capacity_per_slot: Annotated[int, Field(strict=True, ge=1, le=1000)] = 10
    online_quota: Annotated[int, Field(strict=True, ge=1)] | None = None
    arrival_window: ArrivalWindowEntry | None = None
    late: str = "walk_in"
    horizon_days: Annotated[int, Field(strict=True, ge=0, le=366)] = 14
    same_day_cutoff_minutes: Minutes | None = 60

    @field_validator("late")
    @classmethod
    def _late(cls, value: str) -> str:
        if value not in LATE_RULES:
            raise ValueError(f"must be one of {', '.join(LATE_RULES)}, got {value!r}")
        return value

    def to_value(self) -> BookingRules:
        window = self.arrival_window or ArrivalWindowEntry()
        return BookingRules(
            enabled=self.enabled,
            slot_minutes=self.slot_minutes,
            capacity_per_slot=self.capacity_per_slot,
            online_quota=self.online_quota,
            arrival_window=ArrivalWindow(window.before_min, window.after_min),
            late=self.late,
            horizon_days=self.horizon_days,
            same_day_cutoff_minutes=self.same_day_cutoff_minutes,
        )


class ClosedDateEntry(_Section):
    date: dt.date
    kind: str
    reason: Text
    services: list[Code] | None = None

    @field_validator("kind")
    @classmethod
    def _kind(cls, value: str) -> str:
        if value not in CLOSED_KINDS:
            raise ValueError(f"must be one of {', '.join(CLOSED_KINDS)}, got {value!r}")
        return value

    def to_value(self) -> ClosedDate:
        return ClosedDate(self.date, self.kind, self.reason, tuple(self.services or ()))


class CalendarSection(_Section):
    """Dated closures (holidays, cuti bersama, local closures) and weekday breaks."""

    closed: list[ClosedDateEntry] = []
    breaks: Week | None = None

    def to_value(self) -> Calendar:
        breaks = {} if self.breaks is None else self.breaks.to_value()
        return Calendar(tuple(c.to_value() for c in self.closed), breaks)


class BookingsSection(_Section):
    retention_days: Annotated[int, Field(strict=True, ge=1, le=3650)] = 30
    client_limits: Text = BookingSettings().client_limits

    @field_validator("client_limits")
    @classmethod
    def _limits(cls, value: str) -> str:
        return check_limits(value)
