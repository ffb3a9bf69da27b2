"""Which slots a service offers on a day, and whether a day or a moment can be booked.

A service's day (its own hours, else the mall's, for that weekday) is cut into slots of
`slot_minutes` from its opening; a slot that would run past closing, or overlaps the
weekday's break (Friday prayers), is not offered. A dated closure (holiday, cuti bersama,
local closure) closes the whole day, with its reason. Days are the mall's local dates: a
slot belongs to its local date whatever the UTC date is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from core.config import Settings, TimeRange
from core.config.booking import BookingRules


@dataclass(frozen=True)
class Slot:
    start: time
    end: time

    @property
    def label(self) -> str:
        return f"{self.start:%H:%M}"

    def to_dict(self) -> dict[str, str]:
        return {"start": f"{self.start:%H:%M}", "end": f"{self.end:%H:%M}"}


class BookingRefused(ValueError):
    """A day or slot that cannot be booked: `field` names what to change, `code` is stable."""

    def __init__(self, field: str, code: str, message: str) -> None:
        super().__init__(message)
        self.field, self.code, self.message = field, code, message


def rules(settings: Settings, service: str) -> BookingRules:
    """The service's booking rules; BookingRefused when it takes no bookings."""
    found = settings.service(service).booking
    if found is None or not found.enabled:
        raise BookingRefused(
            "service",
            "booking_disabled",
            f"{service} tidak menerima booking; ambil nomor di anjungan. / {service} takes no "
            "bookings; take a ticket at a kiosk.",
        )
    return found


def kept_rules(settings: Settings, service: str) -> BookingRules:
    """The rules a booking already made is held to (its check-in window, the late rule): the
    service's own even once it stopped taking new bookings (`enabled: false`), the defaults
    if its section was removed. Visitors who hold a booking still see, cancel and use it."""
    return settings.service(service).booking or BookingRules()


def closure_reason(settings: Settings, service: str, day: date) -> str | None:
    """Why the service is closed all of `day` (a dated closure or its weekday), else None."""
    closed = settings.calendar.closure(day, service)
    if closed is not None:
        return closed.reason
    if settings.service_hours(service, day.weekday()) is None:
        return "Tutup pada hari ini / Closed on this weekday"
    return None


def _minutes(t: time) -> int:
    return 24 * 60 if t == time.max else t.hour * 60 + t.minute


def _overlaps(start: int, end: int, window: TimeRange | None) -> bool:
    return window is not None and start < _minutes(window.end) and _minutes(window.start) < end


