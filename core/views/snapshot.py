"""The whole visible state of a mall, or of one display zone, consistent with its `version`.

Every live client gets one on connect and asks for another when it sees a version gap: the
database is the truth, the socket a hint.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core import repository
from core.context import iso
from core.tickets import NotFound
from core.views.calls import recent_calls
from core.views.counters import counter_view
from core.views.notices import notices
from core.views.services import services

if TYPE_CHECKING:
    from core.context import MallContext


def snapshot(ctx: MallContext, zone: str | None = None) -> dict[str, Any]:
    """One read transaction, so every part matches `version`."""
    settings = ctx.settings
    if zone is not None:
        try:
            settings.zone(zone)
        except KeyError:
            raise NotFound(f"Tidak ada zona layar {zone!r}. / No display zone {zone!r}.") from None
    counters = [c for c in settings.counters if zone is None or c.zone == zone]
    numbers = [c.number for c in counters]
    codes = (
        sorted({s for c in counters for s in c.services})
        if zone
        else [s.code for s in settings.services]
    )
    with ctx.uow.reading() as conn:
        return {
            "version": repository.version(conn, ctx.mall),
            "mall": {
                "code": ctx.mall,
                "name": settings.mall.name,
                **notices(ctx, conn),
                "timezone": settings.mall.timezone,
            },
            "zone": zone,
            "server_time": iso(ctx.now()),
            "calls": recent_calls(ctx, conn, numbers),
            "counters": [counter_view(ctx, conn, n) for n in numbers],
            "services": services(ctx, conn, codes),
        }


def version(ctx: MallContext) -> int:
    with ctx.uow.reading() as conn:
        return repository.version(conn, ctx.mall)
