"""Shared pieces of the server benchmarks: a load generator, percentiles, markdown tables.

Every request goes to 127.0.0.1 only. Each load loop is bounded twice: by a deadline and by a
maximum number of requests, so a benchmark cannot run away on a fast machine or hang on a slow
one.
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from tests.support.live import LiveServer, free_port  # noqa: E402

# A benchmark kiosk without a printer, so that issuing measures issuing (a kiosk with a printer
# also renders and records a print job; bench_server.py measures that separately).
BENCH_KIOSK = {"code": "KB", "name": "Benchmark kiosk", "zone": "A", "printer": None}
HUGE_QUOTA = 1_000_000
MAX_REQUESTS_PER_WORKER = 200_000
TICKS = os.sysconf("SC_CLK_TCK")


def bench_overrides() -> dict[str, Any]:
    """The demo mall with every daily quota raised out of reach, plus a printer-less kiosk.

    Quotas stay set (not null) so issuing still runs the quota check it runs in production.
    """
    data = yaml.safe_load((ROOT / "config.yaml").read_text())
    services = data["services"]
    for service in services:
        if service.get("daily_quota") is not None:
            service["daily_quota"] = HUGE_QUOTA
    kiosks = [k for k in data.get("kiosks", []) if k["code"] != BENCH_KIOSK["code"]]
    return {"services": services, "kiosks": [*kiosks, BENCH_KIOSK]}


# ---------------------------------------------------------------------- servers
class BenchServer(LiveServer):
    """`LiveServer` that can also start the app under another command (gunicorn, gevent).

    `command` gets the config path and port and returns the argv; None runs `antrian serve`
    exactly as `LiveServer` does.
    """

    def __init__(
        self,
        directory: Path,
        command: Callable[[Path, int], list[str]] | None = None,
        env: dict[str, str] | None = None,
        **config_overrides: Any,
    ) -> None:
        super().__init__(directory, **config_overrides)
        self.command = command
        # Keep the test server's environment (its kiosk issue limit is raised out of reach:
        # the benchmark issues hundreds of tickets a second from one kiosk token).
        self.extra_env = {**self.extra_env, **(env or {})}

    def command_line(self) -> list[str]:
        if self.command is None:
            return super().command_line()
        return self.command(self.config_path, self.port)

    def start(self, timeout: float = 30) -> None:
        super().start(timeout)  # gunicorn and gevent take longer to come up

    def cpu_seconds(self) -> float:
        """User + system CPU time so far of the server and its child processes (gunicorn's
        workers), from Linux /proc."""
        assert self.process is not None
        return process_tree_cpu(self.process.pid)


def process_tree_cpu(root: int) -> float:
    stats = {pid: (parent, cpu) for pid, _, parent, cpu in _processes()}
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += stats.get(pid, (0, 0.0))[1]
        todo += [child for child, (parent, _) in stats.items() if parent == pid]
    return total


def _processes() -> list[tuple[int, str, int, float]]:
    """(pid, name, parent pid, user + system CPU seconds) of every process, from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            head, tail = (entry / "stat").read_text().rsplit(")", 1)
        except OSError:
            continue
        fields = tail.split()
        cpu = (int(fields[11]) + int(fields[12])) / TICKS
        found.append((int(entry.name), head.split("(", 1)[1], int(fields[1]), cpu))
    return found


def named_cpu(name: str) -> float:
    """User + system CPU time so far of every process called `name` (e.g. `postgres`: the
    database server shared by the benchmark's processes, its backends included)."""
    return sum(cpu for _, called, _, cpu in _processes() if called == name)


def machine_busy() -> tuple[float, float]:
    """CPU seconds the whole machine spent busy and in all (every core), from /proc/stat: a
    phase's share of busy says whether it was bound by the processors."""
    user, nice, system, idle, iowait, irq, softirq, steal = (
        int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]
    )
    busy = user + nice + system + irq + softirq + steal
    return busy / TICKS, (busy + idle + iowait) / TICKS


