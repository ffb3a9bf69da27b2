"""Before anything else: the schema at its head, the mall's version row and a row per counter."""

from __future__ import annotations

from core import migrations
from core.context import MallContext
from core.store import counter_state, insert_if_absent, mall_state


def ensure_ready(ctx: MallContext) -> None:
    """Upgrade the schema and insert the mall's missing state rows (idempotent).

    Safe when several processes start at once: the upgrade runs under a database lock, and
    the rows are inserted only where absent, so a second process never trips on a key."""
    migrations.upgrade(ctx.uow.engine)
    with ctx.uow.writing() as conn:
        insert_if_absent(conn, mall_state, {"mall": ctx.mall, "version": 0})
        insert_if_absent(
            conn,
            counter_state,
            [
                {
                    "mall": ctx.mall,
                    "number": counter.number,
                    "status": "closed",
                    "reason": None,
                    "officer": None,
                    "priority_streak": 0,
                    "updated_at": ctx.now(),
                }
                for counter in ctx.settings.counters
            ],
        )
