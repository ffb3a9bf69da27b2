"""An officer acts on a ticket: recall, start, finish, no-show, hold, resume (take a held
visitor back at this counter), requeue (send a held visitor back to the queue), cancel,
transfer.

The story: lock the ticket, make sure it is this officer's to act on (at their counter, or
waiting for a service their counter serves), let the entity apply its own transition rules,
save it and note the fact. `apply` is also how calling changes a ticket.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from core import repository
from core.context import Actor, MallContext
from core.tickets import InvalidRequest, NotFound, Ticket, TicketStatus
from core.usecases.counters import ensure_can_call
from core.usecases.unit import Change, changing, refuse, require_kind
from core.views.tickets import officer_view

ACTIONS = ("recall", "start", "finish", "no_show", "hold", "resume", "requeue", "cancel")


def act(ctx: MallContext, ticket_id: str, action: str, actor: Actor) -> dict[str, Any]:
    """recall | start | finish | no_show | hold | resume | requeue | cancel"""
    if action not in ACTIONS:
        raise InvalidRequest(f"Tindakan {action!r} tidak dikenal. / Unknown action {action!r}.")
    require_kind(ctx, actor, action, "officer")
    with changing(ctx) as change:
        conn = change.conn
        if action == "resume":
            _take_back_at_own_counter(ctx, actor, change, ticket_id)
        ticket = repository.load_ticket(conn, ctx.mall, ticket_id, for_update=True)
        ensure_owner(ctx, actor, ticket, action, change)
        return apply(ctx, change, ticket, action, actor)


def _take_back_at_own_counter(
    ctx: MallContext, actor: Actor, change: Change, ticket_id: str
) -> None:
    """Taking a held visitor back is a call at their own counter: it must be open and free.
    The counter's row is locked before the ticket's, in the order calling locks them."""
    held = repository.load_ticket(change.conn, ctx.mall, ticket_id)
    ensure_owner(ctx, actor, held, "resume", change)
    if held.status == TicketStatus.ON_HOLD and held.counter is not None:
        state = repository.existing_counter_row(
            change.conn, ctx.mall, held.counter, for_update=True
        )
        ensure_can_call(ctx, change.conn, held.counter, state)


def transfer(ctx: MallContext, ticket_id: str, service_code: str, actor: Actor) -> dict[str, Any]:
    """Send the ticket to another service's queue, keeping its number and arrival time."""
    require_kind(ctx, actor, "transfer", "officer")
    try:
        target = ctx.settings.service(service_code)
    except KeyError:
        raise NotFound(
            f"Layanan tujuan pengalihan {service_code!r} tidak dikenal. / "
            f"Unknown service {service_code!r} to transfer to."
        ) from None
    with changing(ctx) as change:
        ticket = repository.load_ticket(change.conn, ctx.mall, ticket_id, for_update=True)
        ensure_owner(ctx, actor, ticket, "transfer", change)
        return apply(ctx, change, ticket, "transfer", actor, service=target.code)


def ensure_owner(
    ctx: MallContext, actor: Actor, ticket: Ticket, action: str, change: Change
) -> None:
    """A ticket at a counter is that counter's; a waiting one is any counter's that serves
    its service. Admins may act on any ticket."""
    if actor.is_admin:
        return
    if ticket.counter is not None:
        if ticket.counter != actor.counter:
            raise refuse(
                ctx,
                actor,
                action,
                f"Nomor {ticket.number} milik loket {ticket.counter}; Anda masuk di loket "
                f"{actor.counter}. / Ticket {ticket.number} belongs to counter "
                f"{ticket.counter}; you are signed into counter {actor.counter}.",
                change,
            )
        return
    counter = ctx.settings.counter(actor.counter) if actor.counter else None
    if counter is None or ticket.service not in counter.services:
        raise refuse(
            ctx,
            actor,
            action,
            f"Nomor {ticket.number} menunggu layanan {ticket.service}, yang tidak dilayani "
            f"loket {actor.counter}. / Ticket {ticket.number} waits for {ticket.service}, "
            f"which counter {actor.counter} does not serve.",
            change,
        )


def apply(
    ctx: MallContext,
    change: Change,
    ticket: Ticket,
    action: str,
    actor: Actor,
    *,
    counter: int | None = None,
    service: str | None = None,
) -> dict[str, Any]:
    """Let the ticket change itself (it refuses illegal transitions), save it, note the fact
    and answer with the officer's view of it."""
    now = ctx.now()
    from_status, from_service, from_counter = ticket.status, ticket.service, ticket.counter
    match action:
        case "call":
            ticket.call(counter, now)  # type: ignore[arg-type]
        case "recall":
            ticket.recall(now)
        case "start":
            ticket.start(now)
        case "finish":
            ticket.finish(now)
        case "no_show":
            ticket.mark_no_show(now)
        case "hold":
            ticket.hold()
        case "resume":
            ticket.resume(now)
        case "requeue":
            ticket.requeue()
        case "cancel":
            ticket.cancel(now)
        case "transfer":
            ticket.transfer(service)  # type: ignore[arg-type]
    repository.save_ticket(change.conn, ticket)
    # The event row keeps the counter the action happened at, even when the ticket leaves it.
    recorded = (
        ticket
        if ticket.counter is not None
        else replace(ticket, counter=from_counter, transfers=list(ticket.transfers))
    )
    change.record_ticket(
        recorded, action, actor, from_status, from_service if action == "transfer" else None
    )
    return change.answered(officer_view(ctx, change.conn, ticket))
