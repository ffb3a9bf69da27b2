"""The ticket entity and its lifecycle rules (pure Python: no Flask, no SQLAlchemy).

A ticket guards its own transitions: every method either moves it to a legal next state or raises
`IllegalTransition` with a message an officer can act on. The web layer turns domain errors into
HTTP answers; nothing outside this module decides which moves are legal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TypeVar

# A moment: a datetime, or the simulator's minutes of the day (core/simulation).
When = TypeVar("When", datetime, float)


class TicketStatus(StrEnum):
    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    DONE = "done"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"
    ON_HOLD = "on_hold"
    # The day ended before the visitor was served: a final state of its own, so reports count
    # these apart from no-shows and cancellations, and the phone page can say so kindly.
    UNSERVED = "unserved"


class Priority(StrEnum):
    """Visitors the law asks us to serve first (lansia, disabilitas, ibu hamil)."""

    ELDERLY = "lansia"
    DISABILITY = "disabilitas"
    PREGNANT = "ibu_hamil"


FINAL_STATUSES = frozenset(
    {TicketStatus.DONE, TicketStatus.NO_SHOW, TicketStatus.CANCELLED, TicketStatus.UNSERVED}
)
ACTIVE_AT_COUNTER = frozenset({TicketStatus.CALLED, TicketStatus.SERVING})


class DomainError(Exception):
    """A rule of the mall was broken: `code` is stable for API clients, the message for people."""

    code = "domain_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class IllegalTransition(DomainError):
    code = "illegal_transition"


class ServiceClosed(DomainError):
    code = "service_closed"


class QuotaReached(DomainError):
    code = "quota_reached"


class CounterBusy(DomainError):
    code = "counter_busy"


class CounterClosed(DomainError):
    code = "counter_closed"


class NotFound(DomainError):
    code = "not_found"


class Forbidden(DomainError):
    code = "forbidden"


class InvalidRequest(DomainError):
    code = "invalid_request"


def parse_priority(raw: object) -> Priority | None:
    """The priority a visitor claims (null or absent: none), or a refusal naming the choices."""
    if raw is None or raw == "":
        return None
    try:
        return Priority(raw)
    except ValueError:
        choices = ", ".join(repr(p.value) for p in Priority)
        raise InvalidRequest(
            f"'priority' {raw!r} tidak dikenal; gunakan null, {choices}. / "
            f"Unknown 'priority' {raw!r}; use null, {choices}."
        ) from None


# Which actions are legal from which status; the single source of truth for the lifecycle.
# `transfer` moves the visitor to another service's queue: the status returns to waiting.
# `call` also brings back a no-show of the same day (the visitor was only in the toilet);
# `resume` gives a held ticket back to its own counter, `requeue` returns it to the queue.
TRANSITIONS: dict[str, tuple[frozenset[TicketStatus], TicketStatus | None]] = {
    "call": (frozenset({TicketStatus.WAITING, TicketStatus.NO_SHOW}), TicketStatus.CALLED),
    "recall": (frozenset({TicketStatus.CALLED}), TicketStatus.CALLED),
    "start": (frozenset({TicketStatus.CALLED}), TicketStatus.SERVING),
    "finish": (frozenset({TicketStatus.SERVING}), TicketStatus.DONE),
    "no_show": (frozenset({TicketStatus.CALLED}), TicketStatus.NO_SHOW),
    "hold": (frozenset({TicketStatus.CALLED, TicketStatus.SERVING}), TicketStatus.ON_HOLD),
    "resume": (frozenset({TicketStatus.ON_HOLD}), TicketStatus.CALLED),
    "requeue": (frozenset({TicketStatus.ON_HOLD}), TicketStatus.WAITING),
    "cancel": (
        frozenset({TicketStatus.WAITING, TicketStatus.CALLED, TicketStatus.ON_HOLD}),
        TicketStatus.CANCELLED,
    ),
    "transfer": (
        frozenset({TicketStatus.CALLED, TicketStatus.SERVING, TicketStatus.ON_HOLD}),
        TicketStatus.WAITING,
    ),
    # Not an officer's action: the system closes the day (core/usecases/closing.py).
    "close_day": (
        frozenset(
            {TicketStatus.WAITING, TicketStatus.CALLED, TicketStatus.SERVING, TicketStatus.ON_HOLD}
        ),
        TicketStatus.UNSERVED,
    ),
}
OFFICER_ACTIONS = tuple(action for action in TRANSITIONS if action != "close_day")

# How a refusal of an illegal transition says the action, in Bahasa Indonesia and in English.
_ACTION_WORDS = {
    "call": ("dipanggil", "called"),
    "recall": ("dipanggil ulang", "recalled"),
    "start": ("mulai dilayani", "started"),
    "finish": ("diselesaikan", "finished"),
    "no_show": ("ditandai tidak hadir", "marked as no-show"),
    "hold": ("ditahan", "put on hold"),
    "resume": ("dilanjutkan", "resumed"),
    "requeue": ("dikembalikan ke antrean", "returned to the queue"),
    "cancel": ("dibatalkan", "cancelled"),
    "transfer": ("dialihkan", "transferred"),
    "close_day": ("ditutup bersama hari itu", "closed with the day"),
}
# The statuses as that refusal says them in Bahasa Indonesia (the English is the value).
_STATUS_ID = {
    TicketStatus.WAITING: "menunggu",
    TicketStatus.CALLED: "dipanggil",
    TicketStatus.SERVING: "sedang dilayani",
    TicketStatus.DONE: "selesai",
    TicketStatus.NO_SHOW: "tidak hadir",
    TicketStatus.CANCELLED: "dibatalkan",
    TicketStatus.ON_HOLD: "ditahan",
    TicketStatus.UNSERVED: "tidak terlayani",
}


def wait_starts_at(issued_at: When, arrived_at: When) -> When:
    """When a visitor's wait for their first call begins, for every figure that reports a
    wait (the day's report and the dashboard, core/reporting.py and core/views/; the counter's
    "waiting" minutes): the later of taking the number and `arrived_at`.

    The two differ only for a checked-in booking, whose `arrived_at` is its slot's start
    (core/usecases/check_in.py); the MPP practice counts its wait from the later of the
    check-in and the slot's start. A visitor who checks in at 09:20 for 10:00 waits for their
    slot by choice, and counting from 09:20 blamed the mall for their early arrival; one who
    checks in at 10:10 waits from 10:10, not from the slot they missed. For every other
    ticket `arrived_at` is its issue (a late booking's too). The simulator's report counts
    its visitors' waits by this rule too, in minutes of the day."""
    return max(issued_at, arrived_at)


def allowed_actions(status: TicketStatus) -> list[str]:
    """The actions an officer may take on a ticket in `status` (drives the counter's buttons)."""
    return [action for action in OFFICER_ACTIONS if status in TRANSITIONS[action][0]]


@dataclass
class Ticket:
    """One visitor's place in one service's queue for one local day."""

    id: str
    service: str
    prefix: str
    sequence: int
    day: str  # the mall's local date, ISO format: numbering restarts each day
    issued_at: datetime
    arrived_at: datetime  # kept across transfers: the visitor never loses their place in time
    status: TicketStatus = TicketStatus.WAITING
    priority: Priority | None = None
    counter: int | None = None
    called_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    call_count: int = 0
    transfers: list[str] = field(default_factory=list)  # services it came from, oldest first
    seq: int | None = None  # storage row id; the order of issue within a day
    # How the visitor came: kiosk, officer, online, or booking (a checked-in booking, whose
    # `arrived_at` is its slot's start: core/queueing.py calls it ahead from then on).
    channel: str = "kiosk"

    @property
    def number(self) -> str:
        return format_number(self.prefix, self.sequence)

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES

    def _move(self, action: str) -> TicketStatus:
        sources, target = TRANSITIONS[action]
        if self.status not in sources:
            allowed = ", ".join(allowed_actions(self.status))
            action_id, action_en = _ACTION_WORDS[action]
            raise IllegalTransition(
                f"Nomor {self.number} berstatus {_STATUS_ID[self.status]}; tidak dapat "
                f"{action_id}. Yang dapat dilakukan sekarang: "
                f"{allowed or 'tidak ada (tiket sudah ditutup)'}. / "
                f"Ticket {self.number} is {self.status.value}; it cannot be "
                f"{action_en}. Allowed now: {allowed or 'nothing (the ticket is closed)'}."
            )
        assert target is not None
        self.status = target
        return target

    def call(self, counter: int, now: datetime) -> None:
        self._move("call")
        self.counter = counter
        self.called_at = now
        self.finished_at = None  # a no-show called back is open again
        self.call_count += 1

    def recall(self, now: datetime) -> None:
        self._move("recall")
        self.called_at = now
        self.call_count += 1

    def start(self, now: datetime) -> None:
        self._move("start")
        self.started_at = now

    def finish(self, now: datetime) -> None:
        self._move("finish")
        self.finished_at = now

    def mark_no_show(self, now: datetime) -> None:
        self._move("no_show")
        self.finished_at = now

    def hold(self) -> None:
        # The counter keeps the ticket while the visitor fetches a missing document.
        self._move("hold")

    def resume(self, now: datetime) -> None:
        # The visitor is back with the missing document: called again at the same counter,
        # which must be free (the use case checks), never handed to another counter.
        self._move("resume")
        self.called_at = now
        self.started_at = None
        self.call_count += 1

    def requeue(self) -> None:
        # Back into the shared queue with the original arrival time: first in line again.
        self._move("requeue")
        self.counter = None
        self.started_at = None

    def cancel(self, now: datetime) -> None:
        self._move("cancel")
        self.finished_at = now

    def close_with_the_day(self, now: datetime) -> None:
        # The counter is kept: the event row tells where the visitor was left.
        self._move("close_day")
        self.finished_at = now

    def transfer(self, service: str) -> None:
        if service == self.service:
            raise InvalidRequest(
                f"Nomor {self.number} sudah berada di layanan {service}. / "
                f"Ticket {self.number} is already in service {service}."
            )
        self._move("transfer")
        self.transfers.append(self.service)
        self.service = service
        self.counter = None
        self.called_at = None
        self.started_at = None


def format_number(prefix: str, sequence: int) -> str:
    """`A` + 7 -> `A007`: three digits keep numbers aligned; wider when a day needs it."""
    return f"{prefix}{sequence:03d}"
