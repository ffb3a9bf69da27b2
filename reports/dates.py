"""The period of a report: `from` and `to` as local dates, checked (no Flask)."""

from __future__ import annotations

import re
from datetime import date

from core.tickets import InvalidRequest
from core.views.reports import MAX_DAYS


def period(start: str | None, end: str | None, today: date) -> tuple[date, date]:
    """Both dates included; each defaults to today. Reversed, longer than a year or wholly
    after today (no figures can exist yet: a mistyped year would read as days nobody came):
    refused. A period that runs past today (this month so far) is fine."""
    first = _parse("from", start, today)
    last = _parse("to", end, today)
    if last < first:
        raise InvalidRequest(
            f"Tanggal akhir ({last}) sebelum tanggal awal ({first}): tukar keduanya. / 'to' "
            f"({last}) is before 'from' ({first}): swap them."
        )
    if first > today:
        raise InvalidRequest(
            f"Tanggal awal ({first}) sesudah hari ini ({today}): belum ada angkanya. / 'from' "
            f"({first}) is after today ({today}): there are no figures for it yet."
        )
    if (last - first).days + 1 > MAX_DAYS:
        raise InvalidRequest(
            f"Periode {first} sampai {last} adalah {(last - first).days + 1} hari; laporan "
            f"paling panjang {MAX_DAYS} hari. / The period from {first} to {last} is "
            f"{(last - first).days + 1} days; a report covers at most {MAX_DAYS} days."
        )
    return first, last


# Exactly YYYY-MM-DD: `date.fromisoformat` also reads ISO week dates ("2026-W48-1") and
# digits without dashes, which a typo can produce and nobody means as a report's period.
DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def _parse(name: str, value: str | None, today: date) -> date:
    if value is None or value == "":
        return today
    if not DATE.fullmatch(value):
        return _bad(name, value)
    try:
        return date.fromisoformat(value)
    except ValueError:
        return _bad(name, value)


def _bad(name: str, value: str) -> date:
    raise InvalidRequest(
        f"Tanggal harus berbentuk YYYY-MM-DD, bukan {value[:40]!r}. / '{name}' must be a date "
        f"as YYYY-MM-DD, got {value[:40]!r}."
    )
