"""Typed, validated settings read from ``config.yaml``.

One YAML file describes a Mal Pelayanan Publik: its opening hours, display zones, the agencies
that have desks there, the services they offer, the counters and the self-service kiosks.
:func:`load_settings` reads and checks the file and returns frozen :class:`Settings`.

Every mistake raises :class:`ConfigError` whose text is one line starting with the key path,
e.g. ``services[4].prefix: 'A' is already used by services[1] (KTP)``, so that the person
editing the file can find and fix it without reading a traceback.

This module is part of the domain: standard library and PyYAML only, no Flask, no SQLAlchemy.
"""

from __future__ import annotations

import difflib
import os
import re
import string
import zoneinfo
from collections.abc import Callable, Iterable, Mapping
from datetime import time
from typing import Any

import yaml

from core.config.values import (
    DEFAULT_ANNOUNCEMENT,
    DEFAULT_CONFIG_FILE,
    DEFAULT_DATABASE_URL,
    DEFAULT_PRIORITY_RATIO,
    DEFAULT_PUBLIC_BASE_URL,
    DEFAULT_SERVICE_MINUTES,
    DEFAULT_TARGET_WAIT_MINUTES,
    ENV_CONFIG,
    ENV_DATABASE_URL,
    ENV_MESSAGE_QUEUE,
    ENV_PUBLIC_BASE_URL,
    ENV_SECRET_KEY,
    WEEKDAYS,
    Agency,
    Announcement,
    Calling,
    ConfigError,
    Counter,
    Kiosk,
    Mall,
    Service,
    Settings,
    TimeRange,
    Zone,
)

__all__ = [
    "WEEKDAYS",
    "Agency",
    "Announcement",
    "Calling",
    "ConfigError",
    "Counter",
    "Kiosk",
    "Mall",
    "Service",
    "Settings",
    "TimeRange",
    "Zone",
    "load_settings",
    "parse_settings",
]

# --------------------------------------------------------------------------- loading


