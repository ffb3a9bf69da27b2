"""An admin closes a service for the day with a reason (shown on kiosks), or reopens it."""

from __future__ import annotations

from sqlalchemy import insert

from core.context import Actor, MallContext
from core.store import service_state
from core.tickets import InvalidRequest, NotFound
from core.usecases.counters import MAX_REASON_LENGTH
from core.usecases.unit import changing, require_kind


def set_service_closed(
    ctx: MallContext, service_code: str, reason: str | None, actor: Actor
) -> None:
    require_kind(ctx, actor, "close_service", "supervisor")  # scope: core/scope.py
    if reason is not None and len(reason) > MAX_REASON_LENGTH:
        raise InvalidRequest(
            f"Alasan lebih dari {MAX_REASON_LENGTH} karakter; persingkat. / "
            f"The reason is longer than {MAX_REASON_LENGTH} characters; shorten it."
        )
    try:
        ctx.settings.service(service_code)
    except KeyError:
        raise NotFound(
            f"Layanan {service_code!r} tidak dikenal. / Unknown service {service_code!r}."
        ) from None
    with changing(ctx) as change:
        conn = change.conn
        conn.execute(
            service_state.delete().where(
                service_state.c.mall == ctx.mall, service_state.c.service == service_code
            )
        )
        if reason:
            conn.execute(
                insert(service_state).values(
                    mall=ctx.mall, service=service_code, closed_reason=reason
                )
            )
        change.services_changed.append(service_code)
