"""`/api/v1` endpoints of the reports and the satisfaction survey (thin: parse, check, call).

- `GET /skm/form`: the form (elements and their four answers, profile choices), public.
- `GET|POST /tickets/{id}/survey`: the phone's survey for its own finished ticket, no login:
  the unguessable id is the capability, as for the status page. A browser's POST must come
  from one of the mall's own origins whenever it names one (a hostile page that learnt an id
  cannot answer for the visitor); one response per ticket.
- `GET|POST /counters/{n}/survey`: a counter's survey tablet (a `survey` device of counter n):
  whether its counter's last visitor is still to rate, and the answer for them.
- `GET /reports`, `GET /skm`: the reports as JSON, CSV or XLSX (`format`): an admin's
  cover the mall, a supervisor's their agencies (reports/scope.py).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from core import skm
from core.handlers import QueueService
from core.reporting import GROUPS
from core.server import validation
from core.server.api import _domain_error, _http_error, current_actor
from core.tickets import DomainError, Forbidden, InvalidRequest
from core.usecases import summarizing, surveying
from core.views import reports as report_views
from reports import exports
from reports.dates import period
from reports.scope import visible_services

blueprint = Blueprint("reports_api", __name__, url_prefix="/api/v1")
blueprint.register_error_handler(DomainError, _domain_error)
blueprint.register_error_handler(400, _http_error)
blueprint.register_error_handler(404, _http_error)
blueprint.register_error_handler(405, _http_error)
blueprint.register_error_handler(413, _http_error)

FORMATS = ("json", "csv", "xlsx")


def _queue() -> QueueService:
    return current_app.extensions["antrian.queue"]


def _same_origin_if_named() -> None:
    origin = request.headers.get("Origin")
    policy = current_app.extensions.get("antrian.security")
    if origin is not None and policy is not None and not policy.allows(origin, request.host):
        raise Forbidden(
            f"Permintaan dari {origin[:80]} tidak boleh mengisi survei di sini. / "
            f"Requests from {origin[:80]} may not answer a survey here."
        )


@blueprint.get("/skm/form")
def survey_form():  # type: ignore[no-untyped-def]
    return jsonify(skm.form())


@blueprint.get("/tickets/<ticket_id>/survey")
def survey_state(ticket_id: str):  # type: ignore[no-untyped-def]
    return jsonify(surveying.survey_state(_queue().ctx, ticket_id))


@blueprint.post("/tickets/<ticket_id>/survey")
def answer_survey(ticket_id: str):  # type: ignore[no-untyped-def]
    _same_origin_if_named()
    data = validation.json_object()
    return jsonify(surveying.answer_for_ticket(_queue().ctx, ticket_id, data)), 201


def _the_counters_tablet(counter: int) -> None:
    actor = current_actor()
    if not actor.is_admin and not (actor.kind == "survey" and actor.counter == counter):
        raise Forbidden(
            f"Hanya tablet survei loket {counter} yang dapat mengisi untuk loket itu. / "
            f"Only the survey tablet of counter {counter} answers for it."
        )


@blueprint.get("/counters/<int:counter>/survey")
def counter_survey_state(counter: int):  # type: ignore[no-untyped-def]
    _the_counters_tablet(counter)
    return jsonify(surveying.counter_survey_state(_queue().ctx, counter))


@blueprint.post("/counters/<int:counter>/survey")
def answer_at_counter(counter: int):  # type: ignore[no-untyped-def]
    _the_counters_tablet(counter)
    data = validation.json_object()
    if current_actor().kind != "survey":  # an admin's preview: checked, never stored
        return jsonify(surveying.preview_at_counter(_queue().ctx, counter, data)), 200
    return jsonify(surveying.answer_at_counter(_queue().ctx, counter, data)), 201


def _choice(name: str, allowed: tuple[str, ...], default: str) -> str:
    value = request.args.get(name, default)
    if value not in allowed:
        # The report pages show this message as it is: Bahasa Indonesia first.
        choices, got = ", ".join(allowed), repr(value[:40])
        raise InvalidRequest(
            f"Pilihan '{name}' harus salah satu dari {choices}, bukan {got}. / '{name}' must be "
            f"one of {choices}, got {got}."
        )
    return value


def build_report(kind: str, args: Any) -> tuple[dict[str, Any], str]:
    """The report the query asks for, scoped to what the actor may see; and its format."""
    actor = current_actor()
    queue = _queue()
    services = visible_services(actor, queue.settings, queue.uow)
    start, end = period(args.get("from"), args.get("to"), queue.today())
    fmt = _choice("format", FORMATS, "json")
    # The period's closed days not built yet (older than the close's look-back) first, once.
    summarizing.build_closed_days(queue.ctx, end, since=start)
    if kind == "skm":
        group = _choice("by", report_views.SKM_GROUPS, "service")
        # A file a manager keeps holds every suggestion; the page the latest.
        every = fmt != "json"
        report = report_views.skm_report(
            queue.ctx, start, end, group, services, every_suggestion=every
        )
        return report, fmt
    group = _choice("by", GROUPS, "service")
    return report_views.report(queue.ctx, start, end, group, services), fmt


def _answer(kind: str) -> Response:
    report, fmt = build_report(kind, request.args)
    if fmt == "json":
        return jsonify(report)
    response = Response(exports.render(report, kind, fmt), mimetype=exports.MEDIA_TYPES[fmt])
    name = exports.filename(report, kind, fmt)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@blueprint.get("/reports")
def operations_report():  # type: ignore[no-untyped-def]
    return _answer("report")


@blueprint.get("/skm")
def skm_report():  # type: ignore[no-untyped-def]
    return _answer("skm")