def day_slots(settings: Settings, service: str, day: date) -> list[Slot]:
    """The slots of `day` (empty on a closed day)."""
    booking = rules(settings, service)
    if closure_reason(settings, service, day) is not None:
        return []
    hours = settings.service_hours(service, day.weekday())
    assert hours is not None  # closure_reason said it is open
    pause = settings.calendar.breaks.get(day.weekday())
    begin, close = _minutes(hours.start), _minutes(hours.end)
    found = []
    while begin + booking.slot_minutes <= close:
        end = begin + booking.slot_minutes
        if not _overlaps(begin, end, pause):
            found.append(Slot(time(begin // 60, begin % 60), _clock(end)))
        begin = end
    return found


def _clock(minutes: int) -> time:
    return time.max if minutes >= 24 * 60 else time(minutes // 60, minutes % 60)


def find_slot(settings: Settings, service: str, day: date, label: object) -> Slot:
    if not isinstance(label, str):
        raise BookingRefused(
            "slot",
            "invalid_request",
            "Jam harus diisi dengan jam mulai JJ:MM, mis. \"08:00\". / 'slot' must be a start "
            "time 'HH:MM'.",
        )
    for slot in day_slots(settings, service, day):
        if slot.label == label.strip():
            return slot
    raise BookingRefused(
        "slot",
        "unknown_slot",
        f"Jam {label[:8]!r} tidak ada untuk {service} pada {day.isoformat()}; pilih jam yang "
        f"ditawarkan. / 'slot' {label[:8]!r} is not a slot of {service} on {day.isoformat()}; "
        f"GET /api/v1/services/{service}/slots?date={day.isoformat()} lists them.",
    )


def starts_at(settings: Settings, day: date, slot: Slot) -> datetime:
    """The slot's start as a UTC instant."""
    return datetime.combine(day, slot.start, settings.mall.tz).astimezone(UTC)


def parse_day(raw: object) -> date:
    if not isinstance(raw, str):
        raise BookingRefused(
            "date",
            "invalid_request",
            "Tanggal harus diisi dengan format TTTT-BB-HH, mis. 2026-11-25. / 'date' must be a "
            "date 'YYYY-MM-DD'.",
        )
    try:
        return date.fromisoformat(raw.strip()) if len(raw) <= 10 else date.fromisoformat("x")
    except ValueError:
        raise BookingRefused(
            "date",
            "invalid_request",
            f"Tanggal {raw[:20]!r} tidak dikenali; tulis dengan format TTTT-BB-HH, mis. "
            f"2026-11-25. / 'date' must be a date 'YYYY-MM-DD', got {raw[:20]!r}.",
        ) from None


def check_day(settings: Settings, service: str, day: date, now: datetime) -> None:
    """BookingRefused unless `day` is open for booking now: not past, within the horizon,
    not closed."""
    booking = rules(settings, service)
    today = now.astimezone(settings.mall.tz).date()
    if day < today:
        raise BookingRefused(
            "date",
            "date_in_past",
            f"Tanggal {day.isoformat()} sudah lewat. / 'date' {day.isoformat()} is in the past.",
        )
    if day > today + timedelta(days=booking.horizon_days):
        last = (today + timedelta(days=booking.horizon_days)).isoformat()
        raise BookingRefused(
            "date",
            "date_too_far",
            f"Tanggal {day.isoformat()} terlalu jauh: booking {service} paling lambat untuk "
            f"{last}. / 'date' {day.isoformat()} is too far ahead: {service} books until {last}.",
        )
    if day == today and booking.same_day_cutoff_minutes is None:
        raise BookingRefused(
            "date",
            "same_day_closed",
            f"{service} tidak menerima booking untuk hari ini; pilih hari lain. / {service} takes "
            "no bookings for today; choose a later day.",
        )
    reason = closure_reason(settings, service, day)
    if reason is not None:
        raise BookingRefused(
            "date",
            "day_closed",
            f"Tanggal {day.isoformat()} tutup: {reason}. / 'date' {day.isoformat()} is closed: "
            f"{reason}.",
        )


def bookable(settings: Settings, service: str, day: date, slot: Slot, now: datetime) -> bool:
    """Whether the slot can still be booked at `now` (today's until the same-day cut-off)."""
    booking = rules(settings, service)
    cutoff = booking.same_day_cutoff_minutes
    if cutoff is None and day == now.astimezone(settings.mall.tz).date():
        return False
    return now <= starts_at(settings, day, slot) - timedelta(minutes=cutoff or 0)


def check_slot(settings: Settings, service: str, day: date, slot: Slot, now: datetime) -> None:
    if not bookable(settings, service, day, slot, now):
        raise BookingRefused(
            "slot",
            "slot_closed",
            f"Jam {slot.label} pada {day.isoformat()} sudah tidak dapat dibooking; pilih jam "
            f"yang lebih akhir. / 'slot' {slot.label} on {day.isoformat()} can no longer be "
            "booked; choose a later slot.",
        )


def arrival(settings: Settings, service: str, day: date, slot: Slot) -> tuple[datetime, datetime]:
    """From when until when a booked visitor checks in (UTC instants), never outside the
    slot's own local day: a ticket is numbered on the day it is issued and ends with that
    day's close, so a 00:00 slot checked in at 23:50 the evening before would get the
    evening's number and be closed at midnight, before its slot even began. Its window opens
    at midnight instead (the same cut at the day's end, for a slot just before midnight)."""
    window = kept_rules(settings, service).arrival_window
    start = starts_at(settings, day, slot)
    tz = settings.mall.tz
    midnight = datetime.combine(day, time.min, tz).astimezone(UTC)
    next_midnight = datetime.combine(day + timedelta(days=1), time.min, tz).astimezone(UTC)
    opens = max(start - timedelta(minutes=window.before_min), midnight)
    closes = min(
        start + timedelta(minutes=window.after_min), next_midnight - timedelta(microseconds=1)
    )
    return opens, closes
