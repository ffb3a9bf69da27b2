"""The officer's counter terminal: sign in at a counter, then a live page over the REST API.

Thin on purpose: sign-in and sign-out call `Accounts` and `QueueService`; the page itself talks
to `/api/v1` with the session's bearer token and listens on Socket.IO through the shared
`antrian-live.js`. No queue rule lives here.
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

from core.accounts import MIN_PASSWORD, Accounts, RateLimited, Unauthorized
from core.context import Actor
from core.handlers import QueueService
from core.server import sessions
from core.server.pages import page_actor, page_token
from core.tickets import DomainError, Forbidden, InvalidRequest, NotFound
from counter.i18n import TEXTS, t

blueprint = Blueprint(
    "counter",
    __name__,
    url_prefix="/counter",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)

# Keyboard shortcut of each action; shown on the buttons and handled by terminal.js.
SHORTCUTS: dict[str, str] = {
    "call_next": "N",
    "recall": "R",
    "start": "S",
    "finish": "F",
    "no_show": "X",
    "hold": "H",
    "transfer": "T",
    "resume": "U",
    "undo": "Z",
}
# A no-show is sent only after this many seconds, so a mistaken X can be undone (Z).
NO_SHOW_UNDO_SECONDS = 5
NOTICES = ("signed_out", "session_ended")


def _queue() -> QueueService:
    return current_app.extensions["antrian.queue"]


def _accounts() -> Accounts:
    return current_app.extensions["antrian.accounts"]


@blueprint.context_processor
def _labels() -> dict[str, Any]:
    return {"t": t, "texts": TEXTS}


def _no_store(response: Response) -> Response:
    # The terminal page carries the session's token: never keep it in a cache.
    response.headers["Cache-Control"] = "no-store"
    return response


def _terminal_actor() -> Actor | None:
    actor = page_actor("officer")
    return actor if actor is not None and actor.counter is not None else None


def _must_change(actor: Actor) -> bool:
    return _accounts().password_change_required(actor.name)


@blueprint.get("")
def page():  # type: ignore[no-untyped-def]
    actor = _terminal_actor()
    if actor is None:
        return redirect(url_for("counter.login"))
    if _must_change(actor):
        return redirect(url_for("counter.password"))
    number = actor.counter
    assert number is not None
    try:
        state = _queue().counter_state(number, actor)
    except DomainError:
        return redirect(url_for("counter.login"))
    settings = current_app.extensions["antrian.settings"]
    response = Response(
        render_template(
            "counter/terminal.html",
            actor=actor,
            counter=state["counter"],
            initial_state=state,
            token=page_token(),
            shortcuts=SHORTCUTS,
            no_show_undo_seconds=NO_SHOW_UNDO_SECONDS,
            urls=_urls(number),
            mall_name=settings.mall.name,
        )
    )
    return _no_store(response)


def _urls(number: int) -> dict[str, str]:
    """The API addresses the page's script uses (ticket actions append `/<id>/<action>`)."""
    return {
        "state": url_for("api.counter_state", counter=number),
        "callNext": url_for("api.call_next", counter=number),
        "status": url_for("api.counter_status", counter=number),
        "tickets": url_for("api.ticket_status", ticket_id="_").removesuffix("/_"),
        "logout": url_for("counter.logout"),
        "login": url_for("counter.login", notice="session_ended"),
    }


def _render_login(
    status: int = 200,
    error: tuple[str, dict[str, Any]] | None = None,
    detail: str | None = None,
    username: str = "",
    counter: int | None = None,
) -> tuple[str, int]:
    settings = current_app.extensions["antrian.settings"]
    notice = request.args.get("notice")
    return render_template(
        "counter/login.html",
        counters=settings.counters,
        error=error,
        detail=detail,
        notice=notice if notice in NOTICES else None,
        username=username,
        selected=counter,
        mall_name=settings.mall.name,
    ), status


@blueprint.get("/login")
def login():  # type: ignore[no-untyped-def]
    if _terminal_actor() is not None:
        return redirect(url_for("counter.page"))
    return _render_login()


