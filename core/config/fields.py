"""Field types for the ``config.yaml`` models, and how their failures are worded.

pydantic checks types, bounds and patterns; what it cannot do is say what to write instead
in terms of the YAML file. So each validator here raises ``ValueError(problem)`` with the
wording the person editing the file needs, and :mod:`core.config` turns pydantic's error into
``ConfigError("<key path>", problem)``. Where pydantic's own check is enough (a strict whole
number of at least 1), :func:`worded` only replaces its message.
"""

from __future__ import annotations

import difflib
import re
import string
import zoneinfo
from collections.abc import Callable, Iterable, Mapping
from datetime import time
from typing import Annotated, Any

from pydantic import (
    BeforeValidator,
    Field,
    PlainValidator,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
)

from core.config.values import DEFAULT_ANNOUNCEMENT, WEEKDAYS, TimeRange

_RANGE_RE = re.compile(r"(\d{1,2})[:.](\d{2})\s*[-\u2013]\s*(\d{1,2})[:.](\d{2})")
_PREFIX_RE = re.compile(r"[A-Z]{1,3}")

DB_URL_EXAMPLE = "'sqlite:///antrian.db' or 'postgresql+psycopg://user:password@host/antrian'"
MQ_URL_EXAMPLE = "'redis://127.0.0.1:6379/0'"


class KeyProblem(ValueError):
    """A problem found while validating a list or mapping that belongs to a key inside it.

    pydantic locates an error at the value whose validator raised it; ``at`` is appended to
    that location, so a duplicate found by the ``services`` list is reported at
    ``services[2].prefix`` rather than at ``services``.
    """

    def __init__(self, problem: str, *at: str | int) -> None:
        super().__init__(problem)
        self.at = at


def describe(value: Any) -> str:
    """A value as the person editing the YAML file wrote it, for ``got ...`` in messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    return repr(value)


def worded(problem: str, hint: Callable[[Any], str] | None = None) -> WrapValidator:
    """Keep pydantic's check of a value but replace its message by ``"<problem>, got <value>"``.

    pydantic's messages ("Input should be greater than or equal to 1") describe Python types;
    the person editing config.yaml needs to read what the key must hold.
    """

    def wrap(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        try:
            return handler(value)
        except ValidationError:
            tail = hint(value) if hint is not None else ""
            raise ValueError(f"{problem}, got {describe(value)}{tail}") from None

    return WrapValidator(wrap)


def unknown_key_problem(key: Any, allowed: Iterable[str], noun: str) -> str:
    """ "unknown key; did you mean 'services'?" for a typo, else the list of allowed keys."""
    allowed = list(allowed)
    close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
    if close:
        return f"unknown {noun}; did you mean {close[0]!r}?"
    return f"unknown {noun}; expected one of: {', '.join(allowed)}"


def check_known(code: str, known: list[str], noun: str, *at: str | int) -> None:
    """Refuse a code that names no entry of the file, suggesting near misses."""
    if code in known:
        return
    close = difflib.get_close_matches(code, known, n=3, cutoff=0.5)
    if close:
        listed = " or ".join(repr(c) for c in close)
        raise KeyProblem(f"unknown {noun} {code!r}; did you mean {listed}?", *at)
    shown = ", ".join(known[:6])
    more = f" and {len(known) - 6} more" if len(known) > 6 else ""
    raise KeyProblem(f"unknown {noun} {code!r}; known: {shown}{more}", *at)


def check_unique(
    values: list[Any], list_key: str, attr: str, owners: list[str] | None = None
) -> None:
    """Refuse the second entry of ``list_key`` whose ``attr`` repeats an earlier one's."""
    first: dict[Any, int] = {}
    for i, value in enumerate(values):
        if value in first:
            j = first[value]
            owner = f" ({owners[j]})" if owners is not None else ""
            raise KeyProblem(f"{value!r} is already used by {list_key}[{j}]{owner}", i, attr)
        first[value] = i


