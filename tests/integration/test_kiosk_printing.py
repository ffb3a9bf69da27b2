"""Printing at the kiosk: a ticket is committed first, then printed; a failed print loses nothing.

The app is built by `create_app` with the demo mall at a fixed opening hour; kiosks get the
printers each test configures (real network printers on 127.0.0.1, or a recording fake injected
through `printer_factory`). Requests go through the Flask test client with real bearer tokens.
"""

from __future__ import annotations

import dataclasses
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient

from core.config import ConfigError, Kiosk, Settings
from core.events import PrinterStatusChanged
from core.server import housekeeping
from core.server.app import create_app
from printers.devices import PrinterSpec, RecordingPrinter, build_printer
from printers.jobs import GRACE_SECONDS
from printers.layout import PaperWidth, render_ticket
from printers.reader import read_ticket
from tests.conftest import KIOSK, FakeClock, officer

TIMEOUT = 1.0
ADMIN_PASSWORD = "rahasia-admin-1"


def kiosk(code: str, printer: dict[str, Any] | None) -> Kiosk:
    return Kiosk(
        code=code,
        name=f"Anjungan {code}",
        zone="A",
        printer=printer,
        printer_path=f"kiosks[{code}].printer",
    )


@pytest.fixture
def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on: connections are refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def silent_printer() -> Iterator[int]:
    """Something on 127.0.0.1 that accepts connections but never reads or answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    try:
        yield server.getsockname()[1]
    finally:
        server.close()


class Mall:
    """One app, its test client, and tokens for a kiosk device and an admin."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.client: FlaskClient = app.test_client()
        self.events: list[Any] = []  # what the server relayed, from now on
        app.extensions["antrian.queue"].publisher.subscribe(self.events.append)
        accounts = app.extensions["antrian.accounts"]
        self.kiosk_token = accounts.add_device("kiosk-k1", "kiosk", kiosk="K1")
        accounts.add_user("admin", ADMIN_PASSWORD, "admin")
        response = self.client.post(
            "/api/v1/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}
        )
        assert response.status_code == 200, response.get_json()
        self.admin_token = response.get_json()["token"]

    def printer_events(self) -> list[PrinterStatusChanged]:
        return [e for e in self.events if isinstance(e, PrinterStatusChanged)]

    def post(self, path: str, token: str, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
        return self.client.post(f"/api/v1{path}", headers=headers, **kwargs)

    def get(self, path: str, token: str | None = None) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return self.client.get(f"/api/v1{path}", headers=headers)

    def issue(self, service: str = "KTP", **kwargs: Any) -> Any:
        return self.post("/tickets", self.kiosk_token, json={"service": service}, **kwargs)

    def print_jobs(self, ticket_id: str) -> list[dict[str, Any]]:
        response = self.get(f"/tickets/{ticket_id}/print-jobs", self.admin_token)
        assert response.status_code == 200, response.get_json()
        return response.get_json()["print_jobs"]


@pytest.fixture
def make_mall(demo_settings: Settings, sqlite_url: str) -> Iterator[Callable[..., Mall]]:
    engines = []

    def build(
        printer: dict[str, Any] | None,
        printer_factory: Callable[[PrinterSpec], Any] | None = None,
        **mall: Any,
    ) -> Mall:
        settings = dataclasses.replace(
            demo_settings,
            database_url=sqlite_url,
            kiosks=(kiosk("K1", printer), kiosk("K2", {"kind": "dummy"})),
            mall=dataclasses.replace(demo_settings.mall, **mall),
        )
        app = create_app(settings, clock=FakeClock(), printer_factory=printer_factory)
        engines.append(app.extensions["antrian.engine"])
        return Mall(app)

    yield build
    for engine in engines:
        engine.dispose()


def test_an_unreachable_network_printer_fails_the_print_but_not_the_ticket(
    make_mall: Callable[..., Mall], closed_port: int
) -> None:
    mall = make_mall(
        {"kind": "network", "host": "127.0.0.1", "port": closed_port, "timeout_seconds": TIMEOUT}
    )

    response = mall.issue()

    assert response.status_code == 201
    ticket = response.get_json()
    assert ticket["number"] == "A001"
    assert ticket["print"]["status"] == "failed"
    assert ticket["print"]["show_on_screen"] is True
    assert "refused" in ticket["print"]["error"]
    saved = mall.get(f"/tickets/{ticket['id']}")
    assert saved.status_code == 200
    assert saved.get_json()["status"] == "waiting"
    [job] = mall.print_jobs(ticket["id"])
    assert job["id"] == ticket["print"]["job"]
    assert job["kiosk"] == "K1"
    assert job["status"] == "failed"
    assert "refused" in job["error"]
    [event] = mall.printer_events()
    assert (event.kiosk, event.ok) == ("K1", False)
    assert "refused" in event.message


def test_a_printer_that_never_answers_its_status_request_prints_with_its_state_unknown(
    make_mall: Callable[..., Mall], silent_printer: int
) -> None:
    timeout = 4.0  # long enough that waiting it out would show
    mall = make_mall(
        {"kind": "network", "host": "127.0.0.1", "port": silent_printer, "timeout_seconds": timeout}
    )

    started = time.monotonic()
    first = mall.issue().get_json()
    first_took = time.monotonic() - started
    started = time.monotonic()
    second = mall.issue().get_json()
    second_took = time.monotonic() - started

    assert first["print"]["status"] == "printed"
    assert first["print"]["printer_state"] == "unknown"
    # Not confirmed, so the kiosk keeps the number and its QR on the screen: a slip may not
    # have come out.
    assert first["print"]["show_on_screen"] is True
    assert second["print"]["show_on_screen"] is True
    assert first["print"]["error"] is None
    note = first["print"]["note"]
    assert "did not answer the paper-status request within 1 s" in note
    assert "unknown" in note and "bytes sent" not in note
    # The first visitor waits for the status reply at most a second, the next not at all.
    assert 1.0 <= first_took < 1.0 + GRACE_SECONDS + 1.0 < timeout
    # (Against the first, not the clock: a loaded machine slows both alike.)
    assert second_took < first_took - 0.5
    assert second["print"]["printer_state"] == "unknown"
    assert "unknown" in second["print"]["note"]
    [job] = mall.print_jobs(first["id"])
    assert job["status"] == "printed" and job["error"] == note
    [event] = mall.printer_events()
    assert (event.kiosk, event.ok, event.message) == ("K1", True, note)


def test_a_working_printer_prints_the_ticket_with_its_number_and_qr(
    make_mall: Callable[..., Mall],
) -> None:
    printers: dict[str, RecordingPrinter] = {}

    def factory(spec: PrinterSpec) -> Any:
        printer = build_printer(spec)
        printers[str(len(printers))] = printer  # K1 first, then K2 (configuration order)
        return printer

    mall = make_mall({"kind": "dummy", "paper": 80}, printer_factory=factory)

    body = mall.issue().get_json()

    assert body["print"] == {
        "job": body["print"]["job"],
        "status": "printed",
        "error": None,
        "printer_state": "ok",
        "note": None,
        "show_on_screen": False,
    }
    k1 = printers["0"]
    assert isinstance(k1, RecordingPrinter)
    assert len(k1.jobs) == 1 and not printers["1"].jobs
    printed = read_ticket(k1.jobs[0])
    assert "A001" in printed.text
    assert printed.qr_payloads == [body["status_url"].encode()]
    assert printed.ends_with_cut
    [job] = mall.print_jobs(body["id"])
    assert job["status"] == "printed" and job["error"] is None


def test_the_slip_shows_the_place_and_wait_the_kiosk_screen_shows(
    make_mall: Callable[..., Mall], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The slip is printed from the issue's own answer: reading the ticket's status again
    played the queue a second time for every ticket, and under load another kiosk's ticket
    could change the numbers between the screen and the paper."""
    printers: list[RecordingPrinter] = []

    def factory(spec: PrinterSpec) -> Any:
        printers.append(build_printer(spec))
        return printers[-1]

    mall = make_mall({"kind": "dummy", "paper": 80}, printer_factory=factory)
    queue = mall.app.extensions["antrian.queue"]
    queue.open_counter(1, officer(1))  # an estimate to print
    mall.issue()

    def no_second_read(ticket_id: str) -> Any:
        raise AssertionError("the slip read the ticket's status again")

    monkeypatch.setattr(queue, "ticket_status", no_second_read)
    body = mall.issue().get_json()

    assert body["print"]["status"] == "printed"
    assert body["ahead"] == 1 and body["eta_minutes"] is not None
    printed = read_ticket(printers[0].jobs[-1]).text
    assert f"Antrean di depan Anda: {body['ahead']}" in printed
    # The printer's code page has no "±": the layout writes it "+/-".
    assert f"Perkiraan tunggu: +/- {body['eta_minutes']} menit" in printed


def test_a_ticket_the_day_may_not_serve_is_printed_with_that_warning(
    make_mall: Callable[..., Mall],
) -> None:
    """Taken late with a long queue: the kiosk's screen says "may not be served today"
    (`eta_today` false), and so must the slip."""
    printer = RecordingPrinter()
    mall = make_mall({"kind": "dummy"}, printer_factory=lambda spec: printer)
    body = mall.issue().get_json()
    late = {**body, "ahead": 57, "eta_minutes": None, "eta_range": None, "eta_today": False}
    printing = mall.app.extensions["antrian.printing"]

    slip = printing.slip(body["id"], "id", view=late)

    assert slip.served_today is False
    text = read_ticket(render_ticket(slip, PaperWidth.MM80)).text
    assert "Mungkin tidak terlayani hari ini" in text


def test_a_retried_request_with_the_same_key_prints_once(
    make_mall: Callable[..., Mall],
) -> None:
    printer = RecordingPrinter()
    mall = make_mall({"kind": "dummy"}, printer_factory=lambda spec: printer)
    key = {"Idempotency-Key": "kiosk-K1-retry-1"}

    first = mall.issue(headers=key)
    again = mall.issue(headers=key)

    assert first.status_code == again.status_code == 201
    assert again.get_json()["id"] == first.get_json()["id"]
    assert len(printer.jobs) == 1
    assert len(mall.print_jobs(first.get_json()["id"])) == 1


def test_an_admin_reprints_a_ticket_and_the_printer_recovering_is_announced(
    make_mall: Callable[..., Mall],
) -> None:
    printer = RecordingPrinter(failure="paper jam")
    mall = make_mall({"kind": "dummy"}, printer_factory=lambda spec: printer)
    ticket = mall.issue().get_json()
    assert ticket["print"]["status"] == "failed"
    assert ticket["print"]["error"] == "paper jam"

    printer.failure = None
    response = mall.post(f"/tickets/{ticket['id']}/reprint", mall.admin_token, json={"kiosk": "K1"})

    assert response.status_code == 200
    assert response.get_json()["status"] == "printed"
    assert len(printer.jobs) == 1
    jobs = mall.print_jobs(ticket["id"])
    assert [j["status"] for j in jobs] == ["failed", "printed"]
    assert [(e.kiosk, e.ok) for e in mall.printer_events()] == [("K1", False), ("K1", True)]


def test_only_an_admin_reprints_and_only_at_a_kiosk_with_a_printer(
    make_mall: Callable[..., Mall],
) -> None:
    mall = make_mall({"kind": "dummy"})
    ticket = mall.issue().get_json()

    by_kiosk = mall.post(f"/tickets/{ticket['id']}/reprint", mall.kiosk_token, json={"kiosk": "K1"})
    nowhere = mall.post(f"/tickets/{ticket['id']}/reprint", mall.admin_token, json={"kiosk": "K9"})

    assert by_kiosk.status_code == 403
    assert nowhere.status_code == 404
    assert "K9" in nowhere.get_json()["error"]["message"]
    assert len(mall.print_jobs(ticket["id"])) == 1


def connect_kiosk(mall: Mall) -> Any:
    socketio = mall.app.extensions["antrian.socketio"]
    return socketio.test_client(mall.app, auth={"token": mall.kiosk_token})


def wait_for(client: Any, name: str, seen: list[dict[str, Any]], timeout: float = 5.0) -> list:
    """Packets named `name` among what the client got so far (kept in `seen`)."""
    deadline = time.monotonic() + timeout
    while True:
        seen += client.get_received()
        found = [packet["args"][0] for packet in seen if packet["name"] == name]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def test_a_kiosk_learns_of_a_broken_printer_as_soon_as_it_connects(
    make_mall: Callable[..., Mall], closed_port: int
) -> None:
    mall = make_mall(
        {"kind": "network", "host": "127.0.0.1", "port": closed_port, "timeout_seconds": TIMEOUT}
    )
    seen: list[dict[str, Any]] = []
    client = connect_kiosk(mall)
    [snapshot] = wait_for(client, "snapshot", seen)
    # Nothing known yet.
    assert snapshot["printer"] == {"kiosk": "K1", "ok": True, "message": "", "paper_low": False}
    # Nobody has taken a number yet: the printer is asked when the kiosk connects.
    [status] = wait_for(client, "printer.status", seen)
    assert (status["kiosk"], status["ok"]) == ("K1", False)
    assert "refused" in status["message"]
    assert [e.ok for e in mall.printer_events()] == [False]  # counters hear it too
    client.disconnect()

    # Reconnecting (a reload) shows the warning from the snapshot; unchanged, no new event.
    seen = []
    again = connect_kiosk(mall)
    [snapshot] = wait_for(again, "snapshot", seen)
    assert snapshot["printer"]["ok"] is False
    assert wait_for(again, "printer.status", seen, timeout=TIMEOUT + 1) == []
    assert len(mall.printer_events()) == 1
    again.disconnect()


def test_a_printer_that_recovered_is_announced_when_the_kiosk_connects(
    make_mall: Callable[..., Mall],
) -> None:
    printer = RecordingPrinter(failure="out of paper")
    mall = make_mall({"kind": "dummy"}, printer_factory=lambda spec: printer)
    assert mall.issue().get_json()["print"]["status"] == "failed"
    printer.failure = None  # paper put in

    seen: list[dict[str, Any]] = []
    client = connect_kiosk(mall)
    [snapshot] = wait_for(client, "snapshot", seen)
    assert snapshot["printer"] == {
        "kiosk": "K1",
        "ok": False,
        "message": "out of paper",
        "paper_low": False,
    }
    [status] = wait_for(client, "printer.status", seen)
    assert status["ok"] is True
    client.disconnect()


def test_a_display_gets_no_printer_state(make_mall: Callable[..., Mall]) -> None:
    mall = make_mall({"kind": "dummy"}, printer_factory=lambda spec: RecordingPrinter())
    token = mall.app.extensions["antrian.accounts"].add_device("layar-a", "display", zone="A")
    socketio = mall.app.extensions["antrian.socketio"]
    client = socketio.test_client(mall.app, auth={"token": token})
    [snapshot] = wait_for(client, "snapshot", [])
    assert "printer" not in snapshot
    client.disconnect()


def test_the_configured_printer_profile_sets_the_columns_and_dots_of_the_ticket(
    make_mall: Callable[..., Mall],
) -> None:
    printer = RecordingPrinter()
    # TM-T88V: 42 columns of Font A and 512 dots on 80 mm paper, where the default has 48, 576.
    entry = {"kind": "dummy", "paper": 80, "profile": "TM-T88V", "native_qr": False}
    mall = make_mall(entry, printer_factory=lambda spec: printer)

    body = mall.issue().get_json()

    assert body["print"]["status"] == "printed"
    printed = read_ticket(printer.jobs[0])
    widths = [len(line.text) * line.width for line in printed.lines]
    assert max(widths) == 42, "the rule across the ticket is as wide as the profile allows"
    words = {word for line in printed.lines for word in line.text.split()}
    mall_name = mall.app.extensions["antrian.settings"].mall.name
    assert set(mall_name.split()) <= words, "a word was split across lines"
    [image] = printed.images
    assert image.width == 512


def test_a_ticket_taken_in_english_is_printed_in_english_with_an_english_status_address(
    make_mall: Callable[..., Mall],
) -> None:
    printer = RecordingPrinter()
    mall = make_mall({"kind": "dummy"}, printer_factory=lambda spec: printer)
    key = {"Idempotency-Key": "kiosk-K1-english-1"}

    response = mall.post(
        "/tickets", mall.kiosk_token, json={"service": "KTP", "language": "en"}, headers=key
    )
    again = mall.post(
        "/tickets", mall.kiosk_token, json={"service": "KTP", "language": "en"}, headers=key
    )

    assert response.status_code == 201
    body = response.get_json()
    assert f"/t/{body['id']}?lang=en#k=" in body["status_url"]  # with the survey key
    assert again.get_json() == body, "a retry gets the same answer, address included"
    printed = read_ticket(printer.last or b"")
    text = printed.text
    assert "Your queue number" in text
    assert "Population and Civil Registry Office" in text  # the agency's name_en
    assert body["service_name_en"].split()[0] in text
    assert body["service_name"] not in text
    assert "Tuesday, 24 Nov 2026 09:00 WIB" in text
    assert "Please wait to be called" in text
    assert "Nomor antrean" not in text and "Silakan" not in text
    assert printed.qr_payloads == [body["status_url"].encode()]
    assert len(printer.jobs) == 1


def test_a_ticket_without_a_language_is_printed_in_indonesian(
    make_mall: Callable[..., Mall],
) -> None:
    printer = RecordingPrinter()
    mall = make_mall({"kind": "dummy"}, printer_factory=lambda spec: printer)

    body = mall.issue().get_json()

    text = read_ticket(printer.last or b"").text
    assert "Nomor antrean Anda" in text and "Your queue number" not in text
    assert body["status_url"].split("#k=")[0].endswith(f"/t/{body['id']}")


@pytest.mark.parametrize("language", ["fr", "EN", None, 1, ""])
def test_an_unknown_language_is_a_400_that_names_the_field_and_issues_nothing(
    make_mall: Callable[..., Mall], language: object
) -> None:
    printer = RecordingPrinter()
    mall = make_mall({"kind": "dummy"}, printer_factory=lambda spec: printer)

    response = mall.post(
        "/tickets", mall.kiosk_token, json={"service": "KTP", "language": language}
    )

    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_request"
    assert "'language'" in response.get_json()["error"]["message"]
    assert printer.jobs == []
    assert mall.issue().get_json()["number"] == "A001", "no number was used up"


def test_a_reprint_is_marked_as_a_copy_and_may_be_in_english(
    make_mall: Callable[..., Mall],
) -> None:
    printer = RecordingPrinter()
    mall = make_mall({"kind": "dummy"}, printer_factory=lambda spec: printer)
    ticket = mall.issue().get_json()
    path = f"/tickets/{ticket['id']}/reprint"

    again = mall.post(path, mall.admin_token, json={"kiosk": "K1"})
    english = mall.post(path, mall.admin_token, json={"kiosk": "K1", "language": "en"})
    wrong = mall.post(path, mall.admin_token, json={"kiosk": "K1", "language": "de"})

    assert again.status_code == english.status_code == 200
    assert wrong.status_code == 400 and "'language'" in wrong.get_json()["error"]["message"]
    original, copy, english_copy = (read_ticket(job) for job in printer.jobs)
    assert "SALINAN" not in original.text and "COPY" not in original.text
    assert "SALINAN / COPY" in [line.text for line in copy.lines]
    assert "A001" in copy.text and "Nomor antrean Anda" in copy.text
    assert "SALINAN / COPY" in [line.text for line in english_copy.lines]
    assert "Your queue number" in english_copy.text
    address, key = ticket["status_url"].split("#")
    assert english_copy.qr_payloads == [f"{address}?lang=en#{key}".encode()]
    assert len(mall.print_jobs(ticket["id"])) == 3


def test_a_ticket_printed_after_a_failed_health_check_clears_the_kiosk_warning(
    make_mall: Callable[..., Mall],
) -> None:
    """Yesterday's tickets printed; this morning the printer was off when the kiosk started
    (its health check failed), then it was switched on: the first ticket it prints must take
    the warning off the kiosk and the counters, not leave it up all day."""
    printer = RecordingPrinter()
    mall = make_mall({"kind": "dummy"}, printer_factory=lambda spec: printer)
    assert mall.issue().get_json()["print"]["status"] == "printed"
    printer.failure = "printer 10.0.0.9:9100 refused the connection"  # switched off

    seen: list[dict[str, Any]] = []
    client = connect_kiosk(mall)
    [warning] = wait_for(client, "printer.status", seen)
    assert warning["ok"] is False
    printer.failure = None  # switched on again
    seen.clear()

    assert mall.issue().get_json()["print"]["status"] == "printed"

    [cleared] = wait_for(client, "printer.status", seen)
    assert (cleared["kiosk"], cleared["ok"]) == ("K1", True)
    assert [e.ok for e in mall.printer_events()][-2:] == [False, True]
    client.disconnect()


@dataclasses.dataclass
class CheckedPrinter(RecordingPrinter):
    """A recording printer that says when it was first asked how it is."""

    asked: threading.Event = dataclasses.field(default_factory=threading.Event)

    def check(self, timeout: float) -> Any:
        health = super().check(timeout)
        self.asked.set()
        return health


def test_a_printer_that_failed_is_asked_again_on_its_own_and_its_recovery_announced(
    make_mall: Callable[..., Mall],
) -> None:
    """Paper ran out on a ticket; an officer put a new roll in. The kiosk's warning and the
    counters' banner must go without waiting for the next visitor or a kiosk reload."""
    printer = CheckedPrinter()
    mall = make_mall({"kind": "dummy"}, printer_factory=lambda spec: printer)
    seen: list[dict[str, Any]] = []
    client = connect_kiosk(mall)
    wait_for(client, "snapshot", seen)
    # The health check made when the kiosk connected found it fine, and has said so.
    assert printer.asked.wait(5)
    printing = mall.app.extensions["antrian.printing"]
    deadline = time.monotonic() + 5
    while (
        printing.known_state("K1")["message"] != "printer perekam siap / recording printer is ready"
    ):
        assert time.monotonic() < deadline, printing.known_state("K1")
        time.sleep(0.01)
    printer.failure = "printer 10.0.0.9:9100 is out of paper"
    assert mall.issue().get_json()["print"]["status"] == "failed"
    [warning] = wait_for(client, "printer.status", seen)
    assert warning["ok"] is False
    printer.failure = None  # a new roll
    seen.clear()

    housekeeping.recheck_printers(printing)

    [cleared] = wait_for(client, "printer.status", seen)
    assert (cleared["kiosk"], cleared["ok"]) == ("K1", True)
    # A printer that is fine is not asked every round: nothing new to say.
    assert housekeeping.recheck_printers(printing) == []
    assert [e.ok for e in mall.printer_events()] == [False, True]
    client.disconnect()


def test_an_officer_signing_in_sees_the_kiosk_printers_already_in_trouble(
    make_mall: Callable[..., Mall],
) -> None:
    """The counters' banner came from `printer.status` events alone: an officer who signed
    in (or reloaded) after the paper ran out never heard of it."""
    printer = RecordingPrinter(failure="printer 10.0.0.9:9100 is out of paper")
    mall = make_mall({"kind": "dummy"}, printer_factory=lambda spec: printer)
    assert mall.issue().get_json()["print"]["status"] == "failed"
    mall.app.extensions["antrian.accounts"].add_user("siti", "rahasia-123", "officer", [1])
    response = mall.client.post(
        "/api/v1/auth/login", json={"username": "siti", "password": "rahasia-123", "counter": 1}
    )
    token = response.get_json()["token"]
    socketio = mall.app.extensions["antrian.socketio"]

    officer_client = socketio.test_client(mall.app, auth={"token": token})
    [snapshot] = wait_for(officer_client, "snapshot", [])

    expected = [
        {
            "kiosk": "K1",
            "ok": False,
            "message": "printer 10.0.0.9:9100 is out of paper",
            "paper_low": False,
        },
        {"kiosk": "K2", "ok": True, "message": "", "paper_low": False},
    ]
    assert snapshot["printers"] == expected
    # The snapshot asked for after a gap in the versions catches up the same way.
    assert officer_client.emit("snapshot", None, callback=True)["printers"] == expected
    kiosk_client = connect_kiosk(mall)
    wait_for(kiosk_client, "snapshot", [])
    assert kiosk_client.emit("snapshot", None, callback=True)["printer"] == expected[0]
    kiosk_client.disconnect()
    officer_client.disconnect()


def test_a_mall_in_pontianak_prints_its_time_as_wib(make_mall: Callable[..., Mall]) -> None:
    """West and Central Kalimantan keep WIB under their own zone name, Asia/Pontianak: the
    slip must say "WIB", as the hallway display does, not the zone's database name."""
    printer = RecordingPrinter()
    mall = make_mall(
        {"kind": "dummy"},
        printer_factory=lambda spec: printer,
        timezone="Asia/Pontianak",
        tz=ZoneInfo("Asia/Pontianak"),
    )

    mall.issue()

    text = read_ticket(printer.last or b"").text
    assert re.search(r"\b\d{2}:\d{2} WIB\b", text), text
    assert "Asia/Pontianak" not in text


@pytest.mark.parametrize(
    ("printer", "mall", "reason"),
    [
        # A customer display's profile: 240 dots, no room for a readable QR code.
        ({"kind": "dummy", "profile": "AF-240"}, {}, "too long for a readable QR code"),
        # An address phones open but a QR code on paper cannot carry as it is written.
        (
            {"kind": "dummy"},
            {"public_base_url": "https://antrián.example.id"},
            "printable ASCII",
        ),
    ],
    ids=["customer-display-profile", "non-ascii-address"],
)
def test_a_printer_no_ticket_can_be_drawn_for_is_a_start_up_error(
    make_mall: Callable[..., Mall], printer: dict[str, Any], mall: dict[str, Any], reason: str
) -> None:
    """Found at the first visitor's ticket, every ticket of the day failed and the printer
    was reported broken; found at start-up, the error names the printer entry."""
    with pytest.raises(ConfigError) as refused:
        make_mall(printer, **mall)

    assert "kiosks" in str(refused.value) and "printer" in str(refused.value)
    assert reason in str(refused.value)


@dataclasses.dataclass
class SlowCheckPrinter(RecordingPrinter):
    """A recording printer whose health check answers as things were when it was asked,
    but only once `release` is set: a print can end in between."""

    asked: threading.Event = dataclasses.field(default_factory=threading.Event)
    release: threading.Event = dataclasses.field(default_factory=threading.Event)

    def check(self, timeout: float) -> Any:
        health = super().check(timeout)
        self.asked.set()
        self.release.wait(5)
        return health


def test_a_health_check_overtaken_by_a_failed_print_does_not_undo_its_news(
    make_mall: Callable[..., Mall],
) -> None:
    """The kiosk connected and its printer was asked how it is (fine); before the answer was
    recorded, a ticket found the paper out. The older answer must not mark the printer fine
    again: the kiosk's warning and the recheck of failing printers depend on it."""
    printer = SlowCheckPrinter()
    mall = make_mall({"kind": "dummy"}, printer_factory=lambda spec: printer)
    printing = mall.app.extensions["antrian.printing"]
    probe = threading.Thread(target=printing.probe, args=("K1",))
    probe.start()
    assert printer.asked.wait(5)
    printer.failure = "printer 10.0.0.9:9100 is out of paper"
    assert mall.issue().get_json()["print"]["status"] == "failed"

    printer.release.set()
    probe.join(5)

    assert printing.known_state("K1")["ok"] is False
    assert [e.ok for e in mall.printer_events()] == [False]


def test_a_print_cut_off_by_a_dead_process_ends_interrupted_and_a_retry_prints_it(
    make_mall: Callable[..., Mall],
) -> None:
    """The server died (kill -9) while printing: its job stayed pending. Housekeeping ends it
    `interrupted` once no printer timeout can explain it, without calling the printer
    broken; the kiosk's retry then prints the slip, which may never have come out."""
    printer = RecordingPrinter()
    mall = make_mall({"kind": "dummy"}, printer_factory=lambda spec: printer)
    queue = mall.app.extensions["antrian.queue"]
    ticket = queue.issue_ticket("KTP", None, KIOSK)
    queue.start_print_job(ticket["id"], "K1", KIOSK)  # the dead process's job
    printing = mall.app.extensions["antrian.printing"]

    queue.ctx.clock.advance(minutes=9)
    housekeeping.run_once(queue)
    assert [j["status"] for j in mall.print_jobs(ticket["id"])] == ["pending"]

    queue.ctx.clock.advance(minutes=2)
    housekeeping.run_once(queue)
    (job,) = mall.print_jobs(ticket["id"])
    assert job["status"] == "interrupted"
    assert "stopped while printing" in job["error"]
    assert mall.printer_events() == []  # nothing said of the printer itself
    assert printing.known_state("K1")["ok"] is True

    again = printing.outcome_or_print(ticket["id"], "K1", KIOSK)
    assert again["status"] == "printed"
    assert len(printer.jobs) == 1
    assert [j["status"] for j in mall.print_jobs(ticket["id"])] == ["interrupted", "printed"]
