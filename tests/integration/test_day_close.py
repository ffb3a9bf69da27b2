"""The day ends: unserved tickets close with an event, counters are released, the visitor
is told; at the day's closing time, at the first command of a new day and after a restart."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, time, timedelta

import pytest
import yaml
from sqlalchemy import func, select, update

from core import idempotency
from core.bus import InMemoryPublisher
from core.config import Settings, TimeRange, load_settings
from core.handlers import QueueService
from core.server import housekeeping
from core.store import idempotency_keys, ticket_events
from core.store_reports import report_days, report_days_built
from core.tickets import CounterClosed, ServiceClosed, TicketStatus
from core.usecases.closing import day_closes_at
from tests.conftest import KIOSK, ROOT, FakeClock, officer

# Tuesday 24 November 2026: the demo's last service (IKD, with the mall) issues until 15:30.
CLOSING_PLUS_GRACE = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)  # 16:30 WIB


@pytest.fixture
def queue(
    make_queue, settings: Settings, database_url: str, publisher: InMemoryPublisher
) -> QueueService:
    """The demo mall on each backend (the marker's row lock matters on PostgreSQL)."""
    return make_queue(dataclasses.replace(settings, database_url=database_url), publisher)


def issue(queue: QueueService, service: str = "KTP") -> dict:
    return queue.issue_ticket(service, None, KIOSK)


def a_busy_afternoon(queue: QueueService) -> dict[str, dict]:
    """Counter 1 serving one visitor, one held, one called at counter 2, two waiting."""
    tickets = {name: issue(queue) for name in ("serving", "held", "called", "waiting", "last")}
    queue.open_counter(1, officer(1))
    queue.open_counter(2, officer(2))
    queue.call_ticket(tickets["held"]["id"], 1, officer(1))
    queue.act(tickets["held"]["id"], "hold", officer(1))
    queue.call_ticket(tickets["serving"]["id"], 1, officer(1))
    queue.act(tickets["serving"]["id"], "start", officer(1))
    queue.call_ticket(tickets["called"]["id"], 2, officer(2))
    return tickets


def test_the_day_closes_an_hour_after_its_last_service_stops_issuing(queue: QueueService):
    day = datetime(2026, 11, 24).date()
    assert day_closes_at(queue.ctx, day).astimezone(UTC) == CLOSING_PLUS_GRACE
    saturday = datetime(2026, 11, 28).date()  # the demo mall closes at 12:00 on Saturdays
    assert day_closes_at(queue.ctx, saturday).hour == 13


def test_at_closing_time_every_open_ticket_ends_unserved_with_an_event(
    queue: QueueService, clock: FakeClock, publisher: InMemoryPublisher
):
    tickets = a_busy_afternoon(queue)
    clock.now = CLOSING_PLUS_GRACE.replace(minute=29)
    assert housekeeping.run_once(queue) == 0  # officers still serve the last visitors
    clock.now = CLOSING_PLUS_GRACE
    published = len(publisher.events)

    assert housekeeping.run_once(queue) == 4
    for name, ticket in tickets.items():
        if name == "serving":
            continue  # the visit in progress is spared (the next test)
        status = queue.ticket_status(ticket["id"])
        assert (status["status"], status["ahead"], status["eta_minutes"]) == (
            "unserved",
            0,
            None,
        )
    with queue.uow.reading() as conn:
        rows = conn.execute(
            select(ticket_events.c.from_status, ticket_events.c.officer).where(
                ticket_events.c.action == "close_day"
            )
        ).all()
    assert sorted(r.from_status for r in rows) == ["called", "on_hold", "waiting", "waiting"]
    assert {r.officer for r in rows} == {"system"}
    names = [e.name for e in publisher.events[published:]]
    assert names.count("ticket.unserved") == 4
    assert names.count("counter.updated") == 1
    # Counter 2 is released and closed with the day; nothing is left on it.
    state = queue.counter_state(2, officer(2))
    assert state["counter"]["status"] == "closed"
    assert (state["current"], state["on_hold"], state["waiting"]) == (None, [], [])
    # Running again changes nothing and does not close counters opened since.
    queue.open_counter(2, officer(2))
    assert housekeeping.run_once(queue) == 0
    assert queue.counter_state(2, officer(2))["counter"]["status"] == "open"


def test_the_close_lets_the_officer_finish_the_visit_in_progress(
    queue: QueueService, clock: FakeClock
):
    tickets = a_busy_afternoon(queue)
    clock.now = CLOSING_PLUS_GRACE + timedelta(minutes=5)
    housekeeping.run_once(queue)
    state = queue.counter_state(1, officer(1))
    assert state["counter"]["status"] == "open"  # the officer is still at the desk
    assert state["current"]["id"] == tickets["serving"]["id"]
    assert state["current"]["status"] == "serving"
    clock.now += timedelta(minutes=20)
    assert housekeeping.run_once(queue) == 0
    queue.act(tickets["serving"]["id"], "finish", officer(1))
    assert queue.ticket(tickets["serving"]["id"]).status == TicketStatus.DONE
    assert queue.set_counter_status(1, "closed", None, officer(1))["status"] == "closed"


def test_a_counter_left_open_after_the_visit_in_progress_closes_with_the_next_day(
    queue: QueueService, clock: FakeClock
):
    tickets = a_busy_afternoon(queue)
    clock.now = CLOSING_PLUS_GRACE
    housekeeping.run_once(queue)
    queue.act(tickets["serving"]["id"], "finish", officer(1))  # and the officer goes home
    clock.now = datetime(2026, 11, 24, 16, 59, tzinfo=UTC)  # 23:59 WIB
    housekeeping.run_once(queue)
    assert queue.counter_state(1, officer(1))["counter"]["status"] == "open"
    clock.now = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)  # the mall's midnight
    housekeeping.run_once(queue)
    assert queue.counter_state(1, officer(1))["counter"]["status"] == "closed"
    queue.open_counter(1, officer(1))  # opened on the new day: left alone
    housekeeping.run_once(queue)
    assert queue.counter_state(1, officer(1))["counter"]["status"] == "open"


