"""The public service catalogue (/layanan): agencies, their services, what to bring, the fee,
today's hours, the queue now, and whether a number can be taken from home.

Built on the services overview (:mod:`core.views.services`), so the phone, the kiosk and the
API agree on open or closed, waiting and the estimate.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from core.config import Service
from core.tickets import NotFound
from core.usecases import remote
from core.views.services import services

if TYPE_CHECKING:
    from core.context import MallContext


def requirements(service: Service) -> list[dict[str, str]]:
    return [{"text": r.text, "text_en": r.text_en} for r in service.requirements]


def _hours_today(ctx: MallContext, service: Service) -> str | None:
    local = ctx.now().astimezone(ctx.settings.mall.tz)
    hours = ctx.settings.service_hours(service.code, local.weekday())
    return None if hours is None else str(hours)


def _entry(ctx: MallContext, row: dict[str, Any]) -> dict[str, Any]:
    service = ctx.settings.service(row["code"])
    return {
        **row,
        "requirements": requirements(service),
        "fee": service.fee,
        "hours_today": _hours_today(ctx, service),
        "remote_offered": service.remote.enabled,
    }


def catalogue(ctx: MallContext) -> list[dict[str, Any]]:
    """Agencies that offer services, in file order, each with its services' entries."""
    settings = ctx.settings
    with ctx.uow.reading() as conn:
        rows = services(ctx, conn, [s.code for s in settings.services])
    by_agency: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_agency.setdefault(row["agency"], []).append(_entry(ctx, row))
    return [
        {
            "code": agency.code,
            "name": agency.name,
            "name_en": agency.name_en,
            "color": agency.color,
            "letters": agency.logo_letters,
            "services": by_agency[agency.code],
        }
        for agency in settings.agencies
        if agency.code in by_agency
    ]


def _remote_state(
    ctx: MallContext, conn: Connection, service: Service, row: dict[str, Any]
) -> dict[str, Any]:
    """Whether a number from home can be taken now, and why not (the same rules issuing
    applies; issuing still decides, this only spares the visitor a useless tap)."""
    if not service.remote.enabled:
        return {"available": False, "reason_code": "remote_not_offered", "left": None}
    left = remote.online_left(ctx, conn, service, ctx.today())
    if not row["open"]:
        return {"available": False, "reason_code": row["closed_reason_code"], "left": left}
    if left == 0:
        return {"available": False, "reason_code": "online_quota_reached", "left": 0}
    try:  # from the estimate for a new visitor: the page warns before the tap
        warning = remote.travel_warning(ctx, service, row)
    except remote.RemoteTooLate:
        return {"available": False, "reason_code": "remote_too_late", "left": left}
    return {"available": True, "reason_code": None, "left": left, "warning": warning}


def service_page(ctx: MallContext, code: str) -> dict[str, Any]:
    """One service as its phone page shows it (NotFound for an unknown code)."""
    try:
        service = ctx.settings.service(code)
    except KeyError:
        raise NotFound(f"Layanan {code!r} tidak dikenal. / Unknown service {code!r}.") from None
    with ctx.uow.reading() as conn:
        row = services(ctx, conn, [code])[0]
        entry = _entry(ctx, row)
        entry["remote"] = _remote_state(ctx, conn, service, row)
    agency = ctx.settings.agency(service.agency)
    entry["agency_color"] = agency.color
    entry["agency_letters"] = agency.logo_letters
    return entry
