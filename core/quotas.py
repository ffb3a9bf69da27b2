"""A service's quota for today: the one an admin or its supervisor set for the day, else the
configured `daily_quota` (reads only; core/usecases/management.py sets it)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection, bindparam, select

from core.admin_tables import service_day_quota
from core.config import Settings
from core.prepared import Prepared

# Read by every batch of issued tickets: compiled once and run on the driver's cursor
# (core/prepared.py), so it costs what the closed services' read beside it costs.
_DAY_QUOTAS = Prepared(
    select(service_day_quota.c.service, service_day_quota.c.quota).where(
        service_day_quota.c.mall == bindparam("mall"), service_day_quota.c.day == bindparam("day")
    )
)


def day_quotas(conn: Connection, mall: str, day: date) -> dict[str, int]:
    """Today's quotas set over the configured ones, by service (usually none)."""
    rows = _DAY_QUOTAS.rows(conn, {"mall": mall, "day": day.isoformat()})
    return {service: int(quota) for service, quota in rows}


def day_quota(conn: Connection, mall: str, service: str, day: date) -> int | None:
    return conn.execute(
        select(service_day_quota.c.quota).where(
            service_day_quota.c.mall == mall,
            service_day_quota.c.service == service,
            service_day_quota.c.day == day.isoformat(),
        )
    ).scalar_one_or_none()


def quota_of(settings: Settings, service: str, overrides: dict[str, int]) -> int | None:
    return overrides.get(service, settings.service(service).daily_quota)
