"""Flask-SocketIO async mode: threading (simple-websocket) against gevent, same workload.

For each mode a real server runs in its own process on 127.0.0.1 (SQLite in a temporary
folder), started by this file's `serve` subcommand: threading runs `antrian serve` itself;
gevent monkey-patches first, then builds the app from `create_app` with the async mode switched
and serves it with gevent's pywsgi (the project always runs threading; gevent is never a
dependency of Antrian). Then:

  HTTP         8 keep-alive clients on GET /api/v1/ping, then POST /api/v1/tickets
  connect      N python-socketio clients (websocket transport, in child processes) sign in as
               hallway displays, so each hears every event of the mall, and get their snapshot
  fan-out      counters call the next visitor at a steady pace; latency from just before the
               call-next request to each client's `ticket.called` handler (both read
               time.monotonic(), one clock for the machine)
  HTTP again   while the N sockets stay connected (every issue is also an event to all)
  stuck printer  a kiosk prints to a printer that never takes the bytes while a client pings

    python bench/bench_async_modes.py                       # both modes, 200 clients
    python bench/bench_async_modes.py --modes threading --clients 100 --calls 10

gevent mode needs `gevent` and `gevent-websocket`. If this interpreter lacks them, the bench
makes a throw-away virtual environment in the system temp folder (with access to this
interpreter's packages) and pip-installs the two there; `--gevent-python` names an interpreter
that already has them. Every loop is bounded by a count and a deadline.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
MODES = ("threading", "gevent")


# ---------------------------------------------------------------------- the server side
def serve(argv: list[str]) -> int:
    """Run the app under one async mode (this process is the server)."""
    parser = argparse.ArgumentParser(prog="bench_async_modes.py serve")
    parser.add_argument("--mode", choices=MODES, required=True)
    parser.add_argument("--config", required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    if args.mode == "gevent":
        from gevent import monkey

        monkey.patch_all()  # before anything imports socket, ssl, threading
    sys.path.insert(0, str(ROOT))
    if args.mode == "threading":  # exactly what an operator runs: `antrian serve`
        from core.server.cli import main as antrian

        print("serving with async_mode=threading (antrian serve)", flush=True)
        return antrian(
            ["--config", args.config, "serve", "--host", "127.0.0.1", "--port", str(args.port)]
        )
    import core.server.app as app_module

    # The composition root reads ASYNC_MODE when it builds the SocketIO object; the project
    # keeps it "threading", the benchmark switches it for this process only.
    app_module.ASYNC_MODE = args.mode
    app = app_module.create_app(config_path=args.config)
    socketio = app_module.socketio_of(app)
    hub = app.extensions["antrian.hub"]
    if hasattr(hub, "start_relay"):
        hub.start_relay()  # as `antrian serve` does (a greenlet here)
    print(f"serving with async_mode={socketio.async_mode}", flush=True)
    # What socketio.run does for gevent (pywsgi with gevent-websocket's handler), except that
    # the listening socket gets TCP_NODELAY, which accepted sockets inherit: without it pywsgi's
    # separate header and body writes meet the client's delayed ACK and every keep-alive
    # response waits about 40 ms.
    import socket

    from gevent import pywsgi
    from geventwebsocket.handler import WebSocketHandler

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    listener.bind(("127.0.0.1", args.port))
    listener.listen(1024)
    pywsgi.WSGIServer(listener, app, handler_class=WebSocketHandler).serve_forever()
    return 0


def gevent_python(explicit: str | None) -> str:
    """An interpreter that can import gevent and geventwebsocket."""
    candidates = [explicit] if explicit else [sys.executable]
    venv = Path(tempfile.gettempdir()) / "antrian-bench-gevent-venv"
    candidates.append(str(venv / "bin" / "python"))
    probe = "import gevent, geventwebsocket"
    for python in candidates:
        usable = python and Path(python).exists()
        if usable and subprocess.run([python, "-c", probe], capture_output=True).returncode == 0:
            return python
    if explicit:
        raise SystemExit(f"{explicit} cannot import gevent and geventwebsocket")
    print(f"Making a throw-away venv with gevent in {venv} ...", flush=True)
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "gevent", "gevent-websocket"], check=True
    )
    return python


# ---------------------------------------------------------------------- the client side
class Screens:
    """N python-socketio clients signed in as displays, recording each `ticket.called`."""

    def __init__(self, port: int, token: str, count: int) -> None:
        import socketio

        self.port = port
        self.token = token
        self.received: list[tuple[str, float]] = []  # (ticket number, monotonic time)
        self.snapshots = 0
        self.lock = threading.Lock()
        self.clients: list[Any] = []
        for _ in range(count):
            client = socketio.Client(reconnection=False)
            client.on("ticket.called", self._on_called)
            client.on("snapshot", self._on_snapshot)
            self.clients.append(client)

    def _on_called(self, payload: dict[str, Any]) -> None:
        at = time.monotonic()
        with self.lock:
            self.received.append((payload["ticket"]["number"], at))

    def _on_snapshot(self, _payload: dict[str, Any]) -> None:
        with self.lock:
            self.snapshots += 1

    def connect(self, parallel: int = 10, timeout: float = 120) -> float:
        """Connect all clients, `parallel` at a time; returns the seconds it took."""
        began = time.monotonic()
        deadline = began + timeout
        pending = list(self.clients)
        lock = threading.Lock()
        failures: list[BaseException] = []

        def work() -> None:
            while time.monotonic() < deadline:
                with lock:
                    if not pending:
                        return
                    client = pending.pop()
                try:
                    client.connect(
                        f"http://127.0.0.1:{self.port}",
                        auth={"token": self.token},
                        transports=["websocket"],
                        wait_timeout=10,
                    )
                except Exception as exc:  # counted and reported, not hidden
                    failures.append(exc)

        threads = [threading.Thread(target=work, daemon=True) for _ in range(parallel)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout + 15)
        if failures:
            raise RuntimeError(f"{len(failures)} clients failed to connect: {failures[0]!r}")
        while self.snapshots < len(self.clients) and time.monotonic() < deadline:
            time.sleep(0.05)
        return time.monotonic() - began

    def disconnect(self, timeout: float = 20) -> None:
        """Disconnect every client, in parallel, best effort, bounded in time."""

        def close(client: Any) -> None:
            with contextlib.suppress(Exception):
                client.disconnect()

        threads = [threading.Thread(target=close, args=(c,), daemon=True) for c in self.clients]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + timeout
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))


def screens_process(argv: list[str]) -> int:
    """A child process holding some of the clients, so the sockets' own Python work is not
    done by the process that sends the HTTP load. Talks JSON lines over stdin/stdout:
    prints {"ready"}, then answers `report <calls>` with what it received, and ends on `quit`.
    """
    parser = argparse.ArgumentParser(prog="bench_async_modes.py screens")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--count", type=int, required=True)
    args = parser.parse_args(argv)
    screens = Screens(args.port, args.token, args.count)
    seconds = screens.connect()
    print(json.dumps({"ready": seconds, "snapshots": screens.snapshots}), flush=True)
    for line in sys.stdin:
        command, _, value = line.strip().partition(" ")
        if command == "report":
            expected = int(value) * args.count
            deadline = time.monotonic() + 20
            while len(screens.received) < expected and time.monotonic() < deadline:
                time.sleep(0.05)
            with screens.lock:
                received = list(screens.received)
            print(json.dumps({"received": received}), flush=True)
        elif command == "quit":
            break
    screens.disconnect()
    return 0


class ScreenGroup:
    """The clients, split over a few child processes."""

    def __init__(self, port: int, token: str, count: int, processes: int) -> None:
        sizes = [count // processes + (1 if i < count % processes else 0) for i in range(processes)]
        self.children = [
            subprocess.Popen(
                [
                    sys.executable,
                    str(Path(__file__).resolve()),
                    "screens",
                    "--port",
                    str(port),
                    "--token",
                    token,
                    "--count",
                    str(size),
                ],  # fmt: skip
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            for size in sizes
            if size
        ]

    def _answer(self, child: subprocess.Popen[str], key: str) -> Any:
        assert child.stdout is not None
        for line in child.stdout:  # ends at EOF if the child dies
            if line.startswith("{"):
                data = json.loads(line)
                if key in data:
                    return data
        raise RuntimeError(f"a screens process ended without {key!r}")

    def ready(self) -> float:
        """Seconds until the slowest child had all its clients connected with a snapshot."""
        return max(self._answer(child, "ready")["ready"] for child in self.children)

    def received(self, calls: int) -> list[tuple[str, float]]:
        for child in self.children:
            assert child.stdin is not None
            child.stdin.write(f"report {calls}\n")
            child.stdin.flush()
        received: list[tuple[str, float]] = []
        for child in self.children:
            received += [(number, at) for number, at in self._answer(child, "received")["received"]]
        return received

    def close(self) -> None:
        for child in self.children:
            with contextlib.suppress(OSError):
                assert child.stdin is not None
                child.stdin.write("quit\n")
                child.stdin.close()
        for child in self.children:
            try:
                child.wait(30)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait(10)


def fan_out(
    server: Any, screens: ScreenGroup, officers: dict[int, str], calls: int, interval: float
) -> tuple[dict[str, Any], dict[str, float]]:
    """Call `calls` visitors, one every `interval` seconds round-robin over the counters;
    each counter starts and finishes its visitor before calling again. Returns when each
    number was called (monotonic seconds)."""
    from common import Client

    clients = {number: Client(server.port, token) for number, token in officers.items()}
    sent: dict[str, float] = {}
    current: dict[int, str | None] = dict.fromkeys(officers)
    numbers = list(officers)
    began = time.monotonic()
    for i in range(calls):
        counter = numbers[i % len(numbers)]
        client = clients[counter]
        if current[counter]:
            for action in ("start", "finish"):
                path = f"/api/v1/tickets/{current[counter]}/{action}"
                status, body = client.request("POST", path)
                if status != 200:
                    raise RuntimeError(f"{action} at counter {counter} answered {status}: {body}")
        time.sleep(max(0.0, began + i * interval - time.monotonic()))
        at = time.monotonic()
        status, body = client.request("POST", f"/api/v1/counters/{counter}/call-next")
        if status != 200:
            raise RuntimeError(f"call-next at counter {counter} answered {status}: {body}")
        sent[body["number"]] = at
        current[counter] = body["id"]
    return {"calls": calls}, sent


def delivery_figures(
    received: list[tuple[str, float]], sent: dict[str, float], expected: int
) -> dict[str, Any]:
    from common import percentile

    latencies = [(at - sent[number]) * 1000 for number, at in received if number in sent]
    return {
        "deliveries": len(latencies),
        "expected": expected,
        "p50": percentile(latencies, 50),
        "p99": percentile(latencies, 99),
        "max": max(latencies) if latencies else float("nan"),
    }


def stuck_printer(server: Any, fifo: Path, seconds: float = 5) -> dict[str, Any]:
    """A kiosk prints to a printer that never takes the bytes (2 s print timeout) while
    another client pings for `seconds`. Then the printer is unstuck (the FIFO is read)."""
    from common import Client

    kiosk = server.device_token("bench-kiosk-stuck", "kiosk", kiosk="KS")
    outcome: dict[str, Any] = {}

    def issue() -> None:
        began = time.monotonic()
        try:
            status, body = Client(server.port, kiosk, timeout=seconds + 20).request(
                "POST", "/api/v1/tickets", {"service": "IKD"}
            )
            outcome["issue"] = f"{status}, print {body.get('print', {}).get('status')}"
        except OSError as exc:
            outcome["issue"] = f"no answer ({type(exc).__name__})"
        outcome["issue_s"] = time.monotonic() - began

    thread = threading.Thread(target=issue, daemon=True)
    thread.start()
    time.sleep(0.3)  # the kiosk's request is in the server
    pinger = Client(server.port, timeout=1.0)
    answered = failed = 0
    slowest = 0.0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and answered + failed < 100_000:
        began = time.monotonic()
        try:
            status, _ = pinger.request("GET", "/api/v1/ping")
            answered += status == 200
            failed += status != 200
        except OSError:
            pinger.close()
            failed += 1
        slowest = max(slowest, time.monotonic() - began)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # unstick the writer
    try:
        end = time.monotonic() + 5
        while time.monotonic() < end:
            try:
                if not os.read(reader, 65536) and not thread.is_alive():
                    break
            except BlockingIOError:
                time.sleep(0.05)
            if not thread.is_alive():
                break
    finally:
        os.close(reader)
    thread.join(25)
    return {"answered": answered, "failed": failed, "slowest_s": slowest, **outcome}


def run_mode(mode: str, python: str, args: argparse.Namespace) -> dict[str, Any]:
    from bench_server import Issue, Ping, issue_sequence, service_weights
    from common import BenchServer, Client, PhaseResult, bench_overrides, run_phase

    def command(config_path: Path, port: int) -> list[str]:
        return [python, str(Path(__file__).resolve()), "serve", "--mode", mode,
                "--config", str(config_path), "--port", str(port)]  # fmt: skip

    tmp = Path(tempfile.mkdtemp(prefix=f"antrian-bench-{mode}-"))
    overrides = bench_overrides()
    stuck = tmp / "stuck-printer"  # a FIFO nobody reads: opening it to write never returns
    os.mkfifo(stuck)
    overrides["kiosks"].append(
        {"code": "KS", "name": "Stuck printer", "zone": "A",
         "printer": {"kind": "file", "device": str(stuck), "timeout_seconds": 2}}
    )  # fmt: skip
    server = BenchServer(tmp, command=command, **overrides)
    server.start()
    screens: ScreenGroup | None = None
    try:
        display = server.device_token("bench-display", "display", zone="A")
        counters = list(range(1, args.counters + 1))
        officers: dict[int, str] = {}
        for number in counters:
            name = f"petugas{number:02d}"
            server.add_officer(name, "bench-password-1", counters=[number])
            officers[number] = server.login(name, "bench-password-1", counter=number)
        server.add_officer("resepsionis", "bench-password-1", counters=[21])
        issuer = server.login("resepsionis", "bench-password-1", counter=21)
        client = Client(server.port, issuer)
        per_counter = args.calls // len(counters) + 2
        for number in counters:  # enough waiting at every counter for every call, bounded
            service = server.settings.counter(number).services[0]
            for _ in range(per_counter):
                client.request("POST", "/api/v1/tickets", {"service": service})

        sequence = issue_sequence(service_weights(server.settings))
        port, n = server.port, args.http_clients

        def http_phases() -> tuple[PhaseResult, PhaseResult]:
            ping = run_phase("ping", [Ping(port) for _ in range(n)], args.duration, server)
            issuers = [Issue(port, issuer, sequence, i * 7) for i in range(n)]
            return ping, run_phase("issue", issuers, args.duration, server)

        quiet = http_phases()
        cpu0 = server.cpu_seconds()
        screens = ScreenGroup(server.port, display, args.clients, args.screen_processes)
        connect_s = screens.ready()
        cpu1 = server.cpu_seconds()
        _, sent = fan_out(server, screens, officers, args.calls, args.interval)
        fan = delivery_figures(screens.received(args.calls), sent, args.calls * args.clients)
        cpu2 = server.cpu_seconds()

        loaded = http_phases()
        hang = stuck_printer(server, stuck)
        with open(server.log_path, errors="replace") as log:
            mode_line = next((line.strip() for line in log if "async_mode=" in line), "?")
        return {
            "mode": mode,
            "reported": mode_line,
            "clients": args.clients,
            "connect_s": connect_s,
            "connect_cpu_s": cpu1 - cpu0,
            "fan": fan,
            "fan_cpu_ms_per_call": (cpu2 - cpu1) * 1000 / max(1, args.calls),
            "quiet": quiet,
            "loaded": loaded,
            "hang": hang,
        }
    finally:
        if screens is not None:
            screens.close()
        server.stop()
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)


def render(results: list[dict[str, Any]], args: argparse.Namespace) -> str:
    from common import machine_note, markdown_table

    fan_table = markdown_table(
        [
            "mode",
            f"connect {args.clients} s",
            "deliveries",
            "delivery p50 ms",
            "delivery p99 ms",
            "server CPU ms per call cycle",
        ],
        [
            [
                r["mode"],
                r["connect_s"],
                f"{r['fan']['deliveries']}/{r['fan']['expected']}",
                r["fan"]["p50"],
                r["fan"]["p99"],
                r["fan_cpu_ms_per_call"],
            ]
            for r in results
        ],
    )
    http_rows = []
    for r in results:
        for label, (ping, issue) in (
            ("no sockets", r["quiet"]),
            (f"{args.clients} sockets", r["loaded"]),
        ):
            http_rows.append(
                [
                    r["mode"],
                    label,
                    ping.throughput,
                    ping.p(99),
                    issue.throughput,
                    issue.p(50),
                    issue.p(99),
                    ping.errors + issue.errors,
                    issue.cpu_ms_per_request,
                ]
            )
    http_table = markdown_table(
        [
            "mode",
            "connected",
            "ping/s",
            "ping p99 ms",
            "issue/s",
            "issue p50 ms",
            "issue p99 ms",
            "errors",
            "server CPU ms/issue",
        ],
        http_rows,
    )
    hang_table = markdown_table(
        ["mode", "pings answered", "pings failed (1 s timeout)", "slowest ping s", "kiosk got",
         "after s"],
        [
            [r["mode"], r["hang"]["answered"], r["hang"]["failed"], r["hang"]["slowest_s"],
             r["hang"].get("issue"), r["hang"].get("issue_s")]
            for r in results
        ],
    )  # fmt: skip
    return "\n".join(
        [
            f"## Async modes ({args.clients} display sockets; {args.calls} calls, one every "
            f"{args.interval:g} s over {args.counters} counters; {args.http_clients} HTTP "
            f"clients x {args.duration:g} s per phase)",
            "",
            f"Machine: {machine_note()}.",
            "",
            "Fan-out: call-next to each display's `ticket.called` (a call cycle is start, finish"
            f" and call-next, three events to {args.clients} sockets):",
            "",
            fan_table,
            "",
            "HTTP, before the sockets connect and while they are connected (every issued ticket"
            " is an event to all of them):",
            "",
            http_table,
            "",
            "A kiosk printer that never takes the bytes (print timeout 2 s), while another client"
            " pings for 5 s:",
            "",
            hang_table,
            "",
            *[f"- {r['mode']}: server said `{r['reported']}`" for r in results],
        ]
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--clients", type=int, default=200, help="socket.io clients")
    parser.add_argument("--calls", type=int, default=20, help="call-next actions")
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between calls")
    parser.add_argument("--counters", type=int, default=4)
    parser.add_argument("--screen-processes", type=int, default=2, help="client processes")
    parser.add_argument("--http-clients", type=int, default=8)
    parser.add_argument("--duration", type=float, default=4, help="seconds per HTTP phase")
    parser.add_argument("--gevent-python", help="an interpreter with gevent installed")
    parser.add_argument("--markdown", type=Path, help="also write the results to this file")
    args = parser.parse_args(argv)
    # A terminated benchmark still stops the server it started (the finally blocks run).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    sys.path.insert(0, str(HERE))
    results = []
    for mode in args.modes.split(","):
        python = gevent_python(args.gevent_python) if mode == "gevent" else sys.executable
        print(f"{mode}: {args.clients} clients ...", flush=True)
        results.append(run_mode(mode, python, args))
    report = render(results, args)
    print(report)
    if args.markdown:
        args.markdown.write_text(report + "\n")
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["serve"]:
        raise SystemExit(serve(sys.argv[2:]))
    if sys.argv[1:2] == ["screens"]:
        raise SystemExit(screens_process(sys.argv[2:]))
    raise SystemExit(main(sys.argv[1:]))
