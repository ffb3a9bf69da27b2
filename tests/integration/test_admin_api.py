"""The management API (/api/v1/admin): scope, audit, alerts and bad input, through Flask's
test client on the demo mall, on SQLite and PostgreSQL. A supervisor of DISDUKCAPIL
(counters 1-6, KTP...) is the one whose reach is tested against POLRESTA (counters 7-10, SIM,
SKCK)."""

from __future__ import annotations

import dataclasses
import io
import os
import sys
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

import core.accounts
from core import staff
from core.accounts import Accounts
from core.config import Settings
from core.context import Actor
from core.server.app import create_app
from core.usecases.alerting import AlertMonitor
from tests.conftest import FakeClock
from tests.support.live import QUICK_HASHES

PASSWORD = "rahasia-123"
KIOSK = Actor("kiosk", "kiosk-1", kiosk="K1")


@pytest.fixture(autouse=True)
def quick_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(core.accounts, "_hasher", QUICK_HASHES)


@pytest.fixture
def app(settings: Settings, database_url: str, clock: FakeClock) -> Iterator[Flask]:
    settings = dataclasses.replace(settings, database_url=database_url)
    app = create_app(settings, clock=clock, test_config={"TESTING": True})
    accounts: Accounts = app.extensions["antrian.accounts"]
    accounts.add_user("admin", PASSWORD, "admin")
    accounts.add_user("sari", PASSWORD, "supervisor")
    staff.set_supervisor_agencies(accounts.uow, "sari", ["DISDUKCAPIL"])
    accounts.add_user("siti", PASSWORD, "officer", [1, 2])
    accounts.add_user("joko", PASSWORD, "officer", [7])
    yield app
    app.extensions["antrian.engine"].dispose()


class Api:
    def __init__(self, app: Flask) -> None:
        self.client: FlaskClient = app.test_client()

    def __call__(
        self, method: str, path: str, token: str | None = None, json: Any = None
    ) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = self.client.open(f"/api/v1{path}", method=method, json=json, headers=headers)
        return response.status_code, response.get_json(silent=True)

    def login(self, username: str, counter: int | None = None) -> str:
        status, body = self(
            "POST",
            "/auth/login",
            json={"username": username, "password": PASSWORD, "counter": counter},
        )
        assert status == 200, body
        return body["token"]


@pytest.fixture
def api(app: Flask) -> Api:
    return Api(app)


def test_a_supervisor_sees_only_their_agencies_services_and_counters(api: Api):
    status, board = api("GET", "/admin/dashboard", api.login("sari"))
    assert status == 200
    assert {s["agency"] for s in board["services"]} == {"DISDUKCAPIL"}
    assert [c["number"] for c in board["counters"]] == [1, 2, 3, 4, 5, 6]
    assert board["scope"]["agencies"] == ["DISDUKCAPIL"]
    status, whole = api("GET", "/admin/dashboard", api.login("admin"))
    assert {"DISDUKCAPIL", "POLRESTA"} <= {s["agency"] for s in whole["services"]}
    assert whole["scope"]["agencies"] is None


def test_a_supervisor_cannot_act_on_another_agency_and_the_refusal_is_audited(api: Api):
    sari, admin = api.login("sari"), api.login("admin")
    status, body = api("POST", "/admin/services/SIM/close", sari, {"reason": "Sistem down"})
    assert status == 403
    assert "POLRESTA" in body["error"]["message"]
    status, body = api("POST", "/admin/services/SIM/quota", sari, {"quota": 3})
    assert status == 403
    status, body = api("POST", "/admin/users/joko/disable", sari)
    assert status == 403
    status, users = api("GET", "/admin/users", sari)
    assert [u["username"] for u in users["users"]] == ["siti"]
    # An officer of counter 7 cannot be added by her either.
    status, body = api(
        "POST", "/admin/users", sari, {"username": "rudi", "password": PASSWORD, "counters": [7]}
    )
    assert status == 403
    status, body = api("POST", "/admin/devices", sari, {"name": "tv-2", "kind": "display"})
    assert status == 403
    # Her own agency's service she may close and reopen.
    status, row = api("POST", "/admin/services/KTP/close", sari, {"reason": "Blangko habis"})
    assert status == 200 and row["open"] is False and row["closed_reason"] == "Blangko habis"
    status, services = api("GET", "/services")
    assert next(s for s in services["services"] if s["code"] == "KTP")["open"] is False
    status, row = api("POST", "/admin/services/KTP/reopen", sari)
    assert status == 200 and row["open"] is True
    status, log = api("GET", "/admin/audit?actor=sari", admin)
    actions = [e["action"] for e in log["entries"]]
    assert "service.close" in actions and "service.reopen" in actions
    assert "refused:close_service" in actions and "refused:disable_user" in actions
    # The audit log is the admins' to read.
    status, _ = api("GET", "/admin/audit", sari)
    assert status == 403


