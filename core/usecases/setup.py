"""Before anything else: the tables, the mall's version row and a state row per counter."""

from __future__ import annotations

from sqlalchemy import insert, select

from core import repository
from core.context import MallContext
from core.store import counter_state, mall_state


def ensure_ready(ctx: MallContext) -> None:
    """Create tables and the mall's state rows (idempotent)."""
    ctx.uow.create_all()
    with ctx.uow.writing() as conn:
        if conn.execute(select(mall_state).where(mall_state.c.mall == ctx.mall)).first() is None:
            conn.execute(insert(mall_state).values(mall=ctx.mall, version=0))
        known = set(repository.counter_rows(conn, ctx.mall))
        for counter in ctx.settings.counters:
            if counter.number not in known:
                conn.execute(
                    insert(counter_state).values(
                        mall=ctx.mall,
                        number=counter.number,
                        status="closed",
                        priority_streak=0,
                        updated_at=ctx.now(),
                    )
                )
