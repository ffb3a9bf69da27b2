"""A counter opens, goes on break or closes; a disabled officer's counters close.

The counter's row remembers who opened it, so disabling an account can close exactly the
counters that officer left open (and the displays stop showing them as open).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select, update

from core import repository
from core.context import Actor, MallContext
from core.store import counter_state
from core.tickets import CounterBusy, CounterClosed, InvalidRequest
from core.usecases.unit import changing, counter_for, require_kind
from core.views.counters import counter_view

COUNTER_STATUSES = ("open", "break", "closed")
MAX_REASON_LENGTH = 200
# A counter's status as a refusal says it in Bahasa Indonesia.
_COUNTER_STATUS_ID = {"open": "buka", "break": "istirahat", "closed": "tutup"}


def set_counter_status(
    ctx: MallContext, number: int, status: str, reason: str | None, actor: Actor
) -> dict[str, Any]:
    counter = counter_for(ctx, actor, number, "set_counter_status")
    if status not in COUNTER_STATUSES:
        raise InvalidRequest(
            f"Status loket harus salah satu dari {', '.join(COUNTER_STATUSES)}. / "
            f"Counter status must be one of {', '.join(COUNTER_STATUSES)}."
        )
    if reason is not None and len(reason) > MAX_REASON_LENGTH:
        raise InvalidRequest(
            f"Alasan lebih dari {MAX_REASON_LENGTH} karakter; persingkat. / "
            f"The reason is longer than {MAX_REASON_LENGTH} characters; shorten it."
        )
    with changing(ctx) as change:
        repository.existing_counter_row(change.conn, ctx.mall, counter.number, for_update=True)
        if status != "open" and actor.kind == "officer":
            _nobody_left_waiting_at(ctx, change.conn, counter.number, status)
        change.conn.execute(
            update(counter_state)
            .where(counter_state.c.mall == ctx.mall, counter_state.c.number == counter.number)
            .values(
                status=status,
                reason=reason if status != "open" else None,
                officer=actor.name if status == "open" else None,
                updated_at=ctx.now(),
            )
        )
        change.counters_changed.append(counter.number)
        return change.answered(counter_view(ctx, change.conn, counter.number))


def _nobody_left_waiting_at(ctx: MallContext, conn: Connection, number: int, status: str) -> None:
    """An officer's break or close leaves no visitor called to the counter: the display drops
    the call while the phone still sends them there. (An admin's or the server's close of a
    counter left open goes through: its officer is gone.)"""
    active = repository.active_ticket_at(conn, ctx.mall, number)
    if active is None:
        return
    what = {"break": ("istirahat", "a break"), "closed": ("tutup", "closing")}[status]
    raise CounterBusy(
        f"Loket {number} masih {'memanggil' if active.status.value == 'called' else 'melayani'} "
        f"{active.number}: selesaikan, tahan, alihkan, atau tandai tidak hadir sebelum "
        f"{what[0]}. / Counter {number} still has ticket {active.number} "
        f"({active.status.value}): finish, hold, transfer or mark it no-show before {what[1]}."
    )


def close_counters_of(
    ctx: MallContext, username: str, actor: Actor, only: list[int] | None = None
) -> list[int]:
    """Close every counter `username` has open (their account was disabled), or those of
    `only` (counters they may no longer use)."""
    require_kind(ctx, actor, "close_counters")
    with changing(ctx) as change:
        query = select(counter_state.c.number).where(
            counter_state.c.mall == ctx.mall,
            counter_state.c.officer == username,
            counter_state.c.status != "closed",
        )
        if only is not None:
            query = query.where(counter_state.c.number.in_(only))
        numbers = list(change.conn.execute(query).scalars())
        if numbers:
            change.conn.execute(
                update(counter_state)
                .where(counter_state.c.mall == ctx.mall, counter_state.c.number.in_(numbers))
                .values(status="closed", reason=None, officer=None, updated_at=ctx.now())
            )
        change.counters_changed.extend(numbers)
    return numbers


def ensure_can_call(ctx: MallContext, conn: Connection, number: int, state: Any) -> None:
    """A counter calls (or takes back a held visitor) only while open and free."""
    if state.status != "open":
        status_id = _COUNTER_STATUS_ID.get(state.status, state.status)
        raise CounterClosed(
            f"Loket {number} sedang {status_id}; buka loket sebelum memanggil pengunjung. / "
            f"Counter {number} is {state.status}; open it before calling visitors."
        )
    active = repository.active_ticket_at(conn, ctx.mall, number)
    if active is not None:
        raise CounterBusy(
            f"Loket {number} masih menangani nomor {active.number}; selesaikan, tandai tidak "
            "hadir, tahan, atau alihkan nomor itu terlebih dahulu. / "
            f"Counter {number} still has ticket {active.number} ({active.status.value}); "
            "finish it, mark it no-show, hold or transfer it first."
        )
