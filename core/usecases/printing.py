"""A kiosk prints a ticket: each attempt is a print job, and the printer's health is news.

A job is recorded before the bytes go out and finished after, so a ticket whose printing
failed is visible (and can be reprinted). Counters and admins hear of a printer when its
state changes, and of every failure.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Connection, insert, select, update

from core import repository
from core.context import Actor, MallContext
from core.store import dialect_insert, print_jobs, printer_states
from core.usecases.unit import Change, changing
from core.views.printing import last_finished_print_job


def start_print_job(ctx: MallContext, ticket_id: str, kiosk: str, actor: Actor) -> int:
    with ctx.uow.writing() as conn:
        ticket = repository.load_ticket(conn, ctx.mall, ticket_id)
        return int(
            conn.execute(
                insert(print_jobs).values(
                    mall=ctx.mall,
                    ticket_seq=ticket.seq,
                    kiosk=kiosk,
                    status="pending",
                    requested_by=actor.name,
                    created_at=ctx.now(),
                )
            ).inserted_primary_key[0]
        )


def finish_print_job(
    ctx: MallContext,
    job_id: int,
    ok: bool,
    error: str | None,
    announce: bool = False,
    paper_low: bool | None = None,
) -> None:
    """Record how a print ended. The screens hear of it when it failed, when it differs from
    the kiosk's previous print, or when the caller says so (`announce`): a health check the
    caller made since said otherwise, or the roll began or stopped running low. `paper_low`:
    what the printer's near-end sensor says now, if known."""
    with changing(ctx) as change:
        job = change.conn.execute(select(print_jobs).where(print_jobs.c.id == job_id)).one()
        change.conn.execute(
            update(print_jobs)
            .where(print_jobs.c.id == job_id)
            .values(status="printed" if ok else "failed", error=error, finished_at=ctx.now())
        )
        previous = last_finished_print_job(change.conn, ctx.mall, job.kiosk, job_id)
        changed = (previous.status if previous else None) != ("printed" if ok else "failed")
        if changed or announce or not ok:
            _tell(ctx, change, job.kiosk, ok, error or "OK", paper_low)


# A print job still pending this long after it began was cut off: no printer timeout reaches
# it (at most 300 s, printers/spec.py), so the process printing it died (kill -9, a power
# cut) before it could say how the print ended.
INTERRUPTED_AFTER = timedelta(minutes=10)
INTERRUPTED = "interrupted"


def end_interrupted_print_jobs(ctx: MallContext) -> int:
    """End the print jobs a dead process left pending as `interrupted`; how many.

    Left pending, the ticket's jobs said "printing" for ever. `interrupted` is not a printer
    failure: nobody knows whether the slip came out, so it raises no alert and does not
    count as the kiosk's last outcome; a retry of the ticket's request prints it again, as
    when no job had finished (core/server/printing.py)."""
    with ctx.uow.writing() as conn:
        result = conn.execute(
            update(print_jobs)
            .where(
                print_jobs.c.mall == ctx.mall,
                print_jobs.c.status == "pending",
                print_jobs.c.created_at < ctx.now() - INTERRUPTED_AFTER,
            )
            .values(
                status=INTERRUPTED,
                error="the server stopped while printing; the slip may not have come out",
                finished_at=ctx.now(),
            )
        )
        return int(result.rowcount or 0)


def printer_status(
    ctx: MallContext, kiosk: str, ok: bool, message: str, paper_low: bool | None = None
) -> None:
    """A probe of the kiosk's printer found it `ok` or not (and its roll running low or not,
    if known): tell the screens."""
    with changing(ctx) as change:
        _tell(ctx, change, kiosk, ok, message, paper_low)


def _tell(
    ctx: MallContext, change: Change, kiosk: str, ok: bool, message: str, paper_low: bool | None
) -> None:
    """A `printer.status` event for the kiosk, and its printer's stored state, in one
    transaction: the row says what the last event said, so a process that starts later
    knows it without having heard the event."""
    change.printer_changes.append((kiosk, ok, message, paper_low))
    _remember(change.conn, ctx, ctx.printer_of(kiosk), ok, message, paper_low)


def _remember(
    conn: Connection,
    ctx: MallContext,
    printer: str,
    ok: bool,
    message: str,
    paper_low: bool | None,
) -> None:
    now = ctx.now()
    values = {"ok": ok, "message": message, "updated_at": now}
    if paper_low is not None:  # None says nothing of the roll: its last reading stands
        values["paper_low"] = paper_low
    conn.execute(
        dialect_insert(conn, printer_states)
        .values({"mall": ctx.mall, "printer": printer, "paper_low": False, **values})
        .on_conflict_do_update(index_elements=["mall", "printer"], set_=values)
    )
