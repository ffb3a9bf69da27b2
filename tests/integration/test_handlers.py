"""QueueService use cases on SQLite: issuing, calling, acting on tickets, events and reads."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from core.bus import InMemoryPublisher
from core.config import Settings
from core.context import Actor
from core.events import CounterUpdated, Event, TicketCalled, TicketEvent, TicketIssued
from core.handlers import QueueService
from core.store import UnitOfWork, audit_log, daily_sequences, make_engine, ticket_events, tickets
from core.tickets import (
    CounterBusy,
    CounterClosed,
    Forbidden,
    IllegalTransition,
    InvalidRequest,
    NotFound,
    QuotaReached,
    ServiceClosed,
    TicketStatus,
)
from tests.conftest import ADMIN, KIOSK, FakeClock, officer
from tests.integration.conftest import service_with, undo_later_revisions

DISPLAY_A = Actor("display", "display-a", zone="A")


def issue(queue: QueueService, service: str = "KTP", priority: str | None = None) -> dict:
    return queue.issue_ticket(service, priority, KIOSK)


def event_rows(queue: QueueService) -> list:
    with queue.uow.reading() as conn:
        return conn.execute(
            select(ticket_events, tickets.c.id.label("ticket_id"))
            .join(tickets, tickets.c.seq == ticket_events.c.ticket_seq)
            .order_by(ticket_events.c.id)
        ).all()


def audit_rows(queue: QueueService) -> list:
    with queue.uow.reading() as conn:
        return conn.execute(select(audit_log).order_by(audit_log.c.id)).all()


def versions(events: list[Event]) -> list[int]:
    return [e.version for e in events]


# ---------------------------------------------------------------------------- issuing
def test_issuing_numbers_each_service_from_one(queue: QueueService):
    numbers = [issue(queue)["number"] for _ in range(3)]
    assert numbers == ["A001", "A002", "A003"]
    assert issue(queue, "KK")["number"] == "B001"
    assert issue(queue, "SPT")["number"] == "SP001"


def test_an_issued_ticket_tells_the_visitor_where_they_stand(queue: QueueService):
    first = issue(queue)
    second = issue(queue, priority="lansia")
    assert first["status"] == "waiting"
    assert first["ahead"] == 0
    # A priority visitor is called before the one who came first: nobody is ahead of them.
    assert second["ahead"] == 0
    assert queue.ticket_status(first["id"])["ahead"] == 1
    assert second["priority"] is True
    assert second["status_url"].endswith(f"/t/{second['id']}")
    assert queue.ticket(second["id"]).priority.value == "lansia"


def test_when_the_quota_is_reached_issuing_is_refused_without_a_gap(
    settings: Settings, make_queue, publisher: InMemoryPublisher
):
    queue = make_queue(service_with(settings, "KTP", daily_quota=3), publisher)
    assert [issue(queue)["number"] for _ in range(3)] == ["A001", "A002", "A003"]
    before = queue.version()

    with pytest.raises(QuotaReached, match="quota of 3"):
        issue(queue)

    assert queue.version() == before
    with queue.uow.reading() as conn:
        assert conn.execute(select(daily_sequences.c.last_number)).scalar_one() == 3
        assert len(conn.execute(select(tickets)).all()) == 3
    overview = {s["code"]: s for s in queue.services_overview()}["KTP"]
    assert (overview["open"], overview["quota_left"]) == (False, 0)
    assert overview["closed_reason_code"] == "quota_reached"
    # The refused claim rolled back: with a larger quota the next number follows on.
    larger = make_queue(service_with(settings, "KTP", daily_quota=5))
    assert issue(larger)["number"] == "A004"


def test_outside_service_hours_issuing_is_refused_and_uses_no_number(
    queue: QueueService, clock: FakeClock
):
    clock.now = datetime(2026, 11, 24, 0, 30, tzinfo=UTC)  # 07:30 WIB, KTP opens at 08:00
    with pytest.raises(ServiceClosed, match="08:00-14:30"):
        issue(queue)
    clock.now = datetime(2026, 11, 24, 7, 30, tzinfo=UTC)  # 14:30 WIB: the end is excluded
    with pytest.raises(ServiceClosed):
        issue(queue)
    assert issue(queue, "IKD")["number"] == "F001"  # IKD follows the mall: open until 15:30
    clock.now = datetime(2026, 11, 29, 2, 0, tzinfo=UTC)  # Sunday
    with pytest.raises(ServiceClosed, match="Closed today"):
        issue(queue, "IKD")
    clock.now = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
    assert issue(queue)["number"] == "A001"


def test_a_service_closed_by_an_admin_takes_no_tickets_until_reopened(queue: QueueService):
    queue.set_service_closed("KTP", "Jaringan SIAK terputus", ADMIN)
    with pytest.raises(ServiceClosed, match="Jaringan SIAK terputus"):
        issue(queue)
    overview = {s["code"]: s for s in queue.services_overview()}["KTP"]
    assert overview["open"] is False
    assert overview["closed_reason_code"] == "closed_by_admin"
    queue.set_service_closed("KTP", None, ADMIN)
    assert issue(queue)["number"] == "A001"


def test_only_an_admin_closes_a_service(queue: QueueService):
    with pytest.raises(Forbidden):
        queue.set_service_closed("KTP", "no", officer(1))
    with pytest.raises(NotFound):
        queue.set_service_closed("NOPE", "no", ADMIN)


def test_issuing_refuses_bad_input_and_actors_that_may_not_issue(queue: QueueService):
    with pytest.raises(NotFound, match="Unknown service 'NOPE'"):
        issue(queue, "NOPE")
    with pytest.raises(InvalidRequest, match="Unknown 'priority'"):
        issue(queue, priority="vip")
    with pytest.raises(Forbidden):
        queue.issue_ticket("KTP", None, DISPLAY_A)
    assert queue.issue_ticket("KTP", None, officer(1), channel="counter")["number"] == "A001"


# ---------------------------------------------------------------------------- calling
def test_a_closed_counter_cannot_call(queue: QueueService):
    issue(queue)
    with pytest.raises(CounterClosed, match="Counter 1 is closed"):
        queue.call_next(1, officer(1))
    queue.set_counter_status(1, "break", "Istirahat sholat", officer(1))
    with pytest.raises(CounterClosed, match="break"):
        queue.call_next(1, officer(1))


def test_call_next_calls_the_oldest_and_a_busy_counter_must_finish_first(queue: QueueService):
    first, second = issue(queue), issue(queue)
    queue.open_counter(1, officer(1))

    called = queue.call_next(1, officer(1))

    assert called["id"] == first["id"]
    assert (called["status"], called["counter"], called["counter_name"]) == ("called", 1, "Loket 1")
    with pytest.raises(CounterBusy, match="A001"):
        queue.call_next(1, officer(1))
    queue.act(first["id"], "start", officer(1))
    with pytest.raises(CounterBusy):
        queue.call_next(1, officer(1))
    queue.act(first["id"], "finish", officer(1))
    assert queue.call_next(1, officer(1))["id"] == second["id"]
    queue.act(second["id"], "no_show", officer(1))
    assert queue.call_next(1, officer(1)) is None


def test_priority_first_but_normal_visitors_are_not_starved(queue: QueueService):
    normals = [issue(queue)["id"] for _ in range(3)]
    priorities = [issue(queue, priority="lansia")["id"] for _ in range(5)]
    names = {**{t: f"n{i}" for i, t in enumerate(normals, 1)}}
    names |= {t: f"p{i}" for i, t in enumerate(priorities, 1)}
    queue.open_counter(1, officer(1))

    order = []
    while (called := queue.call_next(1, officer(1))) is not None:
        order.append(names[called["id"]])
        queue.act(called["id"], "no_show", officer(1))

    assert queue.settings.calling.priority_ratio == 2
    assert order == ["p1", "p2", "n1", "p3", "p4", "n2", "p5", "n3"]


def test_the_streak_is_per_counter(queue: QueueService):
    normal = issue(queue)["id"]
    p1, p2, p3 = (issue(queue, priority="ibu_hamil")["id"] for _ in range(3))
    for n in (1, 2):
        queue.open_counter(n, officer(n))
    assert queue.call_next(1, officer(1))["id"] == p1
    assert queue.call_next(2, officer(2))["id"] == p2
    queue.act(p1, "no_show", officer(1))
    # Counter 1 called one priority ticket in a row, so it may take another.
    assert queue.call_next(1, officer(1))["id"] == p3
    queue.act(p3, "no_show", officer(1))
    assert queue.call_next(1, officer(1))["id"] == normal


def test_a_counter_calls_the_oldest_arrival_across_its_services(
    queue: QueueService, clock: FakeClock
):
    kia = issue(queue, "KIA")
    clock.advance(minutes=1)
    ktp = issue(queue, "KTP")
    queue.open_counter(3, officer(3))  # Loket 3 serves KTP and KIA
    assert queue.call_next(3, officer(3))["number"] == kia["number"] == "D001"
    queue.act(kia["id"], "no_show", officer(3))
    assert queue.call_next(3, officer(3))["number"] == ktp["number"]


def test_a_transferred_visitor_is_ahead_of_later_arrivals_in_the_new_queue(
    queue: QueueService, clock: FakeClock
):
    ktp = issue(queue, "KTP")  # 09:00
    clock.advance(minutes=5)
    kk_1 = issue(queue, "KK")  # 09:05
    clock.advance(minutes=5)
    kk_2 = issue(queue, "KK")  # 09:10
    queue.open_counter(1, officer(1))
    queue.call_next(1, officer(1))
    clock.advance(minutes=10)
    moved = queue.transfer(ktp["id"], "KK", officer(1))  # 09:20
    assert (moved["service"], moved["status"], moved["number"]) == ("KK", "waiting", "A001")
    assert moved["transfers"] == ["KTP"]
    assert moved["ahead"] == 0

    queue.open_counter(4, officer(4))
    order = []
    while (called := queue.call_next(4, officer(4))) is not None:
        order.append(called["id"])
        queue.act(called["id"], "no_show", officer(4))
    assert order == [ktp["id"], kk_1["id"], kk_2["id"]]


def test_call_ticket_calls_a_chosen_waiting_ticket(queue: QueueService):
    first, second = issue(queue), issue(queue)
    queue.open_counter(2, officer(2))
    called = queue.call_ticket(second["id"], 2, officer(2))
    assert (called["id"], called["status"], called["counter"]) == (second["id"], "called", 2)
    with pytest.raises(CounterBusy):
        queue.call_ticket(first["id"], 2, officer(2))
    queue.act(second["id"], "start", officer(2))
    queue.act(second["id"], "finish", officer(2))
    with pytest.raises(IllegalTransition, match="A002 is done"):
        queue.call_ticket(second["id"], 2, officer(2))
    with pytest.raises(NotFound):
        queue.call_ticket("no-such-ticket", 2, officer(2))


def test_call_ticket_of_a_service_the_counter_does_not_serve_is_refused_and_audited(
    queue: QueueService,
):
    kk = issue(queue, "KK")
    queue.open_counter(1, officer(1))
    with pytest.raises(Forbidden, match="does not serve KK"):
        queue.call_ticket(kk["id"], 1, officer(1))
    assert audit_rows(queue)[-1].action == "refused:call_ticket"
    assert queue.ticket(kk["id"]).status == TicketStatus.WAITING


def test_an_officer_cannot_call_for_another_counter_and_the_refusal_is_audited(
    queue: QueueService,
):
    issue(queue)
    queue.open_counter(2, officer(2))
    with pytest.raises(Forbidden, match="signed into counter 1, not counter 2"):
        queue.call_next(2, officer(1))
    row = audit_rows(queue)[-1]
    assert (row.actor, row.action) == ("officer1", "refused:call_next")
    assert "counter 2" in row.detail
    with pytest.raises(Forbidden):
        queue.call_next(2, KIOSK)


# ---------------------------------------------------------------------------- ticket actions
def test_recall_start_finish(queue: QueueService, clock: FakeClock):
    ticket = issue(queue)
    queue.open_counter(1, officer(1))
    queue.call_next(1, officer(1))
    clock.advance(minutes=1)
    recalled = queue.act(ticket["id"], "recall", officer(1))
    assert (recalled["status"], recalled["call_count"]) == ("called", 2)
    started = queue.act(ticket["id"], "start", officer(1))
    assert started["status"] == "serving"
    assert started["allowed_actions"] == ["finish", "hold", "transfer"]
    clock.advance(minutes=4)
    done = queue.act(ticket["id"], "finish", officer(1))
    assert done["status"] == "done"
    assert done["allowed_actions"] == []
    with pytest.raises(IllegalTransition, match="A001 is done; it cannot be finished"):
        queue.act(ticket["id"], "finish", officer(1))


def test_no_show(queue: QueueService):
    ticket = issue(queue)
    queue.open_counter(1, officer(1))
    queue.call_next(1, officer(1))
    assert queue.act(ticket["id"], "no_show", officer(1))["status"] == "no_show"
    with pytest.raises(IllegalTransition):
        queue.act(ticket["id"], "start", officer(1))


def test_hold_frees_the_counter_and_requeue_puts_the_visitor_first_again(
    queue: QueueService, clock: FakeClock
):
    first = issue(queue)
    clock.advance(minutes=1)
    second = issue(queue)
    queue.open_counter(1, officer(1))
    queue.call_next(1, officer(1))
    queue.act(first["id"], "start", officer(1))
    held = queue.act(first["id"], "hold", officer(1))
    assert (held["status"], held["counter"]) == ("on_hold", 1)
    # The counter is free: the next visitor can be called while the first fetches a document.
    assert queue.call_next(1, officer(1))["id"] == second["id"]
    with pytest.raises(Forbidden):
        queue.act(first["id"], "requeue", officer(2))
    requeued = queue.act(first["id"], "requeue", officer(1))
    assert (requeued["status"], requeued["counter"], requeued["ahead"]) == ("waiting", None, 0)
    queue.act(second["id"], "no_show", officer(1))
    assert queue.call_next(1, officer(1))["id"] == first["id"]


def test_resume_takes_the_held_visitor_back_at_the_same_counter_only(
    queue: QueueService, clock: FakeClock
):
    first, second = issue(queue), issue(queue)
    queue.open_counter(1, officer(1))
    queue.call_next(1, officer(1))
    queue.act(first["id"], "hold", officer(1))
    queue.call_next(1, officer(1))  # the counter serves the next visitor meanwhile
    with pytest.raises(CounterBusy, match="A002"):
        queue.act(first["id"], "resume", officer(1))
    with pytest.raises(Forbidden):
        queue.act(first["id"], "resume", officer(2))
    queue.act(second["id"], "start", officer(1))
    queue.act(second["id"], "finish", officer(1))
    clock.advance(minutes=3)
    resumed = queue.act(first["id"], "resume", officer(1))
    assert (resumed["status"], resumed["counter"], resumed["call_count"]) == ("called", 1, 2)
    # Nobody else could have called it: it never went back to the shared queue.
    assert queue.counter_state(1, officer(1))["current"]["id"] == first["id"]


def test_a_no_show_of_today_can_be_called_back_not_one_of_yesterday(
    queue: QueueService, clock: FakeClock
):
    missed = issue(queue)
    queue.open_counter(1, officer(1))
    queue.call_next(1, officer(1))
    queue.act(missed["id"], "no_show", officer(1))
    state = queue.counter_state(1, officer(1))
    assert [t["number"] for t in state["no_shows"]] == [missed["number"]]
    back = queue.call_ticket(missed["id"], 1, officer(1))
    assert (back["status"], back["counter"]) == ("called", 1)
    queue.act(missed["id"], "no_show", officer(1))

    clock.advance(days=1)
    queue.open_counter(1, officer(1))
    with pytest.raises(IllegalTransition, match="only today's no-shows"):
        queue.call_ticket(missed["id"], 1, officer(1))
    assert queue.counter_state(1, officer(1))["no_shows"] == []


def test_the_counters_figures_count_a_visitor_once_as_what_they_are_now(queue: QueueService):
    missed, absent = issue(queue), issue(queue)
    queue.open_counter(1, officer(1))
    for ticket in (missed, absent):
        queue.call_next(1, officer(1))
        queue.act(ticket["id"], "no_show", officer(1))
    figures = queue.counter_state(1, officer(1))["figures"]
    assert (figures["served"], figures["no_show"]) == (0, 2)
    # One came back after all and was served; the other was called back and missed twice.
    queue.call_ticket(missed["id"], 1, officer(1))
    queue.act(missed["id"], "start", officer(1))
    queue.act(missed["id"], "finish", officer(1))
    queue.call_ticket(absent["id"], 1, officer(1))
    queue.act(absent["id"], "no_show", officer(1))
    figures = queue.counter_state(1, officer(1))["figures"]
    assert (figures["served"], figures["no_show"]) == (1, 1)


def test_cancel_a_waiting_ticket_and_a_held_one(queue: QueueService):
    waiting, held = issue(queue), issue(queue)
    queue.open_counter(1, officer(1))
    assert queue.act(waiting["id"], "cancel", officer(1))["status"] == "cancelled"
    assert queue.call_next(1, officer(1))["id"] == held["id"]
    queue.act(held["id"], "hold", officer(1))
    assert queue.act(held["id"], "cancel", officer(1))["status"] == "cancelled"
    with pytest.raises(IllegalTransition, match="cancelled"):
        queue.act(held["id"], "cancel", officer(1))


def test_transfer_refusals(queue: QueueService):
    ticket = issue(queue)
    with pytest.raises(IllegalTransition, match="waiting; it cannot be transferred"):
        queue.transfer(ticket["id"], "KK", officer(1))
    queue.open_counter(1, officer(1))
    queue.call_next(1, officer(1))
    with pytest.raises(NotFound):
        queue.transfer(ticket["id"], "NOPE", officer(1))
    with pytest.raises(InvalidRequest, match="already in service KTP"):
        queue.transfer(ticket["id"], "KTP", officer(1))
    with pytest.raises(Forbidden):
        queue.transfer(ticket["id"], "KK", officer(2))


def test_unknown_actions_and_tickets(queue: QueueService):
    ticket = issue(queue)
    with pytest.raises(InvalidRequest):
        queue.act(ticket["id"], "explode", officer(1))
    with pytest.raises(NotFound):
        queue.act("missing", "start", officer(1))


def test_an_officer_of_another_counter_is_refused_and_audited(queue: QueueService):
    ticket = issue(queue)
    queue.open_counter(1, officer(1))
    queue.call_next(1, officer(1))
    refusals_before = len(audit_rows(queue))
    for action in ("recall", "start", "no_show", "hold", "cancel"):
        with pytest.raises(Forbidden, match="belongs to counter 1"):
            queue.act(ticket["id"], action, officer(2))
    rows = audit_rows(queue)[refusals_before:]
    assert [r.action for r in rows] == [
        "refused:recall",
        "refused:start",
        "refused:no_show",
        "refused:hold",
        "refused:cancel",
    ]
    assert all(r.actor == "officer2" for r in rows)
    assert queue.ticket(ticket["id"]).status == TicketStatus.CALLED
    # An officer whose counter does not serve the service cannot touch a waiting ticket.
    other = issue(queue)
    with pytest.raises(Forbidden, match="does not serve"):
        queue.act(other["id"], "cancel", officer(4))
    # Kiosks and displays act on no ticket at all.
    with pytest.raises(Forbidden):
        queue.act(ticket["id"], "start", KIOSK)
    assert audit_rows(queue)[-1].action == "refused:start"


def test_an_admin_may_act_on_any_ticket(queue: QueueService):
    ticket = issue(queue)
    queue.open_counter(1, officer(1))
    queue.call_next(1, officer(1))
    assert queue.act(ticket["id"], "no_show", ADMIN)["status"] == "no_show"


# ---------------------------------------------------------------------------- the event log
def test_every_transition_writes_an_append_only_event_row(queue: QueueService, clock: FakeClock):
    ticket = issue(queue)
    queue.open_counter(1, officer(1))
    steps = [
        ("call", lambda: queue.call_next(1, officer(1))),
        ("recall", lambda: queue.act(ticket["id"], "recall", officer(1))),
        ("start", lambda: queue.act(ticket["id"], "start", officer(1))),
        ("hold", lambda: queue.act(ticket["id"], "hold", officer(1))),
        ("requeue", lambda: queue.act(ticket["id"], "requeue", officer(1))),
        ("call", lambda: queue.call_next(1, officer(1))),
        ("transfer", lambda: queue.transfer(ticket["id"], "KIA", officer(1))),
        ("call", lambda: queue.call_next(3, officer(3))),
        ("start", lambda: queue.act(ticket["id"], "start", officer(3))),
        ("finish", lambda: queue.act(ticket["id"], "finish", officer(3))),
    ]
    queue.open_counter(3, officer(3))
    seen = [tuple(r) for r in event_rows(queue)]
    for _, step in steps:
        clock.advance(minutes=1)
        step()
        rows = [tuple(r) for r in event_rows(queue)]
        assert rows[: len(seen)] == seen  # nothing earlier was changed or removed
        assert len(rows) == len(seen) + 1
        seen = rows

    rows = event_rows(queue)
    assert all(r.ticket_id == ticket["id"] for r in rows)
    assert [r.action for r in rows] == ["issue"] + [action for action, _ in steps]
    transitions = [(r.from_status, r.to_status) for r in rows]
    assert transitions == [
        (None, "waiting"),
        ("waiting", "called"),
        ("called", "called"),
        ("called", "serving"),
        ("serving", "on_hold"),
        ("on_hold", "waiting"),
        ("waiting", "called"),
        ("called", "waiting"),
        ("waiting", "called"),
        ("called", "serving"),
        ("serving", "done"),
    ]
    assert [r.counter for r in rows] == [None, 1, 1, 1, 1, 1, 1, 1, 3, 3, 3]
    assert [r.officer for r in rows] == ["kiosk-lobby"] + ["officer1"] * 7 + ["officer3"] * 3
    assert (rows[7].service, rows[7].to_service) == ("KTP", "KIA")
    times = [r.at.replace(tzinfo=UTC) if r.at.tzinfo is None else r.at for r in rows]
    assert times == sorted(times)
    assert times[-1] == clock.now
    assert [r.version for r in rows] == sorted(r.version for r in rows)


def test_events_are_published_after_commit_with_consecutive_versions(
    queue: QueueService, publisher: InMemoryPublisher
):
    observed = []

    def check_committed(event: Event) -> None:
        # Another connection already sees the change when the event goes out.
        if isinstance(event, TicketEvent):
            stored = queue.ticket(event.ticket_id)
            observed.append((event.name, stored.status.value, event.ticket["status"]))
        observed.append(("version", queue.version(), event.version))

    publisher.subscribe(check_committed)
    first, second = issue(queue), issue(queue)
    queue.open_counter(1, officer(1))
    queue.call_next(1, officer(1))
    queue.act(first["id"], "start", officer(1))
    queue.act(first["id"], "finish", officer(1))
    queue.call_next(1, officer(1))
    queue.act(second["id"], "no_show", officer(1))

    assert versions(publisher.events) == list(range(1, 9))
    assert queue.version() == 8
    for entry in observed:
        if entry[0] == "version":
            assert entry[1] >= entry[2]
        else:
            assert entry[1] == entry[2], entry
    kinds = [type(e) for e in publisher.events]
    assert kinds[:4] == [TicketIssued, TicketIssued, CounterUpdated, TicketCalled]
    stored_versions = [r.version for r in event_rows(queue)]
    ticket_versions = [e.version for e in publisher.events if isinstance(e, TicketEvent)]
    assert stored_versions == ticket_versions


def test_a_refused_action_publishes_nothing_and_keeps_the_version(
    queue: QueueService, publisher: InMemoryPublisher
):
    ticket = issue(queue)
    count, version = len(publisher.events), queue.version()
    with pytest.raises(IllegalTransition):
        queue.act(ticket["id"], "finish", ADMIN)
    with pytest.raises(CounterClosed):
        queue.call_next(1, officer(1))
    assert (len(publisher.events), queue.version()) == (count, version)
    assert len(event_rows(queue)) == 1


def test_event_payloads_carry_no_ticket_id_or_personal_data(
    queue: QueueService, publisher: InMemoryPublisher
):
    ticket = issue(queue, priority="disabilitas")
    queue.open_counter(1, officer(1))
    queue.call_next(1, officer(1))
    called = publisher.events[-1]
    payload = called.payload()
    assert payload["type"] == "ticket.called"
    assert payload["version"] == called.version
    assert payload["ticket"]["number"] == "A001"
    assert payload["waiting"] == {"KTP": 0}
    assert payload["counter"]["current"]["number"] == "A001"
    text = json.dumps(payload)
    assert ticket["id"] not in text
    assert "kiosk-lobby" not in text
    assert "officer1" not in text
    assert "disabilitas" not in text  # only "priority": true, never the reason


# ---------------------------------------------------------------------------- reads
def test_snapshot_of_a_zone_shows_only_its_counters_and_services(queue: QueueService):
    issue(queue)
    paspor = issue(queue, "PASPOR")
    queue.open_counter(1, officer(1))
    queue.open_counter(21, officer(21))
    queue.call_next(1, officer(1))
    queue.call_next(21, officer(21))

    zone_a = queue.snapshot("A")
    assert zone_a["zone"] == "A"
    assert {c["zone"] for c in zone_a["counters"]} == {"A"}
    assert [c["number"] for c in zone_a["counters"]] == list(range(1, 21))
    assert "PASPOR" not in {s["code"] for s in zone_a["services"]}
    assert "KTP" in {s["code"] for s in zone_a["services"]}
    assert [call["number"] for call in zone_a["calls"]] == ["A001"]
    assert zone_a["version"] == queue.version()

    zone_b = queue.snapshot("B")
    assert [call["number"] for call in zone_b["calls"]] == [paspor["number"]]

    everything = queue.snapshot()
    assert len(everything["counters"]) == len(queue.settings.counters)
    assert {call["number"] for call in everything["calls"]} == {"A001", "J001"}
    assert len(everything["services"]) == len(queue.settings.services)
    with pytest.raises(NotFound):
        queue.snapshot("Z")


def test_snapshot_holds_no_personal_data_or_ticket_ids(queue: QueueService):
    tickets_ = [issue(queue, priority="lansia"), issue(queue)]
    queue.open_counter(1, Actor("officer", "siti.rahayu", counter=1))
    queue.call_next(1, Actor("officer", "siti.rahayu", counter=1))
    text = json.dumps(queue.snapshot())
    for ticket in tickets_:
        assert ticket["id"] not in text
    for private in ("siti.rahayu", "kiosk-lobby", "priority_level", "issued_by", '"nik"'):
        assert private not in text.lower()
    call = queue.snapshot()["calls"][0]
    assert call["text"] and call["speech"]
    assert (call["counter"], call["counter_name"], call["zone"]) == (1, "Loket 1", "A")


def test_wait_estimate_is_unknown_while_no_counter_is_open(queue: QueueService):
    issue(queue)
    second = issue(queue)
    assert second["eta_minutes"] is None
    ktp = {s["code"]: s for s in queue.services_overview()}["KTP"]
    assert (ktp["waiting"], ktp["eta_minutes"]) == (2, None)
    assert queue.ticket_status(second["id"])["eta_minutes"] is None


def test_wait_estimate_uses_the_default_pace_then_recent_service_times(
    queue: QueueService, clock: FakeClock
):
    queue.open_counter(1, officer(1))
    waiting = [issue(queue) for _ in range(4)]
    # Default pace for KTP is 6 minutes; 3 people ahead, one counter open.
    assert queue.ticket_status(waiting[3]["id"])["eta_minutes"] == 18
    queue.open_counter(2, officer(2))
    # Two counters: the first two are called now, the next two when those are done.
    assert queue.ticket_status(waiting[3]["id"])["eta_minutes"] == 6

    # Three visitors served in 2 minutes each: the estimate follows the real pace (leaning
    # on the default until there are more of them).
    for ticket in waiting[:3]:
        queue.call_next(1, officer(1))
        queue.act(ticket["id"], "start", officer(1))
        clock.advance(minutes=2)
        queue.act(ticket["id"], "finish", officer(1))
    more = [issue(queue) for _ in range(5)]
    assert queue.ticket_status(more[-1]["id"])["ahead"] == 5
    learned = queue.ticket_status(more[-1]["id"])["eta_minutes"]
    assert 2 * 3 <= learned < 6 * 3  # 6 ahead (one of them at no counter yet) on 2 counters
    ktp = {s["code"]: s for s in queue.services_overview()}["KTP"]
    assert ktp["waiting"] == 6 and ktp["eta_minutes"] >= learned


def test_estimate_inputs_changed_by_another_process_apply_at_once(make_queue, settings: Settings):
    """The estimate is played again whenever the mall's version moved, whoever moved it."""
    here, elsewhere = make_queue(settings), make_queue(settings)
    here.open_counter(1, officer(1))
    issue(here)
    last = issue(here)
    assert here.ticket_status(last["id"])["eta_minutes"] == 6  # 1 ahead, KTP's 6 min, 1 open
    elsewhere.open_counter(2, officer(2))
    assert here.ticket_status(last["id"])["eta_minutes"] == 0  # counter 2 calls them now


