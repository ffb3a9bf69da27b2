"""A ticket as its visitor sees it (status page, events) and as an officer sees it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from core import repository
from core.channels import channel_badge
from core.context import iso, minutes_between
from core.estimate import NO_ESTIMATE
from core.position import people_ahead
from core.tickets import Ticket, TicketStatus, allowed_actions, wait_starts_at
from core.views.calls import call_view

if TYPE_CHECKING:
    from core.config import Settings
    from core.context import MallContext


def _service_fields(settings: Settings, code: str) -> dict[str, Any]:
    """The ticket's service and agency by name; a service since removed from config.yaml
    (its tickets stay: closing the day, the visitor's page) is named by its code."""
    try:
        service = settings.service(code)
    except KeyError:
        retired = f"{code} (tidak lagi dilayani)"
        return {
            "service": code,
            "service_name": retired,
            "service_name_en": f"{code} (no longer offered)",
            "agency": None,
            "agency_name": "",
            "agency_name_en": "",
        }
    agency = settings.agency(service.agency)
    return {
        "service": service.code,
        "service_name": service.name,
        "service_name_en": service.name_en,
        "agency": agency.code,
        "agency_name": agency.name,
        "agency_name_en": agency.name_en,
    }


def _counter_name(settings: Settings, number: int | None) -> str | None:
    if not number:
        return None
    try:
        return settings.counter(number).name
    except KeyError:  # removed from config.yaml since
        return f"Loket {number}"


def public_view(
    ctx: MallContext,
    conn: Connection,
    ticket: Ticket,
    *,
    with_position: bool = False,
    action: str | None = None,
) -> dict[str, Any]:
    """No personal data (the system stores none) and no id unless `with_position` (the id
    is the visitor's key to their page: it goes only to them, never into a broadcast)."""
    settings = ctx.settings
    view: dict[str, Any] = {
        "number": ticket.number,
        **_service_fields(settings, ticket.service),
        "status": ticket.status.value,
        "priority": ticket.priority is not None,
        "counter": ticket.counter,
        "counter_name": _counter_name(settings, ticket.counter),
        "issued_at": iso(ticket.issued_at),
        "called_at": iso(ticket.called_at),
        "transferred": bool(ticket.transfers),
        # kiosk, officer, online or booking; a checked-in booking's slot time (its arrival).
        "channel": ticket.channel,
        "slot": (
            f"{ticket.arrived_at.astimezone(settings.mall.tz):%H:%M}"
            if ticket.channel == "booking"
            else None
        ),
    }
    view["channel_badge"] = channel_badge(ticket.channel, view["slot"])
    if action in ("call", "recall") and ticket.counter:
        view["announcement"] = call_view(
            ctx,
            ticket.prefix,
            ticket.sequence,
            ticket.service,
            ticket.counter,
            ticket.called_at,
            action == "recall",
            slot=view["slot"],
            channel=ticket.channel,
        )
    if with_position:
        ahead = people_ahead(ctx, conn, ticket)
        view["id"] = ticket.id
        view |= day_fields(ctx, ticket)
        view["ahead"] = ahead
        view |= (
            ctx.estimator.for_ticket(conn, ticket)
            if ticket.status == TicketStatus.WAITING
            else NO_ESTIMATE
        ).fields()
        view["status_url"] = ctx.status_url(ticket.id)
    return view


def day_fields(ctx: MallContext, ticket: Ticket) -> dict[str, Any]:
    """The mall's local day the ticket was taken for: numbers restart each day, so the
    visitor's page must tell yesterday's A001 from today's (by the mall's clock, not the
    phone's)."""
    return {"day": ticket.day, "day_is_today": ticket.day == ctx.today().isoformat()}


def officer_view(ctx: MallContext, conn: Connection, ticket: Ticket) -> dict[str, Any]:
    view = public_view(ctx, conn, ticket, with_position=True)
    view["priority_level"] = ticket.priority.value if ticket.priority else None
    view["arrived_at"] = iso(ticket.arrived_at)
    view["started_at"] = iso(ticket.started_at)
    view["finished_at"] = iso(ticket.finished_at)
    view["call_count"] = ticket.call_count
    view["transfers"] = list(ticket.transfers)
    view["waiting_minutes"] = minutes_between(
        wait_starts_at(ticket.issued_at, ticket.arrived_at), ctx.now()
    )
    view["allowed_actions"] = allowed_actions(ticket.status)
    return view


def load(ctx: MallContext, ticket_id: str) -> Ticket:
    with ctx.uow.reading() as conn:
        return repository.load_ticket(conn, ctx.mall, ticket_id)


def ticket_status(ctx: MallContext, ticket_id: str) -> dict[str, Any]:
    """The visitor's view by the unguessable id: no personal data, position and estimate."""
    with ctx.uow.reading() as conn:
        ticket = repository.load_ticket(conn, ctx.mall, ticket_id)
        return public_view(ctx, conn, ticket, with_position=True)


def ticket_statuses(ctx: MallContext, ticket_ids: list[str]) -> list[dict[str, Any]]:
    """Many visitors' views at one moment, read in one transaction (as each page would see
    it, each its own `ticket_status`): the day simulator's look at every phone page."""
    with ctx.uow.reading() as conn:
        return [
            public_view(
                ctx, conn, repository.load_ticket(conn, ctx.mall, ticket_id), with_position=True
            )
            for ticket_id in ticket_ids
        ]


def officer_ticket(ctx: MallContext, ticket_id: str) -> dict[str, Any]:
    with ctx.uow.reading() as conn:
        return officer_view(ctx, conn, repository.load_ticket(conn, ctx.mall, ticket_id))
