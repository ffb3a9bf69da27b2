"""Facts that happened, in the past tense (pure Python).

A handler commits a change, then publishes one of these. Each carries the mall's `version`
after the change, so a live client can tell when it missed something and ask for a snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any


@dataclass(frozen=True)
class Event:
    mall: str
    version: int

    name = "event"

    def payload(self) -> dict[str, Any]:
        """What goes on the wire: plain values, nothing private.

        A shallow copy: the nested views are built fresh for each event and never changed
        after, and `dataclasses.asdict`'s deep copy cost more than the rest of publishing."""
        data = {name: getattr(self, name) for name in _field_names(type(self))}
        data.pop("ticket_id", None)
        data["type"] = self.name
        return data


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(kind: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(kind)
    if names is None:
        names = _FIELD_NAMES[kind] = tuple(f.name for f in fields(kind))
    return names


@dataclass(frozen=True)
class TicketEvent(Event):
    """A ticket changed; `ticket` is its public view (no personal data) and `waiting` the
    waiting counts of the services it touched, so screens update without a snapshot."""

    ticket: dict[str, Any] = field(default_factory=dict)
    ticket_id: str = ""  # routes the event to the ticket's own room; never broadcast
    waiting: dict[str, int] = field(default_factory=dict)
    counter: dict[str, Any] | None = None


@dataclass(frozen=True)
class TicketIssued(TicketEvent):
    name = "ticket.issued"


@dataclass(frozen=True)
class TicketCalled(TicketEvent):
    name = "ticket.called"


@dataclass(frozen=True)
class TicketRecalled(TicketEvent):
    name = "ticket.recalled"


@dataclass(frozen=True)
class TicketServing(TicketEvent):
    name = "ticket.serving"


@dataclass(frozen=True)
class TicketFinished(TicketEvent):
    name = "ticket.finished"


@dataclass(frozen=True)
class TicketNoShow(TicketEvent):
    name = "ticket.no_show"


@dataclass(frozen=True)
class TicketOnHold(TicketEvent):
    name = "ticket.on_hold"


@dataclass(frozen=True)
class TicketResumed(TicketEvent):
    name = "ticket.resumed"


@dataclass(frozen=True)
class TicketRequeued(TicketEvent):
    """A held ticket went back to the shared queue, keeping its arrival time."""

    name = "ticket.requeued"


@dataclass(frozen=True)
class TicketTransferred(TicketEvent):
    name = "ticket.transferred"


@dataclass(frozen=True)
class TicketCancelled(TicketEvent):
    name = "ticket.cancelled"


@dataclass(frozen=True)
class TicketUnserved(TicketEvent):
    """The day closed before the visitor was served."""

    name = "ticket.unserved"


@dataclass(frozen=True)
class CounterUpdated(Event):
    counter: dict[str, Any] = field(default_factory=dict)

    name = "counter.updated"


@dataclass(frozen=True)
class PrinterStatusChanged(Event):
    """A kiosk printer's health changed; counters and admins see it. `paper_low`: the roll's
    near-end sensor is on (a warning: it still prints), off, or None when not read."""

    kiosk: str = ""
    ok: bool = True
    message: str = ""
    paper_low: bool | None = None

    name = "printer.status"


@dataclass(frozen=True)
class ServiceUpdated(Event):
    """An admin opened or closed a service; `service` is its overview row (open, reason,
    waiting, estimate), so kiosks grey it out or bring it back without a reload."""

    service: dict[str, Any] = field(default_factory=dict)

    name = "service.updated"


TICKET_EVENTS: dict[str, type[TicketEvent]] = {
    "issue": TicketIssued,
    "call": TicketCalled,
    "recall": TicketRecalled,
    "start": TicketServing,
    "finish": TicketFinished,
    "no_show": TicketNoShow,
    "hold": TicketOnHold,
    "resume": TicketResumed,
    "requeue": TicketRequeued,
    "transfer": TicketTransferred,
    "cancel": TicketCancelled,
    "close_day": TicketUnserved,
}