def test_ticket_status_is_the_public_view(queue: QueueService):
    ticket = issue(queue, priority="ibu_hamil")
    status = queue.ticket_status(ticket["id"])
    assert status["number"] == "A001"
    assert status["priority"] is True
    assert "priority_level" not in status
    assert "arrived_at" not in status
    with pytest.raises(NotFound):
        queue.ticket_status("unknown")


def test_counter_state_lists_the_counters_work(queue: QueueService, clock: FakeClock):
    first, second = issue(queue), issue(queue, "KIA")
    queue.open_counter(3, officer(3))
    queue.call_next(3, officer(3))
    queue.act(first["id"], "start", officer(3))
    clock.advance(minutes=3)
    state = queue.counter_state(3, officer(3))
    assert state["counter"]["status"] == "open"
    assert state["current"]["id"] == first["id"]
    assert [w["id"] for w in state["waiting"]] == [second["id"]]
    assert state["figures"] == {"served": 0, "no_show": 0, "average_service_minutes": None}
    queue.act(first["id"], "finish", officer(3))
    figures = queue.counter_state(3, officer(3))["figures"]
    assert figures == {"served": 1, "no_show": 0, "average_service_minutes": 3.0}
    with pytest.raises(Forbidden):
        queue.counter_state(3, officer(1))


