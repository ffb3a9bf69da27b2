"""The management pages (`/admin`): the live dashboard and the pages that replace the CLI.

Thin like the other front-ends: sign-in goes through `core.server.sessions`, every page talks
to `/api/v1/admin` with the session's bearer token (core/management.py scopes and audits each
action) and the dashboard listens on Socket.IO through the shared `antrian-live.js`. The
reports and the satisfaction survey have their own pages under /admin/reports and /admin/skm.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from admin.i18n import TEXTS, t
from core.accounts import Accounts, RateLimited, Unauthorized
from core.context import Actor
from core.server import sessions
from core.server.pages import page_actor, page_token
from core.tickets import DomainError, Forbidden, InvalidRequest

blueprint = Blueprint(
    "admin",
    __name__,
    url_prefix="/admin",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)

MANAGERS = ("admin", "supervisor")
# The pages, in the navigation's order: (endpoint or address, label key). Reports and the
# satisfaction survey are served by their own package.
PAGES = ("dashboard", "officers", "devices", "services", "displays", "audit")
ADMIN_ONLY = ("devices", "displays", "audit")


def _accounts() -> Accounts:
    return current_app.extensions["antrian.accounts"]


@blueprint.context_processor
def _labels() -> dict[str, Any]:
    return {"t": t, "texts": TEXTS}


def _manager() -> Actor | None:
    actor = page_actor(*MANAGERS)
    return actor if actor is not None and actor.kind in MANAGERS else None


def _no_store(body: str, status: int = 200) -> Response:
    # The pages carry the session's token: never keep them in a cache.
    response = Response(body, status=status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _nav(actor: Actor, current: str) -> list[dict[str, Any]]:
    items = [
        {"href": url_for(f"admin.{name}"), "label": f"nav.{name}", "current": name == current}
        for name in PAGES
        if actor.kind == "admin" or name not in ADMIN_ONLY
    ]
    items += [
        {"href": "/admin/reports", "label": "nav.reports", "current": False},
        {"href": "/admin/skm", "label": "nav.skm", "current": False},
    ]
    return items


def _page(name: str):  # type: ignore[no-untyped-def]
    actor = _manager()
    if actor is None:
        return redirect(url_for("admin.login"))
    if _accounts().password_change_required(actor.name):
        return redirect(url_for("admin.password"))
    if name in ADMIN_ONLY and actor.kind != "admin":
        return redirect(url_for("admin.dashboard"))
    settings = current_app.extensions["antrian.settings"]
    config = {
        "page": name,
        "token": page_token(),
        "role": actor.kind,
        "name": actor.name,
        "api": url_for("api.list_services").removesuffix("/services") + "/admin",
        "login": url_for("admin.login"),
        # Times are shown on the mall's wall clock, whatever the browser's own zone.
        "timezone": settings.mall.timezone,
    }
    return _no_store(
        render_template(
            f"admin/{name}.html",
            actor=actor,
            nav=_nav(actor, name),
            page_config=config,
            mall_name=settings.mall.name,
        )
    )


for _name in PAGES:
    blueprint.add_url_rule(
        "" if _name == "dashboard" else f"/{_name}",
        _name,
        lambda _name=_name: _page(_name),
        methods=["GET"],
    )


def _render_login(status: int = 200, error: str | None = None, username: str = ""):  # type: ignore[no-untyped-def]
    settings = current_app.extensions["antrian.settings"]
    body = render_template(
        "admin/login.html", error=error, username=username, mall_name=settings.mall.name
    )
    return _no_store(body, status)


@blueprint.get("/login")
def login():  # type: ignore[no-untyped-def]
    if _manager() is not None:
        return redirect(url_for("admin.dashboard"))
    return _render_login()


@blueprint.post("/login")
def login_submit():  # type: ignore[no-untyped-def]
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    try:
        token, actor = sessions.sign_in(username, password, None)
    except RateLimited as exc:
        response = _render_login(429, "login.throttled", username)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except Unauthorized:
        return _render_login(401, "login.wrong", username)
    except Forbidden:
        return _render_login(403, "login.disabled", username)
    except InvalidRequest:
        # The password was right, but an officer signs in at a counter, not here.
        return _render_login(403, "login.not_manager", username)
    except DomainError:
        return _render_login(400, "login.wrong", username)
    if actor.kind not in MANAGERS:
        # A valid officer's session is not left open behind a refused page.
        sessions.sign_out(token, actor)
        return _render_login(403, "login.not_manager", username)
    session.clear()
    session["token"] = token
    return redirect(url_for("admin.dashboard"))


@blueprint.get("/password")
def password():  # type: ignore[no-untyped-def]
    actor = _manager()
    if actor is None:
        return redirect(url_for("admin.login"))
    return _password_page(actor)


def _password_page(actor: Actor, detail: str | None = None, status: int = 200):  # type: ignore[no-untyped-def]
    """The forced change asks only the new password (the sign-in just proved the given one);
    any other change asks the current one too."""
    settings = current_app.extensions["antrian.settings"]
    body = render_template(
        "admin/password.html",
        mall_name=settings.mall.name,
        detail=detail,
        ask_current=not _accounts().password_change_required(actor.name),
    )
    return _no_store(body, status)


@blueprint.post("/password")
def password_submit():  # type: ignore[no-untyped-def]
    actor = _manager()
    if actor is None:
        return redirect(url_for("admin.login"))
    new, token = request.form.get("new_password", ""), session.get("token")
    try:
        if _accounts().password_change_required(actor.name):
            sessions.set_new_password(actor, new, token)
        else:
            sessions.change_password(actor, request.form.get("current_password", ""), new, token)
    except Unauthorized:
        return _password_page(actor, t("password.wrong_current"), 400)
    except DomainError as exc:
        return _password_page(actor, exc.message, 400)
    return redirect(url_for("admin.dashboard"))


@blueprint.post("/logout")
def logout():  # type: ignore[no-untyped-def]
    token = session.get("token")
    actor = _manager()
    if token and actor is not None:
        sessions.sign_out(token, actor)
    session.clear()
    return redirect(url_for("admin.login"))
