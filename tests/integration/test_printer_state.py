"""A kiosk printer's state outlives the process, and kiosks sharing a printer share its alerts.

Two kiosks (K1, K2) are configured with one network printer, a third (K3) with its own; the
printers are recording fakes injected through `printer_factory`, so nothing goes on the
network. A restart is a second app on the same database, the first one's engine disposed;
two processes are two apps on it at once. On a SQLite file and on PostgreSQL.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import insert

from core.config import Kiosk, Settings
from core.server import housekeeping
from core.server.app import create_app
from core.store import printer_states
from printers.devices import PrinterSpec, RecordingPrinter
from tests.conftest import FakeClock

SHARED = {"kind": "network", "host": "10.0.0.9", "port": 9100}
SHARED_KEY = "network:10.0.0.9:9100"
ADMIN_PASSWORD = "rahasia-admin-1"


@dataclasses.dataclass
class Printers:
    """The printers the apps print on: the shared one, and K3's own."""

    shared: RecordingPrinter = dataclasses.field(default_factory=RecordingPrinter)
    own: RecordingPrinter = dataclasses.field(default_factory=RecordingPrinter)

    def factory(self, spec: PrinterSpec) -> RecordingPrinter:
        return self.shared if spec.kind == "network" else self.own


@pytest.fixture
def printers() -> Printers:
    return Printers()


@pytest.fixture
def start(
    settings: Settings, database_url: str, clock: FakeClock, printers: Printers
) -> Iterator[Callable[[], Flask]]:
    """Start a server process (an app) on the test's database."""
    kiosks = (
        Kiosk("K1", "Anjungan K1", "A", SHARED, "kiosks[0].printer"),
        Kiosk("K2", "Anjungan K2", "B", SHARED, "kiosks[1].printer"),
        Kiosk("K3", "Anjungan K3", None, {"kind": "dummy"}, "kiosks[2].printer"),
    )
    configured = dataclasses.replace(settings, database_url=database_url, kiosks=kiosks)
    apps: list[Flask] = []

    def build() -> Flask:
        app = create_app(configured, clock=clock, printer_factory=printers.factory)
        accounts = app.extensions["antrian.accounts"]
        if not accounts.list_users():
            accounts.add_user("admin", ADMIN_PASSWORD, "admin")
        apps.append(app)
        return app

    yield build
    for app in apps:
        app.extensions["antrian.engine"].dispose()


def stop(app: Flask) -> None:
    """The process ends: its memory is gone, the database stays."""
    app.extensions["antrian.engine"].dispose()


