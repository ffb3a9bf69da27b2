"""Read models of the reports and the satisfaction survey (SKM); they never write.

Closed days are read from `report_days` (summed in SQL, histograms merged here); days not
built yet (today, or a day still open) are computed from their events on the spot with the
same `core.reporting.summarize_day`, so today's figures are live and a closed day's figures
are those it was closed with. `services` restricts every figure to a set of service codes
(an agency's supervisor sees only theirs); None means the whole mall.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, func, select

from core import skm
from core.counter_hours import day_closes_at
from core.reporting import (
    COUNTS,
    GROUPS,
    HOUR_COLUMNS,
    NOT_CALLED_COLUMNS,
    SERVICE_COLUMNS,
    WAIT_COLUMNS,
    Figures,
    Key,
    group_key,
    summarize_day,
)
from core.store import ticket_events, tickets
from core.store_reports import (
    report_day_channels,
    report_days,
    report_days_built,
    report_months,
    report_months_built,
    skm_responses,
)
from core.views.estimates import estimate_accuracy

if TYPE_CHECKING:
    from core.context import MallContext

MAX_DAYS = 366
SUMMED = (*COUNTS, *WAIT_COLUMNS, *SERVICE_COLUMNS, *HOUR_COLUMNS, *NOT_CALLED_COLUMNS)


def day_figures(ctx: MallContext, conn: Connection, day: str) -> dict[Key, Figures]:
    """One day's rows from its tickets' events (the tickets of that local day)."""
    query = (
        select(
            ticket_events.c.ticket_seq,
            ticket_events.c.action,
            ticket_events.c.service,
            ticket_events.c.to_service,
            ticket_events.c.counter,
            ticket_events.c.officer,
            ticket_events.c.at,
            tickets.c.channel,
            tickets.c.arrived_at,
        )
        .join(tickets, tickets.c.seq == ticket_events.c.ticket_seq)
        .where(tickets.c.mall == ctx.mall, tickets.c.day == day)
        .order_by(ticket_events.c.id)
    )
    events, channels, arrivals = [], {}, {}
    for row in conn.execute(query).mappings():
        events.append(row)
        channels[row["ticket_seq"]] = row["channel"]
        arrivals[row["ticket_seq"]] = row["arrived_at"]  # a checked-in booking's: its slot
    targets = {s.code: s.target_wait_minutes for s in ctx.settings.services}
    closes_at = day_closes_at(ctx.settings, date.fromisoformat(day))
    return summarize_day(events, channels, targets, ctx.settings.mall.tz, day, closes_at, arrivals)


def built_days(ctx: MallContext, conn: Connection, start: str, end: str) -> set[str]:
    return set(
        conn.execute(
            select(report_days_built.c.day).where(
                report_days_built.c.mall == ctx.mall,
                report_days_built.c.day >= start,
                report_days_built.c.day <= end,
            )
        ).scalars()
    )


def built_months(ctx: MallContext, conn: Connection, start: date, end: date) -> set[str]:
    """The months wholly inside the period whose monthly sums are built."""
    inside = set()
    month = date(start.year, start.month, 1)
    while month <= end:
        following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        if month >= start and following - timedelta(days=1) <= end:
            inside.add(month.isoformat()[:7])
        month = following
    if not inside:
        return set()
    return set(
        conn.execute(
            select(report_months_built.c.month).where(
                report_months_built.c.mall == ctx.mall,
                report_months_built.c.month.in_(sorted(inside)),
            )
        ).scalars()
    )


def _days(start: date, end: date) -> list[str]:
    return [(start + timedelta(days=n)).isoformat() for n in range((end - start).days + 1)]


def figures(
    ctx: MallContext,
    conn: Connection,
    start: date,
    end: date,
    group: str,
    services: Collection[str] | None = None,
    *,
    heatmap: Figures | None = None,
    counts_only: bool = False,
) -> dict[str, Figures]:
    """Figures per group key over the days from `start` to `end` (both included). Closed
    days are summed in SQL (counts and every histogram bucket, per group), three queries
    whatever the period; `heatmap`, when given, gets the arrivals per weekday and hour;
    `counts_only` leaves the histograms and channels out (the survey needs only how many
    were served)."""
    agency_of = {s.code: s.agency for s in ctx.settings.services}
    first, last = start.isoformat(), end.isoformat()
    built = built_days(ctx, conn, first, last)
    result: dict[str, Figures] = {}
    d = report_days.c
    column = {"counter": d.counter, "officer": d.officer}.get(group, d.service)
    where = [d.mall == ctx.mall, d.day >= first, d.day <= last]
    if services is not None:
        where.append(d.service.in_(list(services) or [""]))
    if built:
        # Whole months inside the period come from their monthly sums; the other days from
        # their daily rows.
        months = built_months(ctx, conn, start, end)
        names = COUNTS if counts_only else SUMMED
        m = report_months.c
        month_column = {"counter": m.counter, "officer": m.officer}.get(group, m.service)
        month_where = [m.mall == ctx.mall, m.month.in_(sorted(months))]
        if services is not None:
            month_where.append(m.service.in_(list(services) or [""]))
        day_where = [*where, ~func.substr(d.day, 1, 7).in_(sorted(months))] if months else where
        for table, grouped, filters in (
            (report_days.c, column, day_where),
            (m, month_column, month_where if months else None),
        ):
            if filters is None:
                continue
            summed = [func.sum(table[name]).label(name) for name in names]
            query = select(grouped.label("grouped"), *summed).where(*filters).group_by(grouped)
            for row in conn.execute(query).mappings():
                target = result.setdefault(_key_of(group, row["grouped"], agency_of), Figures())
                if counts_only:
                    for name in COUNTS:
                        target.counts[name] += int(row[name] or 0)
                else:
                    target.add_sums(row)
    if built and not counts_only:
        c = report_day_channels.c
        channel_column = {"counter": c.counter, "officer": c.officer}.get(group, c.service)
        channel_where = [c.mall == ctx.mall, c.day >= first, c.day <= last]
        if services is not None:
            channel_where.append(c.service.in_(list(services) or [""]))
        channels = select(channel_column, c.channel, func.sum(c.tickets)).where(*channel_where)
        for key, channel, count in conn.execute(channels.group_by(channel_column, c.channel)):
            result[_key_of(group, key, agency_of)].channels[channel] += int(count)
        if heatmap is not None:
            hours = [func.sum(d[name]) for name in HOUR_COLUMNS]
            for weekday, *counts in conn.execute(
                select(d.weekday, *hours).where(*where).group_by(d.weekday)
            ):
                for hour, count in enumerate(counts):
                    if count:
                        heatmap.heatmap[(int(weekday), hour)] += int(count)
    for day in _days(start, end):
        if day in built or day > ctx.today().isoformat():
            continue
        for key, day_rows in day_figures(ctx, conn, day).items():
            if services is not None and key[0] not in services:
                continue
            result.setdefault(group_key(group, key, agency_of), Figures()).add(day_rows)
            if heatmap is not None:
                for cell, count in day_rows.heatmap.items():
                    heatmap.heatmap[cell] += count
    return result


def _key_of(group: str, value: Any, agency_of: dict[str, str]) -> str:
    if group == "counter":
        return str(value) if value else "-"
    if group == "officer":
        return value or "-"
    return group_key(group, (value, 0, ""), agency_of)


def label(ctx: MallContext, group: str, key: str) -> str:
    settings = ctx.settings
    try:
        if group == "mall":
            return settings.mall.name
        if group == "agency":
            return settings.agency(key).name
        if group == "service":
            return settings.service(key).name
        if group == "counter" and key != "-":
            return settings.counter(int(key)).name
    except (KeyError, ValueError):
        pass
    return "(belum dilayani / not reached)" if key == "-" else key


def covered(ctx: MallContext, services: Collection[str] | None) -> str:
    """What a report covers, for its title and its "mall" row: the mall, or for a
    supervisor's report the mall and their agencies (never the mall's name alone over one
    agency's figures)."""
    settings = ctx.settings
    if services is None:
        return settings.mall.name
    agencies = {settings.service(code).agency for code in services}
    names = [a.name for a in settings.agencies if a.code in agencies]
    return f"{settings.mall.name} — {', '.join(names) or '-'}"


