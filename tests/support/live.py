"""A real Antrian server in its own process on 127.0.0.1, for socket and browser tests.

The server runs `antrian serve` exactly as an operator would, on a copy of the demo mall whose
hours cover the whole day (tests run at any hour), with its own SQLite file. Tests create
accounts and devices through `Accounts` on the same database file.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import requests
import yaml
from argon2 import PasswordHasher

import core.accounts
from core.accounts import Accounts
from core.config import load_settings
from core.store import UnitOfWork, make_engine

ROOT = Path(__file__).resolve().parents[2]
ALL_DAY = "00:00-24:00"
# Longer than any one live test takes.
LONGEST_TEST_SECONDS = 120.0


def clear_of_midnight(tz: Any, margin: float = LONGEST_TEST_SECONDS) -> None:
    """Wait for the mall's new day when it is less than `margin` away. A live server runs on
    the real clock, and a test spanning the mall's midnight sees two days: numbering starts
    again and yesterday's queue is no longer today's (a dashboard test that issued three
    tickets at 23:59 and a fourth at 00:00 waited for a red that never came)."""
    now = datetime.now(tz)
    midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), tz)
    left = (midnight - now).total_seconds()
    if left < margin:
        time.sleep(left + 1.0)


def stop_process(process: subprocess.Popen[bytes] | None) -> None:
    """End a process this test started: politely, then for good after 10 s."""
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_all_day_config(directory: Path, port: int, **overrides: Any) -> Path:
    """The demo mall, open all day every day, with dummy printers unless overridden."""
    data = yaml.safe_load((ROOT / "config.yaml").read_text())
    data["database_url"] = f"sqlite:///{directory / 'antrian.db'}"
    data.update(overrides)
    data["mall"]["opening_hours"] = {day: ALL_DAY for day in data["mall"]["opening_hours"]}
    data["mall"]["public_base_url"] = f"http://127.0.0.1:{port}"
    for service in data["services"]:
        service.pop("hours", None)
    # Nor planned breaks: the wait estimate counts them in, and a test run at lunchtime
    # (12:00 in Malang) would be told other minutes than one run at 11:00.
    for counter in data["counters"]:
        counter.pop("breaks", None)
    data.get("calendar", {}).pop("breaks", None)
    path = directory / "config.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    return path


QUICK_HASHES = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


class LiveServer:
    def __init__(self, directory: Path, port: int | None = None, **config_overrides: Any) -> None:
        self.directory = directory
        self.port = port or free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.config_path = write_all_day_config(directory, self.port, **config_overrides)
        self.settings = load_settings(self.config_path, environ={})
        clear_of_midnight(self.settings.mall.tz)
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = directory / "server.log"
        self._accounts: Accounts | None = None
        # More environment for the server process. Tests and benchmarks issue hundreds of
        # tickets a second from one kiosk token, far beyond a real kiosk's limit (a test that
        # checks the limit sets its own).
        self.extra_env: dict[str, str] = {"ANTRIAN_KIOSK_ISSUE_LIMITS": "100000 per minute"}
        # More arguments for `antrian serve` (`--workers 3`, `--dev`).
        self.serve_args: list[str] = []

    # ------------------------------------------------------------ lifecycle
    def command_line(self) -> list[str]:
        """How the server is started: `antrian serve`, as an operator runs it."""
        return [
            sys.executable, "-m", "core.server.cli", "--config", str(self.config_path),
            "serve", "--host", "127.0.0.1", "--port", str(self.port), *self.serve_args,
        ]  # fmt: skip

    def start(self, timeout: float = 90) -> None:
        """Start the server and wait until it answers (a deadline, not a sleep: on a loaded
        machine an import-heavy start took over 30 s)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("ANTRIAN_")}
        env.update(PYTHONUNBUFFERED="1", **self.extra_env)
        with self.log_path.open("ab") as log:  # the child keeps its own copy of the handle
            self.process = subprocess.Popen(
                self.command_line(), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.log_path.read_text()[-3000:]}")
            try:
                if requests.get(f"{self.base_url}/healthz", timeout=1).ok:
                    return
            except requests.RequestException:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(
            f"server did not answer in {timeout}s:\n{self.log_path.read_text()[-3000:]}"
        )

    def stop(self) -> None:
        stop_process(self.process)
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    # ------------------------------------------------------------ accounts
    @property
    def accounts(self) -> Accounts:
        if self._accounts is None:
            self._accounts = Accounts(
                self.settings, UnitOfWork(make_engine(self.settings.database_url))
            )
        return self._accounts

    def add_officer(
        self, name: str, password: str = "rahasia-123", counters: list[int] | None = None
    ) -> None:
        self._add_user(name, password, "officer", counters or [])

    def add_admin(self, name: str = "admin", password: str = "rahasia-admin") -> None:
        self._add_user(name, password, "admin")

    def _add_user(
        self, name: str, password: str, role: str, counters: list[int] | None = None
    ) -> None:
        """With a cheap Argon2 hash: the server verifies a hash at the cost it was made with,
        and a test's sign-ins need no production-strength hashing (about 0.2 s of CPU each,
        twice per account, hundreds of accounts a run)."""
        production = core.accounts._hasher
        core.accounts._hasher = QUICK_HASHES
        try:
            self.accounts.add_user(name, password, role, counters or [])
        finally:
            core.accounts._hasher = production

    def login(self, name: str, password: str = "rahasia-123", counter: int | None = None) -> str:
        response = requests.post(
            f"{self.base_url}/api/v1/auth/login",
            json={"username": name, "password": password, "counter": counter},
            timeout=10,
        )
        response.raise_for_status()
        return response.json()["token"]

    def device_token(
        self, name: str, kind: str, zone: str | None = None, kiosk: str | None = None
    ) -> str:
        return self.accounts.add_device(name, kind, zone=zone, kiosk=kiosk)

    def api(
        self, method: str, path: str, token: str | None = None, **kwargs: Any
    ) -> requests.Response:
        headers = kwargs.pop("headers", {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return requests.request(
            method, f"{self.base_url}/api/v1{path}", headers=headers, timeout=10, **kwargs
        )
