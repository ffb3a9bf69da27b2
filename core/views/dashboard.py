"""The live dashboard of `/admin`: every service and counter a manager looks after, now.

One read transaction, so the figures match `version` (the dashboard asks again when a live
event moves the version, and every few seconds, because waits grow with time alone). The
colour of a service's wait and the alerts' rules are in core/alerts.py.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, func, select

from core import numbering, repository
from core.alerts import service_level
from core.availability import availability
from core.context import iso, minutes_between
from core.quotas import day_quotas
from core.scope import Scope, visible_counters, visible_services
from core.store import counter_state, tickets
from core.tickets import ACTIVE_AT_COUNTER, TicketStatus, format_number

if TYPE_CHECKING:
    from core.context import MallContext


def dashboard(ctx: MallContext, scope: Scope) -> dict[str, Any]:
    with ctx.uow.reading() as conn:
        services = service_rows(ctx, conn, scope)
        counters = counter_rows(ctx, conn, scope)
        return {
            "version": repository.version(conn, ctx.mall),
            "server_time": iso(ctx.now()),
            "scope": {
                "role": scope.actor.kind,
                "name": scope.actor.name,
                "agencies": None if scope.agencies is None else sorted(scope.agencies),
            },
            "services": services,
            "counters": counters,
        }


def service_rows(
    ctx: MallContext, conn: Connection, scope: Scope, estimates_within: timedelta | None = None
) -> list[dict[str, Any]]:
    """The services' figures of the day; `estimates_within`: how old a play of the queues may
    be to give their estimates (None: as fresh as the kiosk's)."""
    settings = ctx.settings
    now = ctx.now()
    day = ctx.today()
    waiting = repository.waiting_counts(conn, ctx.mall, day.isoformat())
    oldest = dict(
        conn.execute(
            # The longest wait as the reports count it (a booking's from check-in or slot).
            select(tickets.c.service, func.min(repository.WAIT_STARTS_AT))
            .where(
                tickets.c.mall == ctx.mall,
                tickets.c.day == day.isoformat(),
                tickets.c.status == TicketStatus.WAITING.value,
            )
            .group_by(tickets.c.service)
        ).all()
    )
    issued = numbering.issued_counts(conn, ctx.mall, day)
    # Today's tickets by how they ended, in the service that ended them: a no-show called
    # back and served is served, not also a no-show (counting events said both), as in the
    # day's report (core/reporting.py: the last word wins). Read from the (mall, day,
    # service, status) index.
    outcomes: dict[tuple[str, str], int] = {
        (service, status): int(count)
        for service, status, count in conn.execute(
            select(tickets.c.service, tickets.c.status, func.count())
            .where(
                tickets.c.mall == ctx.mall,
                tickets.c.day == day.isoformat(),
                tickets.c.status.in_([TicketStatus.DONE.value, TicketStatus.NO_SHOW.value]),
            )
            .group_by(tickets.c.service, tickets.c.status)
        )
    }
    open_numbers = repository.open_counters(conn, ctx.mall)
    closed = repository.closed_reasons(conn, ctx.mall)
    quotas = day_quotas(conn, ctx.mall, day)
    amber = settings.management.amber_percent
    rows = []
    for service in visible_services(scope, settings):
        code = service.code
        first = oldest.get(code)
        longest = minutes_between(repository.as_utc(first), now) if first else None
        eta = ctx.estimator.minutes(conn, code, waiting.get(code, 0), estimates_within)
        state = availability(ctx, conn, code, closed=closed, issued=issued, quotas=quotas)
        quota = quotas.get(code, service.daily_quota)
        rows.append(
            {
                "code": code,
                "name": service.name,
                "name_en": service.name_en,
                "agency": service.agency,
                "waiting": waiting.get(code, 0),
                "longest_wait_minutes": longest,
                "eta_minutes": eta,
                "target_wait_minutes": service.target_wait_minutes,
                "level": service_level(
                    longest,
                    eta,
                    service.target_wait_minutes,
                    amber,
                    waiting.get(code, 0),
                    _outside_hours(ctx, code, state.reason_code),
                ),
                "issued": issued.get(code, 0),
                "served": outcomes.get((code, TicketStatus.DONE.value), 0),
                "no_show": outcomes.get((code, TicketStatus.NO_SHOW.value), 0),
                "open_counters": sum(
                    1 for c in settings.counters_serving(code) if c.number in open_numbers
                ),
                "open": state.open,
                "closed_reason_code": state.reason_code,
                "closed_reason": state.reason,
                "closed_by_admin": code in closed,
                "quota": quota,
                "quota_today": quotas.get(code),
            }
        )
    return rows


# Why a service may be shut by the clock or the calendar (core/availability.py), not by a
# person or its quota.
_BY_THE_CLOCK = ("outside_hours", "mall_closed", "holiday", "cuti_bersama", "closure")


def _outside_hours(ctx: MallContext, code: str, reason_code: str | None) -> str | None:
    """ "not_open" before the service's hours of today begin, "closed" after they end or on
    a day it is closed, None while it may take tickets (or is shut by an admin or its
    quota: its queue is still judged)."""
    if reason_code not in _BY_THE_CLOCK:
        return None
    local = ctx.now().astimezone(ctx.settings.mall.tz)
    hours = ctx.settings.service_hours(code, local.weekday())
    if reason_code == "outside_hours" and hours is not None and local.time() < hours.start:
        return "not_open"
    return "closed"


def counter_rows(ctx: MallContext, conn: Connection, scope: Scope) -> list[dict[str, Any]]:
    settings = ctx.settings
    now = ctx.now()
    states = {
        row.number: row
        for row in conn.execute(select(counter_state).where(counter_state.c.mall == ctx.mall))
    }
    shown = visible_counters(scope, settings)
    active = {}
    for row in conn.execute(
        select(tickets)
        .where(
            tickets.c.mall == ctx.mall,
            # By number: "any counter" would read the index of every visitor ever served.
            tickets.c.counter.in_([c.number for c in shown]),
            tickets.c.status.in_([s.value for s in ACTIVE_AT_COUNTER]),
        )
        .order_by(tickets.c.called_at)
    ):
        active[row.counter] = row  # the latest call wins, as at the counter itself
    rows = []
    for counter in shown:
        state = states.get(counter.number)
        current = active.get(counter.number)
        since: datetime | None = None
        if current is not None:
            since = repository.as_utc(current.started_at or current.called_at)
        elif state is not None:
            since = repository.as_utc(state.updated_at)
        rows.append(
            {
                "number": counter.number,
                "name": counter.name,
                "agency": counter.agency,
                "zone": counter.zone,
                "status": state.status if state is not None else "closed",
                "reason": state.reason if state is not None else None,
                "officer": state.officer if state is not None else None,
                "current": (
                    {
                        "number": format_number(current.prefix, current.sequence),
                        "status": current.status,
                        "service": current.service,
                    }
                    if current is not None
                    else None
                ),
                "since": iso(since),
                "minutes_in_state": minutes_between(since, now) if since else 0,
            }
        )
    return rows
