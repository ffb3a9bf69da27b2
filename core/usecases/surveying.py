"""A visitor answers the satisfaction survey (SKM) about a ticket that was served.

One response per ticket, anonymous: the phone's status page answers for its own ticket with
the survey key its address carries (core/survey_keys.py: staff see tickets' ids, so the id
alone is not enough), and a counter's survey tablet
answers for the ticket that counter finished last, within `TABLET_WINDOW` (the tablet never
learns a ticket id). The unique key on `skm_responses.ticket_seq` refuses a second response
even when two arrive at once from two processes.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import exists, insert, select
from sqlalchemy.exc import IntegrityError

from core import repository, skm, survey_keys
from core.store import ticket_events, tickets
from core.store_reports import skm_responses
from core.tickets import (
    DomainError,
    Forbidden,
    IllegalTransition,
    InvalidRequest,
    NotFound,
    Ticket,
    TicketStatus,
    format_number,
)

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from core.context import MallContext

# A tablet rates the counter's last finished ticket for this long (the next visitor sits down
# well after the form has reset, 60 s after it appeared).
TABLET_WINDOW = timedelta(minutes=10)


class AlreadyAnswered(DomainError):
    code = "already_answered"


class NotFinished(IllegalTransition):
    code = "ticket_not_finished"


class NothingToRate(IllegalTransition):
    code = "nothing_to_rate"


def survey_state(ctx: MallContext, ticket_id: str) -> dict[str, Any]:
    """Whether the phone page should offer the form: the ticket is done and not yet rated."""
    with ctx.uow.reading() as conn:
        ticket = repository.load_ticket(conn, ctx.mall, ticket_id)
        answered = _answered(conn, ticket.seq)
    finished = ticket.status == TicketStatus.DONE
    return {"finished": finished, "answered": answered, "open": finished and not answered}


class WrongSurveyKey(Forbidden):
    code = "survey_key_invalid"


def answer_for_ticket(ctx: MallContext, ticket_id: str, data: dict[str, Any]) -> dict[str, Any]:
    """The phone's answer; `data["key"]` must be the ticket's survey key."""
    row = _validated(data)
    with ctx.uow.writing() as conn:
        ticket = repository.load_ticket(conn, ctx.mall, ticket_id)
        previous = ctx.settings.previous_secret_keys
        given = data.get("key")
        if ctx.secret is None or not survey_keys.matches(ctx.secret, ticket.id, given, previous):
            raise WrongSurveyKey(
                "Survei hanya dapat diisi dari halaman tiket yang dibuka lewat kode QR pada "
                "tiket Anda (kuncinya ada di alamat itu). / The survey can only be answered "
                "from the ticket page opened by the QR code on your ticket (its address holds "
                "the key)."
            )
        if ticket.status != TicketStatus.DONE:
            raise NotFinished(
                f"Survei tiket {ticket.number} dibuka setelah layanannya selesai di loket. / "
                f"Ticket {ticket.number} is {ticket.status.value}: the survey opens once it is "
                "finished at the counter."
            )
        return _insert(ctx, conn, ticket, "phone", row)


def counter_survey_state(ctx: MallContext, counter: int) -> dict[str, Any]:
    """What a counter's tablet that (re)connected should show: whether the ticket the counter
    finished last (within `TABLET_WINDOW`) is still to be rated, and how long ago it was
    finished (by the server's clock, so a tablet's own clock does not matter). A tablet that
    was offline, restarting or reloading when its counter finished still offers the form to
    the visitor who is sitting there."""
    _known_counter(ctx, counter)
    now = ctx.now()
    with ctx.uow.reading() as conn:
        last = _finished_last(conn, ctx.mall, counter, now - TABLET_WINDOW)
        if last is None:
            return {"open": False, "finished_seconds_ago": None, "number": None}
        seq, finished_at, number = last
        answered = _answered(conn, seq)
    ago = max(0.0, (now - finished_at).total_seconds())
    return {"open": not answered, "finished_seconds_ago": round(ago, 1), "number": number}


def answer_at_counter(ctx: MallContext, counter: int, data: dict[str, Any]) -> dict[str, Any]:
    """A tablet's answer, for the ticket its form was shown for: `data["number"]`, the public
    number of a ticket the counter finished within `TABLET_WINDOW` (the officer may have
    finished the next visitor while this one was still answering); without it, the ticket
    the counter finished last."""
    _known_counter(ctx, counter)
    number = data.get("number")
    if number is not None and not isinstance(number, str):
        raise InvalidRequest(
            'Kirim nomor antrean yang formulirnya ditampilkan, mis. {"number": "A012"}. / '
            'Send the number the form was shown for: {"number": "A012"}.'
        )
    row = _validated(data)
    minutes = int(TABLET_WINDOW.total_seconds() // 60)
    with ctx.uow.writing() as conn:
        last = _finished_last(conn, ctx.mall, counter, ctx.now() - TABLET_WINDOW, number)
        if last is None and number is not None:
            raise NothingToRate(
                f"Loket {counter} tidak menyelesaikan nomor {number[:16]} dalam {minutes} menit "
                f"terakhir. / Counter {counter} did not finish ticket {number[:16]} in the last "
                f"{minutes} minutes."
            )
        if last is None:
            raise NothingToRate(
                f"Loket {counter} tidak menyelesaikan antrean apa pun dalam {minutes} menit "
                f"terakhir. / Counter {counter} has finished no ticket in the last {minutes} "
                "minutes."
            )
        ticket_id = conn.execute(select(tickets.c.id).where(tickets.c.seq == last[0])).scalar_one()
        ticket = repository.load_ticket(conn, ctx.mall, ticket_id)
        return _insert(ctx, conn, ticket, "tablet", row)


def preview_at_counter(ctx: MallContext, counter: int, data: dict[str, Any]) -> dict[str, Any]:
    """An admin's answer on the tablet page opened to preview it: checked like a visitor's
    (the preview shows what a visitor would be told) and never stored. Stored, it rated
    the counter's last visitor in the SKM/IKM reports with the admin's test answers."""
    _known_counter(ctx, counter)
    _validated(data)
    return {"ticket": None, "service": None, "channel": "preview", "saved": False}


def _known_counter(ctx: MallContext, counter: int) -> None:
    try:
        ctx.settings.counter(counter)
    except KeyError:
        raise NotFound(
            f"Mal ini tidak memiliki loket {counter}. / This mall has no counter {counter}."
        ) from None


def _finished_last(
    conn: Connection, mall: str, counter: int, since: datetime, number: str | None = None
) -> tuple[int, datetime, str] | None:
    """The ticket (seq) the counter finished last since `since` (of that public `number`,
    when given), when, and its number. A counter finishes a few tickets in the window."""
    rows = conn.execute(
        select(ticket_events.c.ticket_seq, ticket_events.c.at, tickets.c.prefix, tickets.c.sequence)
        .join(tickets, tickets.c.seq == ticket_events.c.ticket_seq)
        .where(
            ticket_events.c.mall == mall,
            ticket_events.c.at >= since,
            ticket_events.c.action == "finish",
            ticket_events.c.counter == counter,
        )
        .order_by(ticket_events.c.id.desc())
    )
    for row in rows:
        shown = format_number(row.prefix, row.sequence)
        if number is None or shown == number:
            return row.ticket_seq, repository.as_utc(row.at), shown
    return None


def _validated(data: dict[str, Any]) -> dict[str, Any]:
    try:
        return skm.validate_response(data)
    except skm.SurveyInvalid as exc:
        raise InvalidRequest(str(exc)) from None


def _answered(conn: Connection, seq: int) -> bool:
    return bool(conn.execute(select(exists().where(skm_responses.c.ticket_seq == seq))).scalar())


_ALREADY = (
    "Tiket {number} sudah dinilai; terima kasih. / Ticket {number} has already been rated; "
    "thank you."
)


def _insert(
    ctx: MallContext, conn: Connection, ticket: Ticket, channel: str, row: dict[str, Any]
) -> dict[str, Any]:
    if _answered(conn, ticket.seq):  # type: ignore[arg-type]
        raise AlreadyAnswered(_ALREADY.format(number=ticket.number))
    service = ctx.settings.service(ticket.service)
    values = {
        "mall": ctx.mall,
        "ticket_seq": ticket.seq,
        "day": ticket.day,
        "service": service.code,
        "agency": service.agency,
        "counter": ticket.counter,
        "channel": channel,
        "at": ctx.now(),
        **row,
    }
    try:
        with conn.begin_nested():
            conn.execute(insert(skm_responses).values(**values))
    except IntegrityError:  # another process stored one in between
        raise AlreadyAnswered(_ALREADY.format(number=ticket.number)) from None
    return {"ticket": ticket.number, "service": service.code, "channel": channel, "saved": True}
