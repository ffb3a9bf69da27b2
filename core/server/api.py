"""The public JSON API, `/api/v1`: thin views over `QueueService` and `Accounts`.

Every error is `{"error": {"code", "message"}}`; domain errors map to a status here and nowhere
else. Views parse input, name the actor, call one use case and shape the answer.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request, session
from werkzeug.exceptions import HTTPException

from core import idempotency
from core.accounts import Accounts, Unauthorized
from core.context import Actor
from core.handlers import QueueService
from core.server import sessions, validation
from core.server.printing import DEFAULT_LANGUAGE, LANGUAGES, status_url_in
from core.tickets import (
    CounterBusy,
    CounterClosed,
    DomainError,
    Forbidden,
    IllegalTransition,
    InvalidRequest,
    NotFound,
    QuotaReached,
    ServiceClosed,
)

api = Blueprint("api", __name__, url_prefix="/api/v1")

STATUS_FOR: dict[type[DomainError], int] = {
    Unauthorized: 401,
    Forbidden: 403,
    NotFound: 404,
    InvalidRequest: 400,
    IllegalTransition: 409,
    CounterBusy: 409,
    CounterClosed: 409,
    ServiceClosed: 409,
    QuotaReached: 409,
}

TICKET_ACTIONS = ("recall", "start", "finish", "no-show", "hold", "resume", "requeue", "cancel")


def queue() -> QueueService:
    return current_app.extensions["antrian.queue"]


def accounts() -> Accounts:
    return current_app.extensions["antrian.accounts"]


def error(status: int, code: str, message: str) -> tuple[Response, int]:
    return jsonify({"error": {"code": code, "message": message}}), status


def status_for(exc: DomainError) -> int:
    return next((s for kind, s in STATUS_FOR.items() if isinstance(exc, kind)), 409)


@api.errorhandler(DomainError)
def _domain_error(exc: DomainError):  # type: ignore[no-untyped-def]
    response, status = error(status_for(exc), exc.code, exc.message)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="antrian"'
    return response, status


@api.errorhandler(HTTPException)
def _http_error(exc: HTTPException):  # type: ignore[no-untyped-def]
    return error(
        exc.code or 500, (exc.name or "error").lower().replace(" ", "_"), exc.description or ""
    )


def request_token() -> str | None:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return session.get("token")


def current_actor() -> Actor:
    if "actor" not in g:
        g.actor = accounts().authenticate(request_token())
    return g.actor


def json_body() -> dict[str, Any]:
    return validation.json_object()


def _optional_str(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise InvalidRequest(f"'{key}' must be a string or null.")
    return value


def language_of(data: dict[str, Any]) -> str:
    """The visitor's language for what is printed and shown: "id" unless the body says "en"."""
    if "language" not in data:
        return DEFAULT_LANGUAGE
    language = data["language"]
    if language not in LANGUAGES:
        raise InvalidRequest(
            f"'language' must be one of {', '.join(repr(code) for code in LANGUAGES)}, "
            f"got {language!r}."
        )
    return language


MAX_IDEMPOTENCY_KEY = 80


def stored_idempotency_key(method: str, path: str, key: str) -> str:
    """The key as stored: bound to the request's method and path, so the same client key
    sent to another operation or another ticket is another request, never answered with the
    first one's answer. A digest, so it fits the column whatever the path's length."""
    return hashlib.sha256(f"{method} {path}\n{key}".encode()).hexdigest()


def idempotency_key() -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key and len(key) > MAX_IDEMPOTENCY_KEY:
        raise InvalidRequest(f"Idempotency-Key must be at most {MAX_IDEMPOTENCY_KEY} characters.")
    if not key:
        return None
    return stored_idempotency_key(request.method, request.path, key)


def first_answer(first: idempotency.Claim) -> tuple[Any, int]:
    """What a retry gets: the first attempt's answer, or that it has not answered yet."""
    if first.state == "running":
        return {
            "error": {"code": "in_progress", "message": "The same request is still running."}
        }, 409
    return first.body, first.status


def idempotent(actor: Actor, produce: Callable[[], tuple[Any, int]]) -> tuple[Any, int]:
    """Run `produce` once per `Idempotency-Key`; a retry gets the first answer back."""
    key = idempotency_key()
    if key is None:
        return produce()
    uow = queue().uow
    first = idempotency.claim(uow, key, actor.name)
    if first.state != "new":
        return first_answer(first)
    try:
        body, status = produce()
    except DomainError:
        # A refusal is not kept: the client may fix the cause and try the same key again.
        idempotency.forget(uow, key, actor.name)
        raise
    idempotency.answer(uow, key, actor.name, status, body)
    return body, status


