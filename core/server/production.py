"""`antrian serve`: the production WSGI server, gunicorn embedded (no shelling out).

Why gunicorn with the gthread worker: Flask-SocketIO runs in `threading` mode (app.py), and
gunicorn's threaded worker hands each request its own thread and the raw socket
(`gunicorn.socket`), which simple-websocket takes over for the websocket transport. It keeps
HTTP connections alive, which Werkzeug's development server does not, and logs one line per
request (bench/README.md, bench_servers.py: the measurement).

What runs where:
- the master (this process, before any worker exists): the schema upgrade under its lock, the
  mall's state rows, the shared signing key and the first admin: once per start, not per
  worker;
- each worker (after the fork, never inherited from the master): the app itself (its
  database pool, its Redis connections), the relay thread, the day's housekeeping, the session
  checks and the version beacon. Threads do not survive a fork, so nothing that runs one is
  built before it.

An open websocket holds one of its worker's threads for as long as it lasts: `--threads` must
exceed the screens, terminals and visitors' phones one worker keeps connected.
"""

from __future__ import annotations

import ctypes
import faulthandler
import gc
import logging
import os
import signal
import sys
import threading
import traceback
from collections.abc import Callable
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger
from gunicorn.workers.gthread import ThreadWorker

from core.config import Settings

log = logging.getLogger(__name__)

DEFAULT_THREADS = 1024
# Room for kept-alive HTTP connections beside the threads (gunicorn counts both).
KEEPALIVE_CONNECTIONS = 512

LOG_FORMAT = "%(asctime)s [%(process)d] %(levelname)s %(name)s: %(message)s"
# One line per request, once it is answered: client, request line, status, bytes, time taken.
ACCESS_LOG_FORMAT = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'

# Called in the master with (server, worker) whenever a worker process has exited, e.g. to
# drop what a metrics registry kept for its pid. Append to it before `ProductionServer.run`.
ON_CHILD_EXIT: list[Callable[[Any, Any], None]] = []
# Called in the master once, before the first worker is forked (e.g. to prepare a folder the
# workers share).
BEFORE_FIRST_FORK: list[Callable[[], None]] = []

_PR_SET_PDEATHSIG = 1


def logging_config() -> dict[str, Any]:
    """Everything (the app's loggers, gunicorn's, the access lines) through one handler on
    stderr, in one format that names the process: with several workers the pid says which."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "root": {"level": "INFO", "handlers": ["console"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": [], "propagate": True},
            "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": True},
            # Alembic announces each of its plugins at INFO when it is imported.
            "alembic.runtime.plugins": {"level": "WARNING"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "antrian",
                "stream": "ext://sys.stderr",
            }
        },
        "formatters": {"antrian": {"format": LOG_FORMAT}},
    }


class AccessLine(Logger):
    """gunicorn's logger, with the access line built from only what ACCESS_LOG_FORMAT names.

    gunicorn builds every value a format could name for each request (every header and
    environment variable, lowercased twice, the time formatted, a Basic Authorization header
    decoded): about a tenth of a worker's processor time in the queue-depth benchmark
    on PostgreSQL (bench/README.md, run 11). The line is the same, its request line's quotes
    escaped as gunicorn escapes them."""

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        status = resp.status
        if isinstance(status, str):
            status = status.split(None, 1)[0]
        sent = getattr(resp, "sent", None)
        request_line = (
            f"{environ['REQUEST_METHOD']} {environ['RAW_URI']} {environ['SERVER_PROTOCOL']}"
        )
        values = {
            "h": environ.get("REMOTE_ADDR", "-"),
            "r": request_line.replace('"', '\\"'),
            "s": status,
            "b": "-" if sent is None else str(sent),
            "M": request_time.seconds * 1000 + request_time.microseconds // 1000,
        }
        try:
            self.access_log.info(ACCESS_LOG_FORMAT, values)
        except Exception:
            self.error(traceback.format_exc())


class LiveThreadWorker(ThreadWorker):
    """gunicorn's threaded worker that, when told to stop, closes its live connections.

    An open websocket keeps its request (and so the worker) running: without this a stopping
    worker would wait out the whole graceful timeout for screens that never hang up. They are
    closed at the transport (no Socket.IO "disconnect" packet), so every client reconnects on
    its own, to another worker or to the restarted server."""

    def handle_exit(self, sig: int, frame: Any) -> None:
        was_alive = self.alive
        super().handle_exit(sig, frame)
        if was_alive:
            # Out of the signal handler where gunicorn allows (its main loop runs it).
            queue = getattr(self, "method_queue", None)
            if queue is not None:
                queue.defer(self._close_live_connections)
            else:
                self._close_live_connections()

    def _close_live_connections(self) -> None:
        app = getattr(self, "wsgi", None)
        extensions = getattr(app, "extensions", None)
        if not extensions:
            return
        eio = extensions["antrian.socketio"].server.eio
        threading.Thread(target=close_transports, args=(eio,), daemon=True).start()


def close_transports(eio: Any) -> None:
    for socket in list(eio.sockets.values()):
        try:
            socket.close(wait=False, abort=True)
        except Exception:  # a socket already gone; the others still close
            log.debug("closing a live connection failed", exc_info=True)


def _die_with_the_master() -> None:
    """Linux: the kernel ends this worker the moment its master dies, even by SIGKILL.

    A master killed hard (OOM killer, kill -9) would otherwise leave workers serving, with
    nobody to restart them, holding the port the restarted server needs."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: gunicorn's own check stops it within 1 s
        return


