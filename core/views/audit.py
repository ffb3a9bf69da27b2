"""The audit log as admins read it: newest first, filtered by who, what and when."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from core import repository
from core.context import iso
from core.store import audit_log

if TYPE_CHECKING:
    from core.context import MallContext

MAX_ENTRIES = 500


def entries(
    ctx: MallContext,
    *,
    actor: str | None = None,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    before: int | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """`action` matches a whole action or its family (`user` matches `user.add`, and
    `refused` every refusal); `before` pages back from an entry's id."""
    query = select(audit_log).where(audit_log.c.mall == ctx.mall)
    if actor:
        query = query.where(audit_log.c.actor == actor)
    if action:
        query = query.where(
            (audit_log.c.action == action)
            | audit_log.c.action.startswith(f"{action}.", autoescape=True)
            | audit_log.c.action.startswith(f"{action}:", autoescape=True)
        )
    if since is not None:
        query = query.where(audit_log.c.at >= since)
    if until is not None:
        query = query.where(audit_log.c.at < until)
    if before is not None:
        query = query.where(audit_log.c.id < before)
    query = query.order_by(audit_log.c.id.desc()).limit(max(1, min(limit, MAX_ENTRIES)))
    with ctx.uow.reading() as conn:
        return [
            {
                "id": int(r.id),
                "at": iso(repository.as_utc(r.at)),
                "actor": r.actor,
                "action": r.action,
                "detail": r.detail,
            }
            for r in conn.execute(query)
        ]