# --------------------------------------------------------------------------- text and codes


def _as_text(value: Any) -> str:
    """YAML turns ``NO`` into false and ``2024`` into a number; a text key takes numbers as
    written but refuses booleans, which are nearly always an unquoted word."""
    if isinstance(value, bool):
        raise ValueError(f"must be text, got {describe(value)}; put the value in quotes")
    if isinstance(value, int | float):
        return str(value)
    if not isinstance(value, str):
        raise ValueError(f"must be text, got {describe(value)}")
    return value.strip()


def _required_text(value: Any) -> str:
    text = None if value is None else _as_text(value)
    if not text:
        raise ValueError("must not be empty")
    return text


def _optional_text(value: Any) -> str | None:
    return None if value is None else _as_text(value)


def _code(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        hint = "; put the value in quotes" if isinstance(value, bool) else ""
        raise ValueError(f"must be a code (letters, digits, '-', '_'), got {describe(value)}{hint}")
    return value


def _color_present(value: Any) -> Any:
    if value is None:
        raise ValueError(
            "is empty; an unquoted '#' starts a YAML comment, so write it in quotes: "
            'color: "#1f6feb"'
        )
    return value


def _prefix_hint(value: Any) -> str:
    fixed = str(value).upper()
    return f"; write {fixed!r}" if _PREFIX_RE.fullmatch(fixed) else ""


# In these Annotated types pydantic runs the BeforeValidators last-listed first, then the
# wrapped check: e.g. for Code, ``_code`` turns 12 into "12", then ``worded`` rewords a failed
# ``pattern``, so "got ..." shows the text that was matched.

Text = Annotated[str, BeforeValidator(_required_text)]
"""Required text: numbers are taken as written, null and blank are refused."""

OptionalText = Annotated[str | None, BeforeValidator(_optional_text)]
"""Text that may be left out or null (None); the model then fills in a default."""

Code = Annotated[
    str,
    Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$"),
    worded("must be a code of up to 32 letters, digits, '-' or '_'"),
    BeforeValidator(_code),
]
"""An identifier other entries refer to (zone, agency, service, kiosk)."""

Prefix = Annotated[
    str,
    Field(pattern=r"^[A-Z]{1,3}$"),
    worded("must be 1 to 3 capital letters A-Z", hint=_prefix_hint),
    BeforeValidator(_required_text),
]

Color = Annotated[
    str,
    Field(pattern=r"^#[0-9A-Fa-f]{6}$"),
    worded("expected a colour like '#1f6feb'"),
    BeforeValidator(_required_text),
    BeforeValidator(_color_present),
]

LogoLetters = Annotated[
    Annotated[str, Field(min_length=1, max_length=3)] | None,
    worded("must be 1 to 3 characters"),
    BeforeValidator(_optional_text),
]

_Whole = Annotated[int, Field(strict=True, ge=1)]
"""A whole number of at least 1; strict, so YAML ``2.0``, ``"2"`` and ``true`` are refused."""

CounterNumber = Annotated[_Whole, worded("must be a positive whole number")]
DailyQuota = Annotated[_Whole | None, worded("must be a positive whole number or null")]
TargetWait = Annotated[_Whole, worded("must be a positive whole number of minutes")]
AmberPercent = Annotated[
    int, Field(strict=True, ge=1, le=99), worded("must be a whole percentage from 1 to 99")
]
ServiceMinutes = Annotated[
    float, Field(strict=True, gt=0), worded("must be a positive number of minutes")
]
ServeAfterClosing = Annotated[
    int,
    Field(strict=True, ge=0, le=1440),
    worded("must be a whole number of minutes from 0 to 1440 (0: the day closes with the hours)"),
]
DatabaseConnections = Annotated[
    int,
    Field(strict=True, ge=1, le=1000),
    worded("must be a whole number from 1 to 1000 (connections per server process)"),
]
PriorityRatio = Annotated[
    _Whole,
    worded(
        "must be a whole number of at least 1 (priority calls in a row while a normal "
        "visitor waits)"
    ),
]


# --------------------------------------------------------------------------- lists


def list_of(noun: str, *, optional: bool = False) -> BeforeValidator:
    """A list of entries; required lists must not be empty, an optional one may be null."""

    def check(value: Any) -> Any:
        if value is None and optional:
            return []
        if not isinstance(value, list):
            raise ValueError(f"must be a list of {noun} entries, got {describe(value)}")
        if not value and not optional:
            raise ValueError(f"must list at least one {noun}")
        return value

    return BeforeValidator(check)


def _service_codes(value: Any) -> Any:
    if isinstance(value, str):
        raise ValueError(f"must be a list of service codes, e.g. [{value}], got a text")
    if not isinstance(value, list):
        raise ValueError(f"must be a list of service codes, got {describe(value)}")
    if not value:
        raise ValueError("must list at least one service code")
    return value


ServiceCodes = Annotated[list[Code], BeforeValidator(_service_codes)]


def _printer(value: Any) -> Any:
    if value is not None and not isinstance(value, Mapping):
        raise ValueError(
            f"must be a mapping such as {{kind: dummy}} or null, got {describe(value)}"
        )
    return value


Printer = Annotated[dict[Any, Any] | None, BeforeValidator(_printer)]
"""A kiosk's printer; its keys are checked later by the printers package."""


# --------------------------------------------------------------------------- hours


def _clock_range(value: Any, expected: str, when_empty: str) -> TimeRange:
    """``"08:00-15:00"`` as a :class:`TimeRange` (``24:00`` may end it)."""
    if not isinstance(value, str):
        raise ValueError(f"{expected}, got {describe(value)}")
    match = _RANGE_RE.fullmatch(value.strip())
    if not match:
        raise ValueError(f"{expected}, got {value!r}")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    until_midnight = (h2, m2) == (24, 0)
    if h1 > 23 or m1 > 59 or m2 > 59 or (h2 > 23 and not until_midnight):
        raise ValueError(
            f"{value!r} is not a valid time of day (00:00 to 23:59, or 24:00 as an end)"
        )
    start, end = time(h1, m1), time.max if until_midnight else time(h2, m2)
    if end < start:
        raise ValueError(f"{value!r} ends before it starts")
    if end == start:
        raise ValueError(f"{value!r} is empty; {when_empty}")
    return TimeRange(start, end)


def _time_range(value: Any) -> TimeRange | None:
    if value is None or (isinstance(value, str) and value.strip().lower() == "closed"):
        return None
    return _clock_range(
        value, "expected 'HH:MM-HH:MM' or 'closed'", "write 'closed' for a closed day"
    )


Hours = Annotated[TimeRange | None, PlainValidator(_time_range)]
"""One day: ``"08:00-15:00"`` (``24:00`` may end it), ``closed`` or null."""


_BREAKS_SHAPE = "a list like ['12:00-12:30'] or a weekday mapping like {fri: '10:00-10:30'}"


def _break(value: Any, *at: str | int) -> TimeRange:
    """One break of a counter; ``closed`` means nothing here, so it is refused."""
    try:
        return _clock_range(value, "expected a break 'HH:MM-HH:MM'", "a break needs a length")
    except ValueError as exc:
        hint = ""
        if value is None or (isinstance(value, str) and value.strip().lower() == "closed"):
            hint = "; leave it out for no break"
        raise KeyProblem(f"{exc}{hint}", *at) from None


def _breaks_of_day(value: Any, day: str) -> tuple[TimeRange, ...]:
    if isinstance(value, list):
        return tuple(_break(v, day, i) for i, v in enumerate(value))
    return (_break(value, day),)


def _counter_breaks(value: Any) -> tuple[tuple[TimeRange, ...], ...]:
    """A counter's own breaks, per weekday (index 0 = Monday): a list applies to every day,
    a weekday mapping (like ``calendar.breaks``, each day one break or a list) to the days
    it names. ``()`` when there are none."""
    if value is None:
        return ()
    if isinstance(value, str):
        raise ValueError(f"must be a list of breaks, e.g. [{value!r}], got a text")
    if isinstance(value, list):
        every_day = tuple(_break(v, i) for i, v in enumerate(value))
        return (every_day,) * len(WEEKDAYS) if every_day else ()
    if not isinstance(value, Mapping):
        raise ValueError(f"must be {_BREAKS_SHAPE}, got {describe(value)}")
    days: dict[int, tuple[TimeRange, ...]] = {}
    for key, day_value in value.items():
        day = key.lower() if isinstance(key, str) else key
        if day not in WEEKDAYS:
            raise KeyProblem(unknown_key_problem(key, WEEKDAYS, "weekday"), str(key))
        if day_value is not None:
            days[WEEKDAYS.index(day)] = _breaks_of_day(day_value, str(key))
    if not any(days.values()):
        return ()
    return tuple(days.get(i, ()) for i in range(len(WEEKDAYS)))


CounterBreaks = Annotated[tuple[tuple[TimeRange, ...], ...], PlainValidator(_counter_breaks)]
"""``counters[].breaks``: ``["12:00-12:30"]`` every day, or ``{mon: "12:00-12:30", fri:
["10:00-10:15", "13:00-13:30"]}`` on the days named."""


# --------------------------------------------------------------------------- the rest


def check_time_zone(name: str) -> str:
    """An IANA time zone name that this machine can load, with a suggestion for typos."""
    try:
        zoneinfo.ZoneInfo(name)
        return name
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        pass
    available = zoneinfo.available_timezones()
    if not available:
        raise ValueError(
            f"cannot load time zone {name!r}: no time zone database; pip install tzdata"
        )
    close = difflib.get_close_matches(name, sorted(available), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else "; use an IANA name like 'Asia/Jakarta'"
    raise ValueError(f"unknown time zone {name!r}{hint}")


def check_url(value: Any, example: str) -> str:
    if not isinstance(value, str) or "://" not in value:
        raise ValueError(f"expected a URL like {example}, got {describe(value)}")
    return value.strip()


def check_base_url(value: str) -> str:
    """The address visitors' phones open from a ticket's QR code, without a trailing '/'."""
    if not re.fullmatch(r"https?://[^\s/]+(/\S*)?", value):
        raise ValueError(f"expected an address like 'http://127.0.0.1:5000', got {value!r}")
    return value.rstrip("/")


def check_template(template: str) -> str:
    """The call text must name the ticket and the counter and nothing else."""
    try:
        fields = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError as exc:
        raise ValueError(f"is not a valid template ({exc}); write braces as {{{{ }}}}") from None
    missing = [f"{{{n}}}" for n in ("number", "counter") if n not in fields]
    if missing:
        raise ValueError(f"must contain {' and '.join(missing)}, e.g. {DEFAULT_ANNOUNCEMENT!r}")
    extra = sorted(fields - {"number", "counter"})
    if extra:
        raise ValueError(
            f"unknown placeholder {{{extra[0]}}}; only {{number}} and {{counter}} are filled"
        )
    # Render it as every call will, with the code that renders calls: whatever that code
    # refuses (a format spec such as {number:>3}) is refused now, not at the first call.
    from core import announcement

    try:
        announcement.build_call_phrase(template, "A", 1, "Loket 1", 1)
        announcement.display_call_text(template, "A", 1, "Loket 1", 1)
    except (ValueError, KeyError, IndexError) as exc:
        raise ValueError(
            f"cannot be rendered ({exc}); write the placeholders as plain {{number}} and "
            "{counter}"
        ) from None
    return template
