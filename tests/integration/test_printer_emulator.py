"""Tickets printed over TCP to emupos, an ESC/POS printer emulator, and read back as a receipt.

emupos needs Python >= 3.13 while Antrian runs on 3.11, so it lives in its own virtual
environment, made once and kept in the user's cache, `~/.cache/antrian/emupos-venv`
(or $ANTRIAN_EMUPOS_VENV). Python 3.13 is taken from $ANTRIAN_PYTHON313, then `python3.13` on
PATH, then pyenv's versions. Without one the test skips, except under CI, where it fails.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import glob
import io
import json
import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
import zxingcpp
from flask import Flask
from PIL import Image, ImageOps

from core.config import Kiosk, Settings
from core.events import PrinterStatusChanged
from core.server.app import create_app
from printers.devices import PrinterSpec, TicketPrinter, build_printer
from printers.jobs import print_with_timeout
from printers.layout import PaperWidth, TicketSlip, render_ticket
from printers.reader import read_ticket
from tests.conftest import FakeClock

pytestmark = pytest.mark.emulator

EMUPOS_REQUIREMENT = "emupos>=0.4,<0.5"
REPO_ROOT = Path(__file__).resolve().parents[2]
DEVICE_IDS = {PaperWidth.MM80: "ticket80", PaperWidth.MM58: "ticket58"}
STARTUP_SECONDS = 30.0

# A 58 mm head for emupos, which ships 80 mm profiles only: 384 dots at 203 dpi.
PROFILE_58MM = """\
type: printer
name: Generic 58 mm thermal printer
dpi: 203
width_dots: 384
font_a: { width: 12, height: 24 }
font_b: { width: 9, height: 17 }
code_pages: { 0: PC437 }
default_code_page: 0
drawer_sensor_open_level: high
"""


# --- finding Python 3.13 and emupos -----------------------------------------------------------


def _python313_candidates() -> Iterator[str]:
    if configured := os.environ.get("ANTRIAN_PYTHON313"):
        yield configured
    for name in ("python3.13", "python3"):
        if found := shutil.which(name):
            yield found
    roots = [os.environ.get("PYENV_ROOT", "")]
    if pyenv := shutil.which("pyenv"):
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            answer = subprocess.run([pyenv, "root"], capture_output=True, text=True, timeout=10)
            roots.insert(0, answer.stdout.strip())
    for root in filter(None, roots):
        pattern = os.path.join(root, "versions", "3.13*", "bin", "python3.13")
        yield from sorted(glob.glob(pattern), reverse=True)


def find_python313() -> str | None:
    """A Python interpreter that is 3.13 or newer and actually starts (pyenv shims may not)."""
    for candidate in _python313_candidates():
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            answer = subprocess.run(
                [candidate, "-c", "import sys; print(sys.version_info >= (3, 13))"],
                capture_output=True,
                text=True,
                timeout=20,
            )
            if answer.returncode == 0 and answer.stdout.strip() == "True":
                return candidate
    return None


def ensure_emupos(python: str) -> Path:
    """The `emupos` command of a cached virtual environment, made if missing or stale."""
    # In the user's cache, not the clone's: a fresh clone on the same machine (CI) reuses it.
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    venv = Path(os.environ.get("ANTRIAN_EMUPOS_VENV") or cache / "antrian" / "emupos-venv")
    command = venv / "bin" / "emupos"
    marker = venv / ".antrian-requirement"
    venv.parent.mkdir(parents=True, exist_ok=True)
    # Parallel test workers share the cache: one builds it while the others wait.
    with open(venv.parent / f".{venv.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        wanted = f"{EMUPOS_REQUIREMENT} {python}"  # a new Python 3.13 makes it afresh
        ready = marker.is_file() and marker.read_text() == wanted
        if ready and command.is_file():
            return command
        shutil.rmtree(venv, ignore_errors=True)
        for step in (
            [python, "-m", "venv", str(venv)],
            [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet"]
            + ["--disable-pip-version-check", EMUPOS_REQUIREMENT],
        ):
            done = subprocess.run(step, capture_output=True, text=True, timeout=600)
            if done.returncode != 0:
                pytest.fail(
                    f"could not set up emupos ({' '.join(step)}):\n{done.stderr[-3000:]}",
                    pytrace=False,
                )
        marker.write_text(wanted)
    return command


# --- running the emulator ---------------------------------------------------------------------


@dataclass(frozen=True)
class Emulator:
    api: str
    ports: dict[PaperWidth, int]
    log: Path

    def get(self, path: str) -> bytes:
        with urllib.request.urlopen(f"{self.api}{path}", timeout=5) as response:
            return response.read()

    def send(self, method: str, path: str) -> None:
        request = urllib.request.Request(f"{self.api}{path}", method=method)
        with urllib.request.urlopen(request, timeout=5):
            pass

    def receipt_ids(self, paper: PaperWidth) -> list[str]:
        listing = json.loads(self.get(f"/api/v1/devices/{DEVICE_IDS[paper]}/receipts"))
        return [receipt["id"] for receipt in listing]

    def next_receipt(self, paper: PaperWidth, known: list[str]) -> dict:
        """The first receipt completed after `known` were listed, waited for a little."""
        device = DEVICE_IDS[paper]
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            listing = json.loads(self.get(f"/api/v1/devices/{device}/receipts"))
            fresh = [receipt for receipt in listing if receipt["id"] not in known]
            if fresh:
                return fresh[0]
            time.sleep(0.05)
        raise AssertionError(f"emupos completed no receipt on {device} within 5 s")

    def receipt_text(self, paper: PaperWidth, receipt_id: str) -> str:
        path = f"/api/v1/devices/{DEVICE_IDS[paper]}/receipts/{receipt_id}/text"
        return self.get(path).decode("utf-8")

    def receipt_image(self, paper: PaperWidth, receipt_id: str) -> Image.Image:
        path = f"/api/v1/devices/{DEVICE_IDS[paper]}/receipts/{receipt_id}/image"
        return Image.open(io.BytesIO(self.get(path)))


def _free_ports(count: int) -> list[int]:
    # Held open together so that the kernel hands out distinct ports.
    probes = [socket.create_server(("127.0.0.1", 0)) for _ in range(count)]
    ports = [probe.getsockname()[1] for probe in probes]
    for probe in probes:
        probe.close()
    return ports


def _write_config(workdir: Path, api_port: int, ports: dict[PaperWidth, int]) -> Path:
    (workdir / "printer-58mm.yaml").write_text(PROFILE_58MM)
    profiles = {PaperWidth.MM80: "epson-tm-t20iii", PaperWidth.MM58: "./printer-58mm.yaml"}
    devices = "".join(
        f"""\
  - id: {DEVICE_IDS[paper]}
    type: printer
    profile: {profiles[paper]}
    connections:
      - tcp: {{ host: 127.0.0.1, port: {ports[paper]} }}
    receipts_dir: ./receipts
