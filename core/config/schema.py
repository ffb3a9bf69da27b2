"""The shape of ``config.yaml`` as pydantic models, and the checks that span entries.

pydantic walks the file, keeps track of each value's key path and checks required keys, types
and bounds; the field types in :mod:`core.config.fields` word its failures. Checks that need
more than one entry (unique codes and prefixes, counters naming known services, agencies and
zones) are validators on the top-level lists: pydantic validates fields in the order they are
declared, so when ``services`` is checked the valid ``agencies`` are already in ``info.data``.

The models are only a step: :meth:`ConfigFile.to_settings` turns them into the frozen
dataclasses in :mod:`core.config.values` that the rest of Antrian reads.
"""

from __future__ import annotations

import re
import zoneinfo
from typing import Annotated, Any, ClassVar

from pydantic import (
    AfterValidator,
    ValidationInfo,
    field_validator,
    model_validator,
)

from core.config.booking import DEFAULT_BOOKING_RATIO, BookingSettings
from core.config.booking_schema import BookingEntry, BookingsSection, CalendarSection
from core.config.fields import (
    DB_URL_EXAMPLE,
    MQ_URL_EXAMPLE,
    AmberPercent,
    Code,
    Color,
    CounterBreaks,
    CounterNumber,
    DailyQuota,
    DatabaseConnections,
    KeyProblem,
    LogoLetters,
    OptionalText,
    Prefix,
    Printer,
    PriorityRatio,
    ServeAfterClosing,
    ServiceCodes,
    ServiceMinutes,
    TargetWait,
    Text,
    check_base_url,
    check_known,
    check_template,
    check_time_zone,
    check_unique,
    check_url,
    list_of,
)
from core.config.remote_schema import RemoteNumbersSection, RemoteSection
from core.config.sections import Week, _Section
from core.config.values import (
    DEFAULT_ALERT_AHEAD,
    DEFAULT_ANNOUNCEMENT,
    DEFAULT_DATABASE_CONNECTIONS,
    DEFAULT_PRIORITY_RATIO,
    DEFAULT_PUBLIC_BASE_URL,
    DEFAULT_SERVE_AFTER_CLOSING_MINUTES,
    DEFAULT_SERVICE_MINUTES,
    DEFAULT_TARGET_WAIT_MINUTES,
    Agency,
    Announcement,
    Calling,
    Counter,
    Kiosk,
    Mall,
    Management,
    Remote,
    RemoteNumbers,
    Requirement,
    Service,
    Settings,
    StatusPage,
    Zone,
)
from core.config.visitors import AlertAhead, Fee, RequirementList


