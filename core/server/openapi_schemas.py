"""The schemas of the OpenAPI document (core/server/openapi.py): building blocks, the
objects the API answers with, and the component schemas they refer to."""

from __future__ import annotations

from typing import Any

from core.context import DEFAULT_LANGUAGE, LANGUAGES
from core.tickets import OFFICER_ACTIONS, Priority, TicketStatus
from core.usecases.counters import COUNTER_STATUSES, MAX_REASON_LENGTH

BEARER = [{"bearer": []}]


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {**schema, "nullable": True}


STRING = {"type": "string"}
INTEGER = {"type": "integer"}
BOOLEAN = {"type": "boolean"}
INSTANT = {"type": "string", "format": "date-time"}
SERVICE_CODE = {"type": "string", "minLength": 1, "description": "A service code, e.g. KTP"}

LANGUAGE = {
    "type": "string",
    "enum": list(LANGUAGES),
    "default": DEFAULT_LANGUAGE,
    "description": "The visitor's language: the printed ticket and the status page's address "
    "(?lang=en) follow it. Anything but 'id' or 'en' is a 400.",
}
REASON = {"type": "string", "maxLength": MAX_REASON_LENGTH, "nullable": True}


def obj(required: dict[str, Any], optional: dict[str, Any] | None = None) -> dict[str, Any]:
    """An object with these properties; answers may grow new ones (no additionalProperties)."""
    return {
        "type": "object",
        "required": list(required),
        "properties": {**required, **(optional or {})},
    }


def body(required: dict[str, Any], optional: dict[str, Any] | None = None) -> dict[str, Any]:
    """A request body: a flat JSON object; properties the API does not know are ignored."""
    return obj(required, optional)


ANNOUNCEMENT = obj(
    {
        "number": STRING,
        "service": STRING,
        "service_name": STRING,
        "counter": INTEGER,
        "counter_name": STRING,
        "agency": STRING,
        "agency_name": STRING,
        "zone": STRING,
        "at": nullable(INSTANT),
        "recall": BOOLEAN,
        "version": nullable(INTEGER),
        "slot": nullable(STRING),
        "speech": STRING,
        "text": STRING,
    }
)

CHANNEL_BADGE = nullable(
    obj(
        {"code": STRING, "label": STRING, "label_en": STRING},
        {"slot": nullable(STRING)},
    )
)
CHANNEL_BADGE["description"] = (
    "How the ticket was taken, for a badge (null for a kiosk ticket): label in Indonesian and "
    "English"
)

TICKET_STATUS = {"type": "string", "enum": [s.value for s in TicketStatus]}
PRIORITY = {"type": "string", "enum": [p.value for p in Priority]}

PUBLIC_TICKET = {
    "number": STRING,
    "service": STRING,
    "service_name": STRING,
    "service_name_en": STRING,
    "agency": STRING,
    "agency_name": STRING,
    "agency_name_en": STRING,
    "status": TICKET_STATUS,
    "priority": BOOLEAN,
    "counter": nullable(INTEGER),
    "counter_name": nullable(STRING),
    "issued_at": INSTANT,
    "called_at": nullable(INSTANT),
    "transferred": BOOLEAN,
    "channel": {
        "type": "string",
        "description": "kiosk, officer, online (a number from home) or booking",
    },
    "channel_badge": CHANNEL_BADGE,
    "slot": nullable(STRING),
}
ETA_FIELDS = {
    "eta_minutes": nullable({"type": "integer", "minimum": 0}),
    # The range to show ("10–20 menit"), or null with no estimate.
    "eta_range": nullable(
        {"type": "array", "items": {"type": "integer", "minimum": 0}, "minItems": 2, "maxItems": 2}
    ),
    # True: the range is tight, show "≈ n menit".
    "eta_approx": nullable(BOOLEAN),
    # False: the turn would come after the service's counters close (may not be served
    # today); null: unknown.
    "eta_today": nullable(BOOLEAN),
}
POSITION = {
    "id": STRING,
    # The mall's local date the ticket was taken for (numbers restart each day), and whether
    # that is the mall's today.
    "day": {"type": "string", "format": "date"},
    "day_is_today": BOOLEAN,
    "ahead": {"type": "integer", "minimum": 0},
    **ETA_FIELDS,
    "status_url": STRING,
}

