"""The composition root: the only place that knows every part and wires them together."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask, jsonify, redirect, request, url_for
from flask_socketio import SocketIO
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from core.accounts import Accounts
from core.bus import FanOut
from core.config import Settings, load_settings
from core.context import utc_now
from core.engine import connection_shortfall
from core.handlers import QueueService
from core.health import (
    DATABASE_ERRORS,
    MIN_FREE_BYTES,
    describe,
    message_queue_problem,
    sqlite_free_bytes,
    sqlite_shared_memory_lost,
)
from core.server import remote_tickets, security
from core.server.api import api
from core.server.assets import StaticAssets
from core.server.http_errors import http_refusal
from core.server.hub import Hub
from core.server.relay import deployment_id
from core.server.throttle import Throttle
from core.server.validation import nul_in_request
from core.store import UnitOfWork, app_settings, insert_if_absent, make_engine

log = logging.getLogger(__name__)

# Threading + simple-websocket: plain threads work with every database driver and need no
# monkey-patching; bench/bench_async_modes.py holds the measurement behind this choice.
ASYNC_MODE = "threading"


def create_app(
    settings: Settings | None = None,
    *,
    config_path: str | None = None,
    test_config: Mapping[str, Any] | None = None,
    clock: Callable[[], datetime] = utc_now,
    printer_factory: Callable[..., Any] | None = None,
    websocket_only: bool = False,
) -> Flask:
    settings = settings or load_settings(config_path)
    app = Flask(
        __name__,
        static_folder=str(Path(__file__).parent / "static"),
        static_url_path="/static",
        template_folder=str(Path(__file__).parent / "templates"),
    )
    app.config.update(
        JSON_SORT_KEYS=False,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        MAX_CONTENT_LENGTH=64 * 1024,
        # A kiosk or a hallway TV is set up once and then runs for months; its session cookie
        # is renewed on every page load. Officers' tokens expire on their own after a shift.
        PERMANENT_SESSION_LIFETIME=timedelta(days=400),
    )
    if test_config:
        app.config.update(test_config)

    engine = make_engine(
        settings.database_url,
        connections=settings.database_connections,
        application_name=f"antrian {settings.mall.code}",
    )
    uow = UnitOfWork(engine)
    publisher = FanOut()
    queue = QueueService(settings, uow, publisher, clock=clock)
    queue.ensure_ready()
    accounts = Accounts(settings, uow, clock=clock)
    app.secret_key = settings.secret_key or _stored_secret(uow)
    queue.ctx.secret = app.secret_key  # the visitors' survey keys (core/survey_keys.py)
    # Sessions signed with a secret this one replaced stay valid (Flask ≥ 3.1): changing the
    # secret does not sign every TV, kiosk and counter out at once.
    app.config["SECRET_KEY_FALLBACKS"] = list(settings.previous_secret_keys)
    policy = security.SecurityPolicy.from_app(app, settings.mall.public_base_url)
    security.install(app, policy)
    Throttle(app, mall=settings.mall.code, message_queue=settings.message_queue)
    deployment = deployment_id(settings.deployment_id, uow)
    remote_tickets.install(app, settings.remote_numbers)

    socketio = SocketIO(
        app,
        async_mode=ASYNC_MODE,
        message_queue=settings.message_queue,
        # Pub/sub channels are global to a Redis server (the db number does not separate
        # them): the deployment's id and the mall keep deployments on one Redis apart.
        channel=f"antrian-{deployment}-{settings.mall.code}",
        # Only the mall's own origins (an empty list would turn engine.io's check off).
        cors_allowed_origins=policy.socketio_origin_check,
        logger=False,
        engineio_logger=False,
        ping_interval=10,
        ping_timeout=10,
        # Several processes behind one port (`antrian serve --workers N`): long-polling would
        # need sticky sessions, so it is refused and clients connect by websocket at once.
        transports=["websocket"] if websocket_only else ["polling", "websocket"],
    )
    hub = Hub(socketio, queue, accounts)
    hub.deployment = deployment
    hub.register()
    publisher.subscribe(hub.publish)

    app.extensions["antrian.settings"] = settings
    app.extensions["antrian.queue"] = queue
    app.extensions["antrian.accounts"] = accounts
    app.extensions["antrian.hub"] = hub
    app.extensions["antrian.socketio"] = socketio
    app.extensions["antrian.engine"] = engine

    from core.server.printing import KioskPrinting

    printing = KioskPrinting(settings, queue, printer_factory=printer_factory)
    # Kiosks sharing a printer share its stored state and its alerts (core/usecases).
    queue.ctx.printers = printing.printer_keys()
    app.extensions["antrian.printing"] = printing
    hub.printing = printing

    from core.server import metrics as server_metrics

    measured = server_metrics.install(
        app, overview=queue.services_overview, connections=hub.connections_by_kind
    )
    publisher.subscribe(measured.on_event)
    printing.outcome_listeners.append(measured.on_print)
    hub.relay_lag_listener = measured.observe_relay_lag
    app.extensions["antrian.metrics"] = measured

    app.register_blueprint(api)
    from core.bookings_desk import BookingDesk
    from core.server.api_bookings import bookings_api

    app.extensions["antrian.bookings"] = BookingDesk(queue.ctx, app.secret_key)
    app.register_blueprint(bookings_api)
    _add_management(app, queue, accounts, publisher)
    _register_front_ends(app, socketio)
    StaticAssets(app)  # versioned asset addresses, cache headers and gzip for static files

    @app.get("/")
    def index():  # type: ignore[no-untyped-def]
        # A phone opening the mall's address is a visitor: the service catalogue.
        # (The public pages register which browsers are phones and where they land.)
        landing = app.extensions.get("antrian.phone_landing")
        if landing is not None and landing[0](request.user_agent.string):
            return redirect(url_for(landing[1]))
        return redirect(url_for("counter.page"))

    @app.get("/favicon.ico")
    def favicon():  # type: ignore[no-untyped-def]
        # Browsers ask for it on their own; the pages link the SVG drawn from the same design.
        return app.send_static_file("favicon.ico")

    @app.get("/healthz")
    def healthz():  # type: ignore[no-untyped-def]
        problems = health_problems(uow, settings.database_url)
        # The message queue down leaves this process serving, and every other one: each
        # relay reads the events from the database meanwhile (core/server/relay.py), so a
        # call reaches every screen about a second late. A 503 here would have the load
        # balancer take every process out at once, for what Redis alone lacks.
        queue_problem = message_queue_problem(settings.message_queue)
        degraded = [queue_problem] if queue_problem else []
        response = jsonify({"ok": not problems, "problems": problems, "degraded": degraded})
        response.status_code = 503 if problems else 200
        return response

    def _database_unavailable(exc: Exception):  # type: ignore[no-untyped-def]
        # Nothing was half-done (the transaction rolled back); the client may try again.
        uow.health.write_failed(exc)
        log.error(
            "request %s %s failed in the database: %s", request.method, request.path, describe(exc)
        )
        response = _error_response(
            503,
            "unavailable",
            "Layanan sementara tidak tersedia / Temporarily unavailable: the database cannot "
            "be reached or written. Please try again shortly.",
        )
        response.headers["Retry-After"] = "30"
        return response

    for kind in DATABASE_ERRORS:
        app.register_error_handler(kind, _database_unavailable)

    @app.get("/api/v1/ping")
    def ping():  # type: ignore[no-untyped-def]
        # The trivial endpoint the benchmark compares real work against.
        return jsonify({"pong": True})

    @app.before_request
    def _refuse_nul_bytes():  # type: ignore[no-untyped-def]
        refusal = nul_in_request()
        if refusal is not None:
            return _error_response(400, "invalid_request", refusal)
        return None

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):  # type: ignore[no-untyped-def]
        # Routing errors (no such path, wrong method) happen before a blueprint is chosen:
        # under /api/ they must still be the API's JSON error, not an HTML page.
        if request.path.startswith("/api/"):
            code = (exc.name or "error").lower().replace(" ", "_")
            response = _error_response(exc.code or 500, code, http_refusal(exc))
            if exc.code == 405 and getattr(exc, "valid_methods", None):
                response.headers["Allow"] = ", ".join(exc.valid_methods)  # type: ignore[attr-defined]
            return response
        return exc

    @app.after_request
    def _no_sniff(response):  # type: ignore[no-untyped-def]
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        if request.path.startswith("/api/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    return app


def prepare_database(
    settings: Settings, first_admin: Callable[[Accounts], None], workers: int = 1
) -> None:
    """The start-up work of `antrian serve` done once per start, in gunicorn's master before
    any worker exists: the schema upgrade (under its database lock, so servers starting at
    once wait for one another), the mall's state rows, and the first admin. Warns when the
    `workers` will not all get their PostgreSQL connections."""
    engine = make_engine(settings.database_url)
    try:
        uow = UnitOfWork(engine)
        QueueService(settings, uow, FanOut()).ensure_ready()
        first_admin(Accounts(settings, uow))
        shortfall = connection_shortfall(engine, workers * settings.database_connections)
        if shortfall:
            log.warning("%s", shortfall)
    finally:
        engine.dispose()


def health_problems(uow: UnitOfWork, database_url: str) -> list[str]:
    """What keeps this server from serving: empty when healthy."""
    problems = []
    try:
        with uow.reading() as conn:
            conn.exec_driver_sql("SELECT 1")
    except DATABASE_ERRORS as exc:
        problems.append(f"database unreachable: {describe(exc)}")
    if uow.health.failure is not None:
        problems.append(f"database writes fail: {uow.health.failure}")
    if sqlite_shared_memory_lost(database_url):
        problems.append(
            "the database's -shm file was deleted while in use: restart every server process"
        )
    free = sqlite_free_bytes(database_url)
    if free is not None and free < MIN_FREE_BYTES:
        problems.append(f"disk almost full: {free // 1024} KiB free beside the database")
    return problems


def _error_response(status: int, code: str, message: str):  # type: ignore[no-untyped-def]
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = status
    return response


def _add_management(app: Flask, queue: QueueService, accounts: Accounts, publisher: FanOut) -> None:
    """The management API (/api/v1/admin) and the alert monitor that watches the hall."""
    from core.management import Management
    from core.server.admin_api import admin_api
    from core.usecases.alerting import AlertMonitor

    app.extensions["antrian.management"] = Management(queue, accounts)
    monitor = AlertMonitor(queue.ctx)
    publisher.subscribe(monitor.on_event)
    app.extensions["antrian.hub"].printer_listeners.append(monitor.heard_printer)
    app.extensions["antrian.alerts"] = monitor
    app.register_blueprint(admin_api)


def _register_front_ends(app: Flask, socketio: SocketIO) -> None:
    """Each front-end brings a blueprint and, optionally, its own socket handlers."""
    import importlib

    for name in ("kiosk", "counter", "display", "public", "booking", "admin", "reports"):
        try:
            module = importlib.import_module(f"{name}.views")
        except ModuleNotFoundError as exc:
            if exc.name != f"{name}.views":
                raise
            continue
        app.register_blueprint(module.blueprint)
        init_socketio = getattr(module, "init_socketio", None)
        if init_socketio is not None:
            init_socketio(socketio, app)


def _stored_secret(uow: UnitOfWork) -> str:
    """A signing key made once and kept in the database, so every process shares it."""
    with uow.writing() as conn:
        # Insert-if-absent: of processes starting at once, the first one's key is kept.
        insert_if_absent(conn, app_settings, {"key": "secret_key", "value": secrets.token_hex(32)})
        return conn.execute(
            select(app_settings.c.value).where(app_settings.c.key == "secret_key")
        ).scalar_one()


def socketio_of(app: Flask) -> SocketIO:
    return app.extensions["antrian.socketio"]