# ---------------------------------------------------------------------- public
@api.get("/services")
def list_services():  # type: ignore[no-untyped-def]
    return jsonify({"services": queue().services_overview()})


@api.get("/tickets/<ticket_id>")
def ticket_status(ticket_id: str):  # type: ignore[no-untyped-def]
    return jsonify(queue().ticket_status(ticket_id))


@api.get("/health")
def health():  # type: ignore[no-untyped-def]
    return jsonify({"ok": True, "version": queue().version()})


@api.get("/openapi.json")
def openapi():  # type: ignore[no-untyped-def]
    from core.server.openapi import openapi_document

    return jsonify(openapi_document())


# ---------------------------------------------------------------------- auth
@api.post("/auth/login")
def login():  # type: ignore[no-untyped-def]
    data = json_body()
    username, password = data.get("username"), data.get("password")
    if not isinstance(username, str) or not isinstance(password, str):
        raise InvalidRequest("Send 'username' and 'password' as strings.")
    counter = data.get("counter")
    if counter is not None and (isinstance(counter, bool) or not isinstance(counter, int)):
        raise InvalidRequest("'counter' must be a counter number or null.")
    token, actor = sessions.sign_in(username, password, counter)
    return jsonify(
        {"token": token, "role": actor.kind, "username": actor.name, "counter": actor.counter}
    )


@api.post("/auth/logout")
def logout():  # type: ignore[no-untyped-def]
    actor = current_actor()
    sessions.sign_out(request_token(), actor)  # type: ignore[arg-type]
    session.pop("token", None)
    return "", 204


@api.get("/auth/me")
def me():  # type: ignore[no-untyped-def]
    actor = current_actor()
    return jsonify(
        {
            "kind": actor.kind,
            "name": actor.name,
            "counter": actor.counter,
            "zone": actor.zone,
            "kiosk": actor.kiosk,
        }
    )


# ---------------------------------------------------------------------- tickets
@api.post("/tickets")
def issue_ticket():  # type: ignore[no-untyped-def]
    actor = current_actor()
    data = json_body()
    service = data.get("service")
    if not isinstance(service, str) or not service:
        raise InvalidRequest('Send \'service\' with a service code, e.g. {"service": "KTP"}.')
    priority = _optional_str(data, "priority")
    language = language_of(data)
    key = idempotency_key()
    printing = current_app.extensions.get("antrian.printing")
    prints = printing is not None and actor.kind == "kiosk" and printing.has_printer(actor.kiosk)
    # The answer differs from the core's view when a print outcome is added or the status
    # address carries the language; such an answer is stored here, after the changes.
    amended = prints or language != DEFAULT_LANGUAGE
    if key is None:
        view = queue().issue_ticket(service, priority, actor, channel=actor.kind)
    else:
        # The key is claimed in the ticket's own transaction; an answer the core can give
        # whole is stored there too.
        outcome = queue().issue_ticket_once(
            service, priority, actor, key, channel=actor.kind, keep_answer=not amended
        )
        if isinstance(outcome, idempotency.Claim):
            body, status = first_answer(outcome)
            return jsonify(body), status
        view = outcome
    view["status_url"] = status_url_in(view["status_url"], language)
    if prints:
        view["print"] = printing.print_ticket(view["id"], actor.kiosk, actor, language)
    if key is not None and amended:
        idempotency.answer(queue().uow, key, actor.name, 201, view)
    return jsonify(view), 201


