"""Reports from the append-only ticket events: a known day, every figure checked by hand.

The day (Tuesday 24 November 2026, times in WIB; targets: KTP and KK 20 minutes):

    09:00  T1, T2, T3 take KTP, T4 takes KK (kiosk)
    09:05  counter 1 calls T1 (wait 5)      09:06 starts   09:16 finishes (service 10)
    09:16  counter 1 calls T2 (wait 16)     09:18 starts   09:20 transfers it to KK
    09:25  counter 1 calls T3 (wait 25)     09:27 no-show
    09:30  counter 4 calls T4 (wait 30)     09:31 starts   09:45 finishes (service 14)
    09:45  counter 4 calls T2 in KK (wait 25 since the transfer)  09:46 starts  09:49 finishes (3)
    09:50  T5 takes KTP                     09:52 cancelled by counter 1 while waiting
    10:05  T6 takes KTP and is never called: the day closes it unserved (at 16:30: wait 385)

T5 and T6 waited too, never called: the report's waits include them (T5 2 minutes, T6 385,
in the bucket from 360), and so does the share within target (neither was served in it).
"""

from __future__ import annotations

import dataclasses
import importlib
import time
from datetime import date, timedelta

import pytest
from sqlalchemy import delete, insert, select, update

from core import skm, survey_keys
from core.config import Settings
from core.context import SYSTEM
from core.handlers import QueueService
from core.reporting import percentile
from core.scope import scope_for
from core.store import ticket_events, tickets
from core.store_reports import report_days, report_months
from core.usecases.summarizing import build_closed_days
from core.usecases.surveying import answer_for_ticket
from core.views.dashboard import service_rows
from core.views.reports import built_days, built_months, report, skm_report
from tests.conftest import KIOSK, OPENING_MORNING, FakeClock, officer

DAY = date(2026, 11, 24)


@pytest.fixture
def queue(make_queue, settings: Settings, database_url: str) -> QueueService:
    return make_queue(dataclasses.replace(settings, database_url=database_url))


def at(clock: FakeClock, minute: int) -> None:
    """Set the clock to 09:00 WIB + `minute`."""
    clock.now = OPENING_MORNING + timedelta(minutes=minute)


def the_known_day(queue: QueueService, clock: FakeClock) -> dict[str, str]:
    o1, o4 = officer(1), officer(4)
    t = {name: queue.issue_ticket(s, None, KIOSK)["id"] for name, s in
         (("T1", "KTP"), ("T2", "KTP"), ("T3", "KTP"), ("T4", "KK"))}  # fmt: skip
    queue.open_counter(1, o1)
    queue.open_counter(4, o4)
    at(clock, 5), queue.call_ticket(t["T1"], 1, o1)
    at(clock, 6), queue.act(t["T1"], "start", o1)
    at(clock, 16), queue.act(t["T1"], "finish", o1)
    queue.call_ticket(t["T2"], 1, o1)
    at(clock, 18), queue.act(t["T2"], "start", o1)
    at(clock, 20), queue.transfer(t["T2"], "KK", o1)
    at(clock, 25), queue.call_ticket(t["T3"], 1, o1)
    at(clock, 27), queue.act(t["T3"], "no_show", o1)
    at(clock, 30), queue.call_ticket(t["T4"], 4, o4)
    at(clock, 31), queue.act(t["T4"], "start", o4)
    at(clock, 45), queue.act(t["T4"], "finish", o4)
    queue.call_ticket(t["T2"], 4, o4)
    at(clock, 46), queue.act(t["T2"], "start", o4)
    at(clock, 49), queue.act(t["T2"], "finish", o4)
    at(clock, 50)
    t["T5"] = queue.issue_ticket("KTP", None, KIOSK)["id"]
    at(clock, 52), queue.act(t["T5"], "cancel", o1)
    at(clock, 65)
    t["T6"] = queue.issue_ticket("KTP", None, KIOSK)["id"]
    return t


def close_the_day(queue: QueueService, clock: FakeClock) -> None:
    at(clock, 8 * 60)  # 17:00 WIB: after the demo's closing plus the hour of grace
    queue.close_ended_days()


def rows_by_key(result: dict) -> dict[str, dict]:
    return {row["key"]: row for row in result["rows"]}


