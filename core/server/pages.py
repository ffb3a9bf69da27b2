"""What every front-end page needs from the server: who is looking, and device sign-in.

Pages keep the bearer token in the signed session cookie; the template hands it to the page's
script, which sends it on API calls and on the Socket.IO connection. Devices (kiosks, displays)
are signed in once through a setup address that carries their token in the URL fragment, so
the token never appears in a server log.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    jsonify,
    render_template,
    session,
    url_for,
)

from core.accounts import Accounts, Unauthorized
from core.context import Actor, kind_id
from core.server.validation import json_object
from core.tickets import Forbidden, InvalidRequest


def _accounts() -> Accounts:
    return current_app.extensions["antrian.accounts"]


def page_actor(*kinds: str) -> Actor | None:
    """The actor signed in through the session cookie if it may see this page, else None.

    Admins may open every page (handy for a demo and for checking a screen remotely).
    """
    token = session.get("token")
    if not token:
        return None
    try:
        actor = _accounts().authenticate(token)
    except Unauthorized:
        session.pop("token", None)
        return None
    if actor.kind in kinds or actor.is_admin:
        return actor
    return None


def page_token() -> str:
    return session.get("token", "")


def add_device_setup(blueprint: Blueprint, kind: str, page_endpoint: str) -> None:
    """`GET <prefix>/setup#TOKEN` signs this browser in as a `kind` device, then opens the page."""

    def setup():  # type: ignore[no-untyped-def]
        return render_template(
            "setup.html",
            kind=kind,
            session_url=url_for(f"{blueprint.name}.device_session"),
            next_url=url_for(page_endpoint),
        )

    def device_session():  # type: ignore[no-untyped-def]
        try:
            token = json_object().get("token")
            if not isinstance(token, str) or not token:
                raise InvalidRequest(
                    "Alamat penyiapan tidak berisi token setelah '#'. / "
                    "The setup address has no token after '#'."
                )
            actor = _accounts().authenticate(token)
            if actor.kind != kind and not actor.is_admin:
                raise Forbidden(
                    f"Token ini milik {kind_id(actor.kind)}, bukan {kind_id(kind)}. / "
                    f"This token belongs to a {actor.kind}, not a {kind}."
                )
        except (Unauthorized, Forbidden, InvalidRequest) as exc:
            status = (
                401 if isinstance(exc, Unauthorized) else 403 if isinstance(exc, Forbidden) else 400
            )
            return jsonify({"error": {"code": exc.code, "message": exc.message}}), status
        session.permanent = True
        session["token"] = token
        return jsonify({"ok": True, "kind": actor.kind, "name": actor.name})

    blueprint.add_url_rule("/setup", "setup", setup, methods=["GET"])
    blueprint.add_url_rule("/session", "device_session", device_session, methods=["POST"])
