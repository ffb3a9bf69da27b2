"""`/metrics` for Prometheus, correct with one process or many.

prometheus-client keeps each process's counters in memory, which a scrape of one gunicorn
worker would report as if they were the whole server's. In multi-process mode
(`PROMETHEUS_MULTIPROC_DIR` set before the library is first imported) every process writes its
values to small memory-mapped files in that folder and a scrape sums them. `prepare_folder`
is called by `antrian serve` in the master before any worker exists, so it must not import
prometheus-client itself: the library reads the variable once, at import.

What is measured, and where it comes from:
- requests and their latency: a before/after hook on every request, labelled by the URL rule
  (not the path: ticket ids would make a series per visitor);
- tickets issued and called, and every other ticket event: a subscriber to the committed
  events of this process (each event is published once, by the process that made it);
- print failures: the kiosk printing's outcomes;
- connected clients by kind: each process samples its own Socket.IO connections every few
  seconds into a gauge the scrape sums over live processes;
- waiting per service: read from the database at scrape time, so it is the truth whichever
  process answers;
- event relay lag: from the moment an event is handed to the relay to its emit.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask, Response, g, request

log = logging.getLogger(__name__)

ENVIRONMENT_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
SAMPLE_SECONDS = 5.0
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
LAG_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0)


def prepare_folder(folder: Path | None = None) -> Path:
    """Make `folder` (or the one `PROMETHEUS_MULTIPROC_DIR` names, or a new temporary one)
    the multi-process metrics folder, without the values files of a previous run.

    Call once, in the process that forks the workers, before prometheus-client is imported
    anywhere (the library decides at import whether it is in multi-process mode). Only the
    library's own `*.db` files are removed: the folder may be one an operator chose."""
    if folder is None:
        named = os.environ.get(ENVIRONMENT_VARIABLE)
        folder = Path(named) if named else Path(tempfile.mkdtemp(prefix="antrian-metrics-"))
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink(missing_ok=True)
    os.environ[ENVIRONMENT_VARIABLE] = str(folder)
    return folder


def process_exited(pid: int) -> None:
    """A worker ended: its live gauges (connected clients) stop counting (gunicorn child_exit)."""
    if os.environ.get(ENVIRONMENT_VARIABLE):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)


class Metrics:
    """The server's metric objects, made once per process when the app is built."""

    def __init__(self) -> None:
        from prometheus_client import Counter, Gauge, Histogram

        self.requests = Counter(
            "antrian_http_requests_total",
            "HTTP requests answered, by method, URL rule and status.",
            ["method", "endpoint", "status"],
        )
        self.latency = Histogram(
            "antrian_http_request_duration_seconds",
            "Time to answer an HTTP request, by method and URL rule.",
            ["method", "endpoint"],
            buckets=LATENCY_BUCKETS,
        )
        self.ticket_events = Counter(
            "antrian_ticket_events_total",
            "Committed ticket events (ticket.issued, ticket.called, ...), by service.",
            ["event", "service"],
        )
        self.tickets_issued = Counter(
            "antrian_tickets_issued_total",
            "Tickets issued, by service and channel.",
            ["service", "channel"],
        )
        self.tickets_called = Counter(
            "antrian_tickets_called_total",
            "Tickets called (recalls excluded), by service.",
            ["service"],
        )
        self.print_failures = Counter(
            "antrian_print_failures_total",
            "Kiosk ticket prints that failed, by kiosk.",
            ["kiosk"],
        )
        # Several processes: each writes its own count, the scrape sums the live ones. One
        # process (which may hold several apps, as the tests do): counted at scrape time from
        # the app asked (ConnectionsCollector), with no sampling thread.
        self.multiprocess = bool(os.environ.get(ENVIRONMENT_VARIABLE))
        self.connected = (
            Gauge(
                "antrian_connected_clients",
                CONNECTED_HELP,
                ["kind"],
                multiprocess_mode="livesum",
            )
            if self.multiprocess
            else None
        )
        self.relay_lag = Histogram(
            "antrian_event_relay_lag_seconds",
            "From a committed event's hand-over to the relay to its emit.",
            buckets=LAG_BUCKETS,
        )

    # -------------------------------------------------------------- feeding
    def on_event(self, event: Any) -> None:
        """A committed event of this process (a FanOut subscriber)."""
        ticket = getattr(event, "ticket", None)
        if not isinstance(ticket, dict) or not ticket:
            return
        service = str(ticket.get("service", ""))
        self.ticket_events.labels(event.name, service).inc()
        if event.name == "ticket.issued":
            self.tickets_issued.labels(service, str(ticket.get("channel", "kiosk"))).inc()
        elif event.name == "ticket.called":
            self.tickets_called.labels(service).inc()

    def on_print(self, kiosk: str, ok: bool) -> None:
        if not ok:
            self.print_failures.labels(kiosk).inc()

    def observe_relay_lag(self, seconds: float) -> None:
        self.relay_lag.observe(max(0.0, seconds))

    def sample_connections(self, counts: dict[str, int]) -> None:
        if self.connected is None:
            return
        for kind in CLIENT_KINDS:
            self.connected.labels(kind).set(counts.get(kind, 0))