PRINT_OUTCOME = obj(
    {
        "job": INTEGER,
        "status": {"type": "string", "enum": ["printed", "failed", "pending"]},
        "error": nullable(STRING),
        "printer_state": STRING,
        "note": nullable(STRING),
        "show_on_screen": BOOLEAN,
    }
)

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "additionalProperties": False,
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "additionalProperties": False,
                "properties": {
                    "code": {"type": "string", "minLength": 1},
                    "message": STRING,
                },
            }
        },
    },
    "Announcement": ANNOUNCEMENT,
    # What the visitor's status page shows: no personal data.
    "TicketStatus": obj({**PUBLIC_TICKET, **POSITION}, {"announcement": ref("Announcement")}),
    # A new ticket; a kiosk with a printer also gets how printing went.
    "NewTicket": obj({**PUBLIC_TICKET, **POSITION}, {"print": ref("PrintOutcome")}),
    # What an officer's terminal shows of a ticket.
    "Ticket": obj(
        {
            **PUBLIC_TICKET,
            **POSITION,
            "priority_level": nullable(PRIORITY),
            "arrived_at": INSTANT,
            "started_at": nullable(INSTANT),
            "finished_at": nullable(INSTANT),
            "call_count": {"type": "integer", "minimum": 0},
            "transfers": {"type": "array", "items": STRING},
            "waiting_minutes": {"type": "integer", "minimum": 0},
            "allowed_actions": {
                "type": "array",
                "items": {"type": "string", "enum": list(OFFICER_ACTIONS)},
            },
        },
        {"announcement": ref("Announcement")},
    ),
    "PrintOutcome": PRINT_OUTCOME,
    "PrintJob": obj(
        {
            "id": INTEGER,
            "kiosk": STRING,
            # `interrupted`: still pending long after it began; the process printing it died.
            "status": {"type": "string", "enum": ["pending", "printed", "failed", "interrupted"]},
            "error": nullable(STRING),
            "created_at": nullable(INSTANT),
        }
    ),
    "Service": obj(
        {
            "code": STRING,
            "name": STRING,
            "name_en": STRING,
            "agency": STRING,
            "agency_name": STRING,
            "agency_name_en": STRING,
            "prefix": STRING,
            "open": BOOLEAN,
            "closed_reason_code": nullable(STRING),
            "closed_reason": nullable(STRING),
            "waiting": {"type": "integer", "minimum": 0},
            **ETA_FIELDS,
            "quota_left": nullable({"type": "integer", "minimum": 0}),
        }
    ),
    "Counter": obj(
        {
            "number": INTEGER,
            "name": STRING,
            "zone": STRING,
            "agency": STRING,
            "agency_name": STRING,
            "services": {"type": "array", "items": STRING},
            "status": {"type": "string", "enum": list(COUNTER_STATUSES)},
            "reason": nullable(STRING),
            "current": nullable(
                obj({"number": STRING, "status": TICKET_STATUS, "service": STRING})
            ),
        }
    ),
    "CounterState": obj(
        {
            "counter": ref("Counter"),
            "current": nullable(ref("Ticket")),
            "on_hold": {"type": "array", "items": ref("Ticket")},
            "no_shows": {"type": "array", "items": ref("Ticket")},
            "waiting": {
                "type": "array",
                "items": obj(
                    {
                        "id": STRING,
                        "number": STRING,
                        "service": STRING,
                        "priority": nullable(PRIORITY),
                        "position": {"type": "integer", "minimum": 1},
                        "reason": nullable(
                            {"type": "string", "enum": ["priority", "booking", "transferred"]}
                        ),
                        "channel": STRING,
                        "slot": nullable(STRING),
                        "waiting_minutes": {"type": "integer", "minimum": 0},
                        "transferred": BOOLEAN,
                        **ETA_FIELDS,
                    }
                ),
                "description": "The first 100 in the order this counter will call them.",
            },
            "waiting_total": {
                "type": "integer",
                "minimum": 0,
                "description": "Everyone waiting for the counter's services.",
            },
            "figures": obj(
                {
                    "served": INTEGER,
                    "no_show": INTEGER,
                    "average_service_minutes": nullable({"type": "number"}),
                }
            ),
            "services": {
                "type": "array",
                "items": obj({"code": STRING, "name": STRING, "name_en": STRING, "agency": STRING}),
            },
            "day_close": {
                **obj({"at": STRING, "warn_from": STRING, "local_time": STRING}),
                "description": "When today closes (visitors not called by then end unserved; "
                "a visit being served may still be finished) and from when the terminal warns.",
            },
            "version": INTEGER,
        }
    ),
    "Snapshot": obj(
        {
            "version": INTEGER,
            "mall": obj(
                {
                    "code": STRING,
                    "name": STRING,
                    "running_text": nullable(STRING),
                    "timezone": STRING,
                }
            ),
            "zone": nullable(STRING),
            "server_time": INSTANT,
            "calls": {"type": "array", "items": ref("Announcement")},
            "counters": {"type": "array", "items": ref("Counter")},
            "services": {"type": "array", "items": ref("Service")},
        }
    ),
    "Session": obj(
        {
            "token": {"type": "string", "minLength": 1},
            "role": {"type": "string", "enum": ["officer", "admin", "supervisor"]},
            "username": STRING,
            "counter": nullable(INTEGER),
        }
    ),
    "Actor": obj(
        {
            "kind": {
                "type": "string",
                "enum": ["officer", "admin", "supervisor", "kiosk", "display", "survey"],
            },
            "name": STRING,
            "counter": nullable(INTEGER),
            "zone": nullable(STRING),
            "kiosk": nullable(STRING),
        }
    ),
}