def issue_at(app: Flask, kiosk: str) -> dict[str, Any]:
    token = app.extensions["antrian.accounts"].add_device(
        f"kiosk-{kiosk.lower()}-{time.monotonic_ns()}", "kiosk", kiosk=kiosk
    )
    response = app.test_client().post(
        "/api/v1/tickets", json={"service": "KTP"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["print"]


def admin_api(app: Flask, method: str, path: str) -> tuple[int, Any]:
    client = app.test_client()
    login = client.post(
        "/api/v1/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}
    ).get_json()
    response = client.open(
        f"/api/v1/admin{path}",
        method=method,
        headers={"Authorization": f"Bearer {login['token']}"},
    )
    return response.status_code, response.get_json()


def open_alerts(app: Flask) -> list[tuple[str, str]]:
    status, body = admin_api(app, "GET", "/alerts")
    assert status == 200, body
    return [(a["kind"], a["subject"]) for a in body["alerts"]]


# --- one printer, one alert -------------------------------------------------------------------


def test_a_roll_running_low_on_a_shared_printer_is_one_alert_naming_its_kiosks(
    start: Callable[[], Flask], printers: Printers
) -> None:
    app = start()
    monitor = app.extensions["antrian.alerts"]
    printers.shared.paper_low = True

    assert issue_at(app, "K1")["status"] == "printed"
    raised = monitor.run_once()
    assert issue_at(app, "K2")["status"] == "printed"
    again = monitor.run_once()

    [alert] = [e.alert for e in raised]
    assert (alert["kind"], alert["subject"], alert["agency"]) == ("paper", SHARED_KEY, None)
    assert alert["message"] == (
        "Kertas printer anjungan K1, K2 hampir habis, siapkan gulungan baru / "
        "printer paper of kiosks K1, K2 is running low, fetch a new roll"
    )
    assert again == []  # the other kiosk's ticket is the same roll
    assert open_alerts(app) == [("paper", SHARED_KEY)]
    # Acknowledged once, for both kiosks.
    status, acked = admin_api(app, "POST", f"/alerts/{alert['id']}/acknowledge")
    assert status == 200 and acked["acknowledged_by"] == "admin"
    status, body = admin_api(app, "GET", "/alerts")
    assert [a["acknowledged_by"] for a in body["alerts"]] == ["admin"]

    printers.shared.paper_low = False  # a new roll
    assert app.extensions["antrian.printing"].recheck_failing() == ["K1"]
    cleared = monitor.run_once()
    assert [(e.name, e.alert["subject"]) for e in cleared] == [("alert.cleared", SHARED_KEY)]
    assert open_alerts(app) == []


def test_a_failed_shared_printer_is_one_alert_and_a_kiosks_own_printer_its_own(
    start: Callable[[], Flask], printers: Printers
) -> None:
    app = start()
    monitor = app.extensions["antrian.alerts"]
    printers.shared.failure = (
        "printer 10.0.0.9:9100 kehabisan kertas / printer 10.0.0.9:9100 is out of paper"
    )
    printers.own.failure = "printer K3 jammed"

    assert issue_at(app, "K1")["status"] == "failed"
    assert issue_at(app, "K2")["status"] == "failed"
    assert issue_at(app, "K3")["status"] == "failed"
    raised = {e.alert["subject"]: e.alert for e in monitor.run_once()}

    assert sorted(raised) == ["dummy:K3", SHARED_KEY]
    assert raised[SHARED_KEY]["kind"] == "printer"
    assert raised[SHARED_KEY]["message"] == (
        "Printer anjungan K1, K2 gagal mencetak: printer 10.0.0.9:9100 kehabisan kertas / "
        "printer of kiosks K1, K2 failed: printer 10.0.0.9:9100 is out of paper"
    )
    assert raised["dummy:K3"]["message"] == (
        "Printer anjungan K3 gagal mencetak: printer K3 jammed / kiosk K3 printer failed: "
        "printer K3 jammed"
    )


# --- what a restart must not forget -----------------------------------------------------------


def test_a_roll_running_low_is_known_at_once_after_a_restart_and_its_alert_kept(
    start: Callable[[], Flask], printers: Printers
) -> None:
    before = start()
    printers.shared.paper_low = True
    assert issue_at(before, "K1")["status"] == "printed"
    raised = before.extensions["antrian.alerts"].run_once()
    assert raised
    for event in raised:
        admin_api(before, "POST", f"/alerts/{event.alert['id']}/acknowledge")
    stop(before)

    after = start()  # nobody has printed or asked the printer since
    printing, monitor = after.extensions["antrian.printing"], after.extensions["antrian.alerts"]

    # The kiosks and the counters' banner (the staff's snapshot) know it at once.
    assert [(s["kiosk"], s["ok"], s["paper_low"]) for s in printing.known_states()] == [
        ("K1", True, True),
        ("K2", True, True),
        ("K3", True, False),
    ]
    # The open alert is neither cleared nor raised again: one alert for the roll, still
    # acknowledged.
    assert monitor.run_once() == []
    status, body = admin_api(after, "GET", "/alerts")
    assert [(a["kind"], a["subject"], a["acknowledged_by"]) for a in body["alerts"]] == [
        ("paper", SHARED_KEY, "admin")
    ]
    # The roll was changed while the server was down: the first printer check asks it.
    printers.shared.paper_low = False
    assert housekeeping.recheck_printers(printing) == ["K1"]
    assert printing.known_state("K2")["paper_low"] is False
    assert [e.name for e in monitor.run_once()] == ["alert.cleared"]


def test_a_printer_a_health_check_found_off_is_known_at_once_after_a_restart(
    start: Callable[[], Flask], printers: Printers
) -> None:
    """Its last ticket printed; then the kiosk's health check found it switched off. The
    print jobs say it works: only the stored state remembers it does not."""
    before = start()
    assert issue_at(before, "K1")["status"] == "printed"
    printers.shared.failure = "printer 10.0.0.9:9100 refused the connection"
    before.extensions["antrian.printing"].probe("K2")
    assert before.extensions["antrian.alerts"].run_once()
    stop(before)

    after = start()

    state = after.extensions["antrian.printing"].known_state("K1")
    assert state == {
        "kiosk": "K1",
        "ok": False,
        "message": "printer 10.0.0.9:9100 refused the connection",
        "paper_low": False,
    }
    assert after.extensions["antrian.alerts"].run_once() == []
    assert open_alerts(after) == [("printer", SHARED_KEY)]
    # A ticket that prints after the restart is news: it takes the warning off.
    printers.shared.failure = None
    assert issue_at(after, "K2")["status"] == "printed"
    assert after.extensions["antrian.printing"].known_state("K1")["ok"] is True
    assert [e.name for e in after.extensions["antrian.alerts"].run_once()] == ["alert.cleared"]


def test_a_process_that_heard_nothing_judges_the_printer_as_the_one_that_learnt_it(
    start: Callable[[], Flask], printers: Printers
) -> None:
    """Two processes on one database, no relay between them: the second's alert round must
    not clear the alert the first raised for a roll running low."""
    first, second = start(), start()
    printers.shared.paper_low = True
    assert issue_at(first, "K2")["status"] == "printed"
    assert first.extensions["antrian.alerts"].run_once()

    assert second.extensions["antrian.alerts"].run_once() == []
    assert open_alerts(second) == [("paper", SHARED_KEY)]


def test_a_printer_no_kiosk_is_configured_with_any_more_raises_no_alert(
    start: Callable[[], Flask], clock: FakeClock
) -> None:
    """K1 and K2 printed on 10.0.0.8 until it was replaced by 10.0.0.9 in config.yaml; the old
    printer's last state (out of paper) must not hold an alert open for ever."""
    app = start()
    with app.extensions["antrian.engine"].begin() as conn:
        conn.execute(
            insert(printer_states).values(
                mall=app.extensions["antrian.settings"].mall.code,
                printer="network:10.0.0.8:9100",
                ok=False,
                message="printer 10.0.0.8:9100 is out of paper",
                paper_low=True,
                updated_at=clock(),
            )
        )

    assert app.extensions["antrian.alerts"].run_once() == []


class FirstRound:
    """Stands in for Socket.IO's background tasks: runs the task until its first sleep."""

    class Slept(Exception):
        pass

    def start_background_task(self, task: Callable[[], None]) -> None:
        with contextlib.suppress(self.Slept):
            task()

    def sleep(self, _seconds: float) -> None:
        raise self.Slept


def test_the_printer_checks_ask_a_printer_stored_as_failing_as_soon_as_the_process_starts(
    start: Callable[[], Flask], printers: Printers
) -> None:
    before = start()
    printers.shared.failure = "printer 10.0.0.9:9100 is out of paper"
    assert issue_at(before, "K1")["status"] == "failed"
    stop(before)
    printers.shared.failure = None  # a new roll while the server was down

    after = start()
    published: list[Any] = []
    after.extensions["antrian.queue"].publisher.subscribe(published.append)
    housekeeping.start_printer_checks(FirstRound(), after.extensions["antrian.printing"])

    told = sorted((e.kiosk, e.ok) for e in published if e.name == "printer.status")
    assert told == [("K1", True), ("K2", True)]