def _post_fork(server: Any, worker: Any) -> None:
    _die_with_the_master()
    if os.getppid() != server.pid:  # the master died between the fork and the prctl
        os._exit(0)


def _child_exit(server: Any, worker: Any) -> None:
    for callback in ON_CHILD_EXIT:
        try:
            callback(server, worker)
        except Exception:
            log.exception("a child-exit hook failed")


def _worker_exit(server: Any, worker: Any) -> None:
    """A worker whose requests are done ends at once: its database connections closed
    properly (SQLite checkpoints its WAL file), then no interpreter teardown, which took
    1-2 s of a busy machine while the master and any supervisor waited."""
    # gunicorn calls this while the worker's SystemExit is on its way: keep its status (a
    # worker that failed to boot tells the master so, which then stops instead of retrying).
    leaving = sys.exc_info()[1]
    code = leaving.code if isinstance(leaving, SystemExit) else (1 if leaving else 0)
    app = getattr(worker, "wsgi", None)
    queue = getattr(app, "extensions", {}).get("antrian.queue")
    if queue is not None:  # the wait estimates noted since the last flush (core/promises.py)
        queue.ctx.promises.flush(queue.uow)
    engine = getattr(app, "extensions", {}).get("antrian.engine")
    if engine is not None:
        engine.dispose()
    _exit_now(code)


def _exit_now(code: Any) -> None:
    if isinstance(code, str):
        print(code, file=sys.stderr)
        code = 1
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code or 0)


def _pre_fork(server: Any, worker: Any) -> None:
    while BEFORE_FIRST_FORK:
        BEFORE_FIRST_FORK.pop(0)()


