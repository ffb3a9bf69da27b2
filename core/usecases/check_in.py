"""A booked visitor checks in at a kiosk (scanned QR or typed code) or at a counter.

The story: lock the booking's row; a booking already checked in answers with the ticket it
got (a second scan, or two kiosks scanning at once, never make a second ticket) unless that
ticket is over (then the code is used); check the arrival window around the slot's start;
issue a ticket in the same transaction, numbered like any other, whose `channel` is
"booking" and whose `arrived_at` is the slot's start: from that moment the call order puts
it ahead of walk-ins (core/queueing.py). A visitor who comes after the window gets what the
service's `late` rule says: a walk-in ticket (arrival now, channel "late_booking") or a
refusal with the reason.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import update

from core import numbering, repository
from core.availability import availability
from core.booking import slots
from core.booking.slots import Slot
from core.context import Actor, MallContext
from core.position import people_ahead_of_new
from core.store_bookings import bookings
from core.tickets import ServiceClosed, Ticket, parse_priority
from core.usecases.booking import BookingConflict, ensure_active, load_row
from core.usecases.issuing import with_wait_estimate
from core.usecases.unit import changing, require_kind
from core.views.tickets import day_fields, public_view

ON_TIME, LATE = "booking", "late_booking"


def _local(ctx: MallContext, moment: datetime) -> str:
    return f"{moment.astimezone(ctx.settings.mall.tz):%H:%M}"


def _status_url(ctx: MallContext, actor: Actor, ticket_id: str, language: str) -> str:
    """The survey key only to the kiosk, which hands it to the visitor (its printed and
    on-screen QR code), also when a scan is repeated; an officer's terminal gets the plain
    address."""
    return (ctx.visitor_url if actor.kind == "kiosk" else ctx.status_url)(ticket_id, language)


def _closed_message(ctx: MallContext, service: str, reason: str) -> str:
    """Why a check-in is refused now, in Bahasa Indonesia first (the kiosk shows it as it
    comes). A reason given in both languages ("Jam layanan ... / Service hours ...") is
    split between the two halves; an admin's reason is quoted as written in both."""
    named = ctx.settings.service(service)
    reason_id, _, reason_en = reason.partition(" / ")
    return (
        f"{named.name} tidak menerima pengunjung saat ini: {reason_id}. / {named.name_en} "
        f"is not taking visitors now: {reason_en or reason_id}."
    )


def check_in(
    ctx: MallContext, raw_code: object, actor: Actor, priority: object = None
) -> tuple[dict[str, Any], bool]:
    """The ticket of the booking, and whether it was issued now (False: it existed).

    `priority` is what the visitor claims at check-in, as at the kiosk's priority button: an
    elderly visitor who booked is still served first (a booking does not record it)."""
    require_kind(ctx, actor, "check_in", "kiosk", "officer")
    level = parse_priority(priority)
    with changing(ctx) as change:
        conn = change.conn
        row = load_row(conn, ctx.mall, raw_code, for_update=True)
        if row.status == "checked_in" and row.ticket_id:
            ticket = repository.load_ticket(conn, ctx.mall, row.ticket_id)
            if ticket.is_final:
                raise BookingConflict(
                    "booking_used",
                    f"Booking {row.code} sudah dipakai: nomor {ticket.number} berstatus "
                    f"{ticket.status}. / Booking {row.code} was used: ticket {ticket.number} is "
                    f"{ticket.status}.",
                )
            view = public_view(ctx, conn, ticket, with_position=True)
            view["status_url"] = _status_url(ctx, actor, ticket.id, row.language)
            return view, False
        now = ctx.now()
        if row.status == "booked" and row.day < ctx.today().isoformat():
            raise BookingConflict(
                "too_late",
                f"Booking {row.code} untuk {row.day}; silakan booking kunjungan baru. / Booking "
                f"{row.code} was for {row.day}; please book a new visit.",
            )
        ensure_active(row)
        service = row.service
        rules = slots.kept_rules(ctx.settings, service)
        day = date.fromisoformat(row.day)
        begin = time.fromisoformat(row.slot)
        slot = Slot(begin, begin)  # only the start matters here
        opens, closes = slots.arrival(ctx.settings, service, day, slot)
        starts = slots.starts_at(ctx.settings, day, slot)
        today = ctx.today()
        if now < opens and day != today:
            # Coming on the wrong day is the commonest mistake: say which day it is for.
            raise BookingConflict(
                "too_early",
                f"Booking {row.code} untuk {row.day} jam {row.slot}, bukan hari ini: silakan "
                f"kembali pada {row.day} pukul {_local(ctx, opens)}. / Booking {row.code} is "
                f"for {row.day} at {row.slot}, not today: come back on {row.day} at "
                f"{_local(ctx, opens)}.",
            )
        if now < opens:
            when = _local(ctx, opens)
            raise BookingConflict(
                "too_early",
                f"Terlalu awal untuk jam {row.slot}: silakan kembali pukul {when}. / Too early "
                f"for the {row.slot} slot: come back at {when}.",
            )
        late = now > closes
        if late and (rules.late == "refuse" or day != today):
            raise BookingConflict(
                "too_late",
                f"Check-in jam {row.slot} pada {row.day} ditutup pukul {_local(ctx, closes)}; "
                f"{ctx.settings.service(service).name} tidak menerima booking yang terlambat: "
                "silakan booking lagi atau ambil nomor bila layanan menerima antrean langsung. / "
                f"The {row.slot} slot of {row.day} closed its check-in at {_local(ctx, closes)}; "
                f"{ctx.settings.service(service).name} does not take late bookings: "
                "please book again or take a ticket if the service has walk-ins.",
            )
        state = availability(ctx, conn, service, check_quota=False)
        # Before opening hours an on-time visitor checks in early (a slot at opening with
        # its window before it); any other reason the service is closed (an admin's, a
        # holiday or closure added to the calendar after the booking) refuses, with it:
        # a ticket the closed service never calls would only end unserved.
        if not state.open and (late or state.reason_code != "outside_hours"):
            raise ServiceClosed(_closed_message(ctx, service, state.reason or ""))
        number = numbering.claim_next_number(conn, ctx.mall, service, today)
        ticket = Ticket(
            id=secrets.token_urlsafe(12),
            service=service,
            prefix=ctx.settings.service(service).prefix,
            sequence=number,
            day=today.isoformat(),
            issued_at=now,
            arrived_at=now if late else starts,
            priority=level,
        )
        repository.insert_tickets(conn, ctx.mall, [(ticket, LATE if late else ON_TIME, actor.name)])
        conn.execute(
            update(bookings)
            .where(bookings.c.id == row.id)
            .values(status="checked_in", checked_in_at=now, ticket_id=ticket.id, updated_at=now)
        )
        change.record_ticket(ticket, "issue", actor)
        change.views[ticket.id] = public_view(ctx, conn, ticket)
        ahead, waiting = people_ahead_of_new(ctx, conn, [ticket])[ticket.id]
        change.waiting_at[ticket.id] = {service: waiting}
        change.waiting[service] = waiting
        view = {
            **change.views[ticket.id],
            "id": ticket.id,
            **day_fields(ctx, ticket),
            "ahead": ahead,
            "status_url": _status_url(ctx, actor, ticket.id, row.language),
        }
    # The estimate from the ticket's own place, which its slot puts ahead of walk-ins (a
    # newcomer's estimate told a visitor called within minutes to wait over two hours).
    return with_wait_estimate(ctx, view), True
