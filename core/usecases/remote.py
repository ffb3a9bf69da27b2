"""A visitor takes a number from home (*antrean dari rumah*): the rules that differ from the kiosk.

A remote ticket is an ordinary ticket with channel ``online``: issued by
:mod:`core.usecases.issuing` in the same transaction machinery, called, served and marked
no-show like any other. What is its own:

- only services whose ``remote.enabled`` is set offer it (``RemoteNotOffered``);
- a visitor still at home is warned when the service makes its last call soon or the
  estimate reaches past it, and refused when the estimate leaves no time at all
  (`travel_warning`). The last call is not the end of the listed hours (those are when the
  service issues numbers) but when its counters stop calling
  (`core.counter_hours.service_last_call`): a visitor who takes a number at 14:25 for a
  service issuing until 14:30 is still called until its counters' day ends an hour later;
- remote tickets of a service may use at most ``floor(share x daily_quota)`` of the day's
  numbers (``OnlineShareUsed``), so visitors in the hall always find numbers left.

A phone holds one live number of a service a day: two tabs, or a double tap sent from two
tabs, get the number the phone already holds back (`held_ticket`), not a second one. The
phone is known by a first-party cookie its service page set (core/server/phone.py); what is
stored with the ticket (`issued_by`) is a hash of it, `holder_of`, never the cookie itself,
so a copy of the database cannot speak for a phone. Without the cookie (a script, a browser
that refuses cookies) there is no holder and only the limits per address apply.

The share is counted after the ticket's number is claimed: on PostgreSQL that claim locks the
service's number row, so issuers of one service count one after another and never both see
the last remote number free; on SQLite one transaction writes at a time and the batch's own
earlier remote tickets are added (``pending``).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, bindparam, func, select

from core.config import Service
from core.counter_hours import service_last_call
from core.store import tickets
from core.tickets import QuotaReached, ServiceClosed, TicketStatus

if TYPE_CHECKING:
    from core.context import MallContext

CHANNEL = "online"
# What a phone may hold only once per service and day: a number still to be served.
LIVE_STATUSES = (TicketStatus.WAITING.value, TicketStatus.CALLED.value, TicketStatus.ON_HOLD.value)

_ONLINE_ISSUED = select(func.count()).where(
    tickets.c.mall == bindparam("mall"),
    tickets.c.day == bindparam("day"),
    tickets.c.origin_service == bindparam("service"),
    tickets.c.channel == CHANNEL,
)

_HELD = (
    select(tickets.c.id)
    .where(
        tickets.c.mall == bindparam("mall"),
        tickets.c.day == bindparam("day"),
        tickets.c.service == bindparam("service"),
        tickets.c.status.in_(LIVE_STATUSES),
        tickets.c.channel == CHANNEL,
        tickets.c.issued_by == bindparam("holder"),
    )
    .order_by(tickets.c.seq)
    .limit(1)
)


def holder_of(phone: str) -> str:
    """What a phone's tickets record as their issuer: `online:` and a hash of its cookie
    (it fits `issued_by`, 64 characters)."""
    return f"{CHANNEL}:{hashlib.sha256(phone.encode()).hexdigest()[:40]}"


def held_ticket(conn: Connection, mall: str, service: str, day: date, holder: str) -> str | None:
    """The id of the live number `holder` already holds for `service` on `day`, or None.

    Asked after the service's number is claimed: on PostgreSQL that claim's row lock makes a
    second request of the same phone wait for the first one's commit, and then see its ticket.
    """
    params = {"mall": mall, "day": day.isoformat(), "service": service, "holder": holder}
    return conn.execute(_HELD, params).scalar_one_or_none()


class AlreadyHeld(Exception):
    """Not a refusal: the phone already holds `ticket_id`, a live number of the service."""

    def __init__(self, ticket_id: str) -> None:
        super().__init__(ticket_id)
        self.ticket_id = ticket_id


class RemoteNotOffered(ServiceClosed):
    """The service takes numbers only in the hall (its agency wants to see the papers first,
    or books through its own system)."""

    code = "remote_not_offered"


class OnlineShareUsed(QuotaReached):
    code = "online_quota_reached"


def check_offered(service: Service) -> None:
    if not service.remote.enabled:
        raise RemoteNotOffered(
            f"{service.name}: nomor dari rumah tidak tersedia untuk layanan ini, ambil nomor "
            f"di anjungan / numbers from home are not offered for {service.name_en}; take one "
            "at the kiosk in the hall."
        )


def online_issued(conn: Connection, mall: str, service: str, day: date) -> int:
    """Remote tickets of `service` (as first issued: transfers keep their origin) on `day`."""
    params = {"mall": mall, "day": day.isoformat(), "service": service}
    return int(conn.execute(_ONLINE_ISSUED, params).scalar_one())


def online_left(ctx: MallContext, conn: Connection, service: Service, day: date) -> int | None:
    """Remote numbers still free today; None when the service has no cap (no daily quota)."""
    cap = service.remote.cap(service.daily_quota)
    if cap is None:
        return None
    return max(0, cap - online_issued(conn, ctx.mall, service.code, day))


def check_share(
    ctx: MallContext, conn: Connection, service: Service, day: date, pending: int
) -> None:
    """Refuse when today's remote share is used up (`pending`: this batch's earlier ones)."""
    cap = service.remote.cap(service.daily_quota)
    if cap is None:
        return
    if online_issued(conn, ctx.mall, service.code, day) + pending >= cap:
        raise OnlineShareUsed(
            f"{service.name}: kuota nomor dari rumah hari ini habis ({cap}); nomor masih bisa "
            f"diambil di anjungan / today's {cap} numbers from home for {service.name_en} are "
            "taken; numbers are still available at the kiosk in the hall."
        )


class RemoteTooLate(ServiceClosed):
    """No time is left today for a visitor still at home: by the estimate, the queue already
    fills the service's time until its last call (the kiosk in the hall still issues: that
    visitor is there)."""

    code = "remote_too_late"


def last_call_at(ctx: MallContext, service: Service) -> datetime | None:
    """When the service makes its last call today, or None: it takes nobody today. The one
    definition the remote path asks (`service_last_call`), on the estimator's plan of the
    counters, whose horizon decides `eta_today`, and the day's promised close."""
    day = ctx.today()
    return service_last_call(
        ctx.settings, service.code, day, ctx.estimator.plan(day), ctx.promised_close
    )


