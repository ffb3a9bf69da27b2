"""The day ends: tickets nobody served are closed, counters are released.

Without this a day never ended: after midnight yesterday's called tickets blocked their
counters, waiting ones stayed "7 ahead" for days and held ones vanished into a queue nobody
could call. A day closes `mall.serve_after_closing_minutes` (config.yaml, an hour by
default) after the last service of that day stops issuing (officers still serve the visitors
who took a number before closing), and in any case once the next local day has begun. Every
ticket still waiting, called or held then ends `unserved` with an event row of its own
(reports count them; the visitor's page says so), and counters left open or on break are
closed, once, when the day closes.

A visit in progress is spared: a ticket being served (`serving`) is the officer's to finish,
and its counter stays open until the officer closes it: ending it would cut a visitor off at
the desk. At the latest it ends `unserved` (from `serving`) when the next local day begins (the
mall's midnight), and its counter closes with it, so a forgotten ticket never blocks a
counter into the next day; a counter still open then since the day before closes too.

Today's hours shortened in config.yaml (and the server restarted) stop new tickets at once,
but today still closes when the hours in force earlier promised: the visitors waiting keep
their place (`keep_todays_promise`).

It runs from a background task of the server every minute, and before the first command of a
new day in each process (`DayCloser.before_command`), so a server that slept through
midnight is right before it answers. Several processes may run it at once: the mall's
"closed through" marker is read and advanced under a row lock (a write lock on SQLite), so
only one of them closes the counters.
"""

from __future__ import annotations

import logging
import threading
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from core import idempotency, repository
from core.context import SYSTEM
from core.counter_hours import day_closes_at as closes_at
from core.numbering import local_day_start
from core.store import app_settings, counter_state, daily_sequences, service_state, tickets
from core.tickets import TicketStatus
from core.usecases.summarizing import CLOSE_LOOKBACK, build_closed_days
from core.usecases.unit import Change, changing

if TYPE_CHECKING:
    from core.context import MallContext

log = logging.getLogger(__name__)

OPEN_STATUSES = (
    TicketStatus.WAITING.value,
    TicketStatus.CALLED.value,
    TicketStatus.SERVING.value,
    TicketStatus.ON_HOLD.value,
)
# What the closing by the hours ends: all but a visit being served, which ends, at the
# latest, with the next local day.
CLOSED_AT_CLOSING = tuple(s for s in OPEN_STATUSES if s != TicketStatus.SERVING.value)


def day_closes_at(ctx: MallContext, day: date) -> datetime:
    """When `day` closes, in the mall's time zone: by today's hours in config.yaml
    (`core.counter_hours.day_closes_at`), or later where the hours in force earlier that
    day promised a later close (see `keep_todays_promise`)."""
    return closes_at(ctx.settings, day, ctx.promised_close)


def keep_todays_promise(ctx: MallContext, conn: Connection) -> None:
    """Remember the latest close today's hours have promised, in the database (every
    process and the next start read it) and in `ctx`.

    The visitors waiting took their numbers under the hours then in force. An admin who
    shortens today's hours in config.yaml and restarts stops new tickets at once (issuing
    reads the hours), but ending every waiting, called and held ticket on the spot would
    throw away hours of waiting; they stay until the close promised when they came, and
    officers may still call them. Hours made longer count at once. A shorter close replaces
    the promise only while nobody has come yet that day, or when today is now closed
    outright (no hours today, or a closure in the calendar): an admin's deliberate closing,
    for a flood or a power cut, ends the day at once. Call it holding the closing marker's
    lock (`_lock_marker`), so two closers do not race on the row."""
    today = ctx.today()
    configured = closes_at(ctx.settings, today)
    key = f"day_closes:{ctx.mall}"
    stored = conn.execute(
        select(app_settings.c.value).where(app_settings.c.key == key)
    ).scalar_one_or_none()
    promised = _parse_promise(stored)
    if (
        promised is None
        or promised[0] != today
        or promised[1] < configured
        or (
            promised[1] > configured
            and (_closed_outright(ctx, today, configured) or not _anyone_came(ctx, conn, today))
        )
    ):
        value = f"{today.isoformat()} {configured.isoformat()}"
        if stored is None:
            conn.execute(insert(app_settings).values(key=key, value=value))
        else:
            conn.execute(update(app_settings).where(app_settings.c.key == key).values(value=value))
        promised = (today, configured)
    ctx.promised_close = promised