def test_officers_and_devices_are_managed_without_the_command_line(api: Api, app: Flask):
    sari, admin = api.login("sari"), api.login("admin")
    status, user = api(
        "POST", "/admin/users", sari, {"username": "rina", "password": PASSWORD, "counters": [3]}
    )
    assert status == 201 and user["role"] == "officer" and user["counters"] == [3]
    status, user = api("POST", "/admin/users/rina/counters", sari, {"counters": [3, 4]})
    assert user["counters"] == [3, 4]
    status, user = api("POST", "/admin/users/siti/disable", sari)
    assert status == 200 and user["active"] is False
    status, body = api(
        "POST", "/auth/login", json={"username": "siti", "password": PASSWORD, "counter": 1}
    )
    assert status == 403
    api("POST", "/admin/users/siti/enable", sari)
    status, _ = api("POST", "/admin/users/siti/password", sari, {"password": "baru-rahasia-1"})
    assert status == 200
    accounts: Accounts = app.extensions["antrian.accounts"]
    assert accounts.password_change_required("siti")
    status, device = api("POST", "/admin/devices", admin, {"name": "tv-2", "kind": "display"})
    assert status == 201
    assert device["setup_url"].startswith("http") and "/display/setup#" in device["setup_url"]
    assert device["qr"].startswith("data:image/svg+xml;base64,")
    token = device["setup_url"].split("#", 1)[1]
    assert api("GET", "/snapshot", token)[0] == 200
    status, _ = api("POST", "/admin/devices/tv-2/revoke", admin)
    assert status == 200
    assert api("GET", "/snapshot", token)[0] == 401
    status, log = api("GET", "/admin/audit?action=user", admin)
    assert {"user.add", "user.counters", "user.disable", "user.enable", "user.reset_password"} <= {
        e["action"] for e in log["entries"]
    }
    status, log = api("GET", "/admin/audit?action=device", admin)
    assert [e["action"] for e in log["entries"]] == ["device.revoke", "device.add"]


def test_a_quota_for_today_and_the_running_text_reach_kiosks_and_displays(api: Api, app: Flask):
    admin = api.login("admin")
    queue = app.extensions["antrian.queue"]
    status, row = api("POST", "/admin/services/KTP/quota", admin, {"quota": 1})
    assert status == 200 and row["quota"] == 1
    queue.issue_ticket("KTP", None, KIOSK)
    status, refused = api("POST", "/tickets", api.login("admin"), {"service": "KTP"})
    assert status == 409 and refused["error"]["code"] == "quota_reached"
    status, services = api("GET", "/services")
    ktp = next(s for s in services["services"] if s["code"] == "KTP")
    assert (ktp["open"], ktp["closed_reason_code"]) == (False, "quota_reached")
    assert ktp["closed_reason"] == "Kuota hari ini habis (1) / Today's quota is used up (1)"
    api("POST", "/admin/services/KTP/quota", admin, {"quota": None})
    assert next(s for s in api("GET", "/services")[1]["services"] if s["code"] == "KTP")["open"]
    before = queue.version()
    status, notices = api(
        "POST",
        "/admin/notices",
        admin,
        {"running_text": "Selamat datang", "announcement": "Hati-hati"},
    )
    assert status == 200 and notices["running_text"] == "Selamat datang"
    snapshot = queue.snapshot("A")
    assert snapshot["mall"]["running_text"] == "Selamat datang"
    assert snapshot["mall"]["announcement"] == "Hati-hati"
    assert snapshot["version"] == before + 1


