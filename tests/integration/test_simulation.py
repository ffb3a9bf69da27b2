"""A short simulated day through the real QueueService: the report's keys, determinism, and
the estimate against the real waits; booked visitors; the same day on SQLite and PostgreSQL,
each on a temporary database dropped afterwards."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from datetime import time as dtime
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from core.server.cli import main
from core.simulation import database
from core.simulation.database import temporary_database
from core.simulation.day import Day
from core.simulation.history import write_days_before
from core.simulation.records import VisitorRecord
from core.simulation.report import figures as report_figures
from core.simulation.report import write
from core.simulation.scenario import load_scenario
from core.store import make_engine, metadata, tickets

ROOT = Path(__file__).resolve().parents[2]
SHORT = f"""
name: pagi singkat
sources: [made up for a test]
config: {ROOT / "config.yaml"}
date: 2026-12-07
sample_minutes: 10
oracle: {{replications: 4}}
services:
  KTP:
    hours: "07:45-09:00"
    arrivals_per_hour: {{7: 20, 8: 40}}
    service_minutes: {{mean: 5, cv: 0.6}}
    no_show: 0.1
    priority: 0.15
  KK:
    hours: "07:45-09:00"
    arrivals_per_hour: {{7: 10, 8: 25}}
    service_minutes: {{mean: 4, cv: 0.5}}
    transfers: {{KTP: 0.2}}
counters:
  - {{number: 1, services: [KTP], hours: "08:00-09:45", breaks: ["08:40-08:55"]}}
  - {{number: 2, services: [KTP, KK], hours: "08:00-09:45"}}
  - {{number: 3, services: [KK], hours: "08:00-09:15"}}