# ---------------------------------------------------------------------- client
class Client:
    """One HTTP/1.1 connection to the local server, kept alive when the server allows it
    (Werkzeug closes every connection; gunicorn and gevent keep them). Lighter than requests."""

    def __init__(self, port: int, token: str | None = None, timeout: float = 10) -> None:
        self.port = port
        self.token = token
        self.timeout = timeout
        self.conn: http.client.HTTPConnection | None = None

    def request(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, Any]:
        all_headers = {"Accept": "application/json"}
        if self.token:
            all_headers["Authorization"] = f"Bearer {self.token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            all_headers["Content-Type"] = "application/json"
        elif method == "POST":
            all_headers["Content-Length"] = "0"
        all_headers.update(headers or {})
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            try:
                self.conn.request(method, path, body=data, headers=all_headers)
                response = self.conn.getresponse()
                raw = response.read()
            except (ConnectionError, http.client.HTTPException, TimeoutError):
                self.close()
                if attempt == 2 or method != "GET":
                    raise
                continue
            if response.getheader("Connection", "").lower() == "close":
                self.close()
            try:
                return response.status, json.loads(raw) if raw else None
            except ValueError:
                return response.status, raw
        raise AssertionError("unreachable")

    def get_quietly(self, path: str) -> tuple[int, Any]:
        try:
            return self.request("GET", path)
        except OSError:
            return 0, None

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


# ---------------------------------------------------------------------- load
@dataclass
class PhaseResult:
    name: str
    duration: float
    latencies_ms: list[float] = field(default_factory=list)  # of the measured request only
    requests: int = 0  # measured requests, successful or not
    errors: int = 0
    other_requests: int = 0  # unmeasured follow-up requests (start, finish)
    server_cpu_s: float | None = None
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> int:
        return self.requests - self.errors

    @property
    def throughput(self) -> float:
        return self.ok / self.duration if self.duration else 0.0

    def p(self, q: float) -> float:
        return percentile(self.latencies_ms, q)

    @property
    def cpu_ms_per_request(self) -> float | None:
        total = self.requests + self.other_requests
        if self.server_cpu_s is None or not total:
            return None
        return self.server_cpu_s * 1000 / total


def merged(parts: Sequence[PhaseResult]) -> PhaseResult:
    """One phase run in several slices (interleaved with another phase), as one result."""
    whole = PhaseResult(parts[0].name, sum(p.duration for p in parts))
    for part in parts:
        whole.latencies_ms += part.latencies_ms
        whole.requests += part.requests
        whole.errors += part.errors
        whole.other_requests += part.other_requests
        if part.server_cpu_s is not None:
            whole.server_cpu_s = (whole.server_cpu_s or 0.0) + part.server_cpu_s
    return whole


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


class Step:
    """What one simulated client does per iteration; `run` returns (measured_ms, ok, extra).

    `extra` counts unmeasured follow-up requests. Returning None ends this worker early
    (e.g. a counter whose queue ran dry).
    """

    def run(self) -> tuple[float, bool, int] | None:  # pragma: no cover - interface
        raise NotImplementedError


def run_phase(
    name: str,
    steps: Sequence[Step],
    duration: float,
    server: BenchServer | None = None,
    max_per_worker: int = MAX_REQUESTS_PER_WORKER,
) -> PhaseResult:
    """Run every step in its own thread, all starting together, until the deadline."""
    results: list[list[tuple[float, bool, int]]] = [[] for _ in steps]
    failures: list[BaseException] = []
    start = threading.Barrier(len(steps) + 1)
    deadline = 0.0

    def worker(index: int) -> None:
        start.wait()
        out = results[index]
        step = steps[index]
        try:
            while time.perf_counter() < deadline and len(out) < max_per_worker:
                outcome = step.run()
                if outcome is None:
                    break
                out.append(outcome)
        except BaseException as exc:  # report, do not hide, a broken client
            failures.append(exc)

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(len(steps))]
    for thread in threads:
        thread.start()
    cpu_before = server.cpu_seconds() if server else None
    began = time.perf_counter()
    deadline = began + duration
    start.wait()
    for thread in threads:
        thread.join(duration + 30)
    elapsed = time.perf_counter() - began
    cpu_after = server.cpu_seconds() if server else None
    if failures:
        raise RuntimeError(f"phase {name!r}: a client failed: {failures[0]!r}") from failures[0]
    result = PhaseResult(name, elapsed)
    for out in results:
        for ms, ok, extra in out:
            result.requests += 1
            result.errors += 0 if ok else 1
            result.other_requests += extra
            if ok:
                result.latencies_ms.append(ms)
    if cpu_before is not None and cpu_after is not None:
        result.server_cpu_s = cpu_after - cpu_before
    return result


