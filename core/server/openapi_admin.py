"""The management API's part of the OpenAPI document (core/server/openapi.py merges it)."""

from __future__ import annotations

from typing import Any

from core.server.openapi_schemas import BOOLEAN, INTEGER, STRING, body, nullable

ANY_OBJECT: dict[str, Any] = {"type": "object"}
NAME = {"type": "string", "minLength": 1}
LIST_OF_INTS = {"type": "array", "items": INTEGER}
LIST_OF_STRINGS = {"type": "array", "items": STRING}
SCOPE_403 = "Not a manager, or outside the supervisor's agencies (the message names them)"


def admin_paths(op: Any, json: Any, path_param: Any) -> dict[str, Any]:
    """The /api/v1/admin operations, built with the main document's helpers."""
    username = path_param("username", NAME, "An account's username")
    name = path_param("name", NAME, "A device's name")
    code = path_param("code", NAME, "A service code")
    alert = path_param("alert_id", {"type": "integer", "minimum": 0}, "An alert's id")
    answer = {"200": json("The result", ANY_OBJECT)}
    refusals = {"403": SCOPE_403, "404": "No such account, device, service or alert"}

    def query(param: str, schema: dict[str, Any], text: str) -> dict[str, Any]:
        return {
            "name": param,
            "in": "query",
            "required": False,
            "schema": schema,
            "description": text,
        }

    user_body = body(
        {"username": STRING, "password": STRING},
        {
            "role": {"type": "string", "enum": ["officer", "admin", "supervisor"]},
            "counters": LIST_OF_INTS,
            "agencies": LIST_OF_STRINGS,
            "must_change_password": BOOLEAN,
        },
    )

    def post(summary: str, params: list, payload: dict | None = None, created: bool = False):  # type: ignore[no-untyped-def]
        answers = {"201": json("Created", ANY_OBJECT)} if created else answer
        return {
            "post": op(summary, answers, refusals, params=params, body=payload, body_required=False)
        }

    return {
        "/api/v1/admin/dashboard": {
            "get": op("The live dashboard of the actor's scope", answer, {"403": SCOPE_403})
        },
        "/api/v1/admin/structure": {
            "get": op(
                "Agencies, services and counters in the actor's scope", answer, {"403": SCOPE_403}
            )
        },
        "/api/v1/admin/audit": {
            "get": op(
                "The audit log, newest first (admins)",
                answer,
                {"403": SCOPE_403},
                params=[
                    query("actor", STRING, "Whose actions"),
                    query("action", STRING, "An action or its family, e.g. user, refused"),
                    query(
                        "since",
                        STRING,
                        "From this date or instant (ISO 8601; without an offset, the mall's "
                        "local time)",
                    ),
                    query(
                        "until",
                        STRING,
                        "Through this date (the whole local day), or before this instant",
                    ),
                    query("before", INTEGER, "Entries before this id (paging)"),
                    query("limit", INTEGER, "At most this many (1-500, default 100)"),
                ],
            )
        },
        "/api/v1/admin/alerts": {
            "get": op(
                "Alerts in the actor's scope",
                answer,
                {"403": SCOPE_403},
                params=[query("state", {"type": "string", "enum": ["open", "all"]}, "open or all")],
            )
        },
        "/api/v1/admin/alerts/{alert_id}/acknowledge": post("Acknowledge an alert", [alert]),
        "/api/v1/admin/users": {
            "get": op("Accounts the actor manages", answer, {"403": SCOPE_403}),
            "post": op(
                "Add an account (a supervisor: officers of their agencies' counters)",
                {"201": json("The account", ANY_OBJECT)},
                {"403": SCOPE_403},
                body=user_body,
            ),
        },
        "/api/v1/admin/users/{username}/disable": post("Disable an account", [username]),
        "/api/v1/admin/users/{username}/enable": post("Enable an account", [username]),
        "/api/v1/admin/users/{username}/password": post(
            "Reset a password (to be changed at the next sign-in)",
            [username],
            body({"password": STRING}),
        ),
        "/api/v1/admin/users/{username}/counters": post(
            "Set an officer's allowed counters", [username], body({"counters": LIST_OF_INTS})
        ),
        "/api/v1/admin/users/{username}/agencies": post(
            "Bind a supervisor to agencies (admins)",
            [username],
            body({"agencies": LIST_OF_STRINGS}),
        ),
        "/api/v1/admin/devices": {
            "get": op("Kiosks and displays (admins)", answer, {"403": SCOPE_403}),
            "post": op(
                "Add a kiosk or display: its setup address (token) and QR code, shown once",
                {"201": json("The device's setup address", ANY_OBJECT)},
                {"403": SCOPE_403},
                body=body(
                    {
                        "name": STRING,
                        "kind": {"type": "string", "enum": ["kiosk", "display", "survey"]},
                    },
                    {
                        "zone": nullable(STRING),
                        "kiosk": nullable(STRING),
                        "counter": nullable({"type": "integer"}),
                    },
                ),
            ),
        },
        "/api/v1/admin/devices/{name}/revoke": post("Revoke a device", [name]),
        "/api/v1/admin/services/{code}/close": post(
            "Close a service for today with a reason (shown on kiosks and phones)",
            [code],
            body({"reason": STRING}),
        ),
        "/api/v1/admin/services/{code}/reopen": post("Reopen a closed service", [code]),
        "/api/v1/admin/counters/{number}/close": post(
            "Close a counter left open (its officer opens it again by signing in)",
            [path_param("number", {"type": "integer", "minimum": 0}, "A counter's number")],
            body({}, {"reason": nullable(STRING)}),
        ),
        "/api/v1/admin/services/{code}/quota": post(
            "Set today's quota (null: the configured one)",
            [code],
            body({"quota": nullable(INTEGER)}),
        ),
        "/api/v1/admin/notices": {
            "get": op("The displays' running text and announcement", answer, {"403": SCOPE_403}),
            "post": op(
                "Set the displays' running text and/or announcement (admins)",
                answer,
                {"403": SCOPE_403},
                body=body({}, {"running_text": nullable(STRING), "announcement": nullable(STRING)}),
            ),
        },
    }