def _closed_outright(ctx: MallContext, day: date, closes: datetime) -> bool:
    """Whether `day` has no hours at all: it closes at its own start."""
    return closes <= local_day_start(day.isoformat(), ctx.settings.mall.tz)


def _anyone_came(ctx: MallContext, conn: Connection, day: date) -> bool:
    """Whether `day` has tickets: hours shortened before its first visitor hold at once."""
    first = select(tickets.c.seq).where(
        tickets.c.mall == ctx.mall, tickets.c.day == day.isoformat()
    )
    return conn.execute(first.limit(1)).first() is not None


def _parse_promise(value: str | None) -> tuple[date, datetime] | None:
    try:
        day, at = (value or "").split(" ", 1)
        return date.fromisoformat(day), datetime.fromisoformat(at)
    except ValueError:  # none yet, or written by hand: today's hours stand
        return None


def last_closed_day(ctx: MallContext) -> date:
    """The latest day that has ended by now: today once it closed, else yesterday."""
    local = ctx.now().astimezone(ctx.settings.mall.tz)
    today = local.date()
    return today if local >= day_closes_at(ctx, today) else today - timedelta(days=1)


def close_ended_days(ctx: MallContext) -> int:
    """Close every ended day that still has open tickets; the number of tickets closed."""
    today = ctx.now().astimezone(ctx.settings.mall.tz).date().isoformat()
    closed = 0
    with changing(ctx) as change:
        conn = change.conn
        marker = _lock_marker(ctx, conn)
        keep_todays_promise(ctx, conn)
        through = last_closed_day(ctx)
        left_serving: list[int] = []  # counters whose visit in progress outlived its day
        for day in _days_to_sweep(ctx, conn, marker, through):
            # Today (closed by its hours) spares the visits in progress; a past day does not.
            statuses = OPEN_STATUSES if day < today else CLOSED_AT_CLOSING
            for row in conn.execute(
                select(tickets)
                .where(
                    tickets.c.mall == ctx.mall,
                    tickets.c.day == day,
                    tickets.c.status.in_(statuses),
                )
                .order_by(tickets.c.seq)
            ):
                ticket = repository.ticket_from_row(row)
                from_status = ticket.status
                if from_status == TicketStatus.SERVING and ticket.counter is not None:
                    left_serving.append(ticket.counter)
                ticket.close_with_the_day(ctx.now())
                repository.save_ticket(conn, ticket)
                change.record_ticket(ticket, "close_day", SYSTEM, from_status)
                closed += 1
        if left_serving:
            _close_counters(ctx, change, left_serving)
        serving = select(tickets.c.counter).where(
            tickets.c.mall == ctx.mall,
            tickets.c.status == TicketStatus.SERVING.value,
            tickets.c.counter.is_not(None),
        )
        # A counter spared for its visit in progress whose officer finished and left it
        # open (or one opened after the close) closes when the next day begins.
        overnight = conn.execute(
            select(counter_state.c.number).where(
                counter_state.c.mall == ctx.mall,
                counter_state.c.status != "closed",
                counter_state.c.updated_at < local_day_start(today, ctx.settings.mall.tz),
                counter_state.c.number.not_in(serving),
            )
        ).scalars()
        _close_counters(ctx, change, list(overnight))
        if marker is None or marker < through.isoformat():
            # The day closes now, once: counters left open or on break close with it, but
            # for those still serving a visitor (their officer closes them after it).
            numbers = list(
                conn.execute(
                    select(counter_state.c.number).where(
                        counter_state.c.mall == ctx.mall,
                        counter_state.c.status != "closed",
                        counter_state.c.number.not_in(serving),
                    )
                ).scalars()
            )
            _close_counters(ctx, change, numbers)
            # A service closed "for today" with a reason opens again with the next day.
            reopened = list(
                conn.execute(
                    select(service_state.c.service).where(service_state.c.mall == ctx.mall)
                ).scalars()
            )
            if reopened:
                conn.execute(delete(service_state).where(service_state.c.mall == ctx.mall))
            change.services_changed.extend(reopened)
            conn.execute(
                update(app_settings)
                .where(app_settings.c.key == _marker_key(ctx))
                .values(value=through.isoformat())
            )
    if closed:
        log.info("closed the day through %s: %d tickets unserved", through, closed)
    return closed


