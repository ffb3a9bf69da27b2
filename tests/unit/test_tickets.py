"""The ticket lifecycle: every legal move works, every other move is refused with a reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.tickets import (
    FINAL_STATUSES,
    TRANSITIONS,
    IllegalTransition,
    InvalidRequest,
    Priority,
    Ticket,
    TicketStatus,
    allowed_actions,
    format_number,
)

T0 = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
LATER = T0 + timedelta(minutes=7)

EXPECTED_TARGET = {
    "call": TicketStatus.CALLED,
    "recall": TicketStatus.CALLED,
    "start": TicketStatus.SERVING,
    "finish": TicketStatus.DONE,
    "no_show": TicketStatus.NO_SHOW,
    "hold": TicketStatus.ON_HOLD,
    "resume": TicketStatus.CALLED,
    "requeue": TicketStatus.WAITING,
    "cancel": TicketStatus.CANCELLED,
    "transfer": TicketStatus.WAITING,
    "close_day": TicketStatus.UNSERVED,
}

EXPECTED_SOURCES = {
    "call": {TicketStatus.WAITING, TicketStatus.NO_SHOW},
    "recall": {TicketStatus.CALLED},
    "start": {TicketStatus.CALLED},
    "finish": {TicketStatus.SERVING},
    "no_show": {TicketStatus.CALLED},
    "hold": {TicketStatus.CALLED, TicketStatus.SERVING},
    "resume": {TicketStatus.ON_HOLD},
    "requeue": {TicketStatus.ON_HOLD},
    "cancel": {TicketStatus.WAITING, TicketStatus.CALLED, TicketStatus.ON_HOLD},
    "transfer": {TicketStatus.CALLED, TicketStatus.SERVING, TicketStatus.ON_HOLD},
    "close_day": {
        TicketStatus.WAITING,
        TicketStatus.CALLED,
        TicketStatus.SERVING,
        TicketStatus.ON_HOLD,
    },
}


def make_ticket(status: TicketStatus = TicketStatus.WAITING, counter: int | None = None) -> Ticket:
    return Ticket(
        id="t-1",
        service="KTP",
        prefix="A",
        sequence=7,
        day="2026-11-24",
        issued_at=T0,
        arrived_at=T0,
        status=status,
        counter=counter,
    )


def perform(ticket: Ticket, action: str) -> None:
    match action:
        case "call":
            ticket.call(3, LATER)
        case "recall":
            ticket.recall(LATER)
        case "start":
            ticket.start(LATER)
        case "finish":
            ticket.finish(LATER)
        case "no_show":
            ticket.mark_no_show(LATER)
        case "hold":
            ticket.hold()
        case "resume":
            ticket.resume(LATER)
        case "requeue":
            ticket.requeue()
        case "cancel":
            ticket.cancel(LATER)
        case "transfer":
            ticket.transfer("KK")
        case "close_day":
            ticket.close_with_the_day(LATER)
        case _:
            raise AssertionError(action)


def test_the_transition_table_is_the_documented_lifecycle():
    assert set(TRANSITIONS) == set(EXPECTED_TARGET)
    for action, (sources, target) in TRANSITIONS.items():
        assert set(sources) == EXPECTED_SOURCES[action], action
        assert target == EXPECTED_TARGET[action], action


def test_closed_tickets_allow_nothing_but_calling_back_a_no_show():
    assert allowed_actions(TicketStatus.DONE) == []
    assert allowed_actions(TicketStatus.CANCELLED) == []
    assert allowed_actions(TicketStatus.NO_SHOW) == ["call"]
    assert allowed_actions(TicketStatus.UNSERVED) == []
    final = {TicketStatus.DONE, TicketStatus.NO_SHOW, TicketStatus.CANCELLED, TicketStatus.UNSERVED}
    assert final == FINAL_STATUSES


LEGAL = [
    (action, status) for action, sources in EXPECTED_SOURCES.items() for status in sorted(sources)
]
ILLEGAL = [
    (action, status)
    for action, sources in EXPECTED_SOURCES.items()
    for status in TicketStatus
    if status not in sources
]


@pytest.mark.parametrize(("action", "status"), LEGAL)
def test_a_legal_move_reaches_its_target(action: str, status: TicketStatus):
    ticket = make_ticket(status, counter=3 if status != TicketStatus.WAITING else None)
    perform(ticket, action)
    assert ticket.status == EXPECTED_TARGET[action]
    # Closing the day is the system's, never a button on an officer's terminal.
    assert (action in allowed_actions(status)) == (action != "close_day")


@pytest.mark.parametrize(("action", "status"), ILLEGAL)
def test_an_illegal_move_is_refused_and_changes_nothing(action: str, status: TicketStatus):
    ticket = make_ticket(status, counter=3)
    before = (ticket.status, ticket.counter, ticket.service, ticket.call_count, ticket.finished_at)
    with pytest.raises(IllegalTransition) as refused:
        perform(ticket, action)
    message = str(refused.value)
    # The officer learns which ticket, what state it is in, and what would be allowed.
    assert "A007" in message
    assert status.value in message
    assert "Allowed now:" in message
    for allowed in allowed_actions(status):
        assert allowed in message
    if not allowed_actions(status):
        assert "closed" in message
    assert refused.value.code == "illegal_transition"
    assert refused.value.message == message
    assert (
        ticket.status,
        ticket.counter,
        ticket.service,
        ticket.call_count,
        ticket.finished_at,
    ) == before
    assert action not in allowed_actions(status)


def test_a_finished_ticket_cannot_be_called():
    ticket = make_ticket(TicketStatus.DONE)
    with pytest.raises(IllegalTransition, match=r"Ticket A007 is done; it cannot be called"):
        ticket.call(1, LATER)


def test_calling_records_the_counter_time_and_count():
    ticket = make_ticket()
    ticket.call(5, LATER)
    assert (ticket.counter, ticket.called_at, ticket.call_count) == (5, LATER, 1)
    ticket.recall(LATER + timedelta(minutes=1))
    assert ticket.call_count == 2
    assert ticket.called_at == LATER + timedelta(minutes=1)


def test_serving_records_start_and_finish():
    ticket = make_ticket()
    ticket.call(5, LATER)
    ticket.start(LATER)
    ticket.finish(LATER + timedelta(minutes=6))
    assert ticket.started_at == LATER
    assert ticket.finished_at == LATER + timedelta(minutes=6)
    assert ticket.is_final


def test_resume_calls_the_held_ticket_again_at_its_own_counter():
    ticket = make_ticket()
    ticket.call(5, T0)
    ticket.start(T0)
    ticket.hold()
    ticket.resume(LATER)
    assert (ticket.status, ticket.counter) == (TicketStatus.CALLED, 5)
    assert (ticket.called_at, ticket.started_at, ticket.call_count) == (LATER, None, 2)


def test_a_no_show_called_back_is_open_again():
    ticket = make_ticket()
    ticket.call(5, T0)
    ticket.mark_no_show(T0)
    assert ticket.is_final
    ticket.call(6, LATER)
    assert (ticket.status, ticket.counter, ticket.finished_at) == (TicketStatus.CALLED, 6, None)
    assert not ticket.is_final


def test_requeue_returns_to_the_queue_with_the_original_arrival():
    ticket = make_ticket()
    ticket.call(5, LATER)
    ticket.start(LATER)
    ticket.hold()
    assert ticket.counter == 5  # the counter keeps a held ticket
    ticket.requeue()
    assert ticket.status == TicketStatus.WAITING
    assert ticket.counter is None
    assert ticket.started_at is None
    assert ticket.arrived_at == T0


def test_transfer_keeps_number_and_arrival_and_remembers_the_origin():
    ticket = make_ticket()
    ticket.call(5, LATER)
    ticket.transfer("KK")
    assert ticket.status == TicketStatus.WAITING
    assert ticket.service == "KK"
    assert ticket.transfers == ["KTP"]
    assert ticket.number == "A007"
    assert ticket.arrived_at == T0
    assert (ticket.counter, ticket.called_at, ticket.started_at) == (None, None, None)


def test_transfer_to_the_same_service_is_an_invalid_request():
    ticket = make_ticket(TicketStatus.CALLED, counter=1)
    with pytest.raises(InvalidRequest, match="already in service KTP"):
        ticket.transfer("KTP")
    assert ticket.status == TicketStatus.CALLED


def test_numbers_have_three_digits_and_grow_when_needed():
    assert format_number("A", 1) == "A001"
    assert format_number("SP", 42) == "SP042"
    assert format_number("A", 1234) == "A1234"


def test_priority_levels_are_the_legal_groups():
    assert {p.value for p in Priority} == {"lansia", "disabilitas", "ibu_hamil"}