def load_settings(
    path: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Read and validate the YAML file at ``path``.

    ``path`` defaults to ``$ANTRIAN_CONFIG``, then ``./config.yaml``. ``environ`` defaults to
    ``os.environ``; see :func:`parse_settings` for the variables that override the file.
    """
    env = os.environ if environ is None else environ
    if path is None:
        path = env.get(ENV_CONFIG) or DEFAULT_CONFIG_FILE
    shown = os.fspath(path)
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        raise ConfigError(
            shown, f"file not found; pass --config PATH or set {ENV_CONFIG}"
        ) from None
    except IsADirectoryError:
        raise ConfigError(shown, "is a directory, not a YAML file") from None
    except OSError as exc:
        raise ConfigError(shown, f"cannot be read ({exc.strerror or exc})") from None
    data = _parse_yaml(raw, shown)
    if not isinstance(data, Mapping):
        raise ConfigError(
            shown,
            "must contain a YAML mapping with 'mall', 'zones', 'agencies', 'services', "
            f"'counters' ..., got {_describe(data)}",
        )
    return parse_settings(data, source_path=os.path.abspath(shown), environ=env)


def parse_settings(
    data: Mapping[str, Any],
    source_path: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Validate an already-parsed mapping (the content of ``config.yaml``).

    Environment variables win over the file: ``ANTRIAN_DATABASE_URL``,
    ``ANTRIAN_MESSAGE_QUEUE``, ``ANTRIAN_PUBLIC_BASE_URL`` and ``ANTRIAN_SECRET_KEY``
    (empty values are ignored). ``environ`` defaults to ``os.environ``; pass ``{}`` for none.
    A relative SQLite path in the file's ``database_url`` is resolved against the directory
    of ``source_path``.
    """
    env = os.environ if environ is None else environ
    root = _Section(
        data, "", _TOP_KEYS, required=("mall", "zones", "agencies", "services", "counters")
    )

    base_url_override = env.get(ENV_PUBLIC_BASE_URL) or None
    mall = _parse_mall(root.get("mall"), base_url_override)
    zones = _parse_list(root, "zones", "zone", _parse_zone)
    _unique(zones, "zones", "code", lambda z: z.code, show_owner=False)
    agencies = _parse_list(root, "agencies", "agency", _parse_agency)
    _unique(agencies, "agencies", "code", lambda a: a.code, show_owner=False)

    zone_codes = [z.code for z in zones]
    agency_codes = [a.code for a in agencies]

    services = _parse_list(root, "services", "service", _parse_service)
    _unique(services, "services", "code", lambda s: s.code, show_owner=False)
    _unique(services, "services", "prefix", lambda s: s.prefix, show_owner=True)
    for i, s in enumerate(services):
        _known(s.agency, agency_codes, f"services[{i}].agency", "agency")
    service_codes = [s.code for s in services]

    counters = _parse_list(root, "counters", "counter", _parse_counter)
    _unique(counters, "counters", "number", lambda c: c.number, show_owner=False)
    for i, c in enumerate(counters):
        path = f"counters[{i}]"
        _known(c.agency, agency_codes, f"{path}.agency", "agency")
        _known(c.zone, zone_codes, f"{path}.zone", "zone")
        seen: dict[str, int] = {}
        for j, code in enumerate(c.services):
            _known(code, service_codes, f"{path}.services[{j}]", "service")
            if code in seen:
                raise ConfigError(
                    f"{path}.services[{j}]", f"{code!r} is already listed at services[{seen[code]}]"
                )
            seen[code] = j

    kiosks = _parse_list(root, "kiosks", "kiosk", _parse_kiosk, allow_empty=True)
    _unique(kiosks, "kiosks", "code", lambda k: k.code, show_owner=False)
    for i, k in enumerate(kiosks):
        if k.zone is not None:
            _known(k.zone, zone_codes, f"kiosks[{i}].zone", "zone")

    calling = _parse_calling(root.get("calling", None))
    announcement = _parse_announcement(root.get("announcement", None))

    database_url = env.get(ENV_DATABASE_URL) or None
    if database_url is not None:
        database_url = _check_url(database_url, ENV_DATABASE_URL, _DB_URL_EXAMPLE)
    else:
        database_url = root.text("database_url", default=DEFAULT_DATABASE_URL)
        database_url = _check_url(database_url, "database_url", _DB_URL_EXAMPLE)
        if source_path is not None:
            database_url = _resolve_sqlite(database_url, os.path.dirname(source_path))

    message_queue = env.get(ENV_MESSAGE_QUEUE) or None
    if message_queue is not None:
        message_queue = _check_url(message_queue, ENV_MESSAGE_QUEUE, _MQ_URL_EXAMPLE)
    else:
        message_queue = root.text("message_queue", default=None, nullable=True)
        if message_queue is not None:
            message_queue = _check_url(message_queue, "message_queue", _MQ_URL_EXAMPLE)

    secret_key = env.get(ENV_SECRET_KEY) or None
    if secret_key is None:
        secret_key = root.text("secret_key", default=None, nullable=True)

    return Settings(
        mall=mall,
        zones=tuple(zones),
        agencies=tuple(agencies),
        services=tuple(services),
        counters=tuple(counters),
        kiosks=tuple(kiosks),
        calling=calling,
        announcement=announcement,
        database_url=database_url,
        message_queue=message_queue,
        secret_key=secret_key,
        source_path=source_path,
    )


# --------------------------------------------------------------------------- sections

_TOP_KEYS = (
    "mall",
    "database_url",
    "message_queue",
    "secret_key",
    "calling",
    "announcement",
    "zones",
    "agencies",
    "services",
    "counters",
    "kiosks",
)
_MALL_KEYS = (
    "code",
    "name",
    "address",
    "timezone",
    "public_base_url",
    "running_text",
    "opening_hours",
)
_ZONE_KEYS = ("code", "name")
_AGENCY_KEYS = ("code", "name", "name_en", "color", "logo_letters")
_SERVICE_KEYS = (
    "code",
    "agency",
    "name",
    "name_en",
    "prefix",
    "daily_quota",
    "hours",
    "target_wait_minutes",
    "default_service_minutes",
)
_COUNTER_KEYS = ("number", "name", "agency", "services", "zone")
_KIOSK_KEYS = ("code", "name", "zone", "printer")

_CODE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,31}")
_PREFIX_RE = re.compile(r"[A-Z]{1,3}")
_COLOR_RE = re.compile(r"#[0-9A-Fa-f]{6}")
_RANGE_RE = re.compile(r"(\d{1,2})[:.](\d{2})\s*[-\u2013]\s*(\d{1,2})[:.](\d{2})")
_DB_URL_EXAMPLE = "'sqlite:///antrian.db' or 'postgresql+psycopg://user:password@host/antrian'"
_MQ_URL_EXAMPLE = "'redis://127.0.0.1:6379/0'"

