"""The OpenAPI paths of the reports and the satisfaction survey (reports/api.py), joined to
the document by core/server/openapi.py."""

from __future__ import annotations

from typing import Any

from core import skm
from core.reporting import GROUPS
from core.server.openapi_schemas import BOOLEAN, INTEGER, STRING, body, nullable, obj
from core.views.reports import SKM_GROUPS

SCORE = {"type": "integer", "minimum": 1, "maximum": 4}
_SCORES = {
    "type": "object",
    "required": list(skm.ELEMENT_CODES),
    "properties": {code: SCORE for code in skm.ELEMENT_CODES},
    "description": "The answer to each of the nine elements, 1 (worst) to 4 (best)",
}
_OPTIONAL = {
    "suggestion": nullable({"type": "string", "maxLength": skm.MAX_SUGGESTION}),
    "profile": {
        "type": "object",
        "properties": {
            name: nullable({"type": "string", "enum": list(options)})
            for name, options in skm.PROFILE.items()
        },
    },
}
TABLET_SURVEY_BODY = body(
    {"scores": _SCORES},
    {
        **_OPTIONAL,
        "number": {
            "type": "string",
            "description": "The public number of the ticket the form was shown for (one the "
            "counter finished in the last 10 minutes); without it, the one it finished last",
        },
    },
)
PHONE_SURVEY_BODY = body(
    {
        "key": {
            "type": "string",
            "minLength": 16,
            "maxLength": 16,
            "description": "The ticket's survey key: the `#k=` fragment of the address its "
            "QR code opens (never shown to staff)",
        },
        "scores": _SCORES,
    },
    _OPTIONAL,
)
SAVED = obj({"ticket": STRING, "service": STRING, "channel": STRING, "saved": BOOLEAN})


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


def _period(groups: tuple[str, ...]) -> list[dict[str, Any]]:
    return [
        _query("from", {"type": "string", "format": "date"}, "First day (default today)"),
        _query(
            "to",
            {"type": "string", "format": "date"},
            "Last day (default today); at most a year after 'from'",
        ),
        _query("by", {"type": "string", "enum": list(groups)}, "Group the rows by"),
        _query(
            "format",
            {"type": "string", "enum": ["json", "csv", "xlsx"]},
            "json (default), csv or xlsx",
        ),
    ]


def _file_or_json(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {
            "application/json": {
                "schema": obj(
                    {"from": STRING, "to": STRING, "by": STRING, "rows": {"type": "array"}}
                )
            },
            "text/csv": {"schema": STRING},
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                "schema": {"type": "string", "format": "binary"}
            },
        },
    }


def report_paths(
    op: Any, json: Any, ticket_id: dict[str, Any], counter: dict[str, Any]
) -> dict[str, Any]:
    """`op`, `json` and the path parameters are openapi.py's own builders."""
    state = obj({"finished": BOOLEAN, "answered": BOOLEAN, "open": BOOLEAN})
    counter_state = obj(
        {
            "open": BOOLEAN,
            "finished_seconds_ago": nullable({"type": "number", "minimum": 0}),
            "number": nullable(STRING),
        }
    )
    form = obj(
        {"elements": {"type": "array"}, "profile": {"type": "object"}, "max_suggestion": INTEGER}
    )
    survey_refusals = {
        "404": "Unknown ticket",
        "409": "The ticket is not finished, or it was already rated",
    }
    return {
        "/api/v1/skm/form": {
            "get": op(
                "The survey form: nine elements, four answers each, the profile choices",
                {"200": json("The form", form)},
                {},
                auth=False,
                database=False,
            )
        },
        "/api/v1/tickets/{ticket_id}/survey": {
            "get": op(
                "Whether a ticket's survey is open (finished, not yet rated)",
                {"200": json("The survey's state", state)},
                {"404": "Unknown ticket"},
                auth=False,
                params=[ticket_id],
            ),
            "post": op(
                "Rate a finished ticket's service (once, anonymous, no login: with the survey "
                "key the visitor was handed)",
                {"201": json("Saved", SAVED)},
                {
                    **survey_refusals,
                    "403": "Not the ticket's survey key, or sent from a page of another origin",
                },
                auth=False,
                body=PHONE_SURVEY_BODY,
                params=[ticket_id],
            ),
        },
        "/api/v1/counters/{counter}/survey": {
            "get": op(
                "Whether the visitor the counter finished last is still to rate (a tablet that "
                "reconnected shows the form again)",
                {"200": json("The counter's survey state", counter_state)},
                {"403": "Not this counter's survey tablet", "404": "No such counter"},
                params=[counter],
            ),
            "post": op(
                "A counter's survey tablet rates the ticket its form was shown for (the "
                "counter finished it lately)",
                {"201": json("Saved", SAVED)},
                {
                    "403": "Not this counter's survey tablet",
                    "404": "No such counter",
                    "409": "The counter finished no such ticket lately, or it was already rated",
                },
                body=TABLET_SURVEY_BODY,
                params=[counter],
            ),
        },
        "/api/v1/reports": {
            "get": op(
                "Queue figures for a period per mall, agency, service, counter or officer, and "
                "how right the wait estimates were (`estimates`)",
                {"200": _file_or_json("The report")},
                {"403": "Not allowed to read reports"},
                params=_period(GROUPS),
            ),
        },
        "/api/v1/skm": {
            "get": op(
                "The satisfaction index (IKM) for a period, as PermenPANRB 14/2017 lays it out",
                {"200": _file_or_json("The SKM report")},
                {"403": "Not allowed to read reports"},
                params=_period(SKM_GROUPS),
            ),
        },
    }
