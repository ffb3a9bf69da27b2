"""Read models of booked visits: a day's slots with the places left, and one booking as its
visitor sees it (never the NIK, nor its hash)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from core import repository
from core.booking import codes, ical, slots
from core.booking.slots import BookingRefused, Slot
from core.context import iso
from core.store_bookings import booking_slots
from core.usecases.booking import DAY_TOTAL, known_service, load_row, refusal

if TYPE_CHECKING:
    from core.context import MallContext


def slots_view(
    ctx: MallContext, service_code: object, raw_day: object, raw_booking: object = None
) -> dict[str, Any]:
    """The slots of a day with their capacity and the places still free now. A day that
    cannot be booked has no slots and says why (`closed_reason`).

    With `raw_booking` (the code of a booking being moved), the places that booking holds
    count as its visitor's: a move within its day gives them back before it takes new ones
    (core/usecases/booking.py), so a day whose online quota it helps fill still offers the
    visitor its other slots, and the slot it holds is marked `yours`."""
    service = known_service(ctx, service_code)
    settings, now = ctx.settings, ctx.now()
    try:
        rules = slots.rules(settings, service)
        day = slots.parse_day(raw_day)
        closed_reason = None
        try:
            slots.check_day(settings, service, day, now)
        except BookingRefused as exc:
            if exc.code == "date_in_past":
                raise
            closed_reason = exc.message
    except BookingRefused as exc:
        raise refusal(exc) from None
    held = None  # the slot label of the booking being moved, if it holds places on this day
    if raw_booking is not None:
        with ctx.uow.reading() as conn:
            row = load_row(conn, ctx.mall, raw_booking)  # an unknown code: 404, as elsewhere
        if row.status == "booked" and (row.service, row.day) == (service, day.isoformat()):
            held = row.slot
    answer: dict[str, Any] = {"service": service, "date": day.isoformat(), "slots": []}
    answer["closed_reason"] = closed_reason
    if closed_reason is not None:
        return answer
    with ctx.uow.reading() as conn:
        taken = dict(
            conn.execute(
                select(booking_slots.c.slot, booking_slots.c.booked).where(
                    booking_slots.c.mall == ctx.mall,
                    booking_slots.c.service == service,
                    booking_slots.c.day == day.isoformat(),
                )
            ).all()
        )
    if held is not None:
        for label in (held, DAY_TOTAL):
            taken[label] = max(0, taken.get(label, 0) - 1)
    day_left = None
    if rules.online_quota is not None:
        day_left = max(0, rules.online_quota - taken.get(DAY_TOTAL, 0))
    for slot in slots.day_slots(settings, service, day):
        free = max(0, rules.capacity_per_slot - taken.get(slot.label, 0))
        if day_left is not None:
            free = min(free, day_left)
        if not slots.bookable(settings, service, day, slot, now):
            free = 0
        shown = {**slot.to_dict(), "capacity": rules.capacity_per_slot, "available": free}
        if slot.label == held:
            shown["yours"] = True
        answer["slots"].append(shown)
    return answer


def booking_view(ctx: MallContext, raw_code: object) -> dict[str, Any]:
    """One booking by its code: service, day, slot, status, when to check in, its ticket."""
    with ctx.uow.reading() as conn:
        row = load_row(conn, ctx.mall, raw_code)
        ticket = None
        if row.ticket_id:
            found = repository.load_ticket(conn, ctx.mall, row.ticket_id)
            ticket = {"id": found.id, "number": found.number, "status": found.status.value}
    return view_of(ctx, row, ticket)


def view_of(ctx: MallContext, row: Any, ticket: dict[str, Any] | None) -> dict[str, Any]:
    settings = ctx.settings
    service = settings.service(row.service)
    day = date.fromisoformat(row.day)
    start = time.fromisoformat(row.slot)
    rules = slots.kept_rules(settings, service.code)
    minutes = rules.slot_minutes
    end = (datetime.combine(day, start) + timedelta(minutes=minutes)).time()
    status = (
        "missed" if row.status == "booked" and row.day < ctx.today().isoformat() else row.status
    )
    view: dict[str, Any] = {
        "code": row.code,
        "code_display": codes.grouped(row.code),
        "service": service.code,
        "service_name": service.name,
        "service_name_en": service.name_en,
        "date": row.day,
        "slot": row.slot,
        "slot_end": f"{end:%H:%M}",
        # A booking nobody checked in whose day is past reads "missed".
        "status": status,
        # A holiday or closure added to the calendar after the booking was made: the
        # visitor reads why before setting out (check-in is refused with it).
        "closed_reason": slots.closure_reason(settings, service.code, day)
        if status == "booked"
        else None,
        "created_at": iso(row.created_at),
        "ticket": ticket,
        "url": f"{settings.mall.public_base_url.rstrip('/')}/booking/{row.code}",
    }
    opens, closes = slots.arrival(settings, service.code, day, Slot(start, end))
    tz = settings.mall.tz
    view["check_in_from"] = f"{opens.astimezone(tz):%H:%M}"
    view["check_in_until"] = f"{closes.astimezone(tz):%H:%M}"
    view["late_rule"] = rules.late
    # Past the window a booking still booked is checked in no more (`late: refuse`) or as
    # an ordinary walk-in number (`late: walk_in`): the page says so instead of its times.
    view["check_in_closed"] = status == "booked" and ctx.now() > closes
    return view


def ics(ctx: MallContext, raw_code: object) -> str:
    """The booking as an iCalendar event for the phone's calendar (RFC 5545, published as
    RFC 5546 says). Every file of a booking has the same UID and the booking's SEQUENCE, one
    more at each move or cancellation: a calendar that imported an earlier file replaces
    that event instead of keeping a stale or second one. A cancelled booking's file is a
    CANCEL of the event (STATUS:CANCELLED), which removes or strikes it through."""
    with ctx.uow.reading() as conn:
        row = load_row(conn, ctx.mall, raw_code)
    view = view_of(ctx, row, None)
    mall = ctx.settings.mall
    tz = mall.tz
    day = date.fromisoformat(view["date"])
    start = datetime.combine(day, time.fromisoformat(view["slot"]), tz)
    end = datetime.combine(day, time.fromisoformat(view["slot_end"]), tz)
    cancelled = row.status == "cancelled"

    def utc(moment: datetime) -> str:
        return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")

    code = view["code_display"]
    summary = f"{view['service_name']} ({code})"
    if cancelled:
        summary = f"DIBATALKAN / CANCELLED: {summary}"
        about = f"Booking {code} sudah dibatalkan. / Booking {code} was cancelled."
    else:
        window = f"{view['check_in_from']}-{view['check_in_until']}"
        about = (
            f"Kode booking {code}. Check-in {window} di anjungan: pindai QR atau ketik kodenya. / "
            f"Booking code {code}. Check in {window} at a kiosk: scan the QR code or type the "
            "code."
        )
    where = ", ".join(part for part in (mall.name, mall.address) if part)
    return ical.document(
        [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//Antrian//Booking//ID",
            f"METHOD:{'CANCEL' if cancelled else 'PUBLISH'}",
            "BEGIN:VEVENT",
            f"UID:{view['code']}@{ical.text(mall.code)}",
            f"SEQUENCE:{row.sequence}",
            f"DTSTAMP:{utc(ctx.now())}",
            f"LAST-MODIFIED:{utc(row.updated_at)}",
            f"DTSTART:{utc(start)}",
            f"DTEND:{utc(end)}",
            f"STATUS:{'CANCELLED' if cancelled else 'CONFIRMED'}",
            # RFC 5546 asks an ORGANIZER of a published event and of its CANCEL: the mall,
            # at its public address (it has no mailbox of its own here).
            f"ORGANIZER;CN={ical.param(mall.name)}:{mall.public_base_url.rstrip('/')}",
            f"SUMMARY:{ical.text(summary)}",
            f"LOCATION:{ical.text(where)}",
            f"DESCRIPTION:{ical.text(about + ' ' + view['url'])}",
            f"URL:{view['url']}",
            "END:VEVENT",
            "END:VCALENDAR",
        ]
    )
