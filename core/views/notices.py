"""The running text and the announcement the hall's displays show (set in
core/usecases/notices.py; config.yaml's running text until an admin sets one)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Connection, select

from core.store import app_settings

if TYPE_CHECKING:
    from core.context import MallContext

KEYS = ("running_text", "announcement")


def _key(ctx: MallContext, which: str) -> str:
    return f"{which}:{ctx.mall}"


def notices(ctx: MallContext, conn: Connection) -> dict[str, str]:
    """The running text and the announcement the displays show now."""
    stored = dict(
        conn.execute(
            select(app_settings.c.key, app_settings.c.value).where(
                app_settings.c.key.in_([_key(ctx, k) for k in KEYS])
            )
        ).all()
    )
    running = stored.get(_key(ctx, "running_text"))
    return {
        "running_text": ctx.settings.mall.running_text if running is None else running,
        "announcement": stored.get(_key(ctx, "announcement"), ""),
    }