"""
        for paper in PaperWidth
    )
    config = workdir / "emupos.yaml"
    api = f"api: {{ host: 127.0.0.1, port: {api_port} }}"
    config.write_text(f"schema: 1\n{api}\ndevices:\n{devices}")
    return config


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    python = find_python313()
    if python is None:
        reason = (
            "no Python 3.13 found, and emupos needs Python >= 3.13: set ANTRIAN_PYTHON313 "
            "or install 3.13 with pyenv"
        )
        if os.environ.get("CI"):
            pytest.fail(f"{reason} (CI must run the emulator test)", pytrace=False)
        pytest.skip(reason)
    command = ensure_emupos(python)

    workdir = tmp_path_factory.mktemp("emupos")
    api_port, port80, port58 = _free_ports(3)
    ports = {PaperWidth.MM80: port80, PaperWidth.MM58: port58}
    config = _write_config(workdir, api_port, ports)
    log_path = workdir / "emupos.log"
    environment = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [str(command), "run", "--config", str(config)],
            cwd=workdir,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=environment,
        )
        try:
            emulator = Emulator(f"http://127.0.0.1:{api_port}", ports, log_path)
            _wait_until_up(emulator, process)
            yield emulator
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def _wait_until_up(emulator: Emulator, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"emupos exited at start:\n{emulator.log.read_text()}")
        with contextlib.suppress(OSError, urllib.error.URLError):
            if json.loads(emulator.get("/api/v1/health")).get("status") == "ok":
                return
        time.sleep(0.1)
    raise AssertionError(f"emupos did not start within {STARTUP_SECONDS:g} s")


# --- the tickets ------------------------------------------------------------------------------


def slip(number: str, status_url: str) -> TicketSlip:
    return TicketSlip(
        mall_name="Mal Pelayanan Publik Kota Bandung – Gedung Baru Lantai Dua",
        mall_address="Jl. Jenderal Sudirman No. 123, Kelurahan Cibeunying Kaler",
        agency_name="Dinas Kependudukan dan Pencatatan Sipil (Dukcapil)",
        service_name="Perekaman KTP-el",
        number=number,
        issued_at=datetime(2026, 11, 28, 3, 42, tzinfo=UTC),
        timezone_label="WIB",
        ahead=2,
        eta_minutes=None,
        status_url=status_url,
        footer="Silakan menunggu panggilan",
        priority_label="Prioritas: Disabilitas",
    )


def decode_qr(image: Image.Image) -> list[str]:
    framed = ImageOps.expand(image.convert("L"), border=16, fill=255)
    return [result.text for result in zxingcpp.read_barcodes(framed)]


def network_printer(emulator: Emulator, paper: PaperWidth) -> TicketPrinter:
    port = emulator.ports[paper]
    spec = PrinterSpec(kind="network", host="127.0.0.1", port=port, paper=paper.millimetres)
    return build_printer(spec)


CASES = [
    (PaperWidth.MM80, True, "A012"),
    (PaperWidth.MM80, False, "B034"),
    (PaperWidth.MM58, True, "C056"),
    (PaperWidth.MM58, False, "D078"),
]


@pytest.mark.parametrize(
    ("paper", "native_qr", "number"),
    CASES,
    ids=[f"{paper.name}-{'native' if native else 'raster'}-qr" for paper, native, _ in CASES],
)
def test_a_ticket_printed_to_the_emulator_reads_back_as_printed(
    emulator: Emulator, paper: PaperWidth, native_qr: bool, number: str
) -> None:
    url = f"https://antrian.example.go.id/t/{number.lower()}-{paper.name.lower()}"
    data = render_ticket(slip(number, url), paper, native_qr=native_qr)
    printer = network_printer(emulator, paper)
    before = emulator.receipt_ids(paper)

    outcome = print_with_timeout(printer, data, 5)
    receipt = emulator.next_receipt(paper, before)
    text = emulator.receipt_text(paper, receipt["id"])
    image = emulator.receipt_image(paper, receipt["id"])

    assert outcome.ok, outcome.error
    assert receipt["boundary"] == "cut"
    assert image.width == paper.dots
    printed = [line.strip() for line in text.splitlines()]
    assert number in printed
    assert "Antrean di depan Anda: 2" in printed
    assert "Perkiraan tunggu: belum tersedia" in printed
    assert decode_qr(image) == [url]
    # The emulator and our own reader agree line by line on what was printed.
    expected = [line.text for line in read_ticket(data).lines if line.text.strip()]
    assert [line for line in printed if line and not line.startswith("[")] == expected


def test_the_emulator_understood_every_command(emulator: Emulator) -> None:
    for paper in PaperWidth:
        data = render_ticket(slip("E090", "https://antrian.example.go.id/t/e090"), paper)
        assert print_with_timeout(network_printer(emulator, paper), data, 5).ok
    time.sleep(0.2)  # the log is written as events happen

    log = emulator.log.read_text()

    assert "printer.job.completed" in log
    assert "printer.command.unknown" not in log
    assert "printer.codepage.unsupported" not in log


def test_a_printer_out_of_paper_is_unhealthy_and_gets_no_ticket(emulator: Emulator) -> None:
    paper = PaperWidth.MM80
    printer = network_printer(emulator, paper)
    fault = f"/api/v1/devices/{DEVICE_IDS[paper]}/faults/paper-out"
    data = render_ticket(slip("F111", "https://antrian.example.go.id/t/f111"), paper)
    before = emulator.receipt_ids(paper)

    emulator.send("PUT", fault)
    try:
        health = printer.check(5)
        outcome = print_with_timeout(printer, data, 5)
    finally:
        emulator.send("DELETE", fault)
    recovered = printer.check(5)

    assert not health.ok and "out of paper" in health.message
    assert not outcome.ok and "out of paper" in (outcome.error or "")
    assert emulator.receipt_ids(paper) == before
    assert recovered.ok, recovered.message


def test_a_checked_in_booking_prints_its_slot_time_and_reads_back(emulator: Emulator) -> None:
    """The ticket of a checked-in booking: marked with its slot, its QR code intact."""
    url = "https://antrian.example.go.id/t/booked-a013"
    booked = dataclasses.replace(
        slip("A013", url), priority_label=None, booking_label="BOOKING 10:00"
    )
    data = render_ticket(booked, PaperWidth.MM80, native_qr=True)
    printer = network_printer(emulator, PaperWidth.MM80)
    before = emulator.receipt_ids(PaperWidth.MM80)

    outcome = print_with_timeout(printer, data, 5)
    receipt = emulator.next_receipt(PaperWidth.MM80, before)
    printed = [
        line.strip() for line in emulator.receipt_text(PaperWidth.MM80, receipt["id"]).splitlines()
    ]

    assert outcome.ok, outcome.error
    assert "A013" in printed and "BOOKING 10:00" in printed
    assert decode_qr(emulator.receipt_image(PaperWidth.MM80, receipt["id"])) == [url]


# --- a roll running low, seen by the people who fetch rolls -----------------------------------


def kiosk_mall(settings: Settings, emulator: Emulator, codes: tuple[str, ...]) -> Flask:
    """An app whose kiosks `codes` all print on the emulator's 80 mm printer."""
    printer = {"kind": "network", "host": "127.0.0.1", "port": emulator.ports[PaperWidth.MM80]}
    kiosks = tuple(
        Kiosk(code, f"Anjungan {code}", "A", printer, f"kiosks[{code}].printer") for code in codes
    )
    app = create_app(dataclasses.replace(settings, kiosks=kiosks), clock=FakeClock())
    if not app.extensions["antrian.accounts"].list_users():
        app.extensions["antrian.accounts"].add_user("admin", "rahasia-admin-1", "admin")
    return app