def test_a_visit_left_in_progress_ends_with_the_next_day_and_frees_its_counter(
    queue: QueueService, clock: FakeClock, publisher: InMemoryPublisher
):
    tickets = a_busy_afternoon(queue)
    clock.now = CLOSING_PLUS_GRACE
    housekeeping.run_once(queue)
    clock.now = datetime(2026, 11, 24, 16, 59, tzinfo=UTC)  # 23:59 WIB: still that day
    assert housekeeping.run_once(queue) == 0
    assert queue.ticket(tickets["serving"]["id"]).status == TicketStatus.SERVING
    clock.now = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)  # the mall's midnight
    published = len(publisher.events)
    assert housekeeping.run_once(queue) == 1
    assert queue.ticket(tickets["serving"]["id"]).status == TicketStatus.UNSERVED
    assert [e.name for e in publisher.events[published:]].count("counter.updated") == 1
    assert queue.counter_state(1, officer(1))["counter"]["status"] == "closed"


def test_the_first_command_of_the_next_day_ends_a_visit_left_in_progress(
    queue: QueueService, clock: FakeClock
):
    tickets = a_busy_afternoon(queue)
    clock.now = CLOSING_PLUS_GRACE
    queue.open_counter(2, officer(2))  # a command after the close: the day closes first
    assert queue.ticket(tickets["serving"]["id"]).status == TicketStatus.SERVING
    clock.now = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)  # 08:00 WIB, no housekeeping ran
    queue.open_counter(1, officer(1))
    today = issue(queue)
    assert queue.ticket(tickets["serving"]["id"]).status == TicketStatus.UNSERVED
    assert queue.call_next(1, officer(1))["id"] == today["id"]


def test_the_grace_after_closing_comes_from_config(
    make_queue, settings: Settings, database_url: str, clock: FakeClock
):
    mall = dataclasses.replace(settings.mall, serve_after_closing_minutes=15)
    shorter = make_queue(dataclasses.replace(settings, mall=mall, database_url=database_url))
    tickets = a_busy_afternoon(shorter)
    day = datetime(2026, 11, 24).date()
    assert day_closes_at(shorter.ctx, day).astimezone(UTC) == datetime(
        2026, 11, 24, 8, 45, tzinfo=UTC
    )  # 15:30 + 15 minutes WIB
    clock.now = datetime(2026, 11, 24, 8, 45, tzinfo=UTC)
    assert housekeeping.run_once(shorter) == 4
    assert shorter.ticket(tickets["waiting"]["id"]).status == TicketStatus.UNSERVED


def test_hours_shortened_today_stop_new_tickets_but_end_no_wait_before_the_promised_close(
    queue: QueueService, make_queue, clock: FakeClock
):
    """An admin ends today's hours at 09:30 in config.yaml and restarts at 11:00. The
    visitors who took a number under the old hours keep their place until the close those
    hours promised (16:30): officers still call them, nobody new gets a number."""
    tickets = a_busy_afternoon(queue)
    clock.now = datetime(2026, 11, 24, 4, 0, tzinfo=UTC)  # 11:00 WIB
    settings = queue.ctx.settings
    short = TimeRange(time(7, 30), time(9, 30))
    mall = dataclasses.replace(settings.mall, opening_hours={1: short})
    services = tuple(dataclasses.replace(s, hours={1: short}) for s in settings.services)
    restarted = make_queue(dataclasses.replace(settings, mall=mall, services=services))
    still = {name: restarted.ticket(t["id"]).status for name, t in tickets.items()}
    assert still == {
        "serving": TicketStatus.SERVING,
        "held": TicketStatus.ON_HOLD,
        "called": TicketStatus.CALLED,
        "waiting": TicketStatus.WAITING,
        "last": TicketStatus.WAITING,
    }
    with pytest.raises(ServiceClosed):
        issue(restarted)
    assert restarted.counter_state(1, officer(1))["day_close"]["local_time"] == "16:30"
    restarted.act(tickets["serving"]["id"], "finish", officer(1))
    assert restarted.call_next(1, officer(1))["id"] == tickets["waiting"]["id"]

    clock.now = CLOSING_PLUS_GRACE
    assert housekeeping.run_once(restarted) == 4  # the held, called, waiting and last
    assert restarted.ticket(tickets["last"]["id"]).status == TicketStatus.UNSERVED


