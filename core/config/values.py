"""The settings objects the rest of Antrian reads: frozen dataclasses and :class:`Settings`.

They are plain dataclasses on purpose, not pydantic models: tests and callers build them
directly (``Counter(...)``, ``TimeRange(...)``) and copy them with ``dataclasses.replace``, and
nothing outside :mod:`core.config` should need to know how ``config.yaml`` is validated.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, field
from datetime import time
from typing import Any

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Weekday keys used in the YAML file; the index is ``datetime.weekday()``."""

DEFAULT_CONFIG_FILE = "config.yaml"
DEFAULT_DATABASE_URL = "sqlite:///antrian.db"
DEFAULT_DATABASE_CONNECTIONS = 16  # per server process, PostgreSQL (core/engine.py)
DEFAULT_PUBLIC_BASE_URL = "http://127.0.0.1:5000"
DEFAULT_ANNOUNCEMENT = "Nomor antrean {number}, silakan menuju {counter}"
DEFAULT_PRIORITY_RATIO = 2
DEFAULT_TARGET_WAIT_MINUTES = 15
DEFAULT_SERVICE_MINUTES = 5.0
DEFAULT_REMOTE_SHARE = 0.5
DEFAULT_ALERT_AHEAD = 3
DEFAULT_AMBER_PERCENT = 75
DEFAULT_BREAK_LIMIT_MINUTES = 30
DEFAULT_SERVE_AFTER_CLOSING_MINUTES = 60
# Numbers from home: one phone behind a carrier's CGNAT shares its address with hundreds.
DEFAULT_REMOTE_PHONE_LIMITS = "3 per hour; 6 per day"
DEFAULT_REMOTE_ADDRESS_LIMITS = "60 per hour"
DEFAULT_TRAVEL_MARGIN_MINUTES = 30

ENV_CONFIG = "ANTRIAN_CONFIG"
ENV_DATABASE_URL = "ANTRIAN_DATABASE_URL"
ENV_MESSAGE_QUEUE = "ANTRIAN_MESSAGE_QUEUE"
ENV_PUBLIC_BASE_URL = "ANTRIAN_PUBLIC_BASE_URL"
ENV_SECRET_KEY = "ANTRIAN_SECRET_KEY"
ENV_PREVIOUS_SECRET_KEYS = "ANTRIAN_PREVIOUS_SECRET_KEYS"  # separated by commas


class ConfigError(Exception):
    """A configuration mistake; ``str(err)`` is ``"<key path>: <problem and fix>"``."""

    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}" if path else problem)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.path, self.problem))


# --------------------------------------------------------------------------- value objects


@dataclass(frozen=True)
class TimeRange:
    """Opening hours on one day, ``start`` included and ``end`` excluded. An ``end`` of
    ``time.max`` (written ``24:00``) runs to midnight, the day's last minute included."""

    start: time
    end: time

    def contains(self, t: time) -> bool:
        """Whether the local wall-clock time ``t`` falls within the range."""
        t = t.replace(tzinfo=None)
        return self.start <= t and (t < self.end or self.end == time.max)

    def __str__(self) -> str:
        end = "24:00" if self.end == time.max else f"{self.end:%H:%M}"
        return f"{self.start:%H:%M}-{end}"


@dataclass(frozen=True)
class Zone:
    """A part of the building with its own hallway display (a floor or a wing)."""

    code: str
    name: str


@dataclass(frozen=True)
class Agency:
    """A government office or company with desks in the mall."""

    code: str
    name: str
    name_en: str
    color: str
    logo_letters: str


@dataclass(frozen=True)
class Requirement:
    """A document a visitor must bring (*persyaratan*), in Indonesian and English."""

    text: str
    text_en: str


@dataclass(frozen=True)
class Remote:
    """Whether visitors may take a number from home (*antrean dari rumah*), and which share
    of the daily quota those numbers may use (the rest stays for people in the hall)."""

    enabled: bool = False
    share: float = DEFAULT_REMOTE_SHARE

    def cap(self, daily_quota: int | None) -> int | None:
        """Today's most remote tickets; None without a daily quota (no cap but the rate
        limit per client)."""
        if daily_quota is None:
            return None
        return int(self.share * daily_quota + 1e-9)


@dataclass(frozen=True)
class RemoteNumbers:
    """Mall-wide rules of numbers from home: requests per phone (the main limit) and per
    client address (a loose backstop: a carrier's CGNAT puts many phones behind one), in the
    `limits` notation; and how long a visitor may need to travel to the mall (a number taken
    with less time than that before the service closes comes with a warning)."""

    phone_limits: str = DEFAULT_REMOTE_PHONE_LIMITS
    address_limits: str = DEFAULT_REMOTE_ADDRESS_LIMITS
    travel_margin_minutes: int = DEFAULT_TRAVEL_MARGIN_MINUTES


@dataclass(frozen=True)
class StatusPage:
    """The visitor's phone page: alert when this many people (or fewer) are ahead."""

    alert_ahead: int = DEFAULT_ALERT_AHEAD


@dataclass(frozen=True)
class Service:
    """Something a visitor takes a ticket for; tickets are numbered ``<prefix><number>``."""

    code: str
    agency: str
    name: str
    name_en: str
    prefix: str
    daily_quota: int | None
    hours: dict[int, TimeRange | None] | None
    target_wait_minutes: int
    default_service_minutes: float = DEFAULT_SERVICE_MINUTES
    requirements: tuple[Requirement, ...] = ()
    fee: int = 0  # rupiah; 0 is free (gratis)
    remote: Remote = Remote()
    booking: Any = None  # core.config.booking.BookingRules, or None: no booking


