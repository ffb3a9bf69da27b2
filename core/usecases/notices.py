"""What the hall's displays say besides the calls: the running text along the bottom and an
announcement shown large, both set by an admin from the management pages.

Stored in `app_settings`, so every process and every restart shows the same; the running text
from config.yaml is the default until an admin sets one. A change bumps the mall's version and
goes out as `notice.updated`, so displays change at once and a display that missed it gets it
with its next snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete

from core.context import Actor, MallContext
from core.events import Event
from core.store import app_settings, insert_if_absent
from core.tickets import InvalidRequest
from core.usecases.unit import audit, changing, require_kind
from core.views.notices import KEYS, _key, notices

MAX_NOTICE_LENGTH = 500


@dataclass(frozen=True)
class NoticeUpdated(Event):
    running_text: str = ""
    announcement: str = ""

    name = "notice.updated"


def set_notices(ctx: MallContext, actor: Actor, values: dict[str, Any]) -> dict[str, str]:
    """Set the running text and/or the announcement ("" clears the announcement; a running
    text of null goes back to config.yaml's)."""
    require_kind(ctx, actor, "set_notices")
    changes = {k: values[k] for k in KEYS if k in values}
    if not changes:
        raise InvalidRequest(
            "Kirim 'running_text' dan/atau 'announcement' (teks). / "
            "Send 'running_text' and/or 'announcement' (strings)."
        )
    for which, value in changes.items():
        if value is not None and not isinstance(value, str):
            raise InvalidRequest(
                f"'{which}' harus teks atau null. / '{which}' must be a string or null."
            )
        if value is not None and len(value) > MAX_NOTICE_LENGTH:
            raise InvalidRequest(
                f"'{which}' lebih dari {MAX_NOTICE_LENGTH} karakter. / "
                f"'{which}' is longer than {MAX_NOTICE_LENGTH} characters."
            )
    with changing(ctx) as change:
        conn = change.conn
        for which, value in changes.items():
            conn.execute(delete(app_settings).where(app_settings.c.key == _key(ctx, which)))
            if value is not None and (value or which == "running_text"):
                insert_if_absent(conn, app_settings, {"key": _key(ctx, which), "value": value})
        now = notices(ctx, conn)
        change.other_events.append(lambda version: NoticeUpdated(ctx.mall, version, **now))
    audit(ctx, actor, "notices.set", ", ".join(f"{k}={v!r}" for k, v in changes.items()))
    return now