"""


# KTP takes bookings in config.yaml (30-minute slots from its opening, 4 places each): with
# KTP open 07:45-09:00 the slots are 07:45 and 08:15, 8 places for ~24 who want one.
BOOKED = SHORT.replace("    priority: 0.15\n", "    priority: 0.15\n    booked: 0.4\n")


@pytest.fixture
def scenario_file(tmp_path: Path) -> Path:
    path = tmp_path / "short.yaml"
    path.write_text(SHORT)
    return path


@pytest.fixture
def booked_file(tmp_path: Path) -> Path:
    path = tmp_path / "booked.yaml"
    path.write_text(BOOKED)
    return path


def test_a_short_day_reports_every_figure_and_repeats_with_its_seed(
    scenario_file: Path, tmp_path: Path
) -> None:
    assert main(["simulate", str(scenario_file), "--seed", "5", "--out", str(tmp_path / "a")]) == 0
    first = (tmp_path / "a" / "report.json").read_text()
    report = json.loads(first)
    for kind in ("model", "baseline", "oracle"):
        figures = report["eta"][kind]
        assert figures["count"] > 20
        for key in ("mean_abs_error_min", "median_abs_error_min", "p90_abs_error_min", "bias_min"):
            assert isinstance(figures[key], float)
        assert 0 <= figures["within_5_min"] <= 1
    assert 0 <= report["eta"]["model"]["range_coverage"] <= 1
    assert 0 <= report["eta"]["oracle"]["range_coverage"] <= 1
    assert "median_abs_error_min" in report["eta"]["near_front"]["model"]
    # The mall's own report of the estimates, read from the day's database (core/promises.py),
    # against the simulator's record of what each visitor was told and when they were called.
    model, recorded = report["eta"]["model"], report["eta"]["recorded"]
    assert recorded["count"] == model["count"] and recorded["not_called"] > 0
    for key in ("mean_abs_error_min", "median_abs_error_min", "p90_abs_error_min", "bias_min"):
        assert recorded[key] == pytest.approx(model[key], abs=0.01), key
    for key in ("within_5_min", "range_coverage"):
        assert recorded[key] == pytest.approx(model[key], abs=0.001), key
    width = report["eta"]["range_width"]
    assert width["count"] > 20 and 0 <= width["share_within_goal"] <= 1
    assert width["median_ratio"] > 0 and width["oracle_median_width_min"] >= 0
    ktp = report["services"]["KTP"]
    assert ktp["issued"] > 20 and ktp["wait_p90_min"] >= ktp["wait_p50_min"]
    assert set(report["utilisation_per_hour"]) >= {"08", "09"}
    assert report["queue_length"] and report["visitors"]["unserved_at_closing"] >= 0
    assert (tmp_path / "a" / "report.html").read_text().count("<img") == 4
    assert (tmp_path / "a" / "queue.png").stat().st_size > 1000
    # The same seed, the same day, to the last figure; another seed, another day.
    assert main(["simulate", str(scenario_file), "--seed", "5", "--out", str(tmp_path / "b")]) == 0
    assert (tmp_path / "b" / "report.json").read_text() == first
    result = Day(load_scenario(scenario_file, seed=6), oracle=False).run()
    assert write(result, tmp_path / "c")["visitors"] != report["visitors"]


def test_the_oracle_answers_alike_in_the_days_process_and_in_workers(
    scenario_file: Path,
) -> None:
    # Each visitor's plays have their own random stream: who plays them does not matter.
    scenario = load_scenario(scenario_file, seed=3)

    def answers(workers: int) -> list[tuple[float | None, ...]]:
        result = Day(scenario, oracle_workers=workers).run()
        return [
            (v.estimates[0].oracle, v.estimates[0].oracle_low, v.estimates[0].oracle_high)
            for v in result.visitors
            if v.estimates
        ]

    here = answers(0)
    assert any(median is not None for median, _, _ in here)
    assert answers(2) == here


def test_the_day_goes_through_the_real_system(scenario_file: Path) -> None:
    result = Day(load_scenario(scenario_file, seed=2), oracle=False).run()
    issued = [v for v in result.visitors if v.ticket_id]
    assert issued and all(v.estimates for v in issued)
    # Issued before 08:00, when no counter was open: still an estimate, from the opening.
    early = [v for v in issued if v.arrive < 8 * 60]
    assert early and all(v.estimates[0].model is not None for v in early)
    assert all(v.estimates[0].model >= 8 * 60 - v.arrive - 1 for v in early)
    # Nobody is called by counter 1 during its break, nor by anyone after the closing.
    for a, _ in result.busy[1]:
        assert not 8 * 60 + 40 <= a < 8 * 60 + 55
    assert all(v.called is None or v.called < 9 * 60 + 45 for v in result.visitors)
    assert any(v.transfer_to and v.state == "done" for v in result.visitors)


def test_the_day_starts_with_recent_days_learnt_unless_it_is_the_first(
    tmp_path: Path,
) -> None:
    """A mall that has run for a while has a week of visits behind it, and the estimate
    learns from them what a first day cannot know: the shape of the day's arrivals (KTP's
    come in the 7 and 8 o'clock hours, 20 and 40 an hour, 15 % of them priority) and the
    pace."""
    running, first = tmp_path / "running.yaml", tmp_path / "first.yaml"
    running.write_text(SHORT)
    first.write_text(SHORT.replace("sample_minutes: 10\n", "sample_minutes: 10\nhistory_days: 0\n"))
    learnt = {}
    for name, path in (("first", first), ("running", running)):
        day = Day(load_scenario(path, seed=2), oracle=False)
        day.run()
        learnt[name] = day.queue.ctx.estimator.inflow._profiles["KTP"][1]
    assert learnt["first"] is None  # nothing to learn from: the last hour's rate is used
    per_hour, priority_share = learnt["running"]
    assert {h for h, n in enumerate(per_hour) if n} == {7, 8}
    assert per_hour[7] <= 12 and 25 <= per_hour[8] <= 60  # 15 min at 20/h, 60 at 40/h
    assert 0.02 <= priority_share <= 0.35


def test_the_days_before_keep_each_weekdays_hours(tmp_path: Path) -> None:
    """The week before the day: a service following the mall's hours (KIA, no hours of the
    scenario's own) had no visitors on the Sunday and none after 11:30 on the Saturday."""
    path = tmp_path / "kia.yaml"
    path.write_text(
        SHORT.replace(
            "  KK:\n",
            "  KIA:\n    arrivals_per_hour: {8: 30, 9: 30, 10: 30, 11: 30, 12: 30}\n"
            "    service_minutes: {mean: 4, cv: 0.5}\n  KK:\n",
        )
    )
    scenario = load_scenario(path, seed=3)
    engine = make_engine(f"sqlite:///{tmp_path / 'days.db'}")
    metadata.create_all(engine)
    write_days_before(scenario, engine, "MPP-TEST", np.random.default_rng(3), 7)
    with engine.connect() as conn:
        rows = conn.execute(
            select(tickets.c.day, tickets.c.issued_at).where(tickets.c.service == "KIA")
        ).all()
    engine.dispose()
    tz = scenario.settings.mall.tz
    by_day: dict[str, list[datetime]] = {}
    for day, at in rows:
        by_day.setdefault(day, []).append(at.replace(tzinfo=UTC).astimezone(tz))
    assert sorted(by_day) == ["2026-11-30", "2026-12-01", "2026-12-02", "2026-12-03",
                              "2026-12-04", "2026-12-05"]  # fmt: skip
    assert max(t.time() for t in by_day["2026-12-05"]) < dtime(11, 30)  # Saturday
    assert max(t.time() for t in by_day["2026-12-01"]) >= dtime(12, 0)  # a Tuesday