def test_today_closed_outright_ends_the_day_at_once(
    queue: QueueService, make_queue, clock: FakeClock
):
    """A flood or a power cut: the admin takes today's hours away altogether and restarts.
    That is a deliberate closing, not shortened hours: whoever waits ends unserved now."""
    tickets = a_busy_afternoon(queue)
    clock.now = datetime(2026, 11, 24, 4, 0, tzinfo=UTC)  # 11:00 WIB
    settings = queue.ctx.settings
    mall = dataclasses.replace(settings.mall, opening_hours={})
    services = tuple(dataclasses.replace(s, hours={}) for s in settings.services)
    restarted = make_queue(dataclasses.replace(settings, mall=mall, services=services))
    assert restarted.ticket(tickets["waiting"]["id"]).status == TicketStatus.UNSERVED
    assert restarted.ticket(tickets["serving"]["id"]).status == TicketStatus.SERVING


def test_hours_made_longer_today_count_at_once(queue: QueueService, make_queue, clock: FakeClock):
    tickets = a_busy_afternoon(queue)
    settings = queue.ctx.settings
    late = TimeRange(time(7, 30), time(18, 0))
    services = tuple(dataclasses.replace(s, hours={1: late}) for s in settings.services)
    restarted = make_queue(dataclasses.replace(settings, services=services))
    clock.now = CLOSING_PLUS_GRACE  # 16:30 WIB: the old close, now before 19:00
    assert housekeeping.run_once(restarted) == 0
    assert restarted.ticket(tickets["waiting"]["id"]).status == TicketStatus.WAITING
    assert restarted.counter_state(1, officer(1))["day_close"]["local_time"] == "19:00"


def test_hours_shortened_before_the_first_visitor_hold_at_once(
    queue: QueueService, make_queue, clock: FakeClock
):
    """The server ran through the night (today's close was promised at 16:30); at 06:00,
    before anyone came, the admin shortens today's hours and restarts."""
    clock.now = datetime(2026, 11, 23, 23, 0, tzinfo=UTC)  # Tuesday 06:00 WIB
    housekeeping.run_once(queue)
    settings = queue.ctx.settings
    short = TimeRange(time(7, 30), time(9, 30))
    mall = dataclasses.replace(settings.mall, opening_hours={1: short})
    services = tuple(dataclasses.replace(s, hours={1: short}) for s in settings.services)
    restarted = make_queue(dataclasses.replace(settings, mall=mall, services=services))
    clock.now = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)  # 08:00 WIB
    waiting = issue(restarted)
    clock.now = datetime(2026, 11, 24, 3, 30, tzinfo=UTC)  # 10:30 WIB: 09:30 + the grace
    assert housekeeping.run_once(restarted) == 1
    assert restarted.ticket(waiting["id"]).status == TicketStatus.UNSERVED


def test_the_promised_close_is_todays_only(queue: QueueService, make_queue, clock: FakeClock):
    """Shortened hours hold from the next day: its visitors took their numbers under them."""
    settings = queue.ctx.settings
    short = TimeRange(time(7, 30), time(9, 30))
    mall = dataclasses.replace(settings.mall, opening_hours={2: short})
    services = tuple(dataclasses.replace(s, hours={2: short}) for s in settings.services)
    restarted = make_queue(dataclasses.replace(settings, mall=mall, services=services))
    clock.now = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)  # Wednesday 08:00 WIB
    waiting = issue(restarted)
    clock.now = datetime(2026, 11, 25, 3, 30, tzinfo=UTC)  # 10:30 WIB: 09:30 + the grace
    assert housekeeping.run_once(restarted) == 1
    assert restarted.ticket(waiting["id"]).status == TicketStatus.UNSERVED