KTP = {
    "issued": 5, "served": 1, "no_show": 1, "cancelled": 1, "unserved": 1,
    "transferred_out": 1, "transferred_in": 0, "within_target": 1, "not_called": 2,
    # waits 5 16 25 of the called, 2 and 385 of the not called: ranks 3 and 5
    "wait_p50": 16, "wait_p90": 360, "called_wait_p50": 16, "called_wait_p90": 25,
    "service_p50": 10, "service_p90": 10,
    "within_target_share": 0.3333, "channels": {"kiosk": 5},  # 1 of 1 served + 2 not called
}  # fmt: skip
KK = {
    "issued": 1, "served": 2, "no_show": 0, "cancelled": 0, "unserved": 0,
    "transferred_out": 0, "transferred_in": 1, "within_target": 0, "not_called": 0,
    "wait_p50": 25, "wait_p90": 30, "called_wait_p50": 25, "called_wait_p90": 30,
    "service_p50": 3, "service_p90": 14,
    "within_target_share": 0.0, "channels": {"kiosk": 1},
}  # fmt: skip
MALL = {
    "issued": 6, "served": 3, "no_show": 1, "cancelled": 1, "unserved": 1,
    "transferred_out": 1, "transferred_in": 1, "within_target": 1, "not_called": 2,
    # waits 2 5 16 25 25 30 385: ranks ⌈3.5⌉ = 4 and ⌈6.3⌉ = 7; of the called alone
    # (5 16 25 25 30) ranks ⌈2.5⌉ = 3 and ⌈4.5⌉ = 5; service 3 10 14: ranks 2 and 3
    "wait_p50": 25, "wait_p90": 360, "called_wait_p50": 25, "called_wait_p90": 30,
    "service_p50": 10, "service_p90": 14,
    "within_target_share": 0.2, "channels": {"kiosk": 6},  # 1 of 3 served + 2 not called
}  # fmt: skip


def figures_only(row: dict) -> dict:
    return {k: v for k, v in row.items() if k not in ("key", "label")}


def test_every_figure_of_a_known_day_by_service_agency_counter_and_officer(
    queue: QueueService, clock: FakeClock
):
    the_known_day(queue, clock)
    close_the_day(queue, clock)
    ctx = queue.ctx

    by_service = report(ctx, DAY, DAY, "service")
    assert figures_only(rows_by_key(by_service)["KTP"]) == KTP
    assert figures_only(rows_by_key(by_service)["KK"]) == KK
    assert list(rows_by_key(by_service)) == ["KTP", "KK"]  # in configuration order
    assert by_service["total"] == MALL
    assert figures_only(rows_by_key(report(ctx, DAY, DAY, "agency"))["DISDUKCAPIL"]) == MALL
    assert report(ctx, DAY, DAY, "mall")["rows"][0]["issued"] == 6

    by_counter = rows_by_key(report(ctx, DAY, DAY, "counter"))
    assert {k: (r["issued"], r["served"], r["no_show"], r["transferred_out"], r["transferred_in"],
                r["cancelled"], r["unserved"]) for k, r in by_counter.items()} == {
        "1": (3, 1, 1, 1, 0, 0, 0),  # T1 served, T2 transferred away, T3 no-show
        "4": (1, 2, 0, 0, 1, 0, 0),  # T4 and T2 (transferred in) served
        "-": (2, 0, 0, 0, 0, 1, 1),  # T5 cancelled while waiting, T6 never called
    }  # fmt: skip
    assert (by_counter["1"]["wait_p50"], by_counter["1"]["wait_p90"]) == (16, 25)
    # The not called waited at no counter: their waits are on the "-" row.
    assert (by_counter["-"]["wait_p50"], by_counter["-"]["wait_p90"]) == (2, 360)
    assert by_counter["-"]["called_wait_p50"] is None
    by_officer = rows_by_key(report(ctx, DAY, DAY, "officer"))
    assert by_officer["officer1"]["served"] == 1 and by_officer["officer4"]["served"] == 2

    whole = report(ctx, DAY, DAY, "service")
    assert whole["arrivals_by_hour"][9] == 5 and whole["arrivals_by_hour"][10] == 1
    assert sum(whole["arrivals_by_hour"]) == 6
    assert whole["heatmap"][1][9] == 5 and whole["heatmap"][1][10] == 1  # Tuesday
    assert sum(map(sum, whole["heatmap"])) == 6

    # Restricted to a set of services (an agency's scope): only KK.
    only_kk = report(ctx, DAY, DAY, "service", {"KK"})
    assert [r["key"] for r in only_kk["rows"]] == ["KK"] and only_kk["total"]["issued"] == 1


def test_the_dashboard_counts_today_as_the_report_does(queue: QueueService, clock: FakeClock):
    """A visitor marked no-show, called back and served is served, not also a no-show (the
    report's "last word wins"): the live dashboard and today's report show the same day."""
    t = the_known_day(queue, clock)
    o1 = officer(1)
    at(clock, 66), queue.call_ticket(t["T6"], 1, o1)
    at(clock, 68), queue.act(t["T6"], "no_show", o1)
    at(clock, 70), queue.call_ticket(t["T6"], 1, o1)
    at(clock, 71), queue.act(t["T6"], "start", o1)
    at(clock, 75), queue.act(t["T6"], "finish", o1)
    with queue.uow.reading() as conn:
        board = service_rows(queue.ctx, conn, scope_for(SYSTEM, None))
    on_board = {r["code"]: (r["issued"], r["served"], r["no_show"]) for r in board}
    today = rows_by_key(report(queue.ctx, DAY, DAY, "service"))
    assert {k: (r["issued"], r["served"], r["no_show"]) for k, r in today.items()} == {
        "KTP": (5, 2, 1),  # T1 and T6 served; T3 the only no-show
        "KK": (1, 2, 0),
    }
    assert {code: on_board[code] for code in today} == {
        k: (r["issued"], r["served"], r["no_show"]) for k, r in today.items()
    }


