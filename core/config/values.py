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
DEFAULT_PUBLIC_BASE_URL = "http://127.0.0.1:5000"
DEFAULT_ANNOUNCEMENT = "Nomor antrean {number}, silakan menuju {counter}"
DEFAULT_PRIORITY_RATIO = 2
DEFAULT_TARGET_WAIT_MINUTES = 15
DEFAULT_SERVICE_MINUTES = 5.0

ENV_CONFIG = "ANTRIAN_CONFIG"
ENV_DATABASE_URL = "ANTRIAN_DATABASE_URL"
ENV_MESSAGE_QUEUE = "ANTRIAN_MESSAGE_QUEUE"
ENV_PUBLIC_BASE_URL = "ANTRIAN_PUBLIC_BASE_URL"
ENV_SECRET_KEY = "ANTRIAN_SECRET_KEY"


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


@dataclass(frozen=True)
class Counter:
    """A desk (loket) where an officer calls tickets of the listed services."""

    number: int
    name: str
    agency: str
    services: tuple[str, ...]
    zone: str


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


@dataclass(frozen=True)
class Calling:
    """``priority_ratio``: at most this many priority calls in a row at a counter while a
    normal visitor waits."""

    priority_ratio: int


@dataclass(frozen=True)
class Announcement:
    """Spoken/shown call text; ``{number}`` and ``{counter}`` are filled in."""

    template: str


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
    message_queue: str | None = None
    secret_key: str | None = None
    source_path: str | None = None

    _index: dict[str, dict[Any, Any]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
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