def test_counter_status_open_break_closed(queue: QueueService):
    assert queue.set_counter_status(5, "break", "Istirahat", officer(5))["status"] == "break"
    view = queue.open_counter(5, officer(5))
    assert (view["status"], view["reason"]) == ("open", None)
    assert queue.set_counter_status(5, "closed", None, officer(5))["status"] == "closed"
    with pytest.raises(InvalidRequest):
        queue.set_counter_status(5, "sleeping", None, officer(5))
    with pytest.raises(InvalidRequest):
        queue.set_counter_status(5, "break", "x" * 201, officer(5))
    with pytest.raises(NotFound):
        queue.set_counter_status(99, "open", None, ADMIN)


def test_an_officer_cannot_leave_a_visitor_called_to_a_closed_counter(queue: QueueService):
    """The display drops a closed counter's call while the phone still sends the visitor
    there: a break or a close waits until the counter's visitor is dealt with."""
    ticket = issue(queue)
    queue.open_counter(1, officer(1))
    called = queue.call_next(1, officer(1))
    assert called is not None and called["id"] == ticket["id"]
    for status in ("break", "closed"):
        with pytest.raises(CounterBusy, match=f"Loket 1 masih memanggil {ticket['number']}"):
            queue.set_counter_status(1, status, None, officer(1))
    queue.act(ticket["id"], "start", officer(1))
    with pytest.raises(CounterBusy, match="masih melayani"):
        queue.set_counter_status(1, "break", None, officer(1))
    assert queue.counter_state(1, officer(1))["counter"]["status"] == "open"
    queue.act(ticket["id"], "finish", officer(1))
    assert queue.set_counter_status(1, "break", None, officer(1))["status"] == "break"
    # An admin closing a counter its officer left open is not held back.
    second = issue(queue)
    queue.open_counter(1, officer(1))
    assert queue.call_next(1, officer(1))["id"] == second["id"]
    assert queue.set_counter_status(1, "closed", None, ADMIN)["status"] == "closed"