def test_the_first_command_of_a_new_day_closes_yesterday_first(
    queue: QueueService, clock: FakeClock
):
    tickets = a_busy_afternoon(queue)
    clock.now = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)  # 08:00 WIB the next morning
    today = issue(queue)  # no housekeeping ran overnight: this command closes yesterday
    assert queue.ticket(tickets["called"]["id"]).status == TicketStatus.UNSERVED
    assert queue.ticket_status(today["id"])["status"] == "waiting"
    try:
        queue.call_next(2, officer(2))
    except CounterClosed:
        pass
    else:  # pragma: no cover - the counter was left open yesterday
        raise AssertionError("yesterday's open counter should have closed with the day")
    queue.open_counter(2, officer(2))
    # Yesterday's called ticket no longer blocks the counter.
    assert queue.call_next(2, officer(2))["id"] == today["id"]


def test_a_no_show_called_back_after_the_close_is_closed_again(
    queue: QueueService, clock: FakeClock
):
    missed = issue(queue)
    queue.open_counter(1, officer(1))
    queue.call_next(1, officer(1))
    queue.act(missed["id"], "no_show", officer(1))
    clock.now = CLOSING_PLUS_GRACE
    housekeeping.run_once(queue)
    queue.open_counter(1, officer(1))
    queue.call_ticket(missed["id"], 1, officer(1))  # still the same local day
    assert housekeeping.run_once(queue) == 1
    assert queue.ticket(missed["id"]).status == TicketStatus.UNSERVED


def test_housekeeping_forgets_idempotency_keys_a_day_old(queue: QueueService):
    """The kiosks and terminals send a key with every action: a day on, nobody retries."""
    idempotency.claim(queue.uow, "tap-old", "kiosk-lobby")
    idempotency.claim(queue.uow, "tap-new", "kiosk-lobby")
    with queue.uow.writing() as conn:
        conn.execute(
            update(idempotency_keys)
            .where(idempotency_keys.c.key == "tap-old")
            .values(created_at=datetime.now(UTC) - timedelta(days=2))
        )
    housekeeping.run_once(queue)
    with queue.uow.reading() as conn:
        assert list(conn.execute(select(idempotency_keys.c.key)).scalars()) == ["tap-new"]


def without_ktp(settings: Settings, tmp_path) -> Settings:  # type: ignore[no-untyped-def]
    """The same mall after an admin removed KTP (and counters 1 and 2, which served only it)
    from config.yaml."""
    data = yaml.safe_load((ROOT / "config.yaml").read_text())
    data["services"] = [s for s in data["services"] if s["code"] != "KTP"]
    for counter in data["counters"]:
        counter["services"] = [code for code in counter["services"] if code != "KTP"]
    data["counters"] = [c for c in data["counters"] if c["services"]]
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    return dataclasses.replace(load_settings(path, environ={}), database_url=settings.database_url)


def test_a_service_and_counters_removed_overnight_do_not_stop_the_next_day(
    queue: QueueService, make_queue, clock: FakeClock, tmp_path
):
    """Tickets of a service (and counters) taken out of config.yaml while they were open:
    the next start closes them and the mall works (it was a KeyError at every start, and
    every command of the new day failed)."""
    tickets = a_busy_afternoon(queue)
    clock.now = CLOSING_PLUS_GRACE + timedelta(hours=18)  # the next morning
    next_day = make_queue(without_ktp(queue.ctx.settings, tmp_path))
    for ticket in tickets.values():
        status = next_day.ticket_status(ticket["id"])
        assert status["status"] == "unserved"
        assert status["service_name"] == "KTP (tidak lagi dilayani)"
    served = next(t for t in tickets.values() if t["number"] == tickets["serving"]["number"])
    assert next_day.ticket_status(served["id"])["counter_name"] == "Loket 1"
    assert next_day.issue_ticket("KK", None, KIOSK)["number"].endswith("001")


def test_the_days_report_waits_for_the_visit_in_progress_and_counts_it_served(
    queue: QueueService, clock: FakeClock
):
    tickets = a_busy_afternoon(queue)
    clock.now = CLOSING_PLUS_GRACE
    housekeeping.run_once(queue)
    with queue.uow.reading() as conn:  # not built while a visit of the day goes on
        assert conn.execute(select(report_days_built.c.day)).all() == []
    clock.now += timedelta(minutes=10)
    queue.act(tickets["serving"]["id"], "finish", officer(1))
    housekeeping.run_once(queue)
    with queue.uow.reading() as conn:
        served, unserved = conn.execute(
            select(func.sum(report_days.c.served), func.sum(report_days.c.unserved)).where(
                report_days.c.day == "2026-11-24"
            )
        ).one()
    assert (served, unserved) == (1, 4)


def test_the_counter_terminal_is_told_when_the_day_closes_and_when_to_warn(
    queue: QueueService,
):
    queue.open_counter(1, officer(1))
    close = queue.counter_state(1, officer(1))["day_close"]
    assert close == {
        "at": "2026-11-24T09:30:00Z",
        "warn_from": "2026-11-24T09:00:00Z",  # half an hour before
        "local_time": "16:30",
    }
