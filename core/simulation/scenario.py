"""A scenario file: the day to simulate, checked by pydantic; a mistake is one line naming
the key path, like config.yaml's (`services.KTP.service_minutes.mean: must be above 0`).

The mall itself (agencies, services, quotas, target waits) comes from a configuration file
(`config:`, relative to the scenario; the project's `config.yaml` by default); the scenario
says what the day brings per service (arrivals per hour, service times, no-shows, priority
visitors, visitors with a booking, transfers) and who works per counter (services, hours,
breaks). Its counters replace
the configuration's: a scenario is a staffing plan.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import date, time
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from core.config import ConfigError, Counter, Settings, TimeRange, load_settings
from core.simulation.model import HourlyRates, ServiceTime, Window, parse_clock, working_windows

ROOT = Path(__file__).resolve().parents[2]
_SPAN = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")
Share = Annotated[float, Field(ge=0.0, le=1.0)]


class ScenarioError(Exception):
    """One line: `<key path>: <problem>`."""


def _span(value: Any) -> str:
    if not isinstance(value, str) or not _SPAN.match(value.strip()):
        raise ValueError(f"must be a span 'HH:MM-HH:MM', e.g. '08:00-15:00', got {value!r}")
    start, end = value.strip().split("-")
    if parse_clock(end) <= parse_clock(start):
        raise ValueError(f"ends before it starts: {value!r}")
    return value.strip()


def window(span: str) -> Window:
    start, end = span.split("-")
    return Window(parse_clock(start), parse_clock(end))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ServiceMinutes(_Strict):
    distribution: Literal["lognormal", "gamma", "exponential", "fixed"] = "lognormal"
    mean: float = Field(gt=0, le=480)
    cv: float = Field(default=0.5, ge=0, le=5)

    def to_value(self) -> ServiceTime:
        return ServiceTime(self.distribution, self.mean, self.cv)


class ServiceDay(_Strict):
    arrivals_per_hour: dict[Annotated[int, Field(ge=0, le=23)], Annotated[float, Field(ge=0)]]
    service_minutes: ServiceMinutes
    no_show: Share = 0.0
    priority: Share = 0.0
    booked: Share = 0.0  # of the visitors, those who booked a slot before the day
    transfers: dict[str, Share] = {}
    daily_quota: int | None | Literal["config"] = "config"
    hours: str | None = None  # when the service issues tickets; the configuration's by default

    _hours = field_validator("hours")(lambda v: None if v is None else _span(v))

    @field_validator("transfers")
    @classmethod
    def _transfer_share(cls, value: dict[str, float]) -> dict[str, float]:
        if sum(value.values()) > 1:
            raise ValueError("the transfer shares add up to more than 1")
        return value

    @field_validator("daily_quota")
    @classmethod
    def _quota(cls, value: Any) -> Any:
        if isinstance(value, int) and value < 1:
            raise ValueError("must be at least 1, null for no limit, or 'config'")
        return value


class CounterDay(_Strict):
    number: int = Field(ge=1)
    services: list[str] = Field(min_length=1)
    hours: str
    breaks: list[str] = []

    _hours = field_validator("hours")(lambda v: _span(v))

    @field_validator("breaks")
    @classmethod
    def _breaks(cls, value: list[str]) -> list[str]:
        return [_span(v) for v in value]

    def windows(self) -> list[Window]:
        return working_windows(window(self.hours), [window(b) for b in self.breaks])


class OracleOptions(_Strict):
    replications: int = Field(default=24, ge=4, le=1000)
    # Ask the oracle for every n-th visitor only: it plays the rest of the day many times per
    # visitor, by far the simulator's largest cost.
    every: int = Field(default=1, ge=1, le=100)
    # Whether it knows which waiting visitor will not show up or be sent on to another
    # service. Those are draws still to come (a visitor decides to leave, an officer finds a
    # second errand), so the oracle of the goal draws them from the shares like any later
    # draw; knowing them is kept to measure what that knowledge alone is worth.
    knows_outcomes: bool = False


class ScenarioFile(_Strict):
    name: str
    sources: list[str] = Field(min_length=1)
    # The day of a mall that has run for a while: the visits of so many days before are in
    # the database (drawn from this file's arrivals and service times), as the estimate
    # learns its pace and the shape of a day from recent days. 0: the mall's very first day.
    history_days: int = Field(default=7, ge=0, le=28)
    config: str = "config.yaml"
    date: date
    seed: int = 1
    sample_minutes: float = Field(default=5.0, gt=0, le=120)
    oracle: OracleOptions = OracleOptions()
    services: dict[str, ServiceDay] = Field(min_length=1)
    counters: list[CounterDay] = Field(min_length=1)

    @model_validator(mode="after")
    def _references(self) -> ScenarioFile:
        codes = set(self.services)
        for code, day in self.services.items():
            for target in day.transfers:
                if target not in codes:
                    raise _at(f"unknown service {target!r}", "services", code, "transfers")
        seen: set[int] = set()
        for i, counter in enumerate(self.counters):
            if counter.number in seen:
                raise _at(f"counter {counter.number} is listed twice", "counters", i, "number")
            seen.add(counter.number)
            for j, code in enumerate(counter.services):
                if code not in codes:
                    raise _at(
                        f"unknown service {code!r}; the scenario's services are "
                        + ", ".join(sorted(codes)),
                        "counters",
                        i,
                        "services",
                        j,
                    )
        return self


def _at(problem: str, *loc: str | int) -> ValueError:
    err = ValueError(problem)
    err.at = loc  # type: ignore[attr-defined]
    return err


def _key_path(loc: list[Any]) -> str:
    path = ""
    for part in loc:
        if part == "[key]":
            continue
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


@dataclasses.dataclass(frozen=True)
class Scenario:
    """A checked scenario, with the mall's settings its counters and quotas apply to."""

    file: ScenarioFile
    settings: Settings
    path: str

    @property
    def day(self) -> date:
        return self.file.date

    def arrivals(self, service: str) -> HourlyRates:
        return HourlyRates(dict(self.file.services[service].arrivals_per_hour))

    def service_time(self, service: str) -> ServiceTime:
        return self.file.services[service].service_minutes.to_value()

    def counter_windows(self) -> dict[int, list[Window]]:
        return {c.number: c.windows() for c in self.file.counters}