class MallSection(_Section):
    code: Code
    name: Text
    address: OptionalText = None
    timezone: Annotated[Text, AfterValidator(check_time_zone)]
    public_base_url: OptionalText = None
    running_text: OptionalText = None
    opening_hours: Week
    serve_after_closing_minutes: ServeAfterClosing = DEFAULT_SERVE_AFTER_CLOSING_MINUTES

    @field_validator("public_base_url")
    @classmethod
    def _base_url(cls, value: str | None) -> str | None:
        return None if value is None else check_base_url(value)

    @field_validator("opening_hours", mode="before")
    @classmethod
    def _hours_given(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("must be a mapping of weekdays to 'HH:MM-HH:MM' or 'closed', got null")
        return value

    def to_value(self, public_base_url: str | None) -> Mall:
        """``public_base_url`` from the environment wins over the file's."""
        base_url = public_base_url or self.public_base_url or DEFAULT_PUBLIC_BASE_URL
        return Mall(
            code=self.code,
            name=self.name,
            address=self.address or "",
            timezone=self.timezone,
            tz=zoneinfo.ZoneInfo(self.timezone),
            opening_hours=self.opening_hours.to_value(),
            public_base_url=base_url,
            running_text=self.running_text or "",
            serve_after_closing_minutes=self.serve_after_closing_minutes,
        )


class ZoneEntry(_Section):
    code: Code
    name: Text

    def to_value(self) -> Zone:
        return Zone(code=self.code, name=self.name)


class AgencyEntry(_Section):
    code: Code
    name: Text
    name_en: OptionalText = None
    color: Color
    logo_letters: LogoLetters = None

    def to_value(self) -> Agency:
        letters = self.logo_letters
        if letters is None:
            letters = re.sub(r"[^A-Za-z0-9]", "", self.code).upper()[:3]
        return Agency(
            code=self.code,
            name=self.name,
            name_en=self.name if self.name_en is None else self.name_en,
            color=self.color.lower(),
            logo_letters=letters,
        )


class RequirementEntry(_Section):
    """A document to bring: text, or ``{id: ..., en: ...}`` with its English wording."""

    expected: ClassVar[str] = "text, or a mapping {id: 'Indonesian', en: 'English'}"

    id: Text
    en: OptionalText = None

    def to_value(self) -> Requirement:
        return Requirement(text=self.id, text_en=self.en or self.id)


class StatusPageSection(_Section):
    alert_ahead: AlertAhead = DEFAULT_ALERT_AHEAD


class ServiceEntry(_Section):
    code: Code
    agency: Code
    name: Text
    name_en: OptionalText = None
    prefix: Prefix
    daily_quota: DailyQuota = None
    hours: Week | None = None
    target_wait_minutes: TargetWait = DEFAULT_TARGET_WAIT_MINUTES
    default_service_minutes: ServiceMinutes = DEFAULT_SERVICE_MINUTES
    requirements: Annotated[list[RequirementEntry], RequirementList] = []
    fee: Fee = 0
    remote: RemoteSection | None = None
    booking: BookingEntry | None = None

    def to_value(self) -> Service:
        return Service(
            code=self.code,
            agency=self.agency,
            name=self.name,
            name_en=self.name if self.name_en is None else self.name_en,
            prefix=self.prefix,
            daily_quota=self.daily_quota,
            hours=None if self.hours is None else self.hours.to_value(),
            target_wait_minutes=self.target_wait_minutes,
            default_service_minutes=float(self.default_service_minutes),
            requirements=tuple(r.to_value() for r in self.requirements),
            fee=self.fee,
            remote=Remote() if self.remote is None else self.remote.to_value(),
            booking=None if self.booking is None else self.booking.to_value(),
        )


class CounterEntry(_Section):
    number: CounterNumber
    name: OptionalText = None
    agency: Code
    services: ServiceCodes
    zone: Code
    breaks: CounterBreaks = ()

    def to_value(self) -> Counter:
        return Counter(
            number=self.number,
            name=f"Loket {self.number}" if self.name is None else self.name,
            agency=self.agency,
            services=tuple(self.services),
            zone=self.zone,
            breaks=self.breaks,
        )


class KioskEntry(_Section):
    code: Code
    name: Text
    zone: Code | None = None
    printer: Printer = None

    def to_value(self, index: int) -> Kiosk:
        return Kiosk(
            code=self.code,
            name=self.name,
            zone=self.zone,
            printer=None if self.printer is None else dict(self.printer),
            printer_path=f"kiosks[{index}].printer",
        )


class CallingSection(_Section):
    priority_ratio: PriorityRatio = DEFAULT_PRIORITY_RATIO
    booking_ratio: PriorityRatio = DEFAULT_BOOKING_RATIO


class ManagementSection(_Section):
    amber_percent: AmberPercent = Management.amber_percent
    break_limit_minutes: TargetWait = Management.break_limit_minutes

    def to_value(self) -> Management:
        return Management(self.amber_percent, self.break_limit_minutes)


class AnnouncementSection(_Section):
    template: OptionalText = None

    @field_validator("template")
    @classmethod
    def _template(cls, value: str | None) -> str | None:
        return None if value is None else check_template(value)


def _codes(info: ValidationInfo, key: str) -> list[str] | None:
    """Codes of an earlier top-level list, or None if that list failed (already reported)."""
    entries = info.data.get(key)
    return None if entries is None else [e.code for e in entries]


class ConfigFile(_Section):
    """The whole file. Field order is validation order: lists that others refer to first."""

    mall: MallSection
    database_url: OptionalText = None
    database_connections: DatabaseConnections = DEFAULT_DATABASE_CONNECTIONS
    message_queue: OptionalText = None
    secret_key: OptionalText = None
    previous_secret_keys: list[Text] | None = None
    # Names this deployment's message-queue channels (core/server/relay.py); by default an id
    # made once and kept in the database, which every process of the deployment shares.
    deployment_id: OptionalText = None
    calling: CallingSection | None = None
    announcement: AnnouncementSection | None = None
    status_page: StatusPageSection | None = None
    management: ManagementSection | None = None
    zones: Annotated[list[ZoneEntry], list_of("zone")]
    agencies: Annotated[list[AgencyEntry], list_of("agency")]
    services: Annotated[list[ServiceEntry], list_of("service")]
    counters: Annotated[list[CounterEntry], list_of("counter")]
    kiosks: Annotated[list[KioskEntry], list_of("kiosk", optional=True)] = []
    # After `services`: a dated closure may name services.
    calendar: CalendarSection | None = None
    bookings: BookingsSection | None = None
    remote_numbers: RemoteNumbersSection | None = None

    @field_validator("calendar")
    @classmethod
    def _calendar(cls, calendar: CalendarSection | None, info: ValidationInfo) -> Any:
        services = _codes(info, "services")
        if calendar is not None and services is not None:
            for i, entry in enumerate(calendar.closed):
                for j, code in enumerate(entry.services or []):
                    if code not in services:
                        raise KeyProblem(f"unknown service {code!r}", "closed", i, "services", j)
        return calendar

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str | None) -> str | None:
        return None if value is None else check_url(value, DB_URL_EXAMPLE)

    @field_validator("message_queue")
    @classmethod
    def _message_queue(cls, value: str | None) -> str | None:
        return None if value is None else check_url(value, MQ_URL_EXAMPLE)

    @field_validator("deployment_id")
    @classmethod
    def _deployment_id(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[A-Za-z0-9_.-]{4,64}", value):
            raise ValueError(
                "expected 4 to 64 letters, digits, '.', '_' or '-' (it names the message "
                f"queue's channels), got {value!r}"
            )
        return value

    @field_validator("zones", "agencies")
    @classmethod
    def _unique_codes(cls, entries: list[Any], info: ValidationInfo) -> list[Any]:
        check_unique([e.code for e in entries], info.field_name or "", "code")
        return entries

    @field_validator("services")
    @classmethod
    def _services(cls, services: list[ServiceEntry], info: ValidationInfo) -> list[ServiceEntry]:
        codes = [s.code for s in services]
        check_unique(codes, "services", "code")
        check_unique([s.prefix for s in services], "services", "prefix", owners=codes)
        agencies = _codes(info, "agencies")
        if agencies is not None:
            for i, s in enumerate(services):
                check_known(s.agency, agencies, "agency", i, "agency")
        return services

    @field_validator("counters")
    @classmethod
    def _counters(cls, counters: list[CounterEntry], info: ValidationInfo) -> list[CounterEntry]:
        check_unique([c.number for c in counters], "counters", "number")
        agencies, zones = _codes(info, "agencies"), _codes(info, "zones")
        services = _codes(info, "services")
        for i, c in enumerate(counters):
            if agencies is not None:
                check_known(c.agency, agencies, "agency", i, "agency")
            if zones is not None:
                check_known(c.zone, zones, "zone", i, "zone")
            seen: dict[str, int] = {}
            for j, code in enumerate(c.services):
                if services is not None:
                    check_known(code, services, "service", i, "services", j)
                if code in seen:
                    raise KeyProblem(
                        f"{code!r} is already listed at services[{seen[code]}]", i, "services", j
                    )
                seen[code] = j
        return counters

    @field_validator("kiosks")
    @classmethod
    def _kiosks(cls, kiosks: list[KioskEntry], info: ValidationInfo) -> list[KioskEntry]:
        check_unique([k.code for k in kiosks], "kiosks", "code")
        zones = _codes(info, "zones")
        for i, k in enumerate(kiosks):
            if k.zone is not None and zones is not None:
                check_known(k.zone, zones, "zone", i, "zone")
        return kiosks

    @model_validator(mode="after")
    def _every_service_served(self) -> ConfigFile:
        """A service no counter lists would take tickets that no officer can ever call."""
        served = {code for counter in self.counters for code in counter.services}
        for i, service in enumerate(self.services):
            if service.code not in served:
                problem = f"no counter serves {service.code!r}, so its tickets could never be"
                problem += " called; add it to a counter's services or remove the service"
                raise KeyProblem(problem, "services", i, "code")
        return self

    def to_settings(
        self,
        *,
        database_url: str,
        message_queue: str | None,
        secret_key: str | None,
        previous_secret_keys: tuple[str, ...],
        public_base_url: str | None,
        source_path: str | None,
    ) -> Settings:
        """The frozen settings; the arguments are the values after environment overrides."""
        calling, announcement = self.calling, self.announcement
        template = announcement.template if announcement is not None else None
        return Settings(
            mall=self.mall.to_value(public_base_url),
            zones=tuple(z.to_value() for z in self.zones),
            agencies=tuple(a.to_value() for a in self.agencies),
            services=tuple(s.to_value() for s in self.services),
            counters=tuple(c.to_value() for c in self.counters),
            kiosks=tuple(k.to_value(i) for i, k in enumerate(self.kiosks)),
            calling=Calling(
                priority_ratio=(
                    calling.priority_ratio if calling is not None else DEFAULT_PRIORITY_RATIO
                ),
                booking_ratio=(
                    calling.booking_ratio if calling is not None else DEFAULT_BOOKING_RATIO
                ),
            ),
            calendar=None if self.calendar is None else self.calendar.to_value(),
            bookings=None
            if self.bookings is None
            else BookingSettings(self.bookings.retention_days, self.bookings.client_limits),
            announcement=Announcement(
                template=DEFAULT_ANNOUNCEMENT if template is None else template
            ),
            database_url=database_url,
            database_connections=self.database_connections,
            message_queue=message_queue,
            secret_key=secret_key,
            previous_secret_keys=previous_secret_keys,
            deployment_id=self.deployment_id,
            source_path=source_path,
            status_page=StatusPage(
                alert_ahead=(
                    self.status_page.alert_ahead
                    if self.status_page is not None
                    else DEFAULT_ALERT_AHEAD
                )
            ),
            management=Management() if self.management is None else self.management.to_value(),
            remote_numbers=(
                RemoteNumbers() if self.remote_numbers is None else self.remote_numbers.to_value()
            ),
        )
