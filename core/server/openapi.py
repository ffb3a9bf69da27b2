"""The OpenAPI 3 document of `/api/v1`; a test checks it names every route the app serves, and
a property-based test (tests/integration/test_api_fuzz.py) sends requests generated from it and
checks every answer against it: the status codes each operation can return, the JSON schemas of
its answers, and `{"error": {"code", "message"}}` for every refusal.
"""

from __future__ import annotations

from typing import Any

from core.server.keys import MAX_IDEMPOTENCY_KEY
from core.server.openapi_schemas import (
    BEARER,
    BOOLEAN,
    INTEGER,
    LANGUAGE,
    PRIORITY,
    REASON,
    SCHEMAS,
    SERVICE_CODE,
    STRING,
    body,
    nullable,
    obj,
    ref,
)
from core.usecases.counters import COUNTER_STATUSES


def _json(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERROR = ref("Error")
# Every refusal, whatever its status, is the same JSON error.
REFUSAL_TEXT = {
    "400": "Bad input: the message says what to fix",
    "401": "Not signed in, or the token is not valid (any more)",
    "403": "Not allowed for this token",
    "404": "No such object",
    "409": "Not possible in the current state",
    "413": "The request body is larger than 64 KiB",
    "422": "The Idempotency-Key was first sent with another request (method, address or body)",
    "429": "Too many requests of this kind: wait as Retry-After says",
    "503": "The database cannot be reached or written; try again (see Retry-After)",
}
RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before trying again",
        "schema": {"type": "string"},
    }
}
WWW_AUTHENTICATE = {
    "WWW-Authenticate": {"description": "Bearer realm", "schema": {"type": "string"}}
}


def _refusal(code: str, text: str | None = None) -> dict[str, Any]:
    response = _json(text or REFUSAL_TEXT[code], ERROR)
    if code in ("503", "429"):
        response["headers"] = RETRY_AFTER
    if code == "401":
        response["headers"] = WWW_AUTHENTICATE
    return response


def _op(
    summary: str,
    answers: dict[str, dict[str, Any]],
    refusals: dict[str, str | None],
    *,
    auth: bool = True,
    body: dict | None = None,
    body_required: bool = True,
    params: list[dict] | None = None,
    idempotent: bool = False,
    database: bool = True,
) -> dict[str, Any]:
    """One operation. `refusals` names the 4xx statuses it can answer (with an optional
    description); 401 comes with `auth`, 400 with any input, 413 with a body, 503 with
    the database."""
    statuses: dict[str, str | None] = dict(refusals)
    if auth:
        statuses.setdefault("401", None)
        # A signed-in account whose password must be changed first, or a cookie-authenticated
        # change from another origin, is refused with 403 on every authenticated operation.
        statuses.setdefault("403", None)
    if idempotent:
        statuses.setdefault("422", None)
    if body is not None or params or idempotent:
        statuses.setdefault("400", None)
    if body is not None:
        statuses.setdefault("413", None)
    if database:
        statuses.setdefault("503", None)
    responses = dict(answers)
    for code in sorted(statuses):
        responses[code] = _refusal(code, statuses[code])
    op: dict[str, Any] = {"summary": summary, "responses": responses}
    op["security"] = BEARER if auth else []
    parameters = list(params or [])
    if idempotent:
        parameters.append(IDEMPOTENCY_KEY)
    if parameters:
        op["parameters"] = parameters
    if body is not None:
        op["requestBody"] = {
            "required": body_required,
            "content": {"application/json": {"schema": body}},
        }
    return op


def _remote_optional(op: dict[str, Any]) -> dict[str, Any]:
    """`POST /tickets` also answers without a token (a number from home)."""
    op["security"] = [*BEARER, {}]
    return op


def _path_param(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": schema,
    }


TICKET_ID = _path_param(
    "ticket_id", {"type": "string", "minLength": 1}, "The ticket's unguessable id"
)
COUNTER = _path_param("counter", {"type": "integer", "minimum": 0}, "The counter's number")
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Makes a retry return the first answer instead of acting twice; a retry "
    "while the first attempt still runs gets 409 in_progress. A key is for one request: the "
    "same key with another method, address or body is refused with 422 "
    "idempotency_key_reused (send a new key with a new request). A retry of a ticket already "
    "issued gets it back before any rate limit is counted.",
    "schema": {"type": "string", "maxLength": MAX_IDEMPOTENCY_KEY},
}

TICKET = _json("The ticket as the officer's terminal shows it", ref("Ticket"))