@blueprint.post("/login")
def login_submit():  # type: ignore[no-untyped-def]
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    raw_counter = request.form.get("counter", "").strip()
    # A counter number has a few ASCII digits: int() of thousands of them is refused by
    # Python, and str.isdigit() also passes "²" (which int() refuses) and "١" (which it reads).
    digits = raw_counter.isascii() and raw_counter.isdigit()
    counter = int(raw_counter) if digits and len(raw_counter) <= 6 else None
    if counter is None:
        return _render_login(400, ("login.no_counter", {}), username=username)
    accounts = _accounts()
    try:
        token, actor = sessions.sign_in(username, password, counter)
    except RateLimited as exc:
        body, status = _render_login(
            429,
            ("login.throttled", {"seconds": exc.retry_after}),
            exc.message,
            username,
            counter,
        )
        return body, status, {"Retry-After": str(exc.retry_after)}
    except Unauthorized:
        return _render_login(401, ("login.wrong", {}), username=username, counter=counter)
    except NotFound as exc:
        return _render_login(
            404,
            ("login.unknown_counter", {"counter": counter}),
            exc.message,
            username,
            counter,
        )
    except Forbidden as exc:
        # The password was right: name the counters this officer may use, or the disabled
        # account when the counter is one of them.
        allowed = accounts.counters_for(username)
        error = (
            ("login.disabled", {})
            if counter in allowed
            else ("login.not_allowed", {"counter": counter, "allowed": _ranges(allowed)})
        )
        return _render_login(403, error, exc.message, username, counter)
    except InvalidRequest as exc:
        return _render_login(400, ("login.no_counter", {}), exc.message, username, counter)
    session.clear()
    session["token"] = token
    if _must_change(actor):
        return redirect(url_for("counter.password"), code=303)
    return redirect(url_for("counter.page"), code=303)


def _render_password(
    status: int = 200, error: tuple[str, dict[str, Any]] | None = None
) -> tuple[str, int]:
    settings = current_app.extensions["antrian.settings"]
    return render_template(
        "counter/password.html", error=error, mall_name=settings.mall.name
    ), status


@blueprint.get("/password")
def password():  # type: ignore[no-untyped-def]
    """The first sign-in of an account whose password the server made: choose one's own."""
    actor = _terminal_actor()
    if actor is None:
        return redirect(url_for("counter.login"))
    if not _must_change(actor):
        return redirect(url_for("counter.page"))
    body, status = _render_password()
    return _no_store(Response(body, status=status))


@blueprint.post("/password")
def password_submit():  # type: ignore[no-untyped-def]
    actor = _terminal_actor()
    if actor is None:
        return redirect(url_for("counter.login"), code=303)
    if not _must_change(actor):  # only the forced change is made here, without the current one
        return redirect(url_for("counter.page"), code=303)
    new = request.form.get("new_password", "")
    if new != request.form.get("repeat_password", ""):
        return _render_password(400, ("password.mismatch", {}))
    if len(new) < MIN_PASSWORD:
        return _render_password(400, ("password.too_short", {"min": MIN_PASSWORD}))
    try:
        sessions.set_new_password(actor, new, session.get("token"))
    except InvalidRequest:
        return _render_password(400, ("password.same", {}))
    return redirect(url_for("counter.page"), code=303)


@blueprint.post("/logout")
def logout():  # type: ignore[no-untyped-def]
    token = session.get("token")
    actor = page_actor("officer")
    if actor is not None and token:
        sessions.sign_out(token, actor)
    session.clear()
    target = url_for("counter.login", notice="signed_out")
    if request.accept_mimetypes.best == "application/json":
        return {"ok": True, "next": target}
    return redirect(target, code=303)


def _ranges(numbers: list[int]) -> str:
    """[1, 2, 3, 7] -> '1-3, 7': short enough for a counter list on a sign-in page."""
    runs: list[list[int]] = []
    for number in sorted(numbers):
        if runs and number == runs[-1][-1] + 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs)