CLIENT_KINDS = ("display", "kiosk", "officer", "admin", "ticket_page")
CONNECTED_HELP = "Live Socket.IO connections, by kind of client (summed over live processes)."


class ConnectionsCollector:
    """`antrian_connected_clients{kind}` of one app, counted when scraped (one process)."""

    def __init__(self, connections: Callable[[], dict[str, int]]) -> None:
        self.connections = connections

    def collect(self):  # type: ignore[no-untyped-def]
        from prometheus_client.core import GaugeMetricFamily

        family = GaugeMetricFamily("antrian_connected_clients", CONNECTED_HELP, labels=["kind"])
        counts = self.connections()
        for kind in CLIENT_KINDS:
            family.add_metric([kind], float(counts.get(kind, 0)))
        yield family


class WaitingCollector:
    """`antrian_waiting_tickets{service}`, read from the database when scraped."""

    def __init__(self, overview: Callable[[], list[dict[str, Any]]]) -> None:
        self.overview = overview

    def collect(self):  # type: ignore[no-untyped-def]
        from prometheus_client.core import GaugeMetricFamily

        family = GaugeMetricFamily(
            "antrian_waiting_tickets", "Tickets waiting now, by service.", labels=["service"]
        )
        try:
            rows = self.overview()
        except Exception as exc:  # the database is down: /healthz says so; scrape the rest
            log.warning("waiting counts unavailable for /metrics: %s", exc)
            rows = []
        for row in rows:
            family.add_metric([str(row["code"])], float(row.get("waiting", 0)))
        yield family


class ConnectionSampler:
    """Samples this process's live connections into the gauge, from a thread of its own.

    Started lazily by the first request each process answers, so a process forked after the
    app was built (a gunicorn worker) runs its own sampler instead of a dead copy."""

    def __init__(self, metrics: Metrics, count: Callable[[], dict[str, int]]) -> None:
        self.metrics = metrics
        self.count = count
        self._pid: int | None = None
        self._lock = threading.Lock()

    def ensure_running(self) -> None:
        if self._pid == os.getpid():
            return
        with self._lock:
            if self._pid == os.getpid():
                return
            self._pid = os.getpid()
            threading.Thread(target=self._loop, name="metrics-sampler", daemon=True).start()

    def sample(self) -> None:
        try:
            self.metrics.sample_connections(self.count())
        except Exception:  # a failed sample is retried at the next one
            log.exception("sampling the live connections failed")

    def _loop(self) -> None:
        while True:
            self.sample()
            time.sleep(SAMPLE_SECONDS)


_PROCESS_METRICS: Metrics | None = None
_PROCESS_LOCK = threading.Lock()


def process_metrics() -> Metrics:
    """The metrics of this process: made once, shared by every app built in it (tests build
    many; a metric name can be registered only once per process)."""
    global _PROCESS_METRICS
    with _PROCESS_LOCK:
        if _PROCESS_METRICS is None:
            _PROCESS_METRICS = Metrics()
        return _PROCESS_METRICS


def install(
    app: Flask,
    *,
    overview: Callable[[], list[dict[str, Any]]],
    connections: Callable[[], dict[str, int]],
) -> Metrics:
    """Add `/metrics` and the request hooks; returns the metrics for the other parts to feed."""
    from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

    metrics = process_metrics()
    sampler = ConnectionSampler(metrics, connections)
    waiting = WaitingCollector(overview)

    @app.before_request
    def _start_timer() -> None:
        g.metrics_started = time.perf_counter()
        if metrics.multiprocess:
            sampler.ensure_running()

    @app.after_request
    def _count(response: Response) -> Response:
        started = g.pop("metrics_started", None)
        if started is not None:
            rule = request.url_rule.rule if request.url_rule is not None else "unmatched"
            metrics.requests.labels(request.method, rule, str(response.status_code)).inc()
            metrics.latency.labels(request.method, rule).observe(time.perf_counter() - started)
        return response

    @app.get("/metrics")
    def prometheus_metrics() -> Response:
        extra: list[Any] = [waiting]
        if metrics.multiprocess:
            sampler.sample()  # this process's count is fresh, whatever the sampler's phase
            from prometheus_client import multiprocess

            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry, path=os.environ[ENVIRONMENT_VARIABLE])
        else:
            from prometheus_client import REGISTRY

            registry = REGISTRY
            extra.append(ConnectionsCollector(connections))
        body = generate_latest(registry) + b"".join(generate_latest(_Only(c)) for c in extra)
        return Response(
            body,
            mimetype=CONTENT_TYPE_LATEST.split(";")[0],
            headers={
                "Content-Type": CONTENT_TYPE_LATEST,
                "Cache-Control": "no-store",
            },
        )

    return metrics


class _Only:
    """A registry-like object with one collector, for `generate_latest`."""

    def __init__(self, collector: Any) -> None:
        self.collector = collector

    def collect(self):  # type: ignore[no-untyped-def]
        yield from self.collector.collect()
