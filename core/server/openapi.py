"""The OpenAPI 3 document of `/api/v1`; a test checks it names every route the app serves."""

from __future__ import annotations

from typing import Any

BEARER = [{"bearer": []}]

LANGUAGE = {
    "type": "string",
    "enum": ["id", "en"],
    "default": "id",
    "description": "The visitor's language: the printed ticket and the status page's address "
    "(?lang=en) follow it. Anything but 'id' or 'en' is a 400.",
}


def _op(
    summary: str,
    responses: dict[str, str],
    *,
    auth: bool = True,
    body: dict | None = None,
    params: list[dict] | None = None,
) -> dict[str, Any]:
    op: dict[str, Any] = {
        "summary": summary,
        "responses": {
            code: (
                {
                    "description": text,
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                    },
                }
                if code[0] in "45"
                else {"description": text}
            )
            for code, text in responses.items()
        },
    }
    if auth:
        op["security"] = BEARER
    if body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    if params:
        op["parameters"] = params
    return op


def _path_param(name: str, kind: str = "string") -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": kind}}


TICKET_ID = _path_param("ticket_id")
COUNTER = _path_param("counter", "integer")
REFUSALS = {
    "401": "Not signed in",
    "403": "Not allowed for this token",
    "404": "Unknown ticket",
    "409": "Illegal in the ticket's current state",
}


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
    paths: dict[str, Any] = {
        "/api/v1/services": {
            "get": _op(
                "Services with waiting counts, estimates and quota left",
                {"200": "The services"},
                auth=False,
            )
        },
        "/api/v1/tickets": {
            "post": _op(
                "Issue a ticket (kiosk, officer or admin); an Idempotency-Key makes retries safe.",
                {
                    "201": "The ticket",
                    "400": "Bad input",
                    **REFUSALS,
                    "429": "This kiosk's ticket rate limit is used up (Retry-After)",
                },
                body={
                    "type": "object",
                    "required": ["service"],
                    "properties": {
                        "service": {"type": "string"},
                        "priority": {
                            "type": "string",
                            "nullable": True,
                            "enum": ["lansia", "disabilitas", "ibu_hamil", None],
                        },
                        "language": LANGUAGE,
                    },
                },
            )
        },
        "/api/v1/tickets/{ticket_id}": {
            "get": _op(
                "A ticket's public status by its unguessable id",
                {"200": "Status", "404": "Unknown ticket"},
                auth=False,
                params=[TICKET_ID],
            )
        },
        "/api/v1/tickets/{ticket_id}/call": {
            "post": _op(
                "Call this specific waiting ticket to the officer's counter",
                {"200": "The ticket", **REFUSALS},
                params=[TICKET_ID],
            )
        },
        "/api/v1/tickets/{ticket_id}/transfer": {
            "post": _op(
                "Move the visitor to another service's queue, keeping number and arrival time",
                {"200": "The ticket", "400": "Bad input", **REFUSALS},
                body={
                    "type": "object",
                    "required": ["service"],
                    "properties": {"service": {"type": "string"}},
                },
                params=[TICKET_ID],
            )
        },
        "/api/v1/tickets/{ticket_id}/reprint": {
            "post": _op(
                "Reprint a ticket at a kiosk (admin), marked SALINAN / COPY",
                {"200": "The print job", "400": "Bad input", **REFUSALS},
                body={
                    "type": "object",
                    "properties": {"kiosk": {"type": "string"}, "language": LANGUAGE},
                },
                params=[TICKET_ID],
            )
        },
        "/api/v1/tickets/{ticket_id}/print-jobs": {
            "get": _op("Print jobs of a ticket", {"200": "Jobs", **REFUSALS}, params=[TICKET_ID])
        },
        "/api/v1/counters/{counter}/call-next": {
            "post": _op(
                "Call the next visitor (priority first, with fairness)",
                {"200": "The called ticket", "204": "Nobody waits", **REFUSALS},
                params=[COUNTER],
            )
        },
        "/api/v1/counters/{counter}": {
            "get": _op(
                "The officer terminal's state: current ticket, waiting list, today's figures",
                {"200": "State", **REFUSALS},
                params=[COUNTER],
            )
        },
        "/api/v1/counters/{counter}/status": {
            "post": _op(
                "Open the counter, take a break (with a reason) or close it",
                {"200": "Counter", **REFUSALS},
                body={
                    "type": "object",
                    "required": ["status"],
                    "properties": {
                        "status": {"type": "string", "enum": ["open", "break", "closed"]},
                        "reason": {"type": "string", "nullable": True},
                    },
                },
                params=[COUNTER],
            )
        },
        "/api/v1/snapshot": {
            "get": _op(
                "Current calls, counters and waiting per service, with the mall's version",
                {"200": "Snapshot", **REFUSALS},
                params=[
                    {"name": "zone", "in": "query", "required": False, "schema": {"type": "string"}}
                ],
            )
        },
        "/api/v1/services/{code}/availability": {
            "post": _op(
                "Close a service with a reason, or reopen it with null (admin)",
                {"200": "Service", **REFUSALS},
                body={
                    "type": "object",
                    "properties": {"closed_reason": {"type": "string", "nullable": True}},
                },
                params=[_path_param("code")],
            )
        },
        "/api/v1/users/{username}/disable": {
            "post": _op(
                "Disable an account (admin): revokes its sessions, ends its live connections",
                {
                    "200": "Disabled",
                    "401": "Not signed in",
                    "403": "Not an admin",
                    "404": "No such user",
                },
                params=[_path_param("username")],
            )
        },
        "/api/v1/auth/login": {
            "post": _op(
                "Sign in; officers name their counter",
                {
                    "200": "Token (and whether the password must be changed first)",
                    "401": "Wrong credentials",
                    "403": "Counter not allowed, or a request from another origin",
                    "429": "Too many failed sign-ins (Retry-After)",
                },
                auth=False,
                body={
                    "type": "object",
                    "required": ["username", "password"],
                    "properties": {
                        "username": {"type": "string"},
                        "password": {"type": "string"},
                        "counter": {"type": "integer", "nullable": True},
                    },
                },
            )
        },
        "/api/v1/auth/password": {
            "post": _op(
                "Change this account's own password (required first for the first admin)",
                {
                    "200": "Changed",
                    "400": "Too short or unchanged",
                    "401": "Wrong current password",
                    "429": "Too many failed attempts",
                },
                body={
                    "type": "object",
                    "required": ["current_password", "new_password"],
                    "properties": {
                        "current_password": {"type": "string"},
                        "new_password": {"type": "string", "minLength": 8},
                    },
                },
            )
        },
        "/api/v1/auth/logout": {
            "post": _op("End this session", {"204": "Signed out", "401": "Not signed in"})
        },
        "/api/v1/auth/me": {
            "get": _op("Who this token is", {"200": "Actor", "401": "Not signed in"})
        },
        "/api/v1/health": {
            "get": _op("Liveness and the mall's version", {"200": "OK"}, auth=False)
        },
        "/api/v1/ping": {
            "get": _op("A trivial endpoint (benchmark baseline)", {"200": "OK"}, auth=False)
        },
        "/api/v1/openapi.json": {"get": _op("This document", {"200": "OpenAPI 3"}, auth=False)},
    }
    for action, summary in actions.items():
        paths[f"/api/v1/tickets/{{ticket_id}}/{action}"] = {
            "post": _op(summary, {"200": "The ticket", **REFUSALS}, params=[TICKET_ID])
        }
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Antrian API",
            "version": "1",
            "description": "Queue and counter management for Mal Pelayanan Publik.",
        },
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {
                    "type": "object",
                    "properties": {
                        "error": {
                            "type": "object",
                            "properties": {
                                "code": {"type": "string"},
                                "message": {"type": "string"},
                            },
                        }
                    },
                }
            },
        },
    }
