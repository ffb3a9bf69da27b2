"""The front door of booked visits, like `QueueService` for tickets: one method per use case
(core/usecases/booking.py, check_in.py) or read model (core/views/bookings.py).

It holds the server's secret, the key of the NIK's HMAC (core/booking/nik.py): the same
secret that signs sessions, kept in the database when config.yaml gives none, so every
process hashes a NIK alike.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core.context import DEFAULT_LANGUAGE, Actor, MallContext
from core.usecases import booking, check_in, scanning
from core.views import bookings as views

if TYPE_CHECKING:
    from sqlalchemy import Connection


class BookingDesk:
    def __init__(self, ctx: MallContext, secret: str | bytes) -> None:
        if not secret:
            raise ValueError("bookings need the server's secret to hash NIKs")
        self.ctx = ctx
        self._secret = secret

    def slots(self, service: object, day: object, booking: object = None) -> dict[str, Any]:
        return views.slots_view(self.ctx, service, day, booking)

    def book(
        self,
        service: object,
        day: object,
        slot: object,
        nik: object,
        language: object = DEFAULT_LANGUAGE,
    ) -> dict[str, Any]:
        def answer(conn: Connection, code: str) -> dict[str, Any]:
            return views.view_of(self.ctx, booking.load_row(conn, self.ctx.mall, code), None)

        code = booking.book(self.ctx, self._secret, service, day, slot, nik, language, answer)
        return views.booking_view(self.ctx, code)

    def view(self, code: object) -> dict[str, Any]:
        return views.booking_view(self.ctx, code)

    def cancel(self, code: object) -> dict[str, Any]:
        return views.booking_view(self.ctx, booking.cancel(self.ctx, code))

    def reschedule(self, code: object, day: object, slot: object) -> dict[str, Any]:
        return views.booking_view(self.ctx, booking.reschedule(self.ctx, code, day, slot))

    def check_in(
        self, code: object, actor: Actor, priority: object = None
    ) -> tuple[dict[str, Any], bool]:
        return check_in.check_in(self.ctx, code, actor, priority)

    def scanned_code(self, scanned: object, actor: Actor) -> str:
        """The booking code in what a check-in scanner read, or why it holds none."""
        return scanning.booking_code(self.ctx, scanned, actor)

    def ics(self, code: object) -> str:
        return views.ics(self.ctx, code)

    def forget_identities(self) -> int:
        return booking.forget_identities(self.ctx)