BAD_INPUT = [
    ("POST", "/admin/users", {"username": "x y", "password": PASSWORD}, "Username"),
    ("POST", "/admin/users", {"username": "rudi", "password": 5}, "password"),
    (
        "POST",
        "/admin/users",
        {"username": "rudi", "password": PASSWORD, "role": "boss"},
        "role",
    ),
    (
        "POST",
        "/admin/users",
        {"username": "rudi", "password": PASSWORD, "counters": [99]},
        "counters",
    ),
    (
        "POST",
        "/admin/users",
        {"username": "rudi", "password": PASSWORD, "counters": "1"},
        "counters",
    ),
    (
        "POST",
        "/admin/users",
        {"username": "rudi", "password": PASSWORD, "role": "supervisor"},
        "agencies",
    ),
    ("POST", "/admin/users/sari/agencies", {"agencies": ["NOPE"]}, "agencies"),
    ("POST", "/admin/services/KTP/quota", {"quota": -1}, "quota"),
    ("POST", "/admin/services/KTP/quota", {"quota": "5"}, "quota"),
    ("POST", "/admin/services/KTP/quota", {}, "quota"),
    ("POST", "/admin/services/KTP/close", {}, "reason"),
    ("POST", "/admin/services/KTP/close", {"reason": "   "}, "reason"),
    ("POST", "/admin/notices", {"running_text": 3}, "running_text"),
    ("POST", "/admin/notices", {"running_text": "x" * 501}, "running_text"),
    ("POST", "/admin/devices", {"name": "tv", "kind": "toaster"}, "kind"),
    ("GET", "/admin/audit?since=yesterday", None, "since"),
    ("GET", "/admin/audit?limit=0", None, "limit"),
    ("GET", "/admin/alerts?state=maybe", None, "state"),
]


def test_bad_input_is_a_clear_400_that_names_the_field(api: Api):
    admin = api.login("admin")
    for method, path, body, field in BAD_INPUT:
        status, answer = api(method, path, admin, body)
        assert status == 400, (path, body, answer)
        assert field.lower() in answer["error"]["message"].lower(), (path, answer)


def test_unknown_things_are_404_and_officers_and_devices_are_403(api: Api):
    admin = api.login("admin")
    assert api("POST", "/admin/services/NOPE/close", admin, {"reason": "x"})[0] == 404
    assert api("POST", "/admin/users/nobody/disable", admin)[0] == 404
    assert api("POST", "/admin/alerts/999/acknowledge", admin)[0] == 404
    assert api("GET", "/admin/dashboard", api.login("siti", 1))[0] == 403
    assert api("GET", "/admin/dashboard")[0] == 401


def test_alerts_are_raised_cleared_and_acknowledged_in_scope(
    api: Api, app: Flask, clock: FakeClock
):
    queue = app.extensions["antrian.queue"]
    monitor = app.extensions["antrian.alerts"]
    sent: list[Any] = []
    queue.publisher.subscribe(
        lambda event: sent.append(event) if event.name.startswith("alert.") else None
    )
    queue.issue_ticket("KTP", None, KIOSK)
    queue.issue_ticket("SIM", None, KIOSK)
    assert monitor.run_once() == []
    clock.advance(minutes=45)  # past both services' targets
    raised = monitor.run_once()
    assert {e.alert["subject"] for e in raised} == {"KTP", "SIM"}
    assert monitor.run_once() == []  # still open: not raised twice
    sari, admin = api.login("sari"), api.login("admin")
    status, mine = api("GET", "/admin/alerts", sari)
    assert [a["subject"] for a in mine["alerts"]] == ["KTP"]
    sim = next(e.alert["id"] for e in raised if e.alert["subject"] == "SIM")
    assert api("POST", f"/admin/alerts/{sim}/acknowledge", sari)[0] == 404
    ktp = mine["alerts"][0]["id"]
    status, acked = api("POST", f"/admin/alerts/{ktp}/acknowledge", sari)
    assert status == 200 and acked["acknowledged_by"] == "sari"
    # Serving the visitor ends the condition: the alert clears, its acknowledgement kept.
    queue.open_counter(1, Actor("officer", "siti", counter=1))
    queue.call_next(1, Actor("officer", "siti", counter=1))
    cleared = monitor.run_once()
    assert [(e.name, e.alert["subject"]) for e in cleared] == [("alert.cleared", "KTP")]
    status, every = api("GET", "/admin/alerts?state=all", admin)
    ktp_row = next(a for a in every["alerts"] if a["id"] == ktp)
    assert ktp_row["open"] is False and ktp_row["acknowledged_by"] == "sari"
    assert {"alert.raised", "alert.acknowledged", "alert.cleared"} <= {e.name for e in sent}


