"""Pages of booked visits, for phones, no login: `/booking` (choose a service, a day, a slot,
give the NIK) and `/booking/<code>` (the booking with its QR code; cancel, reschedule, add
to the calendar). Everything goes through the public API (/api/v1/bookings...); this module
renders the shells and draws the QR code of the booking's code, which the kiosk's scanner
reads at check-in."""

from __future__ import annotations

from typing import Any

import qrcode
import qrcode.constants
from flask import Blueprint, Response, abort, current_app, render_template
from qrcode.image.svg import SvgPathFillImage

from core.bookings_desk import BookingDesk
from core.tickets import NotFound

blueprint = Blueprint(
    "booking",
    __name__,
    url_prefix="/booking",
    template_folder="templates",
    static_folder="static",
)


def _desk() -> BookingDesk:
    return current_app.extensions["antrian.bookings"]


def _private(response: Response) -> Response:
    # The code is the booking's only key: keep it out of caches, referrers and search engines.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@blueprint.get("/")
def choose() -> Any:
    settings = current_app.extensions["antrian.settings"]
    services = [
        {"code": s.code, "name": s.name, "name_en": s.name_en}
        for s in settings.services
        if s.booking is not None and s.booking.enabled
    ]
    today = _desk().ctx.today().isoformat()
    config = {"services": services, "today": today}
    return _private(
        Response(render_template("booking/choose.html", mall=settings.mall, config=config))
    )


@blueprint.get("/<code>")
def view(code: str) -> Any:
    settings = current_app.extensions["antrian.settings"]
    try:
        booking = _desk().view(code)
    except NotFound:
        body = render_template("booking/not_found.html", mall=settings.mall)
        return _private(Response(body, status=404))
    body = render_template("booking/view.html", mall=settings.mall, booking=booking, config=booking)
    return _private(Response(body))


@blueprint.get("/<code>/qr.svg")
def qr(code: str) -> Response:
    """The booking's code as a QR code: the kiosk's scanner types it and presses Enter."""
    try:
        booking = _desk().view(code)
    except NotFound:
        abort(404)
    drawing = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
    drawing.add_data(booking["code"])
    drawing.make(fit=True)
    svg = drawing.make_image(image_factory=SvgPathFillImage).to_string(encoding="unicode")
    return _private(Response(svg, mimetype="image/svg+xml"))