def load_scenario(path: str | Path, seed: int | None = None) -> Scenario:
    """Read and check a scenario file; ScenarioError with one line on any mistake."""
    shown = str(path)
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScenarioError(f"{shown}: file not found") from None
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{shown}: invalid YAML: {' '.join(str(exc).split())}") from None
    if not isinstance(data, dict):
        raise ScenarioError(f"{shown}: must be a mapping with name, date, services, counters")
    try:
        file = ScenarioFile.model_validate(data)
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        loc = list(error["loc"])
        cause = (error.get("ctx") or {}).get("error")
        if isinstance(cause, ValueError):
            loc += list(getattr(cause, "at", ()))
            problem = str(cause)
        elif error["type"] == "missing":
            problem = "required key is missing"
        elif error["type"] == "extra_forbidden":
            problem = "unknown key"
        else:
            problem = f"{error['msg']}, got {error['input']!r}"
        raise ScenarioError(f"{_key_path(loc) or shown}: {problem}") from None
    if seed is not None:
        file = file.model_copy(update={"seed": seed})
    config = Path(path).parent / file.config
    if not config.exists() and file.config == "config.yaml":
        config = ROOT / "config.yaml"
    try:
        base = load_settings(config, environ={})
    except ConfigError as exc:
        raise ScenarioError(f"config: {config}: {exc}") from None
    return Scenario(file, _settings_for(file, base), str(path))


def _settings_for(file: ScenarioFile, base: Settings) -> Settings:
    known = {s.code for s in base.services}
    for code in file.services:
        if code not in known:
            raise ScenarioError(
                f"services.{code}: not a service of the configuration; known: "
                + ", ".join(sorted(known))
            )
    weekday = file.date.weekday()
    services = []
    for service in base.services:
        day = file.services.get(service.code)
        if day is None:
            services.append(service)
            continue
        changes: dict[str, Any] = {}
        if day.daily_quota != "config":
            changes["daily_quota"] = day.daily_quota
        if day.hours is not None:
            w = window(day.hours)
            span = TimeRange(_time(w.start), _time(w.end))
            changes["hours"] = {d: span for d in range(7)}
        elif base.service_hours(service.code, weekday) is None:
            raise ScenarioError(
                f"services.{service.code}: the configuration closes it on {file.date:%A}; "
                "give its 'hours' or pick another date"
            )
        if day.booked and (service.booking is None or not service.booking.enabled):
            raise ScenarioError(
                f"services.{service.code}.booked: {service.code} takes no bookings in the "
                "configuration (its 'booking' section); set it to 0 or give it bookings"
            )
        services.append(dataclasses.replace(service, **changes))
    zone = base.zones[0].code
    counters = tuple(
        Counter(
            number=c.number,
            name=f"Loket {c.number}",
            agency=base.service(c.services[0]).agency,
            services=tuple(c.services),
            zone=zone,
        )
        for c in file.counters
    )
    return dataclasses.replace(base, services=tuple(services), counters=counters)


def _time(minutes: float) -> time:
    return time.max if minutes >= 24 * 60 else time(int(minutes // 60), int(minutes % 60))
