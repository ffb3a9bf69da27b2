"""`/api/v1` routes of booked visits: slots, bookings, check-in (see core/bookings_desk.py).

Public routes (no token): the slots of a day, booking, and a booking by its code (view,
cancel, reschedule, calendar file). The code is the visitor's key, like a ticket's id; the
writes, and lookups of codes that do not exist, count against a per-client limit
(`bookings.client_limits`), so codes cannot be guessed by trying. Check-in, by code or by
what a scanner read (`/check-ins`), needs a kiosk's or an officer's token.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.exceptions import HTTPException

from core.booking import codes
from core.bookings_desk import BookingDesk
from core.context import Actor
from core.server import validation
from core.server.api import _domain_error, _http_error, current_actor, language_of
from core.server.keys import idempotent, public_idempotency_key
from core.tickets import DomainError, NotFound

bookings_api = Blueprint("bookings_api", __name__, url_prefix="/api/v1")
bookings_api.register_error_handler(DomainError, _domain_error)
bookings_api.register_error_handler(HTTPException, _http_error)


# Whose Idempotency-Keys a booking request's are: the public booking form's.
BOOKING_FORM = Actor("public", "booking")


def desk() -> BookingDesk:
    return current_app.extensions["antrian.bookings"]


# What the per-client limit counts, as its refusal names it: English, Bahasa Indonesia.
_ACTS = {
    "booking requests": "permintaan booking",
    "booking look-ups": "pencarian kode booking yang tidak ada",
}


def _limit(what: str) -> None:
    throttle = current_app.extensions.get("antrian.throttle")
    if throttle is not None:
        limits = current_app.extensions["antrian.settings"].bookings.client_limits
        throttle.check_client("booking", limits, what, _ACTS[what])


def _looked_up(produce: Any) -> Any:
    """A lookup by code; an unknown code counts against the client's limit."""
    try:
        return produce()
    except NotFound:
        _limit("booking look-ups")
        raise


@bookings_api.get("/services/<code>/slots")
def service_slots(code: str):  # type: ignore[no-untyped-def]
    # `booking`: the code of a booking being moved, whose own places count as free to it.
    day, booking = request.args.get("date"), request.args.get("booking")
    return jsonify(_looked_up(lambda: desk().slots(code, day, booking)))


@bookings_api.post("/bookings")
def create_booking():  # type: ignore[no-untyped-def]
    data = validation.json_object()
    public_idempotency_key(("booking", "a booking"))  # refused before it counts against the limit

    def produce() -> tuple[dict[str, Any], int]:
        _limit("booking requests")  # a retry that gets its booking back is not counted
        args = (data.get("service"), data.get("date"), data.get("slot"), data.get("nik"))
        return desk().book(*args, language_of(data)), 201

    # Sent again after a lost reply (same key and body), the phone gets its booking back,
    # even after its slot closed for new bookings.
    body, status = idempotent(BOOKING_FORM, produce, replay_first=True)
    response = jsonify(body)
    if status == 201:
        response.headers["Location"] = f"/api/v1/bookings/{body['code']}"
    return response, status


@bookings_api.get("/bookings/<code>")
def get_booking(code: str):  # type: ignore[no-untyped-def]
    return jsonify(_looked_up(lambda: desk().view(code)))


@bookings_api.delete("/bookings/<code>")
def cancel_booking(code: str):  # type: ignore[no-untyped-def]
    _limit("booking requests")
    return jsonify(desk().cancel(code))


@bookings_api.post("/bookings/<code>/reschedule")
def reschedule_booking(code: str):  # type: ignore[no-untyped-def]
    data = validation.json_object()
    _limit("booking requests")
    return jsonify(desk().reschedule(code, data.get("date"), data.get("slot")))


@bookings_api.get("/bookings/<code>/calendar.ics")
def booking_calendar(code: str):  # type: ignore[no-untyped-def]
    text = _looked_up(lambda: desk().ics(code))
    # The file is named by the code as stored, not as asked: the address may carry spaces,
    # line breaks or lowercase that the lookup forgives but a header must not contain.
    name = codes.normalize(code)
    return Response(
        text,
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="booking-{name}.ics"'},
    )


def _checked_in(code: str) -> bool:
    try:
        return desk().view(code)["status"] == "checked_in"
    except NotFound:
        return False  # check_in says so


@bookings_api.post("/bookings/<code>/check-in")
def check_in(code: str):  # type: ignore[no-untyped-def]
    return _check_in(code, validation.json_object(), current_actor())


@bookings_api.post("/check-ins")
def check_in_scanned():  # type: ignore[no-untyped-def]
    """What the kiosk's scanner read, as it read it: a booking's code checks in; a printed
    queue ticket's QR code (an address, which no URL path can carry) is told apart."""
    actor = current_actor()
    data = validation.json_object()
    return _check_in(desk().scanned_code(data.get("scan"), actor), data, actor)


def _check_in(code: str, data: dict[str, Any], actor: Actor):  # type: ignore[no-untyped-def]
    language = language_of(data)
    if actor.kind == "kiosk":
        throttle = current_app.extensions.get("antrian.throttle")
        # A booking already checked in answers with its ticket again (a scan repeated, a
        # reply lost): that is no new ticket to count against the kiosk's rate.
        if throttle is not None and not _checked_in(code):
            throttle.check_issue(actor.name)
    view, created = desk().check_in(code, actor, data.get("priority"))
    printing = current_app.extensions.get("antrian.printing")
    if actor.kind == "kiosk" and printing is not None and printing.has_printer(actor.kiosk):
        # A repeat (a retry whose answer was lost, the visitor scanning again) gets how the
        # slip's printing ended, or the slip printed now if it never was (the first request
        # died before or while printing): never a slip per scan, never none at all.
        view["print"] = (
            printing.print_ticket(view["id"], actor.kiosk, actor, language)
            if created
            else printing.outcome_or_print(view["id"], actor.kiosk, actor, language)
        )
    view["repeat"] = not created
    return jsonify(view), 201 if created else 200