def openapi_document() -> dict[str, Any]:
    actions = {
        "recall": "Call the ticket again at the same counter",
        "start": "Start serving the called visitor",
        "finish": "Finish serving",
        "no-show": "The called visitor did not come",
        "hold": "Put the ticket on hold (the visitor fetches a document)",
        "resume": "Take a held ticket back at its own counter (called again there)",
        "requeue": "Put a held ticket back in the shared queue, keeping its arrival time",
        "cancel": "Cancel the ticket",
    }
    ticket_refusals: dict[str, str | None] = {
        "403": "Not this officer's ticket, or not an officer",
        "404": "Unknown ticket",
        "409": "Illegal in the ticket's current state, or the same request is still running",
    }
    paths: dict[str, Any] = {
        "/api/v1/services": {
            "get": _op(
                "Services with waiting counts, estimates and quota left",
                {
                    "200": _json(
                        "The services",
                        obj({"services": {"type": "array", "items": ref("Service")}}),
                    )
                },
                {},
                auth=False,
            )
        },
        "/api/v1/tickets": {
            "post": _remote_optional(
                _op(
                    "Issue a ticket (kiosk, officer or admin); an Idempotency-Key makes retries "
                    'safe. With "channel": "online" and no token: a number from home (public, '
                    "for services that offer it, within their remote share of the daily quota, "
                    "a few per phone (its antrian_phone cookie) and a looser number per client "
                    "address; an Idempotency-Key must then be at least 16 characters). A number "
                    "from home's answer carries 'warning' (null, or {code, closes, "
                    "minutes_left, message}; 'closes' is the service's last call, not the end "
                    "of its issuing hours) when the last call is near.",
                    {
                        "201": _json("The ticket, with its status address", ref("NewTicket")),
                        "200": _json("The phone's live number (already_held)", ref("NewTicket")),
                    },
                    {
                        "403": "This token cannot issue tickets, or a browser page of another "
                        "origin asked",
                        "404": "Unknown service",
                        "409": "The service is closed, its quota (or its share for numbers from "
                        "home) is reached, it offers no numbers from home, no time is left "
                        "today for a visitor at home (remote_too_late), or the same request "
                        "is still running",
                        "429": "This kiosk's or this client's ticket rate limit is used up "
                        "(Retry-After)",
                    },
                    body=body(
                        {"service": SERVICE_CODE},
                        {
                            "priority": nullable(PRIORITY),
                            "language": LANGUAGE,
                            "channel": {
                                "type": "string",
                                "enum": ["kiosk", "online"],
                                "description": "'online': a number from home, sent without "
                                "a token ('priority' must then be null)",
                            },
                        },
                    ),
                    idempotent=True,
                )
            )
        },
        "/api/v1/tickets/{ticket_id}": {
            "get": _op(
                "A ticket's public status by its unguessable id",
                {"200": _json("Status", ref("TicketStatus"))},
                {"404": "Unknown ticket"},
                auth=False,
                params=[TICKET_ID],
            )
        },
        "/api/v1/tickets/{ticket_id}/call": {
            "post": _op(
                "Call this specific waiting ticket (or a no-show) to the officer's counter; "
                "an admin names the counter in the body",
                {"200": TICKET},
                ticket_refusals,
                params=[TICKET_ID],
                body=body({}, {"counter": INTEGER}),
                body_required=False,
                idempotent=True,
            )
        },
        "/api/v1/tickets/{ticket_id}/transfer": {
            "post": _op(
                "Move the visitor to another service's queue, keeping number and arrival time",
                {"200": TICKET},
                ticket_refusals,
                body=body({"service": SERVICE_CODE}),
                params=[TICKET_ID],
                idempotent=True,
            )
        },
        "/api/v1/tickets/{ticket_id}/reprint": {
            "post": _op(
                "Reprint a ticket at a kiosk (admin), marked SALINAN / COPY",
                {"200": _json("How printing went", ref("PrintOutcome"))},
                {
                    "403": "Not an admin",
                    "404": "Unknown ticket, or a kiosk without a printer",
                },
                body=body({"kiosk": {"type": "string", "minLength": 1}}, {"language": LANGUAGE}),
                params=[TICKET_ID],
            )
        },
        "/api/v1/tickets/{ticket_id}/print-jobs": {
            "get": _op(
                "Print jobs of a ticket (officer or admin)",
                {
                    "200": _json(
                        "Jobs", obj({"print_jobs": {"type": "array", "items": ref("PrintJob")}})
                    )
                },
                {"403": "Not an officer or admin", "404": "Unknown ticket"},
                params=[TICKET_ID],
            )
        },
        "/api/v1/counters/{counter}/call-next": {
            "post": _op(
                "Call the next visitor (priority first, with fairness)",
                {"200": TICKET, "204": {"description": "Nobody waits"}},
                {
                    "403": "Not signed into this counter",
                    "404": "No such counter",
                    "409": "The counter is closed or on a break, or the same request is still "
                    "running",
                },
                params=[COUNTER],
                idempotent=True,
            )
        },
        "/api/v1/counters/{counter}": {
            "get": _op(
                "The officer terminal's state: current ticket, waiting list, today's figures",
                {"200": _json("State", ref("CounterState"))},
                {"403": "Not signed into this counter", "404": "No such counter"},
                params=[COUNTER],
            )
        },
        "/api/v1/counters/{counter}/status": {
            "post": _op(
                "Open the counter, take a break (with a reason) or close it",
                {"200": _json("The counter", ref("Counter"))},
                {"403": "Not signed into this counter", "404": "No such counter"},
                body=body(
                    {"status": {"type": "string", "enum": list(COUNTER_STATUSES)}},
                    {"reason": REASON},
                ),
                params=[COUNTER],
            )
        },
        "/api/v1/snapshot": {
            "get": _op(
                "Current calls, counters and waiting per service, with the mall's version "
                "(display, officer, kiosk or admin; a display sees only its own zone)",
                {"200": _json("Snapshot", ref("Snapshot"))},
                {"403": "This token cannot read this zone", "404": "No such zone"},
                params=[{"name": "zone", "in": "query", "required": False, "schema": STRING}],
            )
        },
        "/api/v1/services/{code}/availability": {
            "post": _op(
                "Close a service with a reason, or reopen it with null (admin)",
                {"200": _json("The service", ref("Service"))},
                {"403": "Not an admin", "404": "Unknown service"},
                body=body({}, {"closed_reason": REASON}),
                body_required=False,
                params=[_path_param("code", SERVICE_CODE, "The service's code")],
            )
        },
        "/api/v1/users/{username}/disable": {
            "post": _op(
                "Disable an account (admin): revokes its sessions, ends its live connections",
                {
                    "200": _json(
                        "Disabled",
                        obj({"username": STRING, "active": {"type": "boolean", "enum": [False]}}),
                    )
                },
                {"403": "Not an admin", "404": "No such user"},
                params=[_path_param("username", {"type": "string", "minLength": 1}, "The account")],
            )
        },
        "/api/v1/auth/login": {
            "post": _op(
                "Sign in; officers name their counter (signing in opens it)",
                {"200": _json("A session token", ref("Session"))},
                {
                    "401": "Wrong username or password",
                    "403": "The account is disabled, or may not work at this counter, or the "
                    "request came from another origin",
                    "404": "No such counter",
                    "429": "Too many failed sign-ins (Retry-After)",
                },
                auth=False,
                body=body(
                    {"username": STRING, "password": STRING},
                    {"counter": nullable(INTEGER)},
                ),
            )
        },
        "/api/v1/auth/password": {
            "post": _op(
                "Change this account's own password (required first for the first admin)",
                {
                    "200": _json(
                        "Changed",
                        obj({"username": STRING, "password_change_required": BOOLEAN}),
                    )
                },
                {
                    "400": "Too short, or not strings",
                    "403": "Devices have no password",
                    "429": "Too many failed attempts (Retry-After)",
                },
                body=body({"current_password": STRING, "new_password": STRING}),
            )
        },
        "/api/v1/auth/logout": {
            "post": _op("End this session", {"204": {"description": "Signed out"}}, {})
        },
        "/api/v1/auth/me": {
            "get": _op("Who this token is", {"200": _json("The actor", ref("Actor"))}, {})
        },
        "/api/v1/health": {
            "get": _op(
                "Liveness and the mall's version",
                {"200": _json("OK", obj({"ok": BOOLEAN, "version": INTEGER}))},
                {},
                auth=False,
            )
        },
        "/api/v1/ping": {
            "get": _op(
                "A trivial endpoint (benchmark baseline)",
                {"200": _json("OK", obj({"pong": BOOLEAN}))},
                {},
                auth=False,
                database=False,
            )
        },
        "/api/v1/openapi.json": {
            "get": _op(
                "This document",
                {"200": _json("OpenAPI 3", obj({"openapi": STRING, "paths": {"type": "object"}}))},
                {},
                auth=False,
                database=False,
            )
        },
    }
    from core.server import openapi_bookings

    paths.update(openapi_bookings.booking_paths(_op, _path_param, _json))
    for action, summary in actions.items():
        paths[f"/api/v1/tickets/{{ticket_id}}/{action}"] = {
            "post": _op(
                summary, {"200": TICKET}, ticket_refusals, params=[TICKET_ID], idempotent=True
            )
        }
    from core.server.openapi_admin import admin_paths  # the management API's operations

    paths.update(admin_paths(_op, _json, _path_param))

    from core.server.openapi_reports import report_paths

    paths.update(report_paths(_op, _json, TICKET_ID, COUNTER))
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Antrian API",
            "version": "1",
            "description": "Queue and counter management for Mal Pelayanan Publik. Every "
            'refusal is {"error": {"code", "message"}}.',
        },
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An officer's or admin's session token from /auth/login, "
                    "or a kiosk's or display's device token",
                }
            },
            "schemas": {**SCHEMAS, **openapi_bookings.SCHEMAS},
        },
    }