def test_times_are_stored_and_shown_in_utc(queue: QueueService, clock: FakeClock):
    # Arrival times are stored in UTC and shown in UTC ISO format.
    ticket = issue(queue)
    assert ticket["issued_at"] == "2026-11-24T02:00:00Z"
    clock.advance(hours=1)
    assert queue.ticket(ticket["id"]).arrived_at == clock.now - timedelta(hours=1)


def test_a_read_sees_one_moment_even_while_others_commit(
    demo_settings: Settings, database_url: str, clock: FakeClock
):
    # A snapshot's contents must match its version, on SQLite and on PostgreSQL alike.
    engine = make_engine(database_url)
    queue = QueueService(
        dataclasses.replace(demo_settings, database_url=database_url),
        UnitOfWork(engine),
        clock=clock,
    )
    queue.ensure_ready()
    try:
        with queue.uow.reading() as conn:
            assert conn.execute(select(func.count()).select_from(tickets)).scalar_one() == 0
            issue(queue)  # committed by another connection meanwhile
            assert len(conn.execute(select(tickets)).all()) == 0
            assert queue._version(conn) == 0
        assert queue.version() == 1
    finally:
        engine.dispose()


def test_disabling_an_officer_closes_the_counters_they_had_open(
    queue: QueueService, publisher: InMemoryPublisher
):
    queue.open_counter(1, officer(1, "rina"))
    queue.open_counter(2, officer(2, "budi"))

    closed = queue.close_counters_of("rina", ADMIN)

    assert closed == [1]
    states = {c["number"]: c["status"] for c in queue.snapshot("A")["counters"]}
    assert states[1] == "closed" and states[2] == "open"
    assert isinstance(publisher.events[-1], CounterUpdated)
    assert publisher.events[-1].counter["number"] == 1
    with pytest.raises(Forbidden):
        queue.close_counters_of("budi", officer(1, "rina"))