class ProductionServer(BaseApplication):
    """gunicorn with our settings, run inside `antrian serve`'s own process."""

    def __init__(
        self,
        load_app: Callable[[], Any],
        *,
        host: str,
        port: int,
        workers: int = 1,
        threads: int = DEFAULT_THREADS,
        when_ready: Callable[[], None] | None = None,
    ) -> None:
        self.load_app = load_app
        self.options = {
            "bind": [f"{host}:{port}"],
            "workers": workers,
            "worker_class": f"{__name__}.LiveThreadWorker",
            "threads": threads,
            "worker_connections": threads + KEEPALIVE_CONNECTIONS,
            # Built in each worker after the fork: nothing with a thread or a connection
            # crosses it.
            "preload_app": False,
            "accesslog": "-",
            "access_log_format": ACCESS_LOG_FORMAT,
            "logger_class": f"{__name__}.AccessLine",
            "logconfig_dict": logging_config(),
            "proc_name": "antrian",
            # gunicorn's runtime control socket sits at one path per user: two servers on a
            # machine would fight over it, and nothing here uses it.
            "control_socket_disable": True,
            "post_fork": _post_fork,
            "pre_fork": _pre_fork,
            "child_exit": _child_exit,
            "worker_exit": _worker_exit,
            "when_ready": (lambda _server: when_ready()) if when_ready else (lambda _s: None),
        }
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in self.cfg.settings:  # control_socket_disable: gunicorn 25 and later
                self.cfg.set(key, value)

    def load(self) -> Any:
        return self.load_app()

    def run(self) -> None:
        """Serve until stopped, then end the process (see `_worker_exit`): the workers are
        gone and the master holds no connection, so nothing is left to tear down."""
        from core.server import metrics

        # /metrics sums every worker's values: the folder they write is ready before the
        # first fork, and a worker that ended stops counting in the live gauges.
        BEFORE_FIRST_FORK.append(metrics.prepare_folder)
        ON_CHILD_EXIT.append(lambda _server, worker: metrics.process_exited(worker.pid))
        try:
            super().run()
        except SystemExit as stop:
            _exit_now(stop.code)
        _exit_now(0)


def worker_app(settings: Settings, session_check_seconds: float, *, websocket_only: bool) -> Any:
    """The app of one worker process, with every background duty of a server started."""
    from core.accounts import warm_up
    from core.server.app import create_app

    faulthandler.enable()
    # Several processes behind one port: a long-polling session's requests would land on
    # different workers, so only the websocket transport (one connection, one worker).
    app = create_app(settings, websocket_only=websocket_only)
    start_duties(app, session_check_seconds)
    warm_up()
    set_start_up_aside()
    return app


def set_start_up_aside() -> int:
    """Keep what the worker built at start (modules, the app, SQLAlchemy's tables and
    compiled statements: ~180,000 objects) out of every later garbage collection.

    None of it is ever garbage, yet a full collection walks all of it with the interpreter
    held: 90-120 ms once in each worker's first minute under load and again whenever a
    quarter more objects have lived long, every request in that process waiting meanwhile
    (bench/README.md, run 13 and bench_gc_pause.py). Frozen, a full collection walks only
    what came after. Returns how many objects were set aside."""
    gc.collect()  # what start-up left as garbage is freed, not frozen
    gc.freeze()
    kept = gc.get_freeze_count()
    log.info("%d objects of the worker's start-up set aside from garbage collection", kept)
    return kept


def start_duties(app: Any, session_check_seconds: float) -> None:
    """The threads a serving process runs (in the process that serves: after any fork)."""
    from core.server import housekeeping
    from core.server.app import socketio_of

    hub = app.extensions["antrian.hub"]
    # Fan-out to many screens: emit from a relay thread, and let a thread keep the GIL for
    # 20 ms instead of 5 so one emit loop is not cut up by the writer threads it wakes
    # (bench/RESULTS-fanout.md has the measurements).
    hub.start_relay()
    housekeeping.start(
        socketio_of(app),
        app.extensions["antrian.queue"],
        desk=app.extensions.get("antrian.bookings"),
    )
    # The wait estimates given: written in batches (ANTRIAN_ESTIMATE_FLUSH_SECONDS).
    housekeeping.start_promise_flush(
        socketio_of(app), app.extensions["antrian.queue"], housekeeping.promise_flush_seconds()
    )
    # The managers' alerts: waits past their target, long breaks, failed printers.
    housekeeping.start_alerts(socketio_of(app), app.extensions["antrian.alerts"])
    # A kiosk printer that failed is asked again now and then: its recovery is news.
    if app.extensions.get("antrian.printing") is not None:
        housekeeping.start_printer_checks(socketio_of(app), app.extensions["antrian.printing"])
    # Cut live connections whose session ended (expired, revoked, disabled) and close the
    # counters their officers left open; ANTRIAN_SESSION_CHECK_SECONDS sets how often.
    hub.start_session_checks(session_check_seconds)
    # Screens hear the database's version every few seconds when it moved, so an event lost
    # while the message queue was down is caught up by a snapshot.
    hub.start_version_beacon()
    sys.setswitchinterval(0.02)
