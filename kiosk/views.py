"""The self-service kiosk and the visitor's ticket status page.

Both pages are thin. The kiosk issues tickets through `POST /api/v1/tickets` (which also prints)
and stays live through the shared Socket.IO hub; the status page reads `GET /api/v1/tickets/<id>`
and listens in its ticket's room. Everything they show comes from `QueueService`; this module
only decides who may look, renders the shells and draws the ticket's QR code.
"""

from __future__ import annotations

from typing import Any

import qrcode
import qrcode.constants
from flask import Blueprint, Flask, Response, abort, current_app, render_template, request
from flask_socketio import SocketIO
from qrcode.image.svg import SvgPathFillImage

from core import survey_keys
from core.config import Settings
from core.handlers import QueueService
from core.server.pages import add_device_setup, page_actor, page_token
from core.tickets import NotFound, Priority
from core.views.catalogue import requirements
from kiosk.labels import DEFAULT_LANGUAGE, LABELS, LANGUAGES, long_date

blueprint = Blueprint(
    "kiosk",
    __name__,
    url_prefix="/kiosk",
    template_folder="templates",
    # With a url_prefix the default static_url_path ("/static") is already under /kiosk.
    static_folder="static",
)

# The page the QR code opens: no prefix, short enough to type from a photo of the screen.
status_blueprint = Blueprint("ticket_status", __name__, template_folder="templates")

# Seconds without a touch before the kiosk goes back to its first screen for the next visitor.
IDLE_SECONDS = {"screen": 60, "issued": 20, "issued_print_failed": 90}

add_device_setup(blueprint, "kiosk", "kiosk.page")


def _settings() -> Settings:
    return current_app.extensions["antrian.settings"]


def _queue() -> QueueService:
    return current_app.extensions["antrian.queue"]


def _asked_language() -> str | None:
    """The language the address asks for (`?lang=en`, as in a ticket's QR code), if any."""
    language = request.args.get("lang")
    return language if language in LANGUAGES else None


def _ink(color: str) -> str:
    """Black or white text, whichever reads better on the agency's colour."""
    value = color.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    try:
        red, green, blue = (int(value[i : i + 2], 16) / 255 for i in (0, 2, 4))
    except ValueError:
        return "#ffffff"

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    luminance = 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)
    # Contrast against white vs. black (WCAG); pick the larger.
    return "#ffffff" if (1.05 / (luminance + 0.05)) >= ((luminance + 0.05) / 0.05) else "#111111"


def agency_tiles(settings: Settings) -> list[dict[str, Any]]:
    """The agencies that offer at least one service, in configuration order."""
    tiles = []
    for agency in settings.agencies:
        services = [s.code for s in settings.services if s.agency == agency.code]
        if not services:
            continue
        tiles.append(
            {
                "code": agency.code,
                "name": agency.name,
                "name_en": agency.name_en,
                "color": agency.color,
                "ink": _ink(agency.color),
                "letters": agency.logo_letters,
                "services": services,
            }
        )
    return tiles


@blueprint.after_request
def _kiosk_headers(response: Response) -> Response:
    response.headers.setdefault("Cache-Control", "no-store")
    return response


@blueprint.get("/")
def page() -> Any:
    actor = page_actor("kiosk")
    settings = _settings()
    if actor is None:
        return render_template(
            "kiosk/not_set_up.html",
            mall=settings.mall,
            labels=LABELS,
            t=LABELS[DEFAULT_LANGUAGE],
            kiosks=[k.code for k in settings.kiosks],
        )
    kiosk = settings.kiosk(actor.kiosk) if actor.kiosk else None
    page_config = {
        "token": page_token(),
        "kiosk": kiosk.code if kiosk else None,
        "labels": LABELS,
        "agencies": agency_tiles(settings),
        "services": _queue().services_overview(),
        "priorities": [p.value for p in Priority],
        "idle_seconds": IDLE_SECONDS,
        "qr_url": f"{blueprint.url_prefix}/qr/",
        "timezone": settings.mall.timezone,
        "requirements": {
            s.code: {"items": requirements(s), "fee": s.fee} for s in settings.services
        },
    }
    return render_template(
        "kiosk/kiosk.html",
        mall=settings.mall,
        kiosk=kiosk,
        t=LABELS[DEFAULT_LANGUAGE],
        page_config=page_config,
    )


@blueprint.get("/qr/<ticket_id>.svg")
def ticket_qr(ticket_id: str) -> Response:
    """The QR code of a ticket's status address, drawn here so the kiosk needs no QR library.
    With `?lang=en` the address opens the status page in English, as the printed one does.
    The survey key (core/survey_keys.py) goes into it only when `?k=` brings it: the kiosk
    has it from its answer, while anyone else who knows the id gets the address without it."""
    queue = _queue()
    try:
        queue.ticket(ticket_id)
    except NotFound:
        abort(404)
    code = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
    language = _asked_language() or DEFAULT_LANGUAGE
    secret = queue.ctx.secret
    previous = queue.ctx.settings.previous_secret_keys
    given = request.args.get("k")
    keyed = secret is not None and survey_keys.matches(secret, ticket_id, given, previous)
    code.add_data((queue.visitor_url if keyed else queue.status_url)(ticket_id, language))
    code.make(fit=True)
    svg = code.make_image(image_factory=SvgPathFillImage).to_string(encoding="unicode")
    response = Response(svg, mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@status_blueprint.get("/t/<ticket_id>")
def ticket_page(ticket_id: str) -> Any:
    """A visitor's own ticket, opened from the QR code: no login, no personal data.

    `?lang=en` (a ticket taken in English carries it in its QR code) opens it in English;
    without it the page takes the visitor's last choice on this phone, else Indonesian."""
    settings = _settings()
    asked = _asked_language()
    language = asked or DEFAULT_LANGUAGE
    try:
        ticket = _queue().ticket_status(ticket_id)
    except NotFound:
        body = render_template(
            "kiosk/status_not_found.html",
            mall=settings.mall,
            labels=LABELS,
            t=LABELS[language],
            language=language,
        )
        return _private(Response(body, status=404))
    body = render_template(
        "kiosk/status.html",
        mall=settings.mall,
        ticket=ticket,
        day_text=long_date(ticket["day"], language),
        t=LABELS[language],
        language=language,
        page_config={
            "ticket_id": ticket_id,
            "ticket": ticket,
            "labels": LABELS,
            "language": asked,
            "alert_ahead": settings.status_page.alert_ahead,
        },
    )
    return _private(Response(body))


def _private(response: Response) -> Response:
    # The address is the ticket's only key: keep it out of caches, referrers and search engines.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def init_socketio(socketio: SocketIO, app: Flask) -> None:
    """The kiosk needs no socket handlers of its own (the hub serves it); it brings the status
    page's blueprint, which lives outside the /kiosk prefix."""
    app.register_blueprint(status_blueprint)
