"""The public JSON API, `/api/v1`: thin views over `QueueService` and `Accounts`.

Every error is `{"error": {"code", "message"}}`; domain errors map to a status here and nowhere
else. Views parse input, name the actor, call one use case and shape the answer.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request, session
from werkzeug.exceptions import HTTPException

from core import idempotency
from core.accounts import ROLES, Accounts, RateLimited, Unauthorized
from core.context import Actor
from core.handlers import QueueService
from core.server import remote_tickets, sessions, validation
from core.server.http_errors import http_refusal
from core.server.keys import first_answer, idempotency_key, idempotent, request_fingerprint
from core.server.sessions import current_actor, request_token
from core.server.validation import language_of, optional_str
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
from core.usecases.unit import audit

api = Blueprint("api", __name__, url_prefix="/api/v1")

STATUS_FOR: dict[type[DomainError], int] = {
    Unauthorized: 401,
    idempotency.KeyReused: 422,
    RateLimited: 429,
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
_SEND_THE_COUNTER = (
    'Kirim loket yang memanggil: {"counter": NUMBER}. / '
    'Send the counter that calls: {"counter": NUMBER}.'
)


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
    if isinstance(exc, RateLimited):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response, status


@api.errorhandler(HTTPException)
def _http_error(exc: HTTPException):  # type: ignore[no-untyped-def]
    code = (exc.name or "error").lower().replace(" ", "_")
    return error(exc.code or 500, code, http_refusal(exc))


def json_body() -> dict[str, Any]:
    return validation.json_object()


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
        raise InvalidRequest(
            "Kirim 'username' dan 'password' sebagai teks. / "
            "Send 'username' and 'password' as strings."
        )
    counter = data.get("counter")
    if counter is not None and (isinstance(counter, bool) or not isinstance(counter, int)):
        raise InvalidRequest(
            "'counter' harus nomor loket atau null. / 'counter' must be a counter number or null."
        )
    token, actor = sessions.sign_in(username, password, counter)
    return jsonify(
        {
            "token": token,
            "role": actor.kind,
            "username": actor.name,
            "counter": actor.counter,
            "password_change_required": accounts().password_change_required(actor.name),
        }
    )


@api.post("/auth/password")
def change_password():  # type: ignore[no-untyped-def]
    """Change the signed-in account's own password (required before anything else for an
    account whose password the server made)."""
    actor = current_actor()
    if actor.kind not in ROLES:
        raise Forbidden(
            "Hanya petugas dan admin yang memiliki kata sandi; perangkat memakai token. / "
            "Only officers and admins have passwords; devices have tokens."
        )
    data = json_body()
    current, new = data.get("current_password"), data.get("new_password")
    if not isinstance(current, str) or not isinstance(new, str):
        raise InvalidRequest(
            "Kirim 'current_password' dan 'new_password' sebagai teks. / "
            "Send 'current_password' and 'new_password' as strings."
        )
    sessions.change_password(actor, current, new, request_token())
    return jsonify({"username": actor.name, "password_change_required": False})


@api.post("/auth/logout")
def logout():  # type: ignore[no-untyped-def]
    actor = current_actor()
    sessions.sign_out(request_token(), actor)  # type: ignore[arg-type]
    session.pop("token", None)
    return "", 204


@api.get("/auth/me")
def me():  # type: ignore[no-untyped-def]
    actor = current_actor()
    body: dict[str, Any] = {
        "kind": actor.kind,
        "name": actor.name,
        "counter": actor.counter,
        "zone": actor.zone,
        "kiosk": actor.kiosk,
    }
    if actor.kind in ROLES:  # devices have tokens, not passwords
        body["password_change_required"] = accounts().password_change_required(actor.name)
    return jsonify(body)


# ---------------------------------------------------------------------- tickets
@api.post("/tickets")
def issue_ticket():  # type: ignore[no-untyped-def]
    # A number from home needs no token: look for it before asking who sends the request
    # (a cheap test of the raw body first, so kiosks pay nothing for it).
    if b'"online"' in request.get_data(cache=True):
        data = json_body()
        if remote_tickets.wants_remote(data):
            return remote_tickets.issue_remote(data, language_of(data))
    actor = current_actor()
    data = json_body()
    channel = data.get("channel")
    if channel is not None and channel != "kiosk":
        raise InvalidRequest(
            "'channel' harus 'online' (nomor dari rumah, dikirim tanpa token), 'kiosk', atau "
            f"tidak diisi, bukan {channel!r}. / 'channel' must be 'online' (a number from home, "
            f"sent without a token), 'kiosk' or left out, got {channel!r}."
        )
    service = data.get("service")
    if not isinstance(service, str) or not service:
        raise InvalidRequest(
            'Kirim \'service\' berisi kode layanan, mis. {"service": "KTP"}. / '
            'Send \'service\' with a service code, e.g. {"service": "KTP"}.'
        )
    priority = optional_str(data, "priority")
    language = language_of(data)
    key = idempotency_key()
    printing = current_app.extensions.get("antrian.printing")
    prints = printing is not None and actor.kind == "kiosk" and printing.has_printer(actor.kiosk)
    throttle = current_app.extensions.get("antrian.throttle")
    if actor.kind == "kiosk" and throttle is not None:
        # A retry of a ticket already issued gets it back before the rate is counted: the
        # visitor whose answer was lost must not be told to wait a minute for their number.
        if key is not None:
            first = queue().issued_before(actor, key, request_fingerprint())
            if first is not None:
                return _issued_again(first, prints, printing, actor, language)
        throttle.check_issue(actor.name)  # a kiosk's token sits in its page: bound its rate
    if key is None:
        view = queue().issue_ticket(service, priority, actor, channel=actor.kind, language=language)
        status = 201
    else:
        # The key is claimed and answered in the ticket's own transaction, so a retry after
        # any failure (a crash while printing, a lost answer) gets the ticket that exists.
        outcome = queue().issue_ticket_once(
            service,
            priority,
            actor,
            key,
            channel=actor.kind,
            language=language,
            fingerprint=request_fingerprint(),
        )
        if isinstance(outcome, idempotency.Claim):
            return _issued_again(outcome, prints, printing, actor, language)
        view, status = outcome, 201
    if prints:
        view["print"] = printing.print_ticket(view["id"], actor.kiosk, actor, language, issued=view)
    return jsonify(view), status


def _issued_again(
    first: idempotency.Claim, prints: bool, printing: Any, actor: Actor, language: str
) -> tuple[Response, int]:
    """The first answer to an issue sent again with its key: at a kiosk with a printer, the
    same ticket with its print outcome, or printed now if its printing never ran."""
    body, status = first_answer(first)
    if status != 201 or not prints:
        return jsonify(body), status
    view = dict(body)
    view["print"] = printing.outcome_or_print(view["id"], actor.kiosk, actor, language)
    return jsonify(view), 201


def ticket_action(ticket_id: str, action: str):  # type: ignore[no-untyped-def]
    actor = current_actor()
    if action == "transfer":
        data = json_body()
        service = data.get("service")
        if not isinstance(service, str) or not service:
            raise InvalidRequest(
                'Kirim layanan tujuan: {"service": CODE}. / '
                'Send the target service: {"service": CODE}.'
            )
        body, status = idempotent(actor, lambda: (queue().transfer(ticket_id, service, actor), 200))
        return jsonify(body), status
    if action == "call":
        if actor.counter is None and not actor.is_admin:
            raise Forbidden(
                "Masuk ke sebuah loket untuk memanggil nomor antrean. / "
                "Sign into a counter to call tickets."
            )
        # The body is read (and refused when malformed) whoever sends it; an officer's
        # counter is the one they are signed into, an admin names one.
        named = json_body().get("counter")
        if named is not None and (isinstance(named, bool) or not isinstance(named, int)):
            raise InvalidRequest(_SEND_THE_COUNTER)
        counter = actor.counter or named
        if counter is None:
            raise InvalidRequest(_SEND_THE_COUNTER)
        body, status = idempotent(
            actor,
            lambda: (queue().call_ticket(ticket_id, counter, actor), 200),  # type: ignore[arg-type]
        )
        return jsonify(body), status
    if action == "reprint":
        printing = current_app.extensions.get("antrian.printing")
        if not actor.is_admin:
            raise Forbidden(
                "Hanya admin yang dapat mencetak ulang tiket. / Only an admin can reprint a ticket."
            )
        data = json_body()
        language = language_of(data)
        kiosk = data.get("kiosk")
        if not isinstance(kiosk, str) or not kiosk:
            raise InvalidRequest(
                'Kirim anjungan yang mencetak: {"kiosk": CODE}. / '
                'Send the kiosk that prints: {"kiosk": CODE}.'
            )
        if printing is None:
            raise NotFound("Belum ada printer yang dikonfigurasi. / No printers are configured.")
        printed = printing.print_ticket(ticket_id, kiosk, actor, language, copy=True)
        audit(queue().ctx, actor, "ticket.reprint", f"{ticket_id} at {kiosk}")
        return jsonify(printed)
    if action not in TICKET_ACTIONS:
        actions = f"{', '.join(TICKET_ACTIONS)}, call, transfer"
        raise NotFound(
            f"Tindakan {action!r} tidak dikenal; gunakan salah satu dari {actions}. / "
            f"Unknown action {action!r}; use one of {actions}."
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
        raise Forbidden(
            "Hanya petugas dan admin yang dapat melihat tugas cetak. / "
            "Only officers and admins see print jobs."
        )
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
        raise InvalidRequest(
            'Kirim {"status": "open"|"break"|"closed", "reason": ...}. / '
            'Send {"status": "open"|"break"|"closed", "reason": ...}.'
        )
    return jsonify(queue().set_counter_status(counter, status, optional_str(data, "reason"), actor))


# ---------------------------------------------------------------------- displays
@api.get("/snapshot")
def snapshot():  # type: ignore[no-untyped-def]
    actor = current_actor()
    if actor.kind not in ("display", "officer", "admin", "kiosk"):
        raise Forbidden(
            "Token ini tidak dapat membaca data layar. / This token cannot read the snapshot."
        )
    zone = request.args.get("zone") or (actor.zone if actor.kind == "display" else None)
    if actor.kind == "display" and zone != actor.zone:
        raise Forbidden(
            f"Layar ini milik zona {actor.zone}, bukan {zone}. / "
            f"This display belongs to zone {actor.zone}, not {zone}."
        )
    return jsonify(queue().snapshot(zone))


# ---------------------------------------------------------------------- admin
@api.post("/users/<username>/disable")
def disable_user(username: str):  # type: ignore[no-untyped-def]
    """Disable an account: its sessions are revoked and its live connections cut at once."""
    actor = current_actor()
    if not actor.is_admin:
        raise Forbidden(
            "Hanya admin yang dapat menonaktifkan pengguna. / Only an admin can disable a user."
        )
    sessions.disable(username, actor)
    audit(queue().ctx, actor, "user.disable", username)
    return jsonify({"username": username, "active": False})


@api.post("/services/<code>/availability")
def service_availability(code: str):  # type: ignore[no-untyped-def]
    actor = current_actor()
    if not actor.is_admin:
        raise Forbidden(
            "Hanya admin yang dapat membuka atau menutup layanan. / "
            "Only an admin can open or close a service."
        )
    data = json_body()
    reason = optional_str(data, "closed_reason")
    queue().set_service_closed(code, reason, actor)
    audit(queue().ctx, actor, "service.close" if reason else "service.reopen", f"{code}: {reason}")
    return jsonify(next(s for s in queue().services_overview() if s["code"] == code))