def travel_warning(
    ctx: MallContext, service: Service, eta: Mapping[str, Any], *, issued: bool = False
) -> dict[str, Any] | None:
    """What a visitor still at home must hear before taking a number, from the estimate
    `eta` (the `eta_*` fields of a new visitor or of the issued ticket): None, or a warning
    `{code, closes, minutes_left, message}`. Raises `RemoteTooLate` when no time is left.

    - `may_not_be_served`: the estimate's range reaches past the service's last call;
    - `closes_soon`: the last call is within `remote_numbers.travel_margin_minutes`, so
      someone who still has to travel may arrive after it.
    `issued`: the ticket exists already (its answer warns, it is not refused any more).
    """
    closes = last_call_at(ctx, service)
    if closes is None:
        return None
    left = max(0, math.floor((closes - ctx.now()).total_seconds() / 60))
    at = f"{closes:%H:%M}" if closes.time() != time(0) else "24:00"
    past_closing = eta.get("eta_today") is False
    if past_closing and not issued:
        raise RemoteTooLate(
            f"{service.name}: waktu layanan hari ini tidak cukup lagi; menurut perkiraan, "
            f"antrean yang ada sudah mengisi waktu layanan sampai panggilan terakhir pukul "
            f"{at}. Silakan datang di hari lain. / No time is left today for "
            f"{service.name_en}: by the estimate, the queue already fills its time until its "
            f"last call at {at}. Please come another day."
        )
    high = (eta.get("eta_range") or [None, eta.get("eta_minutes")])[1]
    if past_closing or (high is not None and high > left):
        code = "may_not_be_served"
        message = (
            f"Menurut perkiraan, Anda mungkin belum dilayani sebelum panggilan terakhir layanan "
            f"pukul {at}. / By the estimate, you may not be served before the service's last "
            f"call at {at}."
        )
    elif left <= ctx.settings.remote_numbers.travel_margin_minutes:
        code = "closes_soon"
        message = (
            f"Panggilan terakhir layanan pukul {at} ({left} menit lagi); bila Anda masih harus "
            f"menempuh perjalanan, Anda mungkin tiba setelahnya. / The service's last call is "
            f"at {at} (in {left} min); if you still have to travel, you may arrive after it."
        )
    else:
        return None
    return {"code": code, "closes": at, "minutes_left": left, "message": message}


def warning_now(
    ctx: MallContext, code: str, eta: Mapping[str, Any] | None = None
) -> dict[str, Any] | None:
    """`travel_warning` for a number from home of service `code`: for a new visitor now
    (`eta` None: the estimate is read) or for the ticket just issued (its `eta` fields).
    Nothing for a service unknown or without numbers from home: issuing answers those."""
    try:
        service = ctx.settings.service(code)
    except KeyError:
        return None
    if not service.remote.enabled:
        return None
    if eta is None:
        with ctx.uow.reading() as conn:
            return travel_warning(ctx, service, ctx.estimator.for_new(conn, code).fields())
    return travel_warning(ctx, service, eta, issued=True)