def issue_at(app: Flask, kiosk: str) -> dict:
    token = app.extensions["antrian.accounts"].add_device(
        f"kiosk-{kiosk.lower()}-{time.monotonic_ns()}", "kiosk", kiosk=kiosk
    )
    response = app.test_client().post(
        "/api/v1/tickets", json={"service": "KTP"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_paper_running_low_is_one_warning_alert_until_a_new_roll_goes_in(
    emulator: Emulator, settings: Settings
) -> None:
    app = kiosk_mall(settings, emulator, ("K1",))
    monitor = app.extensions["antrian.alerts"]
    printing = app.extensions["antrian.printing"]
    published: list = []
    app.extensions["antrian.queue"].publisher.subscribe(published.append)
    fault = f"/api/v1/devices/{DEVICE_IDS[PaperWidth.MM80]}/faults/paper-near-end"
    try:
        assert monitor.run_once() == []
        emulator.send("PUT", fault)
        tickets = [issue_at(app, "K1") for _ in range(3)]
        raised = monitor.run_once()
        for _ in range(2):
            tickets.append(issue_at(app, "K1"))
        again = monitor.run_once()
        client = app.test_client()
        login = client.post(
            "/api/v1/auth/login", json={"username": "admin", "password": "rahasia-admin-1"}
        ).get_json()
        listed = client.get(
            "/api/v1/admin/alerts", headers={"Authorization": f"Bearer {login['token']}"}
        ).get_json()["alerts"]
    finally:
        emulator.send("DELETE", fault)
    asked = printing.recheck_failing()
    cleared = monitor.run_once()

    # The kiosk still prints: a warning, not a failure.
    assert all(t["print"]["status"] == "printed" for t in tickets)
    assert all(t["print"]["printer_state"] == "ok" for t in tickets)
    [alert] = [e.alert for e in raised]
    printer = f"network:127.0.0.1:{emulator.ports[PaperWidth.MM80]}"
    assert (alert["kind"], alert["subject"]) == ("paper", printer)
    assert alert["message"].startswith("Kertas printer anjungan K1 hampir habis")
    assert "paper is running low" in alert["message"]
    assert again == []  # once per roll, not once per ticket
    assert [(a["kind"], a["subject"]) for a in listed] == [("paper", printer)]
    # The counters and admins hear it once when it starts and once when it ends.
    told = [e.paper_low for e in published if isinstance(e, PrinterStatusChanged)]
    assert told == [True, False]
    assert asked == ["K1"]
    assert [(e.name, e.alert["subject"]) for e in cleared] == [("alert.cleared", printer)]
    app.extensions["antrian.engine"].dispose()


def test_two_kiosks_on_one_printer_share_what_either_learns_of_it(
    emulator: Emulator, settings: Settings
) -> None:
    app = kiosk_mall(settings, emulator, ("K1", "K2"))
    printing = app.extensions["antrian.printing"]
    published: list = []
    app.extensions["antrian.queue"].publisher.subscribe(published.append)
    fault = f"/api/v1/devices/{DEVICE_IDS[PaperWidth.MM80]}/faults/paper-out"
    first = issue_at(app, "K1")  # both kiosks have seen the printer work
    published.clear()
    emulator.send("PUT", fault)
    monitor = app.extensions["antrian.alerts"]
    try:
        failed = issue_at(app, "K1")
        k2_while_out = printing.known_state("K2")
        raised = monitor.run_once()
    finally:
        emulator.send("DELETE", fault)
    asked = printing.recheck_failing()
    k2_after = printing.known_state("K2")
    cleared = monitor.run_once()

    assert first["print"]["status"] == "printed"
    assert failed["print"]["status"] == "failed"
    # K2 printed nothing, yet knows its printer is out of paper: its screen warns before a
    # visitor takes a number there.
    assert k2_while_out["ok"] is False and "out of paper" in k2_while_out["message"]
    told = [(e.kiosk, e.ok) for e in published if isinstance(e, PrinterStatusChanged)]
    assert sorted(told[:2]) == [("K1", False), ("K2", False)]
    # The new roll is found once for the shared printer, and both kiosks hear of it.
    assert asked == ["K1"]
    assert sorted(told[2:]) == [("K1", True), ("K2", True)]
    assert k2_after["ok"] is True
    # One printer, one alert naming both kiosks; one new roll clears it.
    printer = f"network:127.0.0.1:{emulator.ports[PaperWidth.MM80]}"
    [alert] = [e.alert for e in raised]
    assert (alert["kind"], alert["subject"]) == ("printer", printer)
    assert alert["message"].startswith("Printer anjungan K1, K2 gagal mencetak")
    assert [(e.name, e.alert["subject"]) for e in cleared] == [("alert.cleared", printer)]
    app.extensions["antrian.engine"].dispose()


def test_a_printer_one_process_finds_recovered_is_recovered_in_the_others_within_seconds(
    emulator: Emulator, settings: Settings
) -> None:
    """Two server processes on one database (two apps; the second relays as `antrian serve`
    does, reading the others' events from the database once a second without Redis)."""
    finder, other = kiosk_mall(settings, emulator, ("K1",)), kiosk_mall(settings, emulator, ("K1",))
    other.extensions["antrian.hub"].start_relay(message_queue="")
    fault = f"/api/v1/devices/{DEVICE_IDS[PaperWidth.MM80]}/faults/paper-out"
    failure = f"printer:network:127.0.0.1:{emulator.ports[PaperWidth.MM80]}"
    emulator.send("PUT", fault)
    try:
        failed = issue_at(other, "K1")  # the other process itself saw the printer fail
    finally:
        emulator.send("DELETE", fault)
    try:
        asked = finder.extensions["antrian.printing"].recheck_failing()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            state = other.extensions["antrian.printing"].known_state("K1")
            alerting = {c.key for c in other.extensions["antrian.alerts"].conditions()}
            if state["ok"] and failure not in alerting:
                break
            time.sleep(0.1)
        took = 5 - (deadline - time.monotonic())
    finally:
        other.extensions["antrian.hub"].stop_relay()
        for app in (finder, other):
            app.extensions["antrian.engine"].dispose()

    assert failed["print"]["status"] == "failed"
    assert asked == ["K1"]
    # Not the other process's own recheck, 30 s later: its relay heard the news.
    assert state["ok"] is True, state
    # Its alerts agree: it no longer raises the failure alert the finder cleared.
    assert failure not in alerting
    assert took < 3
