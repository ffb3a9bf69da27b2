"""The hallway display: one page per zone, live over Socket.IO, with spoken calls.

The page is thin. Everything it shows comes from `QueueService.snapshot(zone)` and the versioned
events the hub relays; the call phrase comes from `core.announcement`. This module only decides
who may look, renders the shell, and offers the server-side voice for TVs whose browser has no
Indonesian voice.
"""

from __future__ import annotations

import re

from flask import (
    Blueprint,
    Response,
    current_app,
    render_template,
    request,
    session,
)

from core import announcement, speech
from core.accounts import Accounts, Unauthorized
from core.config import Settings
from core.context import Actor, kind_id
from core.server.api import error
from core.server.pages import add_device_setup, page_actor, page_token

blueprint = Blueprint(
    "display",
    __name__,
    url_prefix="/display",
    template_folder="templates",
    static_folder="static",
)

# A printed ticket number: the service's 1-3 letter prefix, then the day's sequence. Six digits
# are far beyond any day's tickets and keep synthesis requests small.
TICKET_NUMBER = re.compile(r"([A-Z]{1,3})([0-9]{1,6})")
VOICE_MODES = ("auto", "browser", "server", "off")


def _settings() -> Settings:
    return current_app.extensions["antrian.settings"]


def _accounts() -> Accounts:
    return current_app.extensions["antrian.accounts"]


@blueprint.get("/")
def page():  # type: ignore[no-untyped-def]
    """The display of the signed-in device's zone; an admin picks one with `?zone=`."""
    settings = _settings()
    actor = page_actor("display")
    if actor is None:
        body = render_template("display/not_set_up.html", mall=settings.mall.name)
        return body, 401, {"Cache-Control": "no-store"}
    code = actor.zone if actor.kind == "display" else request.args.get("zone")
    code = code or settings.zones[0].code
    try:
        zone = settings.zone(code)
    except KeyError:
        known = ", ".join(z.code for z in settings.zones)
        body = render_template(
            "display/not_set_up.html",
            mall=settings.mall.name,
            problem=f"Zona {code!r} tidak dikenal / unknown zone; zona: {known}.",
        )
        return body, 404, {"Cache-Control": "no-store"}
    voice = request.args.get("voice", "auto")
    html = render_template(
        "display/display.html",
        mall=settings.mall,
        zone=zone,
        token=page_token(),
        server_speech=speech.speech_available(),
        voice=voice if voice in VOICE_MODES else "auto",
    )
    return html, 200, {"Cache-Control": "no-store"}


def _speech_actor() -> Actor | None:
    """A display or an admin, by bearer token or by the page's session cookie."""
    header = request.headers.get("Authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else session.get("token")
    if not token:
        return None
    try:
        return _accounts().authenticate(token)
    except Unauthorized:
        return None


@blueprint.get("/speech.wav")
def speech_wav():  # type: ignore[no-untyped-def]
    """`?number=A123&counter=3`: the call phrase for that ticket and counter, spoken by espeak-ng.

    The phrase is built here from the configured template, never taken from the request, so
    the endpoint can only ever say a call. 404 when the server has no speech engine.
    """
    actor = _speech_actor()
    if actor is None:
        return error(
            401,
            "unauthorized",
            "Hubungkan layar ini terlebih dahulu (/display/setup#TOKEN). / "
            "Sign this display in first (/display/setup#TOKEN).",
        )
    if actor.kind != "display" and not actor.is_admin:
        return error(
            403,
            "forbidden",
            f"{kind_id(actor.kind).capitalize()} tidak memutar pengumuman layar. / "
            f"A {actor.kind} does not play display announcements.",
        )
    settings = _settings()
    match = TICKET_NUMBER.fullmatch(request.args.get("number", ""))
    counter_arg = request.args.get("counter", "")
    if match is None or not counter_arg.isascii() or not counter_arg.isdigit():
        return error(
            400,
            "invalid_request",
            "Kirim ?number=<nomor antrean tercetak>&counter=<nomor loket>. / "
            "Send ?number=<printed ticket number>&counter=<counter number>.",
        )
    prefix, sequence = match.group(1), int(match.group(2))
    if not any(s.prefix == prefix for s in settings.services):
        return error(
            404,
            "not_found",
            f"Tidak ada layanan yang mencetak nomor berawalan {prefix!r}. / "
            f"No service prints tickets starting with {prefix!r}.",
        )
    try:
        counter = settings.counter(int(counter_arg))
    except KeyError:
        return error(
            404,
            "not_found",
            f"Tidak ada loket nomor {counter_arg}. / No counter number {counter_arg}.",
        )
    if actor.kind == "display" and counter.zone != actor.zone:
        return error(
            403,
            "forbidden",
            f"Loket {counter.number} tidak berada di zona layar ini. / "
            f"Counter {counter.number} is not in this display's zone.",
        )
    phrase = announcement.build_call_phrase(
        settings.announcement.template, prefix, sequence, counter.name, counter.number
    )
    audio = speech.synthesize_wav(phrase)
    if audio is None:
        return error(
            404,
            "no_speech",
            "Server ini tidak dapat membuat suara (espeak-ng). / "
            "This server cannot synthesize speech (espeak-ng).",
        )
    response = Response(audio, mimetype="audio/wav")
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


add_device_setup(blueprint, "display", "display.page")