def _order(ctx: MallContext, group: str) -> dict[str, int]:
    settings = ctx.settings
    codes: list[str] = {
        "agency": [a.code for a in settings.agencies],
        "service": [s.code for s in settings.services],
        "counter": [str(c.number) for c in settings.counters],
    }.get(group, [])
    return {code: n for n, code in enumerate(codes)}


def report(
    ctx: MallContext,
    start: date,
    end: date,
    group: str,
    services: Collection[str] | None = None,
) -> dict[str, Any]:
    """The report as the page, the exports and the command line show it."""
    if group not in GROUPS:
        raise ValueError(group)
    heat = Figures()
    with ctx.uow.reading() as conn:
        per_key = figures(ctx, conn, start, end, group, services, heatmap=heat)
        estimates = estimate_accuracy(ctx, conn, start, end, services)
    order = _order(ctx, group)
    total = Figures()
    rows = []
    title = covered(ctx, services)
    for key in sorted(per_key, key=lambda k: (order.get(k, len(order)), k)):
        total.add(per_key[key])
        name = title if group == "mall" else label(ctx, group, key)
        rows.append({"key": key, "label": name, **per_key[key].summary()})
    return {
        "mall": title,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "by": group,
        "rows": rows,
        "total": total.summary(),
        "arrivals_by_hour": [total.arrivals[h] for h in range(24)],
        "heatmap": [[heat.heatmap[(d, h)] for h in range(24)] for d in range(7)],
        # How right the wait estimates were: each visitor's first one against their wait.
        "estimates": estimates,
        "generated_at": ctx.now().isoformat(),
    }