_MISSING: Any = object()


def _parse_mall(value: Any, base_url_override: str | None) -> Mall:
    sec = _Section(
        value, "mall", _MALL_KEYS, required=("code", "name", "timezone", "opening_hours")
    )
    code = sec.code("code")
    tz_name = sec.text("timezone")
    tz = _zone_info(tz_name, "mall.timezone")
    if base_url_override is not None:
        base_url = _check_base_url(base_url_override, ENV_PUBLIC_BASE_URL)
    else:
        base_url = _check_base_url(
            sec.text("public_base_url", default=DEFAULT_PUBLIC_BASE_URL), "mall.public_base_url"
        )
    hours = _parse_week(sec.get("opening_hours"), "mall.opening_hours")
    if hours is None:
        raise ConfigError(
            "mall.opening_hours",
            "must be a mapping of weekdays to 'HH:MM-HH:MM' or 'closed', got null",
        )
    return Mall(
        code=code,
        name=sec.text("name"),
        address=sec.text("address", default=""),
        timezone=tz_name,
        tz=tz,
        opening_hours=hours,
        public_base_url=base_url,
        running_text=sec.text("running_text", default=""),
    )


def _parse_zone(value: Any, path: str) -> Zone:
    sec = _Section(value, path, _ZONE_KEYS, required=("code", "name"))
    return Zone(code=sec.code("code"), name=sec.text("name"))


def _parse_agency(value: Any, path: str) -> Agency:
    sec = _Section(value, path, _AGENCY_KEYS, required=("code", "name", "color"))
    code = sec.code("code")
    name = sec.text("name")
    color_raw = sec.get("color")
    if color_raw is None:
        raise ConfigError(
            f"{path}.color",
            "is empty; an unquoted '#' starts a YAML comment, so write it in quotes: "
            'color: "#1f6feb"',
        )
    color = sec.text("color")
    if not _COLOR_RE.fullmatch(color):
        raise ConfigError(f"{path}.color", f"expected a colour like '#1f6feb', got {color!r}")
    letters = sec.text("logo_letters", default=re.sub(r"[^A-Za-z0-9]", "", code).upper()[:3])
    if not 1 <= len(letters) <= 3 or letters != letters.strip():
        raise ConfigError(f"{path}.logo_letters", f"must be 1 to 3 characters, got {letters!r}")
    return Agency(
        code=code,
        name=name,
        name_en=sec.text("name_en", default=name),
        color=color.lower(),
        logo_letters=letters,
    )


def _parse_service(value: Any, path: str) -> Service:
    sec = _Section(value, path, _SERVICE_KEYS, required=("code", "agency", "name", "prefix"))
    name = sec.text("name")
    prefix = sec.text("prefix")
    if not _PREFIX_RE.fullmatch(prefix):
        hint = f"; write {prefix.upper()!r}" if _PREFIX_RE.fullmatch(prefix.upper()) else ""
        raise ConfigError(
            f"{path}.prefix", f"must be 1 to 3 capital letters A-Z, got {prefix!r}{hint}"
        )
    quota = sec.get("daily_quota", None)
    if quota is not None and not _is_whole(quota, minimum=1):
        raise ConfigError(
            f"{path}.daily_quota",
            f"must be a positive whole number or null, got {_describe(quota)}",
        )
    target = sec.get("target_wait_minutes", DEFAULT_TARGET_WAIT_MINUTES)
    if not _is_whole(target, minimum=1):
        raise ConfigError(
            f"{path}.target_wait_minutes",
            f"must be a positive whole number of minutes, got {_describe(target)}",
        )
    minutes = sec.get("default_service_minutes", DEFAULT_SERVICE_MINUTES)
    if isinstance(minutes, bool) or not isinstance(minutes, int | float) or not minutes > 0:
        raise ConfigError(
            f"{path}.default_service_minutes",
            f"must be a positive number of minutes, got {_describe(minutes)}",
        )
    return Service(
        code=sec.code("code"),
        agency=sec.code("agency"),
        name=name,
        name_en=sec.text("name_en", default=name),
        prefix=prefix,
        daily_quota=quota,
        hours=_parse_week(sec.get("hours", None), f"{path}.hours"),
        target_wait_minutes=target,
        default_service_minutes=float(minutes),
    )


