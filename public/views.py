"""The public phone pages: the service catalogue (/layanan) and one service's page.

Everything shown comes from `QueueService` (core/views/catalogue.py): the same open/closed,
waiting and estimate as the kiosk. A number from home is taken by the page's script through
`POST /api/v1/tickets` (`"channel": "online"`), which then opens the ticket's status page.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, render_template, request, url_for

from core.handlers import QueueService
from core.server import phone
from core.tickets import NotFound
from public.labels import DEFAULT_LANGUAGE, LABELS, LANGUAGES

blueprint = Blueprint(
    "public",
    __name__,
    url_prefix="/layanan",
    template_folder="templates",
    static_folder="static",
)

# Phones (the address a poster in the hall or a QR code gives) land on the catalogue; other
# browsers keep going to the counter terminal as before.
PHONE_MARKERS = ("Mobi", "Android", "iPhone")


def is_phone(user_agent: str | None) -> bool:
    if not user_agent:
        return False
    return any(marker in user_agent for marker in PHONE_MARKERS)


# `/` sends phones here: the server's index asks this test (see core/server/app.py).
blueprint.record_once(
    lambda state: state.app.extensions.setdefault(
        "antrian.phone_landing", (is_phone, "public.catalogue")
    )
)


def _queue() -> QueueService:
    return current_app.extensions["antrian.queue"]


def _language() -> str:
    asked = request.args.get("lang")
    return asked if asked in LANGUAGES else DEFAULT_LANGUAGE


def rupiah(amount: int) -> str:
    """30000 -> 'Rp30.000' (Indonesian thousands separator)."""
    return "Rp" + f"{amount:,}".replace(",", ".")


def _page(template: str, status: int = 200, **context: Any) -> Response:
    language = _language()
    other = "en" if language == "id" else "id"
    args = {**request.view_args, "lang": other} if request.view_args else {"lang": other}
    body = render_template(
        template,
        mall=current_app.extensions["antrian.settings"].mall,
        language=language,
        t=LABELS[language],
        english=language == "en",
        toggle_url=url_for(request.endpoint or "public.catalogue", **args),
        lang_query="?lang=en" if language == "en" else "",
        rupiah=rupiah,
        **context,
    )
    response = Response(body, status=status)
    # The queue moves by the minute: never show a stale count from a cache.
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.get("/")
def catalogue() -> Response:
    return _page("public/catalogue.html", agencies=_queue().catalogue())


@blueprint.get("/<code>")
def service(code: str) -> Response:
    try:
        entry = _queue().service_page(code)
    except NotFound:
        return _page("public/not_found.html", status=404)
    language = _language()
    config = {"service": entry["code"], "language": language, "labels": LABELS[language]}
    # The phone's cookie: its tabs are one phone when they take a number from home.
    return phone.ensure_cookie(_page("public/service.html", service=entry, page_config=config))