# ---------------------------------------------------------------------- survey (SKM)
SKM_GROUPS = ("mall", "agency", "service")
# The page lists the latest suggestions (a busy mall's month has thousands) and says how many
# there are; the exports hold every one of them.
SUGGESTIONS_SHOWN = 200


def skm_report(
    ctx: MallContext,
    start: date,
    end: date,
    group: str,
    services: Collection[str] | None = None,
    *,
    every_suggestion: bool = False,
) -> dict[str, Any]:
    """The IKM per group with its per-element NRR table, the respondents against the minimum
    sample for the period's population (visits served), the respondent profile and the
    suggestions (the latest `SUGGESTIONS_SHOWN`, or with `every_suggestion` all of them)."""
    if group not in SKM_GROUPS:
        raise ValueError(group)
    r = skm_responses.c
    where = [r.mall == ctx.mall, r.day >= start.isoformat(), r.day <= end.isoformat()]
    if services is not None:
        where.append(r.service.in_(list(services) or [""]))
    column = {"agency": r.agency, "service": r.service}.get(group)
    elements = [func.sum(r[code]) for code in skm.ELEMENT_CODES]
    with ctx.uow.reading() as conn:
        grouped = column if column is not None else func.min("all")
        query = select(grouped, func.count(), *elements).where(*where)
        if column is not None:
            query = query.group_by(column)
        answers = [row for row in conn.execute(query) if row[1]]
        # The profile and the channels in one pass: a few hundred combinations at most.
        profile: dict[str, dict[str, int]] = {name: {} for name in skm.PROFILE_FIELDS}
        by_channel: dict[str, int] = {}
        fields = [r[name] for name in skm.PROFILE_FIELDS]
        combos = select(r.channel, *fields, func.count()).where(*where)
        for channel, *values, count in conn.execute(combos.group_by(r.channel, *fields)):
            by_channel[channel] = by_channel.get(channel, 0) + count
            for name, value in zip(skm.PROFILE_FIELDS, values, strict=True):
                profile[name][value or "-"] = profile[name].get(value or "-", 0) + count
        with_text = [*where, r.suggestion.is_not(None)]
        latest = select(r.day, r.service, r.suggestion).where(*with_text).order_by(r.id.desc())
        if not every_suggestion:
            latest = latest.limit(SUGGESTIONS_SHOWN)
        suggestions = [
            {"day": day, "service": service, "text": text}
            for day, service, text in conn.execute(latest)
        ]
        suggestions_total = conn.execute(
            select(func.count()).select_from(skm_responses).where(*with_text)
        ).scalar_one()
        served = figures(ctx, conn, start, end, group, services, counts_only=True)
    order = _order(ctx, group)
    rows = []
    totals = dict.fromkeys(skm.ELEMENT_CODES, 0)
    respondents = 0
    answered = {key: (count, sums) for key, count, *sums in answers}
    # A group that served visitors but has no answers is listed too, with none against its
    # minimum sample: the row a manager has to chase.
    if column is not None:
        unheard = (k for k, f in served.items() if f.counts["served"] and k not in answered)
        answered |= {key: (0, [0] * len(skm.ELEMENT_CODES)) for key in unheard}
    title = covered(ctx, services)
    for key in sorted(answered, key=lambda k: (order.get(k, len(order)), k)):
        count, sums = answered[key]
        by_element = dict(zip(skm.ELEMENT_CODES, (int(s) for s in sums), strict=True))
        for code, value in by_element.items():
            totals[code] += value
        respondents += count
        row = _skm_row(ctx, group, key, by_element, count, served.get(key))
        if group == "mall":
            row["label"] = title
        rows.append(row)
    population = sum(f.counts["served"] for f in served.values())
    index = skm.ikm(totals, respondents)
    return {
        "mall": title,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "by": group,
        "elements": [{"code": e.code, "name": e.name, "name_en": e.name_en} for e in skm.ELEMENTS],
        "rows": rows,
        "total": {
            "population": population,
            "minimum_sample": skm.minimum_sample(population),
            **(index.as_json() if index else {"respondents": 0}),
        },
        "profile": profile,
        # What each answer's code means, for the page (the exports write the labels).
        "profile_labels": {
            name: {value: f"{id_} / {en}" for value, (id_, en) in options.items()}
            | {"-": "Tidak diisi / Not given"}
            for name, options in skm.PROFILE.items()
        },
        "channels": by_channel,
        "suggestions": suggestions,
        "suggestions_total": int(suggestions_total),
        "generated_at": ctx.now().isoformat(),
    }


def _skm_row(
    ctx: MallContext,
    group: str,
    key: str,
    sums: dict[str, int],
    count: int,
    served: Figures | None,
) -> dict[str, Any]:
    index = skm.ikm(sums, count)
    population = served.counts["served"] if served else 0
    return {
        "key": key,
        "label": label(ctx, group, key),
        "population": population,
        "minimum_sample": skm.minimum_sample(population),
        **(index.as_json() if index else {"respondents": 0}),
    }