def test_a_round_that_changes_no_alert_takes_no_write_transaction(
    app: Flask, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
):
    queue = app.extensions["antrian.queue"]
    monitor = app.extensions["antrian.alerts"]
    queue.issue_ticket("KTP", None, KIOSK)
    clock.advance(minutes=45)
    assert [e.alert["subject"] for e in monitor.run_once()] == ["KTP"]
    uow = monitor.ctx.uow
    writes: list[int] = []
    original = uow.writing
    monkeypatch.setattr(uow, "writing", lambda: writes.append(1) or original())
    assert monitor.run_once() == [] and writes == []  # still open: nothing to write
    queue.open_counter(1, Actor("officer", "siti", counter=1))
    queue.call_next(1, Actor("officer", "siti", counter=1))
    writes.clear()
    cleared = monitor.run_once()
    assert [(e.name, e.alert["subject"]) for e in cleared] == [("alert.cleared", "KTP")]
    assert writes == [1]


def test_a_long_break_and_a_failed_printer_are_alerts(api: Api, app: Flask, clock: FakeClock):
    queue = app.extensions["antrian.queue"]
    monitor = app.extensions["antrian.alerts"]
    siti = Actor("officer", "siti", counter=1)
    queue.open_counter(1, siti)
    queue.set_counter_status(1, "break", "Sholat", siti)
    queue.printer_status("K1", False, "Kertas habis")
    clock.advance(minutes=31)
    raised = {e.alert["kind"]: e.alert for e in monitor.run_once()}
    assert raised["break"]["subject"] == "1" and "Sholat" in raised["break"]["message"]
    # Keyed by the printer (a `dummy` one is the kiosk's own).
    assert raised["printer"]["subject"] == "dummy:K1" and raised["printer"]["agency"] is None
    # A kiosk's printer concerns every manager.
    status, mine = api("GET", "/admin/alerts", api.login("sari"))
    assert {a["kind"] for a in mine["alerts"]} == {"break", "printer"}
    # A failed print job is stored: a process that never heard the event (a fresh monitor)
    # finds it in the database; a later ticket that printed clears it.
    ticket = queue.issue_ticket("KK", None, KIOSK)
    job = queue.start_print_job(ticket["id"], "K2", KIOSK)
    queue.finish_print_job(job, False, "Printer offline")
    assert "printer:dummy:K2" in {c.key for c in AlertMonitor(queue.ctx).conditions()}
    job = queue.start_print_job(ticket["id"], "K2", KIOSK)
    queue.finish_print_job(job, True, None)
    assert "printer:dummy:K2" not in {c.key for c in AlertMonitor(queue.ctx).conditions()}


