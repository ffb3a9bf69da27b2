"""Whether a service takes tickets right now, and why not (read-only).

Asked by issuing (before a number is claimed) and by the services overview (what the kiosk
greys out): one rule for both, so the kiosk never offers what issuing would refuse.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import Connection

from core import numbering, repository
from core.booked_streaks import booked_ticket_count
from core.quotas import day_quota

if TYPE_CHECKING:
    from core.context import MallContext


@dataclass(frozen=True)
class Availability:
    open: bool
    # closed_by_admin | outside_hours | quota_reached | mall_closed, or a dated closure's
    # kind: holiday | cuti_bersama | closure
    reason_code: str | None = None
    reason: str | None = None


def availability(
    ctx: MallContext,
    conn: Connection,
    service_code: str,
    *,
    check_quota: bool = True,
    closed: Mapping[str, str] | None = None,
    issued: Mapping[str, int] | None = None,
    quotas: Mapping[str, int] | None = None,
) -> Availability:
    """Whether `service_code` takes tickets now, and why not. `closed` (reasons by service)
    and `issued` (today's numbers by service) may come read for many services at once;
    without them this service's own are read."""
    settings = ctx.settings
    service = settings.service(service_code)
    if closed is None:
        reason = repository.service_closed_reason(conn, ctx.mall, service_code)
    else:
        reason = closed.get(service_code)
    if reason:
        return Availability(False, "closed_by_admin", reason)
    local = ctx.now().astimezone(settings.mall.tz)
    dated = settings.calendar.closure(local.date(), service_code)
    if dated is not None:  # a holiday, cuti bersama or a local closure
        return Availability(False, dated.kind, dated.reason)
    hours = settings.service_hours(service_code, local.weekday())
    if hours is None:
        return Availability(False, "mall_closed", "Tutup hari ini / Closed today")
    if not hours.contains(local.time()):
        span = str(hours)
        return Availability(False, "outside_hours", f"Jam layanan {span} / Service hours {span}")
    quota = service.daily_quota
    if check_quota:
        # Today's quota, where one was set over the configured one (core/quotas.py).
        override = (
            quotas.get(service_code)
            if quotas is not None
            else day_quota(conn, ctx.mall, service_code, local.date())
        )
        quota = override if override is not None else quota
    if check_quota and quota is not None:
        if issued is None:
            count = numbering.issued_count(conn, ctx.mall, service_code, local.date())
        else:
            count = issued.get(service_code, 0)
        if count >= quota and service.booking is not None:
            # Checked-in bookings took numbers of the series, not walk-in places.
            count -= booked_ticket_count(conn, ctx.mall, service_code, local.date().isoformat())
        if count >= quota:
            return Availability(
                False,
                "quota_reached",
                f"Kuota hari ini habis ({quota}) / Today's quota is used up ({quota})",
            )
    return Availability(True)