@pytest.fixture
def server_zone_jayapura(monkeypatch: pytest.MonkeyPatch):
    """The server's own clock zone (TZ), set apart from UTC and from the mall's WIB, as on a
    machine installed in the east of the country."""
    monkeypatch.setenv("TZ", "Asia/Jayapura")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_the_hours_are_the_malls_whatever_zone_the_servers_clock_is_in(
    server_zone_jayapura, queue: QueueService, clock: FakeClock
):
    the_known_day(queue, clock)
    close_the_day(queue, clock)
    whole = report(queue.ctx, DAY, DAY, "service")
    assert whole["arrivals_by_hour"][9] == 5 and whole["arrivals_by_hour"][10] == 1
    assert whole["heatmap"][1][9] == 5 and whole["heatmap"][1][10] == 1
    assert rows_by_key(whole)["KTP"]["wait_p90"] == 360


def test_today_is_live_and_a_closed_day_never_changes(queue: QueueService, clock: FakeClock):
    tickets_of_day = the_known_day(queue, clock)
    live = report(queue.ctx, DAY, DAY, "service")  # the day is open: computed from events
    assert rows_by_key(live)["KK"]["served"] == 2
    assert rows_by_key(live)["KTP"]["unserved"] == 0  # T6 still waits
    assert live["total"]["issued"] == 6

    close_the_day(queue, clock)
    closed = report(queue.ctx, DAY, DAY, "service")
    assert closed["total"] == MALL
    # Rows built once: a later event for that day's ticket (or any change to its rows) leaves
    # the month's report as it was closed.
    with queue.uow.writing() as conn:
        seq = conn.execute(
            select(tickets.c.seq).where(tickets.c.id == tickets_of_day["T6"])
        ).scalar_one()
        conn.execute(
            insert(ticket_events).values(
                mall=queue.mall, ticket_seq=seq, action="finish", from_status="serving",
                to_status="done", service="KTP", counter=1, officer="officer1",
                at=clock.now, version=10_000,
            )
        )  # fmt: skip
    assert build_closed_days(queue.ctx) == 0
    again = report(queue.ctx, DAY, DAY, "service")
    assert again["total"] == closed["total"] and again["rows"] == closed["rows"]


def test_nearest_rank_percentiles_of_a_histogram():
    assert percentile({}, 0.5) is None
    assert percentile({2: 1, 4: 1, 6: 1, 8: 1}, 0.5) == 4
    assert percentile({2: 1, 4: 1, 6: 1, 8: 1}, 0.9) == 8
    assert percentile({0: 9, 60: 1}, 0.9) == 0
    assert percentile({0: 8, 60: 2}, 0.9) == 60


def test_a_day_closed_long_ago_is_built_when_a_report_first_reaches_it(
    queue: QueueService, clock: FakeClock
):
    the_known_day(queue, clock)
    clock.advance(days=30)  # the server was down for a month: the close looks back a week
    queue.close_ended_days()
    with queue.uow.reading() as conn:
        assert DAY.isoformat() not in built_days(queue.ctx, conn, "2026-01-01", "2027-01-01")
    assert report(queue.ctx, DAY, DAY, "service")["total"] == MALL  # computed from events
    assert build_closed_days(queue.ctx, DAY, since=DAY) == 1
    with queue.uow.reading() as conn:
        assert built_days(queue.ctx, conn, "2026-01-01", "2027-01-01") == {DAY.isoformat()}
    assert report(queue.ctx, DAY, DAY, "service")["total"] == MALL  # now from its rows