def test_a_bad_scenario_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(SHORT.replace("mean: 5", "mean: -1"))
    assert main(["simulate", str(path), "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("Scenario error: services.KTP.service_minutes.mean:")
    assert "\n" not in err


def test_plan_gives_counters_per_service_and_hour(scenario_file: Path, tmp_path: Path) -> None:
    assert main(["plan", str(scenario_file), "--target-wait", "10", "--out", str(tmp_path)]) == 0
    plan = json.loads((tmp_path / "plan.json").read_text())
    ktp = plan["services"]["KTP"]
    assert set(ktp) == {"07", "08"}
    assert all(h["needed"] >= h["erlang_c"] >= 1 for h in ktp.values())
    assert all(h["p90_wait_min"] <= 10 for h in ktp.values())
    # counter 1 (KTP alone) works 45 minutes of the hour; counter 2 shares by expected work
    assert ktp["08"]["current"] == pytest.approx(0.75 + 40 * 5.5 / (40 * 5.5 + 25 * 4.5), abs=0.01)
    assert (tmp_path / "plan.png").exists()


def test_booked_visitors_check_in_and_go_ahead_of_walk_ins(booked_file: Path) -> None:
    result = Day(load_scenario(booked_file, seed=3), oracle=False).run()
    ktp = [v for v in result.visitors if v.service == "KTP"]
    booked = [v for v in ktp if v.booking_code]
    assert 4 <= len(booked) <= 8  # the two slots' places; the rest could not book
    # The check-in issued their tickets, channel "booking", and every one was called.
    assert all(v.ticket_id and v.channel == "booking" for v in booked)
    assert all(v.called is not None for v in booked)
    assert any(v.state == "done" for v in booked)
    # Who wanted to book and found no place came as a walk-in, and says why.
    turned_away = [v for v in ktp if v.booked and not v.booking_code]
    assert turned_away and all(v.booking_refused for v in turned_away)
    assert all(v.channel in (None, "kiosk") for v in turned_away)
    assert not any(v.booked for v in result.visitors if v.service == "KK")
    # The call order puts a booked visitor (slot begun) ahead of walk-ins who came earlier.
    walk_ins = [v for v in ktp if v.channel == "kiosk" and v.called is not None]
    assert any(w.arrive < b.arrive and b.called < w.called for b in booked for w in walk_ins)
    report = report_figures(result)["channels"]
    assert report["bookings"]["booked"] == len(booked)
    assert report["bookings"]["wanted"] == len(booked) + len(turned_away)
    assert report["waits"]["booking"]["issued"] == len(booked)
    assert report["waits"]["booking"]["wait_p50_min"] < report["waits"]["kiosk"]["wait_p50_min"]
    # Their waits count as the mall's reports count them: from the later of the check-in and
    # the slot's start (one who came early waited for the slot by choice).
    early = [v for v in booked if v.arrive < v.slot_start]
    assert early, "some booked visitors should check in before their slot"
    waits = [max(0.0, v.called - max(v.arrive, v.slot_start)) for v in booked]
    assert report["waits"]["booking"]["wait_p50_min"] == round(float(np.percentile(waits, 50)), 2)
    assert report["waits"]["booking"]["wait_max_min"] == round(max(waits), 2)


def test_waits_count_the_visitors_left_unserved_until_the_day_ended(tmp_path: Path) -> None:
    # KK's morning rush is far more than counters 2 and 3 serve before they close.
    path = tmp_path / "rush.yaml"
    path.write_text(
        SHORT.replace("arrivals_per_hour: {7: 10, 8: 25}", "arrivals_per_hour: {8: 90}")
    )
    result = Day(load_scenario(path, seed=3), oracle=False).run()
    end = 9 * 60 + 45  # counters 1 and 2 close at 09:45
    kk = [v for v in result.visitors if v.service == "KK" and v.refused is None]
    left = [v for v in kk if v.called is None]
    called = [v.wait for v in kk if v.wait is not None]
    assert left and called, "the rush should leave some unserved and serve others"
    figures = report_figures(result)
    waits = sorted(called + [end - v.arrive for v in left])
    service = figures["services"]["KK"]
    assert service["unserved"] == len(left)
    assert service["wait_max_min"] == round(max(waits), 2)
    assert service["wait_p90_min"] == round(float(np.percentile(waits, 90)), 2)
    assert service["called_wait_p90_min"] == round(float(np.percentile(called, 90)), 2)
    assert service["wait_p90_min"] > service["called_wait_p90_min"]
    # Overall and per channel alike: every walk-in's wait, the unserved ones' until 09:45.
    everyone = [v for v in result.visitors if v.refused is None]
    overall = [v.wait if v.wait is not None else end - v.arrive for v in everyone]
    assert figures["visitors"]["wait_p50_min"] == round(float(np.percentile(overall, 50)), 2)
    kiosk = figures["channels"]["waits"]["kiosk"]
    assert kiosk["issued"] == len(everyone)
    assert kiosk["wait_max_min"] == round(max(overall), 2)


def _day(visitors: list[VisitorRecord]) -> list[tuple]:
    return [
        (v.service, v.channel, v.state, v.refused, v.called, v.started, v.finished, v.wait)
        + tuple((e.at, e.ahead, e.model, e.low, e.high, e.baseline) for e in v.estimates)
        for v in visitors
    ]


@pytest.mark.postgres
def test_the_same_seed_gives_the_same_day_on_sqlite_and_postgresql(
    booked_file: Path, postgres_url: str, tmp_path: Path
) -> None:
    scenario = load_scenario(booked_file, seed=4)
    on_sqlite = Day(scenario, oracle=False, database="sqlite://").run()
    on_postgres = Day(scenario, oracle=False, database=postgres_url).run()
    write(on_sqlite, tmp_path / "sqlite")
    write(on_postgres, tmp_path / "postgres")
    assert any(v.channel == "booking" for v in on_postgres.visitors)
    assert _day(on_postgres.visitors) == _day(on_sqlite.visitors)
    report = (tmp_path / "postgres" / "report.json").read_text()
    assert report == (tmp_path / "sqlite" / "report.json").read_text()


def _database_names(url: str, query: str, **params: str) -> set[str]:
    admin = database._admin_engine(url)
    with admin.connect() as conn:
        found = set(conn.execute(text(query), params).scalars())
    admin.dispose()
    return found


def _databases(url: str) -> set[str]:
    return _database_names(url, "SELECT datname FROM pg_database")


@pytest.mark.postgres
def test_the_temporary_postgresql_database_is_dropped_even_on_ctrl_c(postgres_url: str) -> None:
    with pytest.raises(KeyboardInterrupt), temporary_database(postgres_url) as url:
        name = make_url(url).database
        assert name and name.startswith("antrian_sim_") and name in _databases(url)
        assert "search_path" not in url  # the test's schema is not in the new database
        engine = make_engine(url)
        left_open = engine.connect()  # an interrupted day may leave a connection open
        left_open.execute(text("SELECT 1"))
        raise KeyboardInterrupt
    engine.dispose()
    assert name not in _databases(postgres_url)


@pytest.mark.postgres
def test_a_role_that_may_not_create_databases_gets_a_temporary_schema(
    scenario_file: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    @contextmanager
    def refused(admin, url):  # type: ignore[no-untyped-def]
        raise database._MayNotCreateDatabases
        yield

    monkeypatch.setattr(database, "_postgres_database", refused)
    schemas: list[str] = []
    real = database._postgres_schema

    @contextmanager
    def watched(admin, url):  # type: ignore[no-untyped-def]
        with real(admin, url) as inner:
            schemas.append(make_url(inner).query["options"])
            yield inner

    monkeypatch.setattr(database, "_postgres_schema", watched)
    result = Day(load_scenario(scenario_file, seed=2), oracle=False, database=postgres_url).run()
    assert any(v.state == "done" for v in result.visitors)
    [options] = schemas
    schema = options.rsplit("search_path=", 1)[1]
    assert options.count("search_path") == 1 and schema.startswith("antrian_sim_")
    engine = make_engine(postgres_url)
    with engine.connect() as conn:
        left = conn.execute(
            text("SELECT count(*) FROM information_schema.schemata WHERE schema_name = :s"),
            {"s": schema},
        ).scalar_one()
    engine.dispose()
    assert left == 0


@pytest.mark.postgres
def test_simulate_stopped_by_sigterm_drops_its_database(
    booked_file: Path, postgres_url: str, tmp_path: Path
) -> None:
    # Other tests may run days on the same server meanwhile: this day's database is the one
    # its connections (named by application_name) are on.
    tag = f"antrian-sigterm-test-{os.getpid()}-{time.monotonic_ns()}"
    url = make_url(postgres_url).update_query_dict({"application_name": tag})
    command = [sys.executable, "-m", "core.server.cli", "simulate", str(booked_file)]
    command += ["--no-oracle", "--out", str(tmp_path / "x")]
    command += ["--database", url.render_as_string(hide_password=False)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    log = (tmp_path / "stderr").open("wb")
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 60
        while not (days := _databases_used_by(postgres_url, tag)):
            assert process.poll() is None and time.monotonic() < deadline, "no database made"
            time.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 128 + signal.SIGTERM, (tmp_path / "stderr").read_text()
    finally:
        process.kill()
        process.wait()
        log.close()
    assert not days & _databases(postgres_url)


def _databases_used_by(url: str, application: str) -> set[str]:
    """The simulators' databases that connections named `application` are on."""
    return _database_names(
        url,
        "SELECT datname FROM pg_stat_activity"
        " WHERE application_name = :name AND datname LIKE 'antrian_sim_%'",
        name=application,
    )


def test_simulate_refuses_a_database_it_cannot_run_on(scenario_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "x"
    assert main(["simulate", str(scenario_file), "--no-oracle", "--out", str(out),
                 "--database", "mysql://127.0.0.1/antrian"]) == 2  # fmt: skip
    assert not out.exists()
