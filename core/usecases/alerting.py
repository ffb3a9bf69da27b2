"""Alerts: raised when a condition starts, cleared when it ends, acknowledged by a manager.

The rules are in core/alerts.py; this module keeps the stored alerts (core/admin_tables.py)
in step with what the rules find, and tells the managers' screens. The stored row is the
truth, so an acknowledgement survives a restart and every process sees it; each condition has
at most one open alert (a unique key while it is open), however many processes evaluate.

Alert events are hints to the managers' dashboards, not part of the mall's versioned stream:
they carry the version they were seen at, and a dashboard re-reads the alerts on each one.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, select, update

from core import repository
from core.admin_tables import alerts
from core.alerts import Condition, evaluate
from core.context import SYSTEM, MallContext, iso
from core.events import Event
from core.scope import Scope, scope_for
from core.store import dialect_insert
from core.tickets import NotFound
from core.usecases.unit import audit
from core.views.dashboard import counter_rows, service_rows
from core.views.printing import printers_now

log = logging.getLogger(__name__)

EVALUATE_SECONDS = 15.0  # waits and breaks grow with time alone: look again at least this often


@dataclass(frozen=True)
class AlertChanged(Event):
    """An alert was raised, cleared or acknowledged (routed to managers only)."""

    alert: dict[str, Any] = field(default_factory=dict)
    change: str = "raised"

    @property
    def name(self) -> str:  # type: ignore[override]
        return f"alert.{self.change}"


def alert_view(row: Any) -> dict[str, Any]:
    return {
        "id": int(row.id),
        "kind": row.kind,
        "subject": row.subject,
        "agency": row.agency,
        "message": row.message,
        "raised_at": iso(repository.as_utc(row.raised_at)),
        "cleared_at": iso(repository.as_utc(row.cleared_at)),
        "acknowledged_by": row.acknowledged_by,
        "acknowledged_at": iso(repository.as_utc(row.acknowledged_at)),
        "open": row.cleared_at is None,
    }


def sees(scope: Scope, agency: str | None) -> bool:
    """A kiosk printer serves every agency: every manager sees its alerts."""
    return agency is None or scope.covers(agency)


def sync(ctx: MallContext, conditions: Iterable[Condition]) -> list[AlertChanged]:
    """Open an alert for each new condition and clear those whose condition ended."""
    wanted = {c.key: c for c in conditions}
    # Most rounds change nothing: found by a read, not by a write transaction (which every
    # process took every 2 s under load, SQLite's write lock with it, the issuing waiting).
    with ctx.uow.reading() as conn:
        if _open_keys(conn, ctx.mall) == set(wanted):
            return []
    now = ctx.now()
    changed: list[tuple[str, int]] = []
    with ctx.uow.writing() as conn:
        open_rows = conn.execute(
            select(alerts.c.id, alerts.c.open_key).where(
                alerts.c.mall == ctx.mall, alerts.c.open_key.is_not(None)
            )
        ).all()
        open_keys = {row.open_key for row in open_rows}
        for row in open_rows:
            if row.open_key not in wanted:
                conn.execute(
                    update(alerts)
                    .where(alerts.c.id == row.id)
                    .values(cleared_at=now, open_key=None)
                )
                changed.append(("cleared", int(row.id)))
        for key, condition in wanted.items():
            if key in open_keys:
                continue
            added = conn.execute(
                dialect_insert(conn, alerts)
                .values(
                    mall=ctx.mall,
                    kind=condition.kind,
                    subject=condition.subject,
                    agency=condition.agency,
                    message=condition.message,
                    raised_at=now,
                    open_key=key,
                )
                .on_conflict_do_nothing()
                .returning(alerts.c.id)
            ).first()
            if added is not None:  # another process may have raised it a moment ago
                changed.append(("raised", int(added.id)))
        version = repository.version(conn, ctx.mall)
        rows = {
            int(r.id): r
            for r in conn.execute(select(alerts).where(alerts.c.id.in_([i for _, i in changed])))
        }
    return [
        AlertChanged(ctx.mall, version, alert=alert_view(rows[i]), change=kind)
        for kind, i in changed
    ]


def _open_keys(conn: Connection, mall: str) -> set[str]:
    return set(
        conn.execute(
            select(alerts.c.open_key).where(alerts.c.mall == mall, alerts.c.open_key.is_not(None))
        ).scalars()
    )


def acknowledge(ctx: MallContext, scope: Scope, alert_id: int) -> dict[str, Any]:
    with ctx.uow.writing() as conn:
        row = conn.execute(
            select(alerts).where(alerts.c.mall == ctx.mall, alerts.c.id == alert_id)
        ).first()
        if row is None or not sees(scope, row.agency):
            raise NotFound(
                f"Tidak ada peringatan {alert_id} di antara yang Anda awasi. / "
                f"No alert {alert_id} among those you look after."
            )
        if row.acknowledged_at is None:
            conn.execute(
                update(alerts)
                .where(alerts.c.id == alert_id)
                .values(acknowledged_by=scope.actor.name, acknowledged_at=ctx.now())
            )
        row = conn.execute(select(alerts).where(alerts.c.id == alert_id)).one()
        version = repository.version(conn, ctx.mall)
    view = alert_view(row)
    audit(ctx, scope.actor, "alert.acknowledge", f"alert {alert_id} ({row.kind} {row.subject})")
    ctx.publisher.publish(AlertChanged(ctx.mall, version, alert=view, change="acknowledged"))
    return view


def alert_list(
    ctx: MallContext, scope: Scope, *, open_only: bool = True, limit: int = 100
) -> list[dict[str, Any]]:
    query = select(alerts).where(alerts.c.mall == ctx.mall)
    if open_only:
        query = query.where(alerts.c.cleared_at.is_(None))
    if not scope.whole_mall:
        query = query.where(
            alerts.c.agency.is_(None) | alerts.c.agency.in_(sorted(scope.agencies or ()))
        )
    with ctx.uow.reading() as conn:
        rows = conn.execute(query.order_by(alerts.c.id.desc()).limit(limit)).all()
    return [alert_view(r) for r in rows]


class AlertMonitor:
    """Evaluates the rules now and then, and soon after any event moved the hall.

    The kiosk printers are judged from the database: the stored state of each printer (the
    last `printer.status` about it, whichever process sent it), else its kiosks' last print
    jobs. Every process's monitor judges a printer alike, also one that started after the
    news (a restart forgot nothing: an open paper alert stays open, not cleared and raised
    anew). Kiosks sharing a printer have one alert for it (`ctx.printers`).
    """

    def __init__(self, ctx: MallContext) -> None:
        self.ctx = ctx
        self._dirty = threading.Event()
        self._last = 0.0

    def on_event(self, event: Event) -> None:
        if isinstance(event, AlertChanged):
            return
        self._dirty.set()

    def heard_printer(self, status: dict[str, Any]) -> None:
        """A `printer.status` event relayed from any process (its payload): look again soon.
        What it said is in the database already (written with the event)."""
        self._dirty.set()

    def due(self) -> bool:
        return self._dirty.is_set() or time.monotonic() - self._last >= EVALUATE_SECONDS

    def conditions(self) -> list[Condition]:
        ctx = self.ctx
        everything = scope_for(SYSTEM, None)
        with ctx.uow.reading() as conn:
            # The estimates of a play made since the last round are good enough for an
            # alert (a wait's level a few seconds late), and cost no play of the mall.
            services = service_rows(ctx, conn, everything, timedelta(seconds=EVALUATE_SECONDS))
            counters = counter_rows(ctx, conn, everything)
            printers = printers_now(ctx, conn)
        kiosks: dict[str, list[str]] = {}
        for kiosk in ctx.settings.kiosks:
            kiosks.setdefault(ctx.printer_of(kiosk.code), []).append(kiosk.code)
        return evaluate(
            services,
            counters,
            {printer: (ok, message) for printer, (ok, message, _) in printers.items()},
            ctx.settings.management.break_limit_minutes,
            paper_low=[printer for printer, (_, _, low) in printers.items() if low],
            kiosks=kiosks,
        )

    def run_once(self) -> list[AlertChanged]:
        """One evaluation; never raises (a failed round is retried next time)."""
        self._dirty.clear()
        self._last = time.monotonic()
        try:
            events = sync(self.ctx, self.conditions())
        except Exception:
            log.exception("evaluating the alerts failed")
            return []
        for event in events:
            self.ctx.publisher.publish(event)
        return events