def test_start_up_replaces_the_queue_index_of_an_earlier_version(settings: Settings, clock):
    """Tables made by an earlier version (before migrations: no alembic_version) keep their
    data; their indexes are brought to the baseline when the database is adopted."""
    from sqlalchemy import inspect

    engine = make_engine(settings.database_url)
    first = QueueService(settings, UnitOfWork(engine), clock=clock)
    first.ensure_ready()
    issued = issue(first)
    undo_later_revisions(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE alembic_version")
        conn.exec_driver_sql("DROP INDEX ix_tickets_day_queue")
        conn.exec_driver_sql(
            "CREATE INDEX ix_tickets_queue ON tickets (mall, service, status, priority, arrived_at)"
        )
    QueueService(settings, UnitOfWork(engine), clock=clock).ensure_ready()
    names = {index["name"] for index in inspect(engine).get_indexes("tickets")}
    assert "ix_tickets_day_queue" in names and "ix_tickets_queue" not in names
    assert first.ticket_status(issued["id"])["number"] == issued["number"]
    engine.dispose()


def test_a_long_waiting_list_shows_its_head_and_counts_everyone(
    queue: QueueService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The terminal refetches its state on every new ticket: a long queue is not sent whole,
    and what is sent is the head of the same call order."""
    from core.views import counters as counter_views

    queue.open_counter(1, officer(1))
    issued = [
        queue.issue_ticket("KTP", "lansia" if i % 3 == 0 else None, KIOSK)["id"] for i in range(9)
    ]
    whole = [row["id"] for row in queue.counter_state(1, officer(1))["waiting"]]
    assert sorted(whole) == sorted(issued)
    monkeypatch.setattr(counter_views, "WAITING_SHOWN", 4)
    state = queue.counter_state(1, officer(1))
    assert [row["id"] for row in state["waiting"]] == whole[:4]
    assert [row["position"] for row in state["waiting"]] == [1, 2, 3, 4]
    assert state["waiting_total"] == 9