def timed(call: Callable[[], tuple[int, Any]]) -> tuple[float, int, Any]:
    began = time.perf_counter()
    status, body = call()
    return (time.perf_counter() - began) * 1000, status, body


# ---------------------------------------------------------------------- profiling
class Profiler:
    """py-spy sampling the server during one phase (optional: `pip install py-spy`).

    Writes collapsed stacks (one line per distinct stack, with its sample count), which
    `summarize_stacks` turns into the functions the server spent its time in.
    """

    def __init__(self, pid: int, path: Path, duration: float, rate: int = 250) -> None:
        self.path = path
        self.process = subprocess.Popen(
            [
                "py-spy",
                "record",
                "--pid",
                str(pid),
                "--duration",
                str(max(1, round(duration))),
                "--rate",
                str(rate),
                "--format",
                "raw",
                "--threads",
                "--output",
                str(path),
                "--nonblocking",
                "--gil",  # only the thread holding the GIL: where the CPU time goes
                "--subprocesses",  # gunicorn's worker
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def wait(self, timeout: float = 30) -> None:
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)


# Library frames worth naming next to the project's own: where a request's time goes.
BOUNDARIES = (
    "werkzeug/serving.py:WSGIRequestHandler.handle ",  # the whole request in the dev server
    "werkzeug/serving.py:WSGIRequestHandler.log_request",
    "flask/app.py:Flask.full_dispatch_request",
    "sqlalchemy/engine/base.py:Connection.execute ",
    "sqlalchemy/engine/base.py:Connection.close",
    "sqlalchemy/engine/base.py:Connection.begin",
    "sqlalchemy/engine/base.py:Engine.connect",
    "sqlalchemy/engine/base.py:RootTransaction.commit",
    "flask_socketio/__init__.py:SocketIO.emit",
    "json/encoder.py:JSONEncoder.encode",
)


def summarize_stacks(path: Path, top: int = 30) -> str:
    """Share of the busy samples spent in (inclusive) each of the project's functions and a
    few library boundaries, from py-spy's collapsed stacks."""
    inclusive: dict[str, int] = {}
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        seen: set[str] = set()
        for frame in stack.split(";"):
            # "function (path/to/file.py:line)" -> "path/to/file.py:function"
            function, _, where = frame.partition(" (")
            file = where.rsplit(":", 1)[0]
            short = file.split("site-packages/")[-1]
            key = f"{short}:{function}"
            relative = "core/" + file.split("core/", 1)[1] if "core/" in file else ""
            mine = bool(relative) and "site-packages" not in file
            if not mine and not any((key + " ").startswith(b) for b in BOUNDARIES):
                continue
            if mine:
                key = f"{relative}:{function}"
            if key not in seen:
                inclusive[key] = inclusive.get(key, 0) + count
                seen.add(key)
    if not total:
        return "(no busy samples)"
    lines = [f"{total} samples of the thread holding the GIL; share that was inside:", ""]
    for name, count in sorted(inclusive.items(), key=lambda kv: -kv[1])[:top]:
        lines.append(f"  {100 * count / total:5.1f}%  {name}")
    return "\n".join(lines)


# ---------------------------------------------------------------------- output
def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    def cell(value: Any) -> str:
        if isinstance(value, float):
            if value != value:  # NaN: nothing measured
                return "-"
            return f"{value:.2f}" if abs(value) < 10 else f"{value:.1f}"
        return "-" if value is None else str(value)

    lines = [
        "| " + " | ".join(headers) + " |",
        "| " + " | ".join("---:" if i else "---" for i in range(len(headers))) + " |",
    ]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def machine_note(*, client_and_server: bool = True) -> str:
    import platform

    note = (
        f"{os.cpu_count()} CPUs, {platform.python_implementation()} {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )
    return note + "; client and server share the machine" if client_and_server else note


__all__ = [
    "BENCH_KIOSK",
    "BenchServer",
    "Client",
    "PhaseResult",
    "Profiler",
    "ROOT",
    "Step",
    "bench_overrides",
    "free_port",
    "machine_note",
    "markdown_table",
    "percentile",
    "run_phase",
    "summarize_stacks",
    "timed",
]


def per_call_us(run: Callable[[], Any], calls: int) -> float:
    """Microseconds per call of `run`, over `calls` calls in a row."""
    began = time.perf_counter()
    for _ in range(calls):
        run()
    return (time.perf_counter() - began) / calls * 1e6