@dataclass(frozen=True)
class Counter:
    """A desk (loket) where an officer calls tickets of the listed services.

    ``breaks``: its own planned breaks (a lunch rotation) per weekday, index 0 = Monday, or
    ``()`` for none; the mall-wide ``calendar.breaks`` come on top of them."""

    number: int
    name: str
    agency: str
    services: tuple[str, ...]
    zone: str
    breaks: tuple[tuple[TimeRange, ...], ...] = ()

    def breaks_on(self, weekday: int) -> tuple[TimeRange, ...]:
        """The counter's own breaks on ``weekday`` (0 = Monday)."""
        return self.breaks[weekday] if self.breaks else ()


@dataclass(frozen=True)
class Kiosk:
    """A self-service ticket machine; ``printer`` is checked later by the printers package."""

    code: str
    name: str
    zone: str | None
    printer: dict[str, Any] | None
    printer_path: str


@dataclass(frozen=True)
class Mall:
    code: str
    name: str
    address: str
    timezone: str
    tz: zoneinfo.ZoneInfo
    opening_hours: dict[int, TimeRange | None]
    public_base_url: str
    running_text: str
    # Officers still call and serve who took a number before the last service closed; the
    # day closes this long after its hours end (core/usecases/closing.py).
    serve_after_closing_minutes: int = DEFAULT_SERVE_AFTER_CLOSING_MINUTES


@dataclass(frozen=True)
class Calling:
    """``priority_ratio``: at most this many priority calls in a row at a counter while a
    normal visitor waits."""

    priority_ratio: int
    # At most this many booked visitors (slot begun) in a row while a walk-in waits.
    booking_ratio: int = 2


@dataclass(frozen=True)
class Announcement:
    """Spoken/shown call text; ``{number}`` and ``{counter}`` are filled in."""

    template: str


@dataclass(frozen=True)
class Management:
    """The live dashboard's thresholds: a service turns amber at ``amber_percent`` of its
    target wait and red at the target; a counter on break past ``break_limit_minutes`` is an
    alert."""

    amber_percent: int = DEFAULT_AMBER_PERCENT
    break_limit_minutes: int = DEFAULT_BREAK_LIMIT_MINUTES


@dataclass(frozen=True)
class Settings:
    mall: Mall
    zones: tuple[Zone, ...]
    agencies: tuple[Agency, ...]
    services: tuple[Service, ...]
    counters: tuple[Counter, ...]
    kiosks: tuple[Kiosk, ...]
    calling: Calling
    announcement: Announcement
    database_url: str
    database_connections: int = DEFAULT_DATABASE_CONNECTIONS
    message_queue: str | None = None
    secret_key: str | None = None
    # Keys that signed before the current one: still accepted (sessions, survey keys, NIK
    # hashes), never used to sign, so a secret can be changed without signing every screen
    # out or voiding the day's tickets (README, "Changing the secret").
    previous_secret_keys: tuple[str, ...] = ()
    source_path: str | None = None
    deployment_id: str | None = None  # None: the id kept in the database (core/server/relay.py)
    status_page: StatusPage = StatusPage()
    calendar: Any = None  # core.config.booking.Calendar (None: no closures, no breaks)
    bookings: Any = None  # core.config.booking.BookingSettings (None: the defaults)
    management: Management = field(default_factory=Management)
    remote_numbers: RemoteNumbers = field(default_factory=RemoteNumbers)

    _index: dict[str, dict[Any, Any]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        from core.config.booking import BookingSettings, Calendar  # it builds on TimeRange

        if self.calendar is None:
            object.__setattr__(self, "calendar", Calendar())
        if self.bookings is None:
            object.__setattr__(self, "bookings", BookingSettings())
        index: dict[str, dict[Any, Any]] = {
            "service": {s.code: s for s in self.services},
            "agency": {a.code: a for a in self.agencies},
            "counter": {c.number: c for c in self.counters},
            "zone": {z.code: z for z in self.zones},
            "kiosk": {k.code: k for k in self.kiosks},
            "serving": {},
        }
        for s in self.services:
            index["serving"][s.code] = tuple(c for c in self.counters if s.code in c.services)
        object.__setattr__(self, "_index", index)

    def _lookup(self, kind: str, key: Any) -> Any:
        try:
            return self._index[kind][key]
        except KeyError:
            raise KeyError(f"unknown {kind} {key!r}") from None

    def service(self, code: str) -> Service:
        return self._lookup("service", code)

    def agency(self, code: str) -> Agency:
        return self._lookup("agency", code)

    def counter(self, number: int) -> Counter:
        return self._lookup("counter", number)

    def zone(self, code: str) -> Zone:
        return self._lookup("zone", code)

    def kiosk(self, code: str) -> Kiosk:
        return self._lookup("kiosk", code)

    def counters_serving(self, service_code: str) -> tuple[Counter, ...]:
        """Counters that call tickets of this service, in file order (KeyError if unknown)."""
        self.service(service_code)
        return self._index["serving"][service_code]

    def service_hours(self, service_code: str, weekday: int) -> TimeRange | None:
        """When tickets for the service are issued on ``weekday`` (0 = Monday); None = closed.

        The service's own hours if it has them, otherwise the mall's opening hours.
        """
        if not 0 <= weekday <= 6:
            raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), got {weekday!r}")
        service = self.service(service_code)
        hours = service.hours if service.hours is not None else self.mall.opening_hours
        return hours.get(weekday)
