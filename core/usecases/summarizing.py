"""A closed day's report rows are built once from its events and then never change.

Run after the day closes (`DayCloser`, for the last `CLOSE_LOOKBACK` days: a start-up on a
database from before reports existed does not stop to build its whole history) and before a
report, for the report's own period (closed days not built yet are built then, once). Each day
is built in its own transaction and marked in `report_days_built`; rows and mark are inserted
if absent, so processes racing to build the same day leave one copy. A report of last month
therefore reads the same figures next year, whatever happens to the tickets' rows since.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from core.store import daily_sequences, insert_if_absent, tickets
from core.store_reports import (
    SUMMED_COLUMNS,
    report_day_channels,
    report_days,
    report_days_built,
    report_months,
    report_months_built,
)
from core.views.reports import day_figures

if TYPE_CHECKING:
    from core.context import MallContext

log = logging.getLogger(__name__)

CLOSE_LOOKBACK = timedelta(days=7)


def build_closed_days(
    ctx: MallContext, through: date | None = None, since: date | None = None
) -> int:
    """Build every day with tickets from `since` up to `through` (default: the last closed
    day) that has no rows yet; the number of days built."""
    from core.usecases.closing import OPEN_STATUSES, last_closed_day

    latest = last_closed_day(ctx)
    through = min(through, latest) if through else latest
    with ctx.uow.reading() as conn:
        days = set(
            conn.execute(
                select(daily_sequences.c.day)
                .distinct()
                .where(
                    daily_sequences.c.mall == ctx.mall,
                    daily_sequences.c.day <= through.isoformat(),
                    daily_sequences.c.day >= (since.isoformat() if since else ""),
                )
            ).scalars()
        )
        days -= set(
            conn.execute(
                select(report_days_built.c.day).where(report_days_built.c.mall == ctx.mall)
            ).scalars()
        )
        # A visit still being served when its day closed (core/usecases/closing.py) is
        # counted once it ends: its day is built then, at the latest the next day.
        days -= set(
            conn.execute(
                select(tickets.c.day)
                .distinct()
                .where(
                    tickets.c.mall == ctx.mall,
                    tickets.c.day.in_(sorted(days)),
                    tickets.c.status.in_(OPEN_STATUSES),
                )
            ).scalars()
        )
    for day in sorted(days):
        build_day(ctx, day)
    if days:
        log.info("built the report rows of %d closed days", len(days))
    build_closed_months(ctx, latest)
    return len(days)


def build_closed_months(ctx: MallContext, latest: date) -> int:
    """Sum each month that has ended by `latest` and whose days are all built into
    `report_months`, once; the number of months built."""
    with ctx.uow.reading() as conn:
        ticket_days = set(
            conn.execute(
                select(daily_sequences.c.day).distinct().where(daily_sequences.c.mall == ctx.mall)
            ).scalars()
        )
        built = set(
            conn.execute(
                select(report_days_built.c.day).where(report_days_built.c.mall == ctx.mall)
            ).scalars()
        )
        done = set(
            conn.execute(
                select(report_months_built.c.month).where(report_months_built.c.mall == ctx.mall)
            ).scalars()
        )
    this_month = latest.isoformat()[:7]
    last_day_closed = (latest + timedelta(days=1)).isoformat()[:7] != this_month
    months = set()
    for month in {day[:7] for day in built}:
        if month in done or (month == this_month and not last_day_closed) or month > this_month:
            continue
        if all(day in built for day in ticket_days if day.startswith(month)):
            months.add(month)
    for month in sorted(months):
        try:
            _build_month(ctx, month)
        except IntegrityError:  # another process built it meanwhile
            log.info("the report rows of %s were built by another process", month)
    return len(months)


def _build_month(ctx: MallContext, month: str) -> None:
    d = report_days.c
    month_of = func.substr(d.day, 1, 7)
    sums = select(
        d.mall,
        month_of,
        d.service,
        d.counter,
        d.officer,
        *(func.sum(d[name]) for name in SUMMED_COLUMNS),
    ).where(d.mall == ctx.mall, d.day >= f"{month}-01", d.day <= f"{month}-31")
    columns = ["mall", "month", "service", "counter", "officer", *SUMMED_COLUMNS]
    with ctx.uow.writing() as conn:
        conn.execute(
            insert(report_months).from_select(
                columns, sums.group_by(d.mall, month_of, d.service, d.counter, d.officer)
            )
        )
        conn.execute(
            insert(report_months_built).values(mall=ctx.mall, month=month, built_at=ctx.now())
        )


def build_day(ctx: MallContext, day: str) -> None:
    weekday = date.fromisoformat(day).weekday()
    with ctx.uow.writing() as conn:
        rows, channels = [], []
        for (service, counter, officer), figures in day_figures(ctx, conn, day).items():
            key = {"mall": ctx.mall, "day": day, "service": service}
            key.update(counter=counter, officer=officer)
            rows.append({**key, "weekday": weekday, **figures.stored_columns()})
            channels += [
                {**key, "channel": channel, "tickets": n} for channel, n in figures.channels.items()
            ]
        insert_if_absent(conn, report_days, rows)
        insert_if_absent(conn, report_day_channels, channels)
        insert_if_absent(
            conn, report_days_built, {"mall": ctx.mall, "day": day, "built_at": ctx.now()}
        )