def test_a_supervisor_closes_a_counter_of_her_agency_left_open_not_another(api: Api):
    siti, joko = api.login("siti", 1), api.login("joko", 7)
    sari = api.login("sari")
    status, body = api("POST", "/admin/counters/7/close", sari, {"reason": "x"})
    assert status == 403 and "POLRESTA" in body["error"]["message"]
    status, row = api("POST", "/admin/counters/1/close", sari, {"reason": "Pulang"})
    assert status == 200 and (row["status"], row["reason"]) == ("closed", "Pulang")
    assert api("GET", "/counters/1", siti)[1]["counter"]["status"] == "closed"
    assert api("GET", "/counters/7", joko)[1]["counter"]["status"] == "open"
    status, log = api("GET", "/admin/audit?action=counter", api.login("admin"))
    assert [(e["actor"], e["detail"]) for e in log["entries"]] == [("sari", "1: Pulang")]


def test_the_command_line_adds_a_supervisor_bound_to_agencies(
    tmp_path: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    from core.config import load_settings
    from core.server import cli
    from core.store import UnitOfWork, make_engine
    from tests.support.live import write_all_day_config

    for name in [n for n in os.environ if n.startswith("ANTRIAN_")]:
        monkeypatch.delenv(name)
    config = write_all_day_config(tmp_path, port=5000)
    add = ["--config", str(config), "user", "add", "sari", "--role", "supervisor"]
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    assert cli.main(add) == 1  # no agencies
    assert "--agencies" in capsys.readouterr().err
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    assert cli.main([*add, "--agencies", "POLRESTA,IMIGRASI"]) == 0
    settings = load_settings(config, environ={})
    engine = make_engine(settings.database_url)
    assert staff.supervised_agencies(UnitOfWork(engine), "sari") == ["IMIGRASI", "POLRESTA"]
    engine.dispose()


def test_a_service_closed_for_today_opens_again_the_next_day(
    api: Api, app: Flask, clock: FakeClock
):
    queue = app.extensions["antrian.queue"]
    status, row = api("POST", "/admin/services/KTP/close", api.login("sari"), {"reason": "Rapat"})
    assert row["open"] is False
    clock.advance(days=1)
    queue.close_ended_days()
    ktp = next(s for s in queue.services_overview() if s["code"] == "KTP")
    assert ktp["open"] is True and ktp["closed_reason"] is None


def test_the_sign_in_page_takes_managers_only_and_only_from_the_mall_s_own_pages(app: Flask):
    client = app.test_client()
    form = {"username": "sari", "password": PASSWORD}
    refused = client.post("/admin/login", data=form, headers={"Origin": "http://evil.example"})
    assert refused.status_code == 403
    assert client.get("/admin").headers["Location"].endswith("/admin/login")
    officer = client.post(
        "/admin/login",
        data={"username": "siti", "password": PASSWORD},
        headers={"Origin": "http://localhost"},
    )
    assert officer.status_code == 403
    assert "bukan admin atau supervisor" in officer.get_data(as_text=True)
    signed_in = client.post("/admin/login", data=form, headers={"Origin": "http://localhost"})
    assert signed_in.status_code == 302
    page = client.get("/admin")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    body = page.get_data(as_text=True)
    assert 'href="/admin/reports"' in body and 'href="/admin/skm"' in body
    assert 'href="/admin/devices"' not in body  # the admins' pages are not offered to her
    assert client.get("/admin/audit").headers["Location"].endswith("/admin")


def test_a_supervisor_s_reports_count_only_their_agencies(api: Api, app: Flask):
    kiosk = app.extensions["antrian.accounts"].add_device("kiosk-lobby", "kiosk", kiosk="K1")
    for service in ("KTP", "SKCK"):  # DISDUKCAPIL's and POLRESTA's
        issued = api.client.post(
            "/api/v1/tickets",
            json={"service": service},
            headers={"Authorization": f"Bearer {kiosk}"},
        )
        assert issued.status_code == 201, issued.get_json()

    status, mine = api("GET", "/reports?by=service", api.login("sari"))
    assert status == 200, mine
    assert {row["key"] for row in mine["rows"] if row["issued"]} == {"KTP"}
    assert mine["total"]["issued"] == 1
    status, whole = api("GET", "/reports?by=service", api.login("admin"))
    assert {row["key"] for row in whole["rows"] if row["issued"]} == {"KTP", "SKCK"}
    status, body = api("GET", "/reports?by=service", api.login("siti", counter=1))
    assert status == 403, body


def test_taking_a_counter_from_an_officer_ends_their_session_there(app: Flask, api: Api):
    admin = api.login("admin")
    at_one = api.login("siti", counter=1)  # siti may use counters 1 and 2; signing in opens it
    at_two = api.login("siti", counter=2)
    snapshot = app.extensions["antrian.queue"].snapshot(None)
    assert {c["number"]: c["status"] for c in snapshot["counters"]}[1] == "open"

    status, user = api("POST", "/admin/users/siti/counters", admin, {"counters": [2]})
    assert status == 200 and user["counters"] == [2]
    # Counter 1 is no longer hers: that session ends and the counter closes.
    assert api("POST", "/counters/1/call-next", at_one)[0] == 401
    snapshot = app.extensions["antrian.queue"].snapshot(None)
    assert {c["number"]: c["status"] for c in snapshot["counters"]}[1] == "closed"
    # Counter 2 still is: that session goes on.
    assert api("GET", "/counters/2", at_two)[0] == 200
    # An empty list is any counter: nothing more ends.
    assert api("POST", "/admin/users/siti/counters", admin, {"counters": []})[0] == 200
    assert api("GET", "/counters/2", at_two)[0] == 200


def test_what_a_manager_types_wrong_is_told_in_indonesian_first(api: Api):
    admin = api.login("admin")
    status, body = api(
        "POST", "/admin/users", admin, {"username": "Siti Baru", "password": PASSWORD}
    )
    assert status == 400
    assert body["error"]["message"].startswith("Nama pengguna 'Siti Baru' harus 2-64 huruf")
    status, body = api("POST", "/admin/devices", admin, {"name": "TV 1", "kind": "display"})
    assert status == 400
    assert body["error"]["message"].startswith("Nama perangkat 'TV 1' harus")
    status, body = api("GET", "/reports?from=2026-11-20&to=2026-11-10", admin)
    assert status == 400
    message = body["error"]["message"]
    assert message.startswith("Tanggal akhir (2026-11-10) sebelum tanggal awal (2026-11-20)")
    assert message.endswith("swap them.")
    status, body = api("POST", "/admin/services/KTP/close", admin, {})
    assert status == 400 and body["error"]["message"].startswith("Isi alasan layanan ditutup")
    status, body = api("POST", "/admin/services/KTP/quota", admin, {"quota": -1})
    assert status == 400 and body["error"]["message"].startswith("Kuota harus bilangan bulat")
    sari = api.login("sari")
    status, body = api("POST", "/admin/services/SIM/close", sari, {"reason": "x"})
    assert status == 403
    assert body["error"]["message"].startswith("Layanan SIM milik instansi POLRESTA")


def test_the_audit_log_reads_dates_as_whole_local_days(
    app: Flask, api: Api, clock: FakeClock
) -> None:
    admin = api.login("admin")
    assert api("POST", "/admin/users/joko/disable", admin)[0] == 200
    tz = app.extensions["antrian.settings"].mall.tz
    local = clock.now.astimezone(tz)
    today = local.date().isoformat()
    day_before = (local.date() - timedelta(days=1)).isoformat()

    def actions(query: str) -> list[str]:
        status, body = api("GET", f"/admin/audit?{query}", admin)
        assert status == 200, body
        return [entry["action"] for entry in body["entries"]]

    # "From today until today" is today, the whole day, in the mall's time.
    assert "user.disable" in actions(f"since={today}&until={today}")
    assert "user.disable" not in actions(f"since={day_before}&until={day_before}")
    # An instant without an offset is the mall's local time, as the page shows times.
    just_before = (local - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M")
    just_after = (local + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M")
    assert "user.disable" in actions(f"since={just_before}")
    assert "user.disable" not in actions(f"since={just_after}")
    # The calendar's ends are no bound at all (they overflowed into a 500).
    assert "user.disable" in actions("since=0001-01-01&until=9999-12-31")
    assert "user.disable" in actions("since=0001-01-01T00:00&until=9999-12-31T23:59")
