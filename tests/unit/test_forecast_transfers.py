"""A visitor sent on to another service after their turn joins its queue when that turn
ends, keeping their arrival: until then they hold up nobody."""

from __future__ import annotations

from core.forecast import Desk, Span, Visitor, play

DAY = [Span(0, 24 * 60)]


def test_a_visitor_sent_on_joins_the_other_queue_when_their_turn_ends() -> None:
    desks = [Desk(1, ("KK",), 0.0, 0, DAY), Desk(2, ("KTP",), 0.0, 0, DAY)]
    people = [
        Visitor((0.0, 1), "kk", "KK", False),  # served 0-10 at desk 1, then sent to KTP
        Visitor((1.0, 2), "ktp1", "KTP", False),
        Visitor((2.0, 3), "ktp2", "KTP", False),
        Visitor((3.0, 4), "ktp3", "KTP", False),
    ]
    minutes = {"KK": 10.0, "KTP": 4.0}

    def sent_on(visitor: Visitor, desk: Desk, done: float) -> Visitor | None:
        if visitor.key == "kk":
            return Visitor(visitor.order, "kk-at-ktp", "KTP", False)
        return None

    called = play(0.0, desks, people, lambda v, d, t: minutes[v.service], 2, after_service=sent_on)
    # Desk 2 calls the KTP visitors at 0, 4 and 8 while the KK visitor is still at desk 1
    # (older than all of them, they would otherwise stand at the head and block the queue).
    assert [called[k] for k in ("ktp1", "ktp2", "ktp3")] == [0.0, 4.0, 8.0]
    assert called["kk-at-ktp"] == 12.0  # joins at 10, called when desk 2 is next free


def test_a_desk_with_nobody_left_waits_for_a_visitor_still_being_served_elsewhere() -> None:
    desks = [Desk(1, ("KK",), 0.0, 0, DAY), Desk(2, ("KTP",), 0.0, 0, DAY)]
    people = [Visitor((0.0, 1), "kk", "KK", False), Visitor((1.0, 2), "ktp", "KTP", False)]

    def sent_on(visitor: Visitor, desk: Desk, done: float) -> Visitor | None:
        return Visitor(visitor.order, "kk-at-ktp", "KTP", False) if visitor.key == "kk" else None

    called = play(0.0, desks, people, lambda v, d, t: 10.0, 2, after_service=sent_on)
    assert called["ktp"] == 0.0
    assert called["kk-at-ktp"] == 10.0  # desk 2, idle since 10, calls them as they come