def test_a_whole_month_is_read_from_its_monthly_sums(queue: QueueService, clock: FakeClock):
    the_known_day(queue, clock)
    close_the_day(queue, clock)
    with queue.uow.reading() as conn:
        assert built_months(queue.ctx, conn, date(2026, 11, 1), date(2026, 11, 30)) == set()
    clock.advance(days=10)  # December: November has ended, every day of it built
    queue.close_ended_days()
    november = (date(2026, 11, 1), date(2026, 11, 30))
    with queue.uow.reading() as conn:
        assert built_months(queue.ctx, conn, *november) == {"2026-11"}
        assert built_months(queue.ctx, conn, date(2026, 11, 2), date(2026, 11, 30)) == set()
    # The monthly sums alone answer for the month: the daily rows are not read for it.
    with queue.uow.writing() as conn:
        conn.execute(delete(report_days).where(report_days.c.day == DAY.isoformat()))
    month = report(queue.ctx, *november, "service")
    assert month["total"] == MALL
    assert figures_only(rows_by_key(month)["KTP"]) == KTP
    wider = report(queue.ctx, date(2026, 10, 15), date(2026, 12, 3), "counter")
    assert wider["total"] == MALL
    # The weekday × hour heatmap comes from the daily rows (deleted here: now empty).
    assert sum(map(sum, month["heatmap"])) == 0


def test_a_worst_day_looks_worst_with_the_visitors_never_called(
    queue: QueueService, clock: FakeClock
):
    """Ten visitors wait all afternoon for KTP; one is served at 09:05, the others are never
    called (the counter broke down) and the day sends them home at its close. Counting only
    the called, the day looked perfect (p90 5 minutes, all within target)."""
    o1 = officer(1)
    first = queue.issue_ticket("KTP", None, KIOSK)["id"]
    queue.open_counter(1, o1)
    at(clock, 5), queue.call_ticket(first, 1, o1)
    at(clock, 6), queue.act(first, "start", o1)
    at(clock, 16), queue.act(first, "finish", o1)
    at(clock, 4 * 60)  # 13:00 WIB
    for _ in range(9):
        queue.issue_ticket("KTP", None, KIOSK)
    close_the_day(queue, clock)  # 16:30 WIB: three and a half hours of waiting each
    ktp = rows_by_key(report(queue.ctx, DAY, DAY, "service"))["KTP"]
    assert (ktp["called_wait_p50"], ktp["called_wait_p90"]) == (5, 5)
    assert (ktp["wait_p50"], ktp["wait_p90"]) == (210, 210)
    assert (ktp["served"], ktp["unserved"], ktp["not_called"]) == (1, 9, 9)
    assert ktp["within_target_share"] == 0.1


def test_the_upgrade_fills_in_the_waits_of_the_not_called_on_days_built_before_it(
    queue: QueueService, clock: FakeClock
):
    """A day built before the reports counted the not called has zeros there; the
    revision that adds the columns reads them from the day's events, months included."""
    fill_in = importlib.import_module(
        "core.migrations.versions.0009_waits_of_the_not_called"
    )._fill_in_the_built_days
    the_known_day(queue, clock)
    at(clock, 7 * 60 + 30)  # 16:30 WIB, the day's close on time
    queue.close_ended_days()
    clock.advance(days=10)
    queue.close_ended_days()  # November built, its month summed
    old = dict.fromkeys(fill_in.__globals__["COLUMNS"], 0)
    with queue.uow.writing() as conn:
        conn.execute(update(report_days).values(old))
        conn.execute(update(report_months).values(old))
    assert report(queue.ctx, DAY, DAY, "service")["total"]["not_called"] == 0
    with queue.uow.writing() as conn:
        fill_in(conn)
    assert report(queue.ctx, DAY, DAY, "service")["total"] == MALL
    november = report(queue.ctx, date(2026, 11, 1), date(2026, 11, 30), "service")
    assert november["total"] == MALL


def test_a_survey_report_lists_a_served_service_without_answers_and_names_its_scope(
    queue: QueueService, clock: FakeClock
):
    t = the_known_day(queue, clock)
    queue.ctx.secret = "test-secret"  # the server's, which makes the visitor's survey key
    scores = {
        "scores": {code: 3 for code in skm.ELEMENT_CODES},
        "key": survey_keys.survey_key("test-secret", t["T1"]),
    }
    answer_for_ticket(queue.ctx, t["T1"], scores)  # KTP rated; KK served twice, unrated
    by_service = skm_report(queue.ctx, DAY, DAY, "service")
    rows = {row["key"]: row for row in by_service["rows"]}
    assert rows["KTP"]["respondents"] == 1
    assert rows["KK"]["respondents"] == 0 and rows["KK"]["population"] == 2
    assert sum(row["population"] for row in rows.values()) == by_service["total"]["population"]
    # A supervisor's report says whose figures it holds, in its title and its mall row.
    mall = queue.settings.mall.name
    assert by_service["mall"] == mall
    scoped = skm_report(queue.ctx, DAY, DAY, "mall", {"KTP", "KK"})
    agency = queue.settings.agency(queue.settings.service("KTP").agency).name
    assert scoped["mall"] == f"{mall} — {agency}"
    assert [row["label"] for row in scoped["rows"]] == [scoped["mall"]]
    assert report(queue.ctx, DAY, DAY, "mall", {"KK"})["mall"] == scoped["mall"]