def ticket_action(ticket_id: str, action: str):  # type: ignore[no-untyped-def]
    actor = current_actor()
    if action == "transfer":
        data = json_body()
        service = data.get("service")
        if not isinstance(service, str) or not service:
            raise InvalidRequest('Send the target service: {"service": CODE}.')
        body, status = idempotent(actor, lambda: (queue().transfer(ticket_id, service, actor), 200))
        return jsonify(body), status
    if action == "call":
        if actor.counter is None and not actor.is_admin:
            raise Forbidden("Sign into a counter to call tickets.")
        # The body is read (and refused when malformed) whoever sends it; an officer's
        # counter is the one they are signed into, an admin names one.
        named = json_body().get("counter")
        if named is not None and (isinstance(named, bool) or not isinstance(named, int)):
            raise InvalidRequest('Send the counter that calls: {"counter": NUMBER}.')
        counter = actor.counter or named
        if counter is None:
            raise InvalidRequest('Send the counter that calls: {"counter": NUMBER}.')
        body, status = idempotent(
            actor,
            lambda: (queue().call_ticket(ticket_id, counter, actor), 200),  # type: ignore[arg-type]
        )
        return jsonify(body), status
    if action == "reprint":
        printing = current_app.extensions.get("antrian.printing")
        if not actor.is_admin:
            raise Forbidden("Only an admin can reprint a ticket.")
        data = json_body()
        language = language_of(data)
        kiosk = data.get("kiosk")
        if not isinstance(kiosk, str):
            raise InvalidRequest('Send the kiosk that prints: {"kiosk": CODE}.')
        if printing is None:
            raise NotFound("No printers are configured.")
        return jsonify(printing.print_ticket(ticket_id, kiosk, actor, language, copy=True))
    if action not in TICKET_ACTIONS:
        raise NotFound(
            f"Unknown action {action!r}; use one of {', '.join(TICKET_ACTIONS)}, call, transfer."
        )
    body, status = idempotent(
        actor, lambda: (queue().act(ticket_id, action.replace("-", "_"), actor), 200)
    )
    return jsonify(body), status


# One explicit route per action, so the URL map (and the OpenAPI document) name each of them.
for _action in (*TICKET_ACTIONS, "call", "transfer", "reprint"):
    api.add_url_rule(
        f"/tickets/<ticket_id>/{_action}",
        f"ticket_{_action.replace('-', '_')}",
        ticket_action,
        methods=["POST"],
        defaults={"action": _action},
    )


@api.get("/tickets/<ticket_id>/print-jobs")
def ticket_print_jobs(ticket_id: str):  # type: ignore[no-untyped-def]
    actor = current_actor()
    if actor.kind not in ("officer", "admin"):
        raise Forbidden("Only officers and admins see print jobs.")
    return jsonify({"print_jobs": queue().print_jobs_for(ticket_id)})


# ---------------------------------------------------------------------- counters
@api.post("/counters/<int:counter>/call-next")
def call_next(counter: int):  # type: ignore[no-untyped-def]
    actor = current_actor()

    def produce() -> tuple[Any, int]:
        ticket = queue().call_next(counter, actor)
        return (ticket, 200) if ticket is not None else (None, 204)

    body, status = idempotent(actor, produce)
    if status == 204:
        return "", 204
    return jsonify(body), status


@api.get("/counters/<int:counter>")
def counter_state(counter: int):  # type: ignore[no-untyped-def]
    return jsonify(queue().counter_state(counter, current_actor()))


@api.post("/counters/<int:counter>/status")
def counter_status(counter: int):  # type: ignore[no-untyped-def]
    actor = current_actor()
    data = json_body()
    status = data.get("status")
    if not isinstance(status, str):
        raise InvalidRequest('Send {"status": "open"|"break"|"closed", "reason": ...}.')
    return jsonify(
        queue().set_counter_status(counter, status, _optional_str(data, "reason"), actor)
    )


# ---------------------------------------------------------------------- displays
@api.get("/snapshot")
def snapshot():  # type: ignore[no-untyped-def]
    actor = current_actor()
    if actor.kind not in ("display", "officer", "admin", "kiosk"):
        raise Forbidden("This token cannot read the snapshot.")
    zone = request.args.get("zone") or (actor.zone if actor.kind == "display" else None)
    if actor.kind == "display" and zone != actor.zone:
        raise Forbidden(f"This display belongs to zone {actor.zone}, not {zone}.")
    return jsonify(queue().snapshot(zone))


# ---------------------------------------------------------------------- admin
@api.post("/users/<username>/disable")
def disable_user(username: str):  # type: ignore[no-untyped-def]
    """Disable an account: its sessions are revoked and its live connections cut at once."""
    actor = current_actor()
    if not actor.is_admin:
        raise Forbidden("Only an admin can disable a user.")
    sessions.disable(username, actor)
    return jsonify({"username": username, "active": False})


@api.post("/services/<code>/availability")
def service_availability(code: str):  # type: ignore[no-untyped-def]
    actor = current_actor()
    if not actor.is_admin:
        raise Forbidden("Only an admin can open or close a service.")
    data = json_body()
    queue().set_service_closed(code, _optional_str(data, "closed_reason"), actor)
    return jsonify(next(s for s in queue().services_overview() if s["code"] == code))