def _parse_counter(value: Any, path: str) -> Counter:
    sec = _Section(value, path, _COUNTER_KEYS, required=("number", "agency", "services", "zone"))
    number = sec.get("number")
    if not _is_whole(number, minimum=1):
        raise ConfigError(
            f"{path}.number", f"must be a positive whole number, got {_describe(number)}"
        )
    services = sec.get("services")
    if isinstance(services, str):
        raise ConfigError(
            f"{path}.services", f"must be a list of service codes, e.g. [{services}], got a text"
        )
    if not isinstance(services, list):
        raise ConfigError(
            f"{path}.services", f"must be a list of service codes, got {_describe(services)}"
        )
    if not services:
        raise ConfigError(f"{path}.services", "must list at least one service code")
    codes = tuple(_as_code(s, f"{path}.services[{j}]") for j, s in enumerate(services))
    return Counter(
        number=number,
        name=sec.text("name", default=f"Loket {number}"),
        agency=sec.code("agency"),
        services=codes,
        zone=sec.code("zone"),
    )


def _parse_kiosk(value: Any, path: str) -> Kiosk:
    sec = _Section(value, path, _KIOSK_KEYS, required=("code", "name"))
    zone = sec.get("zone", None)
    printer = sec.get("printer", None)
    if printer is not None and not isinstance(printer, Mapping):
        raise ConfigError(
            f"{path}.printer",
            f"must be a mapping such as {{kind: dummy}} or null, got {_describe(printer)}",
        )
    return Kiosk(
        code=sec.code("code"),
        name=sec.text("name"),
        zone=None if zone is None else _as_code(zone, f"{path}.zone"),
        printer=None if printer is None else dict(printer),
        printer_path=f"{path}.printer",
    )


def _parse_calling(value: Any) -> Calling:
    if value is None:
        return Calling(priority_ratio=DEFAULT_PRIORITY_RATIO)
    sec = _Section(value, "calling", ("priority_ratio",))
    ratio = sec.get("priority_ratio", DEFAULT_PRIORITY_RATIO)
    if not _is_whole(ratio, minimum=1):
        raise ConfigError(
            "calling.priority_ratio",
            "must be a whole number of at least 1 (priority calls in a row while a normal "
            f"visitor waits), got {_describe(ratio)}",
        )
    return Calling(priority_ratio=ratio)


def _parse_announcement(value: Any) -> Announcement:
    if value is None:
        return Announcement(template=DEFAULT_ANNOUNCEMENT)
    sec = _Section(value, "announcement", ("template",))
    template = sec.text("template", default=DEFAULT_ANNOUNCEMENT)
    path = "announcement.template"
    try:
        fields = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError as exc:
        raise ConfigError(
            path, f"is not a valid template ({exc}); write braces as {{{{ }}}}"
        ) from None
    missing = [f"{{{n}}}" for n in ("number", "counter") if n not in fields]
    if missing:
        raise ConfigError(
            path, f"must contain {' and '.join(missing)}, e.g. {DEFAULT_ANNOUNCEMENT!r}"
        )
    extra = sorted(fields - {"number", "counter"})
    if extra:
        raise ConfigError(
            path, f"unknown placeholder {{{extra[0]}}}; only {{number}} and {{counter}} are filled"
        )
    return Announcement(template=template)


