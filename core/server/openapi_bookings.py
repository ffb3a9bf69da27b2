"""The booking part of the OpenAPI document (core/server/openapi.py): slots, bookings and
check-in, and the schemas they answer with."""

from __future__ import annotations

from typing import Any

from core.server.openapi_schemas import (
    INSTANT,
    LANGUAGE,
    PRIORITY,
    SERVICE_CODE,
    STRING,
    body,
    nullable,
    obj,
    ref,
)

DATE = {"type": "string", "description": "A local date of the mall, YYYY-MM-DD"}
SLOT_START = {"type": "string", "description": "A slot's local start time, HH:MM"}
NIK = {
    "type": "string",
    "description": "The visitor's NIK (16 digits), checked by its structure and kept only as "
    "a keyed hash to allow one active booking per person, service and day",
}

SCHEMAS: dict[str, Any] = {
    "Slots": obj(
        {
            "service": STRING,
            "date": STRING,
            "closed_reason": nullable(STRING),
            "slots": {
                "type": "array",
                "items": obj(
                    {
                        "start": STRING,
                        "end": STRING,
                        "capacity": {"type": "integer", "minimum": 1},
                        "available": {"type": "integer", "minimum": 0},
                    },
                    # The slot held by the booking asked about (`booking=`), when it is one.
                    {"yours": {"type": "boolean"}},
                ),
            },
        }
    ),
    "Booking": obj(
        {
            "code": STRING,
            "code_display": STRING,
            "service": STRING,
            "service_name": STRING,
            "service_name_en": STRING,
            "date": STRING,
            "slot": STRING,
            "slot_end": STRING,
            "status": {"type": "string", "enum": ["booked", "cancelled", "checked_in", "missed"]},
            # Why the booked day is closed (a closure added after the booking), else null.
            "closed_reason": nullable(STRING),
            "created_at": nullable(INSTANT),
            "ticket": nullable(obj({"id": STRING, "number": STRING, "status": STRING})),
            "url": STRING,
        },
        {
            "check_in_from": STRING,
            "check_in_until": STRING,
            "late_rule": STRING,
            "check_in_closed": {"type": "boolean"},
        },
    ),
}


def booking_paths(op: Any, path_param: Any, json: Any) -> dict[str, Any]:
    """The booking operations, built with the document's own helpers."""
    code = path_param("code", {"type": "string", "minLength": 1}, "The booking code")
    service = path_param("code", SERVICE_CODE, "The service's code")
    booking = json("The booking", ref("Booking"))
    refusals = {
        "404": "Unknown booking code",
        "409": "Cancelled, already used, a full slot, a closed day or service",
        "429": "Too many booking requests from this address (Retry-After)",
    }
    return {
        "/api/v1/services/{code}/slots": {
            "get": op(
                "The slots of a day with their capacity and the places left (public)",
                {"200": json("The slots", ref("Slots"))},
                {
                    "404": "Unknown service, or unknown booking code",
                    "409": "The service takes no bookings",
                    "429": refusals["429"],
                },
                auth=False,
                params=[
                    service,
                    {"name": "date", "in": "query", "required": False, "schema": DATE},
                    {
                        "name": "booking",
                        "in": "query",
                        "required": False,
                        "schema": STRING,
                        "description": "The code of a booking being moved: its own places "
                        "count as free to it",
                    },
                ],
            )
        },
        "/api/v1/bookings": {
            "post": op(
                "Book a slot (public, limited per client). An Idempotency-Key (at least 16 "
                "random characters) makes a retry after a lost reply return the booking made",
                {"201": booking},
                {
                    **refusals,
                    "404": "Unknown service",
                    "409": refusals["409"] + ", or the same request is still running",
                },
                auth=False,
                body=body(
                    {"service": SERVICE_CODE, "date": DATE, "slot": SLOT_START, "nik": NIK},
                    {"language": LANGUAGE},
                ),
                idempotent=True,
            )
        },
        "/api/v1/bookings/{code}": {
            "get": op(
                "A booking by its code (public)",
                {"200": booking},
                {"404": refusals["404"], "429": refusals["429"]},
                auth=False,
                params=[code],
            ),
            "delete": op(
                "Cancel a booking: its place is free again (public). Cancelling a cancelled "
                "booking again answers 200 with it, as the first time",
                {"200": booking},
                refusals,
                auth=False,
                params=[code],
            ),
        },
        "/api/v1/bookings/{code}/reschedule": {
            "post": op(
                "Move a booking to another day or slot (public)",
                {"200": booking},
                refusals,
                auth=False,
                params=[code],
                body=body({"date": DATE, "slot": SLOT_START}),
            )
        },
        "/api/v1/bookings/{code}/calendar.ics": {
            "get": op(
                "The booking as an iCalendar file for the phone's calendar (public)",
                {
                    "200": {
                        "description": "An iCalendar event",
                        "content": {"text/calendar": {"schema": {"type": "string"}}},
                    }
                },
                {"404": refusals["404"], "429": refusals["429"]},
                auth=False,
                params=[code],
            )
        },
        "/api/v1/bookings/{code}/check-in": {
            "post": op(
                "Check a booking in (kiosk or officer): 201 with the new ticket, or 200 with "
                "the same ticket when it was checked in before",
                {
                    "201": json("The ticket", ref("NewTicket")),
                    "200": json("The ticket issued before", ref("NewTicket")),
                },
                {
                    "403": "Only kiosks and officers check bookings in",
                    "404": refusals["404"],
                    "409": "Too early (come back at ...), too late, cancelled or used",
                    "429": "This kiosk's ticket rate limit is used up (Retry-After)",
                },
                params=[code],
                body=body({}, {"language": LANGUAGE, "priority": nullable(PRIORITY)}),
                body_required=False,
            )
        },
        "/api/v1/check-ins": {
            "post": op(
                "Check in what a kiosk's scanner read (`scan`, as read): a booking's code "
                "answers as /bookings/{code}/check-in; a queue ticket's QR code (its status "
                "address) is refused with 409 `queue_ticket`, its number and state, and nothing "
                "changes",
                {
                    "201": json("The ticket", ref("NewTicket")),
                    "200": json("The ticket issued before", ref("NewTicket")),
                },
                {
                    "400": "`unreadable_scan`: neither a booking code nor a ticket's address",
                    "403": "Only kiosks and officers check bookings in",
                    "404": "Unknown booking code, or `unknown_ticket`: another mall's ticket",
                    "409": "`queue_ticket`: a ticket, already in the queue; or as the "
                    "booking's check-in: too early, too late, cancelled or used",
                    "429": "This kiosk's ticket rate limit is used up (Retry-After)",
                },
                body=body(
                    {"scan": STRING},
                    {"language": LANGUAGE, "priority": nullable(PRIORITY)},
                ),
            )
        },
    }
