"""One call as the hall sees and hears it, and the recent calls a display starts with."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select

from core import announcement, repository
from core.channels import channel_badge
from core.context import iso
from core.numbering import local_day_start
from core.store import ticket_events, tickets

if TYPE_CHECKING:
    from core.context import MallContext

RECENT_CALLS = 10


def call_view(
    ctx: MallContext,
    prefix: str,
    sequence: int,
    service_code: str,
    counter_number: int,
    at: datetime | None,
    recall: bool,
    version: int | None = None,
    slot: str | None = None,
    *,
    channel: str | None = None,
) -> dict[str, Any]:
    """One call as displays show and speak it; `slot` is a booked visitor's slot time."""
    settings = ctx.settings
    counter = settings.counter(counter_number)
    service = settings.service(service_code)
    agency = settings.agency(counter.agency)
    template = settings.announcement.template
    return {
        "number": f"{prefix}{sequence:03d}",
        "service": service.code,
        "service_name": service.name,
        "counter": counter.number,
        "counter_name": counter.name,
        "agency": agency.code,
        "agency_name": agency.name,
        "zone": counter.zone,
        "at": iso(at),
        "recall": recall,
        "version": version,
        "channel_badge": channel_badge(channel, slot),
        "slot": slot,
        "speech": announcement.build_call_phrase(
            template, prefix, sequence, counter.name, counter.number
        ),
        "text": announcement.display_call_text(
            template, prefix, sequence, counter.name, counter.number
        ),
    }


def recent_calls(ctx: MallContext, conn: Connection, counters: list[int]) -> list[dict[str, Any]]:
    """Today's latest calls and recalls at `counters`, newest first."""
    rows = conn.execute(
        select(
            ticket_events,
            tickets.c.prefix,
            tickets.c.sequence,
            tickets.c.service.label("now_service"),
            tickets.c.channel,
            tickets.c.arrived_at,
        )
        .join(tickets, tickets.c.seq == ticket_events.c.ticket_seq)
        .where(
            ticket_events.c.mall == ctx.mall,
            ticket_events.c.action.in_(["call", "recall"]),
            ticket_events.c.counter.in_(counters),
            # Today's calls only: early in the day, "the latest" must not walk back through
            # every call the mall ever made.
            ticket_events.c.at >= local_day_start(ctx.today().isoformat(), ctx.settings.mall.tz),
            tickets.c.day == ctx.today().isoformat(),
        )
        .order_by(ticket_events.c.id.desc())
        .limit(RECENT_CALLS)
    ).all()
    return [
        call_view(
            ctx,
            row.prefix,
            row.sequence,
            row.service,
            row.counter,
            repository.as_utc(row.at),
            row.action == "recall",
            row.version,
            _slot(ctx, row.channel, row.arrived_at),
            channel=row.channel,
        )
        for row in rows
    ]


def _slot(ctx: MallContext, channel: str, arrived_at: Any) -> str | None:
    """A checked-in booking's slot time (its arrival), local."""
    if channel != "booking":
        return None
    return f"{repository.as_utc(arrived_at).astimezone(ctx.settings.mall.tz):%H:%M}"
