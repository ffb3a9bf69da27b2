"""A service's quota for today, set over the configured `daily_quota` (or cleared back to it).

Counted against the numbers already given out today: a quota below them closes the service for
the rest of the day (the kiosk shows "quota reached"), never takes a number back.
"""

from __future__ import annotations

from sqlalchemy import delete, insert

from core.admin_tables import service_day_quota
from core.context import Actor, MallContext
from core.tickets import InvalidRequest, NotFound
from core.usecases.unit import changing, require_kind

MAX_QUOTA = 100_000


def set_day_quota(ctx: MallContext, service_code: str, quota: int | None, actor: Actor) -> None:
    require_kind(ctx, actor, "set_quota", "supervisor")  # scope: core/scope.py
    if quota is not None and (
        isinstance(quota, bool) or not isinstance(quota, int) or not 0 <= quota <= MAX_QUOTA
    ):
        raise InvalidRequest(
            f"Kuota harus bilangan bulat 0 sampai {MAX_QUOTA}, atau kosong untuk kuota bawaan. / "
            f"'quota' must be a whole number from 0 to {MAX_QUOTA}, or null for the configured one."
        )
    try:
        ctx.settings.service(service_code)
    except KeyError:
        raise NotFound(
            f"Layanan {service_code!r} tidak dikenal. / Unknown service {service_code!r}."
        ) from None
    day = ctx.today().isoformat()
    with changing(ctx) as change:
        change.conn.execute(
            delete(service_day_quota).where(
                service_day_quota.c.mall == ctx.mall,
                service_day_quota.c.service == service_code,
                service_day_quota.c.day == day,
            )
        )
        if quota is not None:
            change.conn.execute(
                insert(service_day_quota).values(
                    mall=ctx.mall, service=service_code, day=day, quota=quota
                )
            )
        change.services_changed.append(service_code)
