"""The report pages (/admin/reports, /admin/skm) and the counter-side survey tablet (/survey).

The pages are shells: their scripts read `/api/v1/reports` and `/api/v1/skm` (which decide
what the signed-in actor may see) and draw the tables and charts with the vendored Chart.js.
The tablet is a `survey` device bound to one counter: it hears that counter's
`ticket.finished` in the mall's room, shows the form, and answers through
`POST /api/v1/counters/{n}/survey`, so it never learns a ticket's id.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, current_app, redirect, render_template, url_for
from flask_socketio import SocketIO

from core.reporting import GROUPS
from core.server.pages import add_device_setup, page_actor, page_token
from core.views.reports import MAX_DAYS, SKM_GROUPS, covered
from reports.scope import visible_services

blueprint = Blueprint(
    "reports",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/reports/static",
)
survey_blueprint = Blueprint("survey", __name__, url_prefix="/survey")
add_device_setup(survey_blueprint, "survey", "survey.page")

# The tablet goes back to its waiting screen this long after the form appeared or was touched.
TABLET_RESET_SECONDS = 60


def _mall() -> Any:
    return current_app.extensions["antrian.settings"].mall


def _admin_page(template: str, groups: tuple[str, ...], api: str) -> Any:
    # Admins see the whole mall; a supervisor's API answers cover only their agencies.
    actor = page_actor("admin", "supervisor")
    if actor is None:
        return redirect(url_for("admin.login"))
    settings = current_app.extensions["antrian.settings"]
    queue = current_app.extensions["antrian.queue"]
    today = queue.today().isoformat()
    # The header says whose figures the page shows, as the figures' own title does: a
    # supervisor's printed page must not read as the whole mall's.
    covers = covered(queue.ctx, visible_services(actor, settings, queue.uow))
    config = {
        "token": page_token(),
        "api": api,
        "groups": list(groups),
        "today": today,
        "max_days": MAX_DAYS,
        "timezone": settings.mall.timezone,
    }
    return render_template(template, mall=settings.mall, covers=covers, page_config=config)


@blueprint.get("/admin/reports")
def report_page() -> Any:
    return _admin_page("reports/report.html", GROUPS, "/api/v1/reports")


@blueprint.get("/admin/skm")
def skm_page() -> Any:
    return _admin_page("reports/skm.html", SKM_GROUPS, "/api/v1/skm")


@survey_blueprint.get("/")
def page() -> Any:
    actor = page_actor("survey")
    if actor is None:
        return render_template("reports/survey_not_set_up.html", mall=_mall())
    settings = current_app.extensions["antrian.settings"]
    # Anyone but the counter's own tablet (an admin) previews: the page says so, shows the
    # form at once and rates no visitor; the API stores no answer of theirs (reports/api.py).
    preview = actor.kind != "survey"
    counter = actor.counter
    if counter is None:  # an admin previewing: the first counter's form
        counter = settings.counters[0].number
    config = {
        "token": page_token(),
        "counter": counter,
        "counter_name": settings.counter(counter).name,
        "reset_seconds": TABLET_RESET_SECONDS,
        "preview": preview,
    }
    return render_template("reports/survey.html", mall=settings.mall, page_config=config)


def init_socketio(socketio: SocketIO, app: Flask) -> None:
    """No socket handlers of its own (the hub serves the tablet): it brings its API and the
    tablet's blueprint."""
    from reports.api import blueprint as api_blueprint

    app.register_blueprint(api_blueprint)
    app.register_blueprint(survey_blueprint)