def _parse_list(
    root: _Section,
    key: str,
    noun: str,
    parse_item: Callable[[Any, str], Any],
    *,
    allow_empty: bool = False,
) -> list[Any]:
    value = root.get(key, [] if allow_empty else _MISSING)
    if value is None and allow_empty:
        return []
    if not isinstance(value, list):
        raise ConfigError(key, f"must be a list of {noun} entries, got {_describe(value)}")
    if not value and not allow_empty:
        raise ConfigError(key, f"must list at least one {noun}")
    return [parse_item(item, f"{key}[{i}]") for i, item in enumerate(value)]


def _parse_week(value: Any, path: str) -> dict[int, TimeRange | None] | None:
    """``{mon: "08:00-15:00", sun: closed}`` -> ``{0: TimeRange, 6: None}``.

    Days left out are closed. ``None`` (the whole mapping null) means "not set".
    """
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ConfigError(
            path,
            f"must be a mapping like {{mon: '08:00-15:00', sun: closed}}, got {_describe(value)}",
        )
    week: dict[int, TimeRange | None] = dict.fromkeys(range(7))
    for key, day_value in value.items():
        day = str(key).lower() if isinstance(key, str) else None
        if day not in WEEKDAYS:
            raise ConfigError(f"{path}.{key}", _unknown_key_problem(key, WEEKDAYS, "weekday"))
        week[WEEKDAYS.index(day)] = _parse_range(day_value, f"{path}.{key}")
    return week


def _parse_range(value: Any, path: str) -> TimeRange | None:
    if value is None or (isinstance(value, str) and value.strip().lower() == "closed"):
        return None
    expected = "expected 'HH:MM-HH:MM' or 'closed'"
    if not isinstance(value, str):
        raise ConfigError(path, f"{expected}, got {_describe(value)}")
    match = _RANGE_RE.fullmatch(value.strip())
    if not match:
        raise ConfigError(path, f"{expected}, got {value!r}")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    until_midnight = (h2, m2) == (24, 0)
    if h1 > 23 or m1 > 59 or m2 > 59 or (h2 > 23 and not until_midnight):
        raise ConfigError(
            path, f"{value!r} is not a valid time of day (00:00 to 23:59, or 24:00 as an end)"
        )
    start, end = time(h1, m1), time.max if until_midnight else time(h2, m2)
    if end < start:
        raise ConfigError(path, f"{value!r} ends before it starts")
    if end == start:
        raise ConfigError(path, f"{value!r} is empty; write 'closed' for a closed day")
    return TimeRange(start, end)


# --------------------------------------------------------------------------- helpers


class _Section:
    """A mapping at ``path`` whose keys are checked against ``allowed``."""

    def __init__(
        self,
        value: Any,
        path: str,
        allowed: tuple[str, ...],
        required: tuple[str, ...] = (),
    ) -> None:
        if not isinstance(value, Mapping):
            where = path or "the file"
            raise ConfigError(where, f"must be a mapping of keys, got {_describe(value)}")
        for key in value:
            if key not in allowed:
                raise ConfigError(_join(path, key), _unknown_key_problem(key, allowed, "key"))
        for key in required:
            if key not in value:
                raise ConfigError(_join(path, key), "required key is missing")
        self.data = value
        self.path = path

    def get(self, key: str, default: Any = _MISSING) -> Any:
        if key in self.data:
            return self.data[key]
        if default is _MISSING:
            raise ConfigError(_join(self.path, key), "required key is missing")
        return default

    def text(self, key: str, default: Any = _MISSING, *, nullable: bool = False) -> Any:
        value = self.get(key, default)
        path = _join(self.path, key)
        if value is None:
            if nullable:
                return None
            if default is not _MISSING:
                return default
            raise ConfigError(path, "must not be empty")
        if isinstance(value, bool):
            raise ConfigError(
                path, f"must be text, got {_describe(value)}; put the value in quotes"
            )
        if isinstance(value, int | float):
            return str(value)
        if not isinstance(value, str):
            raise ConfigError(path, f"must be text, got {_describe(value)}")
        if not value.strip() and default is _MISSING:
            raise ConfigError(path, "must not be empty")
        return value.strip()

    def code(self, key: str) -> str:
        return _as_code(self.get(key), _join(self.path, key))