def _close_counters(ctx: MallContext, change: Change, numbers: list[int]) -> None:
    """Close these counters (those not closed already) and tell their terminals."""
    conn = change.conn
    still_open = list(
        conn.execute(
            select(counter_state.c.number).where(
                counter_state.c.mall == ctx.mall,
                counter_state.c.number.in_(numbers),
                counter_state.c.status != "closed",
            )
        ).scalars()
    )
    if still_open:  # most rounds close nothing: no write then
        conn.execute(
            update(counter_state)
            .where(counter_state.c.mall == ctx.mall, counter_state.c.number.in_(still_open))
            .values(status="closed", reason=None, officer=None, updated_at=ctx.now())
        )
    change.counters_changed.extend(n for n in still_open if n not in change.counters_changed)


def _marker_key(ctx: MallContext) -> str:
    return f"closed_through:{ctx.mall}"


def _lock_marker(ctx: MallContext, conn: Connection) -> str | None:
    """The last day closed ("" never), read under a lock until this transaction ends."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    conn.execute(
        dialect.insert(app_settings).values(key=_marker_key(ctx), value="").on_conflict_do_nothing()
    )
    value = conn.execute(
        select(app_settings.c.value).where(app_settings.c.key == _marker_key(ctx)).with_for_update()
    ).scalar_one()
    return value or None


def _days_to_sweep(
    ctx: MallContext, conn: Connection, marker: str | None, through: date
) -> list[str]:
    """Days that had tickets, from the last one closed (a no-show called back after the
    close may have reopened a ticket there) through `through`."""
    query = (
        select(daily_sequences.c.day)
        .distinct()
        .where(daily_sequences.c.mall == ctx.mall, daily_sequences.c.day <= through.isoformat())
    )
    if marker:
        query = query.where(daily_sequences.c.day >= marker)
    return sorted(conn.execute(query).scalars())


class DayCloser:
    """Runs `close_ended_days` before the first command after a day ended, and the first of
    a new local day (a visit in progress spared at yesterday's close ends then), once per
    process."""

    def __init__(self, ctx: MallContext) -> None:
        self.ctx = ctx
        self._closed: tuple[date, date] | None = None  # (closed through, on local day)
        self._lock = threading.Lock()

    def _due(self) -> tuple[date, date]:
        return last_closed_day(self.ctx), self.ctx.now().astimezone(
            self.ctx.settings.mall.tz
        ).date()

    def before_command(self) -> None:
        if self._closed != self._due():
            self.close_now(only_if_due=True)

    def close_now(self, *, only_if_due: bool = False) -> int:
        # Closing the day is the system's own change: never part of a client's keyed request.
        token = idempotency.CURRENT.set(None)
        try:
            return self._close(only_if_due)
        finally:
            idempotency.CURRENT.reset(token)

    def _close(self, only_if_due: bool) -> int:
        with self._lock:
            if only_if_due and self._closed == self._due():
                return 0  # another thread closed it while this one waited
            closed = close_ended_days(self.ctx)
            # Due again after the closing read today's promised close (a restart's first
            # guess knows only config.yaml's hours).
            self._closed = due = self._due()
            through = due[0]
        # The closed days' report rows, from their events, once (core/usecases/summarizing.py).
        try:
            build_closed_days(self.ctx, through, since=through - CLOSE_LOOKBACK)
        except Exception:  # the day is closed; its rows are built again at the next attempt
            log.exception("building the report rows of the closed days failed")
        return closed
