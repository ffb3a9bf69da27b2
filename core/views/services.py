"""The services overview: open or why not, waiting, the estimate for a new visitor, quota."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from core import numbering, repository
from core.availability import availability
from core.quotas import day_quotas

if TYPE_CHECKING:
    from core.context import MallContext


def services(ctx: MallContext, conn: Connection, codes: list[str]) -> list[dict[str, Any]]:
    """One row per service of `codes`; the counts are read once for all of them."""
    day = ctx.today()
    waiting = repository.waiting_counts(conn, ctx.mall, day.isoformat())
    closed = repository.closed_reasons(conn, ctx.mall)
    issued_today = numbering.issued_counts(conn, ctx.mall, day)
    quotas = day_quotas(conn, ctx.mall, day)
    result = []
    for code in codes:
        service = ctx.settings.service(code)
        agency = ctx.settings.agency(service.agency)
        state = availability(ctx, conn, code, closed=closed, issued=issued_today, quotas=quotas)
        quota = quotas.get(code, service.daily_quota)
        issued = issued_today.get(code, 0)
        result.append(
            {
                "code": service.code,
                "name": service.name,
                "name_en": service.name_en,
                "agency": agency.code,
                "agency_name": agency.name,
                "agency_name_en": agency.name_en,
                "prefix": service.prefix,
                "open": state.open,
                "closed_reason_code": state.reason_code,
                "closed_reason": state.reason,
                "waiting": waiting.get(code, 0),
                **ctx.estimator.for_new(conn, code).fields(),
                "quota_left": max(0, quota - issued) if quota else None,
            }
        )
    return result


def services_overview(ctx: MallContext) -> list[dict[str, Any]]:
    with ctx.uow.reading() as conn:
        return services(ctx, conn, [s.code for s in ctx.settings.services])
