"""'People ahead' is the ticket's place in the real call order, on every surface, as the
queue moves: priority visitors, the fairness ratio, transfers, held tickets not counted."""

from __future__ import annotations

from core.handlers import QueueService
from tests.conftest import KIOSK, officer


def issue(queue: QueueService, service: str = "KTP", priority: str | None = None) -> dict:
    return queue.issue_ticket(service, priority, KIOSK)


def ahead(queue: QueueService, ticket: dict) -> int:
    return queue.ticket_status(ticket["id"])["ahead"]


def test_a_priority_ticket_behind_two_normal_ones_is_told_it_is_next_and_is_called_next(
    queue: QueueService,
):
    queue.open_counter(1, officer(1))
    normal = [issue(queue), issue(queue)]
    priority = issue(queue, priority="lansia")
    assert priority["ahead"] == 0
    assert priority["eta_minutes"] == 0
    assert [ahead(queue, t) for t in normal] == [1, 2]
    # The estimate uses the same place: the second normal visitor waits for two services.
    pace = queue.settings.service("KTP").default_service_minutes
    assert queue.ticket_status(normal[1]["id"])["eta_minutes"] == round(2 * pace)

    called = queue.call_next(1, officer(1))
    assert called["number"] == priority["number"]
    assert [ahead(queue, t) for t in normal] == [0, 1]


def test_the_fairness_ratio_shows_in_the_places_of_later_priority_visitors(queue: QueueService):
    # priority_ratio 2: P P N P P N ...
    queue.open_counter(1, officer(1))
    first_normal = issue(queue)
    priority = [issue(queue, priority="lansia") for _ in range(3)]
    second_normal = issue(queue)
    assert [ahead(queue, t) for t in priority] == [0, 1, 3]
    assert ahead(queue, first_normal) == 2
    assert ahead(queue, second_normal) == 4
    predicted = sorted([first_normal, *priority, second_normal], key=lambda t: ahead(queue, t))
    called = []
    for _ in range(5):
        ticket = queue.call_next(1, officer(1))
        called.append(ticket["number"])
        queue.act(ticket["id"], "start", officer(1))
        queue.act(ticket["id"], "finish", officer(1))
    assert called == [t["number"] for t in predicted]


def test_a_counters_priority_streak_moves_the_next_priority_visitor_back(queue: QueueService):
    queue.open_counter(1, officer(1))
    for _ in range(2):  # the counter calls two priority visitors in a row
        issue(queue, priority="lansia")
        ticket = queue.call_next(1, officer(1))
        queue.act(ticket["id"], "start", officer(1))
        queue.act(ticket["id"], "finish", officer(1))
    normal = issue(queue)
    priority = issue(queue, priority="disabilitas")
    assert (priority["ahead"], ahead(queue, normal)) == (1, 0)
    assert queue.call_next(1, officer(1))["number"] == normal["number"]


def test_held_tickets_are_not_ahead_and_transferred_ones_keep_their_arrival(
    queue: QueueService,
):
    queue.open_counter(1, officer(1))
    held = issue(queue)
    later = issue(queue)
    called = queue.call_next(1, officer(1))
    assert called["number"] == held["number"]
    queue.act(held["id"], "hold", officer(1))
    assert ahead(queue, later) == 0

    # A KK ticket transferred to KTP keeps its arrival time: it is ahead of later arrivals.
    kk = issue(queue, "KK")
    last = issue(queue)
    counter_of_kk = next(c.number for c in queue.settings.counters_serving("KK"))
    queue.open_counter(counter_of_kk, officer(counter_of_kk))
    queue.call_ticket(kk["id"], counter_of_kk, officer(counter_of_kk))
    queue.transfer(kk["id"], "KTP", officer(counter_of_kk))
    assert ahead(queue, kk) == 1  # behind `later`, who came first
    assert ahead(queue, last) == 2