def _as_code(value: Any, path: str) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        hint = "; put the value in quotes" if isinstance(value, bool) else ""
        raise ConfigError(
            path, f"must be a code (letters, digits, '-', '_'), got {_describe(value)}{hint}"
        )
    if not _CODE_RE.fullmatch(value):
        raise ConfigError(
            path,
            f"must be a code of up to 32 letters, digits, '-' or '_', got {value!r}",
        )
    return value


def _join(path: str, key: Any) -> str:
    return f"{path}.{key}" if path else str(key)


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    return repr(value)


def _is_whole(value: Any, *, minimum: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= minimum


def _unknown_key_problem(key: Any, allowed: Iterable[str], noun: str) -> str:
    allowed = list(allowed)
    close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
    if close:
        return f"unknown {noun}; did you mean {close[0]!r}?"
    return f"unknown {noun}; expected one of: {', '.join(allowed)}"


def _known(code: str, known: list[str], path: str, noun: str) -> None:
    if code in known:
        return
    close = difflib.get_close_matches(code, known, n=3, cutoff=0.5)
    if close:
        listed = " or ".join(repr(c) for c in close)
        raise ConfigError(path, f"unknown {noun} {code!r}; did you mean {listed}?")
    shown = ", ".join(known[:6])
    more = f" and {len(known) - 6} more" if len(known) > 6 else ""
    raise ConfigError(path, f"unknown {noun} {code!r}; known: {shown}{more}")


def _unique(
    items: list[Any],
    list_key: str,
    attr: str,
    get: Callable[[Any], Any],
    *,
    show_owner: bool,
) -> None:
    first: dict[Any, int] = {}
    for i, item in enumerate(items):
        value = get(item)
        if value in first:
            j = first[value]
            owner = f" ({items[j].code})" if show_owner else ""
            raise ConfigError(
                f"{list_key}[{i}].{attr}",
                f"{value!r} is already used by {list_key}[{j}]{owner}",
            )
        first[value] = i


def _zone_info(name: str, path: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        pass
    available = zoneinfo.available_timezones()
    if not available:
        raise ConfigError(
            path, f"cannot load time zone {name!r}: no time zone database; pip install tzdata"
        )
    close = difflib.get_close_matches(name, sorted(available), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else "; use an IANA name like 'Asia/Jakarta'"
    raise ConfigError(path, f"unknown time zone {name!r}{hint}")


def _check_url(value: Any, path: str, example: str) -> str:
    if not isinstance(value, str) or "://" not in value:
        raise ConfigError(path, f"expected a URL like {example}, got {_describe(value)}")
    return value.strip()


def _check_base_url(value: str, path: str) -> str:
    if not re.fullmatch(r"https?://[^\s/]+(/\S*)?", value):
        raise ConfigError(path, f"expected an address like 'http://127.0.0.1:5000', got {value!r}")
    return value.rstrip("/")


def _resolve_sqlite(url: str, base_dir: str) -> str:
    """``sqlite:///antrian.db`` -> ``sqlite:////<base_dir>/antrian.db``; others unchanged."""
    scheme, sep, rest = url.partition(":///")
    if not sep or scheme.split("+", 1)[0] != "sqlite":
        return url
    file_part, qmark, query = rest.partition("?")
    if (
        not file_part
        or file_part == ":memory:"
        or file_part.startswith("file:")
        or os.path.isabs(file_part)
    ):
        return url
    resolved = os.path.abspath(os.path.join(base_dir, file_part))
    return f"{scheme}:///{resolved}{qmark}{query}"


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys (PyYAML would silently keep the last one)."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: dict[Any, yaml.Node] = {}
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key = loader.construct_object(key_node)
        try:
            earlier = seen.get(key)
        except TypeError:
            continue
        if earlier is not None:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"duplicate key {key!r} (first used on line {earlier.start_mark.line + 1})",
                key_node.start_mark,
            )
        seen[key] = key_node
    return loader.construct_mapping(node)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _parse_yaml(raw: bytes, shown: str) -> Any:
    try:
        return yaml.load(raw, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = exc.problem or exc.context or "syntax error"
        raise ConfigError(shown, f"invalid YAML{where}: {problem}") from None
    except yaml.YAMLError as exc:
        detail = " ".join(str(exc).split())
        raise ConfigError(shown, f"invalid YAML: {detail}") from None
