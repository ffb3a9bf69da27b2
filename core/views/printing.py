"""Print jobs as the kiosk and the officer see them (read-only)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select

from core import repository
from core.context import iso
from core.store import print_jobs, printer_states

if TYPE_CHECKING:
    from core.context import MallContext


def last_finished_print_job(
    conn: Connection, mall: str, kiosk: str, before_id: int | None = None
) -> Any:
    """The kiosk's latest print job that printed or failed (before `before_id`, if given):
    not one still printing, nor one a dead process cut off (it says nothing of the printer)."""
    query = select(print_jobs.c.id, print_jobs.c.status, print_jobs.c.error).where(
        print_jobs.c.mall == mall,
        print_jobs.c.kiosk == kiosk,
        print_jobs.c.status.in_(("printed", "failed")),
    )
    if before_id is not None:
        query = query.where(print_jobs.c.id < before_id)
    return conn.execute(query.order_by(print_jobs.c.id.desc()).limit(1)).first()


def last_print_outcome(ctx: MallContext, *kiosks: str) -> tuple[bool, str] | None:
    """(printed?, error or "OK") of the last finished print job of these kiosks (those that
    share one printer: what any of them printed last says how the printer is), if any."""
    if not kiosks:
        return None
    with ctx.uow.reading() as conn:
        if len(kiosks) == 1:
            row = last_finished_print_job(conn, ctx.mall, kiosks[0])
        else:
            row = conn.execute(
                select(print_jobs.c.status, print_jobs.c.error)
                .where(
                    print_jobs.c.mall == ctx.mall,
                    print_jobs.c.kiosk.in_(kiosks),
                    print_jobs.c.status.in_(("printed", "failed")),
                )
                .order_by(print_jobs.c.id.desc())
                .limit(1)
            ).first()
    if row is None:
        return None
    return row.status == "printed", row.error or "OK"


def stored_printer_states(conn: Connection, mall: str) -> dict[str, tuple[bool, str, bool]]:
    """Printer identity -> (ok, message, paper_low), as the last `printer.status` about the
    printer said (core/usecases/printing.py keeps them)."""
    rows = conn.execute(
        select(
            printer_states.c.printer,
            printer_states.c.ok,
            printer_states.c.message,
            printer_states.c.paper_low,
        ).where(printer_states.c.mall == mall)
    )
    return {r.printer: (bool(r.ok), r.message, bool(r.paper_low)) for r in rows}


def printers_now(ctx: MallContext, conn: Connection) -> dict[str, tuple[bool, str, bool]]:
    """Each kiosk printer as last seen, by printer identity: (ok, message, paper_low). Its
    stored state; for a printer without one (nothing said of it since printer states were
    kept), the last finished print job of the kiosks printing on it, read kiosk by kiosk from
    the (mall, kiosk, id) index: the latest of every kiosk at once would read every print job
    the mall ever had, and the alert round asks every few seconds."""
    configured = {ctx.printer_of(kiosk.code) for kiosk in ctx.settings.kiosks}
    # A printer no kiosk is configured with any more (moved, replaced) is nobody's concern:
    # its last state would otherwise hold its alert open for ever.
    states = {
        printer: state
        for printer, state in stored_printer_states(conn, ctx.mall).items()
        if printer in configured
    }
    latest: dict[str, tuple[int, bool, str]] = {}
    for kiosk in ctx.settings.kiosks:
        printer = ctx.printer_of(kiosk.code)
        if printer in states:
            continue
        row = last_finished_print_job(conn, ctx.mall, kiosk.code)
        if row is not None and (printer not in latest or latest[printer][0] < row.id):
            latest[printer] = (int(row.id), row.status == "printed", row.error or "OK")
    for printer, (_, ok, message) in latest.items():
        states[printer] = (ok, message, False)
    return states


def read_printer_states(ctx: MallContext) -> dict[str, tuple[bool, str, bool]]:
    with ctx.uow.reading() as conn:
        return stored_printer_states(conn, ctx.mall)


def print_jobs_for(ctx: MallContext, ticket_id: str) -> list[dict[str, Any]]:
    with ctx.uow.reading() as conn:
        ticket = repository.load_ticket(conn, ctx.mall, ticket_id)
        rows = conn.execute(
            select(print_jobs)
            .where(print_jobs.c.ticket_seq == ticket.seq)
            .order_by(print_jobs.c.id)
        )
        return [
            {
                "id": r.id,
                "kiosk": r.kiosk,
                "status": r.status,
                "error": r.error,
                "created_at": iso(repository.as_utc(r.created_at)),
            }
            for r in rows
        ]
