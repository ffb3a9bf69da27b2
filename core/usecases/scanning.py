"""What a kiosk's check-in scanner read, as the booking code to check in, or the reason it
names none in words the visitor understands (core/booking/scans.py reads the text).

A printed queue ticket's QR code is the usual mistake: the visitor is told it is a ticket, its
number and state, and that they are already in the queue. Nothing is checked in or changed:
the ticket is only read, and only within this mall (an id from another mall's slip is
unknown here, and said to be).
"""

from __future__ import annotations

from core import repository
from core.booking import scans
from core.context import Actor, MallContext
from core.tickets import InvalidRequest, NotFound, Ticket, TicketStatus
from core.usecases.booking import BookingConflict
from core.usecases.unit import require_kind

# A ticket's state as the visitor hears it: Bahasa Indonesia, English.
_STATE = {
    TicketStatus.WAITING: ("menunggu dipanggil", "waiting to be called"),
    TicketStatus.CALLED: ("sudah dipanggil", "called"),
    TicketStatus.SERVING: ("sedang dilayani", "being served"),
    TicketStatus.ON_HOLD: ("ditunda sementara", "on hold"),
    TicketStatus.DONE: ("selesai", "finished"),
    TicketStatus.NO_SHOW: ("tidak hadir saat dipanggil", "missed the call"),
    TicketStatus.CANCELLED: ("dibatalkan", "cancelled"),
    TicketStatus.UNSERVED: ("tidak terlayani", "not served"),
}
_FOR_A_BOOKING = (
    "Untuk booking, pindai QR di halaman booking Anda atau ketik 8 karakter kodenya.",
    "For a booking, scan the QR code on your booking page or type its 8 characters.",
)


class QueueTicketScanned(BookingConflict):
    """The scan is a queue ticket of this mall, not a booking (409: its state, not the
    request, is what the visitor needs to hear)."""

    def __init__(self, message: str) -> None:
        super().__init__("queue_ticket", message)


def booking_code(ctx: MallContext, raw: object, actor: Actor) -> str:
    """The booking code in what the scanner read; else the refusal that says what it is."""
    require_kind(ctx, actor, "check_in", "kiosk", "officer")
    if not isinstance(raw, str):
        raise InvalidRequest(
            "'scan' harus berisi teks yang dibaca pemindai. / 'scan' must be the text the "
            'scanner read, e.g. a booking code "ABCD2345".'
        )
    scan = scans.read(raw)
    if isinstance(scan, scans.BookingCode):
        return scan.code
    if isinstance(scan, scans.TicketAddress):
        raise _ticket_refusal(ctx, scan.ticket_id)
    error = InvalidRequest(
        "Kode yang dipindai bukan kode booking dan bukan tiket antrean yang terbaca. "
        f"{_FOR_A_BOOKING[0]} / The scanned code is neither a booking code nor a readable "
        f"queue ticket. {_FOR_A_BOOKING[1]}"
    )
    error.code = "unreadable_scan"
    raise error


def _ticket_refusal(ctx: MallContext, ticket_id: str) -> Exception:
    with ctx.uow.reading() as conn:
        try:
            ticket = repository.load_ticket(conn, ctx.mall, ticket_id)
        except NotFound:
            error = NotFound(
                "Ini kode QR tiket antrean, tetapi bukan tiket mal ini, dan bukan kode booking. "
                "Silakan tanyakan ke petugas. / This is a queue ticket's QR code, but not a "
                "ticket of this mall, and not a booking code. Please ask an officer."
            )
            error.code = "unknown_ticket"
            return error
    return QueueTicketScanned(_ticket_message(ctx, ticket))


def _ticket_message(ctx: MallContext, ticket: Ticket) -> str:
    state_id, state_en = _STATE.get(ticket.status, (ticket.status.value, ticket.status.value))
    if not ticket.is_final and ticket.day == ctx.today().isoformat():
        return (
            f"Ini tiket antrean {ticket.number}, bukan kode booking: Anda sudah dalam antrean "
            f"({state_id}). / This is queue ticket {ticket.number}, not a booking code: you "
            f"are already in the queue ({state_en})."
        )
    # Over, or a slip of another day: it holds no place, so say so, and how to check in.
    when_id, when_en = (state_id, state_en) if ticket.is_final else (ticket.day, ticket.day)
    return (
        f"Ini tiket antrean {ticket.number} ({when_id}), bukan kode booking; tiket ini tidak "
        f"berlaku lagi. {_FOR_A_BOOKING[0]} / This is queue ticket {ticket.number} "
        f"({when_en}), not a booking code; it is no longer valid. {_FOR_A_BOOKING[1]}"
    )
