"""The period of a report: `from` and `to` as local dates, checked (no Flask)."""

from __future__ import annotations

from datetime import date

from core.tickets import InvalidRequest
from core.views.reports import MAX_DAYS


def period(start: str | None, end: str | None, today: date) -> tuple[date, date]:
    """Both dates included; each defaults to today. Reversed or longer than a year: refused."""
    first = _parse("from", start, today)
    last = _parse("to", end, today)
    if last < first:
        raise InvalidRequest(f"'to' ({last}) is before 'from' ({first}): swap them.")
    if (last - first).days + 1 > MAX_DAYS:
        raise InvalidRequest(
            f"The period from {first} to {last} is {(last - first).days + 1} days; "
            f"a report covers at most {MAX_DAYS} days."
        )
    return first, last


def _parse(name: str, value: str | None, today: date) -> date:
    if value is None or value == "":
        return today
    try:
        return date.fromisoformat(value) if len(value) == 10 else _bad(name, value)
    except ValueError:
        return _bad(name, value)


def _bad(name: str, value: str) -> date:
    raise InvalidRequest(f"'{name}' must be a date as YYYY-MM-DD, got {value[:40]!r}.")
