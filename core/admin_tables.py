"""The tables of mall management: supervisors' agencies, stored alerts, today's quotas.

Kept apart from core/store.py (which holds the queue's own tables) on the same `metadata`, so
migrations and `create_all` see them; core/store.py imports this module at its end.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from core.store import Id, metadata
from core.store_types import UtcDateTime

# Which agencies a supervisor looks after; an admin has no rows (they see the whole mall).
supervisor_agencies = Table(
    "supervisor_agencies",
    metadata,
    Column("user_id", Id, ForeignKey("users.id"), primary_key=True),
    Column("agency", String(32), primary_key=True),
)

# A condition a supervisor should act on (a wait past its target, a long break, a failed
# printer). Stored, so an acknowledgement survives restarts and is seen by every process.
alerts = Table(
    "alerts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("mall", String(64), nullable=False),
    Column("kind", String(16), nullable=False),  # wait | break | printer | paper
    # service code, counter number, or the printer's identity (kiosks sharing one printer
    # share its alerts: core/server/printer_keys.py)
    Column("subject", String(64), nullable=False),
    Column("agency", String(32)),  # null: the whole mall's (a kiosk printer)
    Column("message", Text, nullable=False),
    Column("raised_at", UtcDateTime(), nullable=False),
    Column("cleared_at", UtcDateTime()),
    Column("acknowledged_by", String(64)),
    Column("acknowledged_at", UtcDateTime()),
    # `kind:subject` while the condition lasts, null once cleared: at most one open alert per
    # condition, even when several processes evaluate at once (NULLs never collide).
    Column("open_key", String(96)),
    UniqueConstraint("mall", "open_key", name="uq_alerts_open_key"),
    Index("ix_alerts_mall_raised", "mall", "raised_at"),
)

# A service's quota for one day, set by an admin or its supervisor over the configured one.
service_day_quota = Table(
    "service_day_quota",
    metadata,
    Column("mall", String(64), primary_key=True),
    Column("service", String(32), primary_key=True),
    Column("day", String(10), primary_key=True),
    Column("quota", Integer, nullable=False),
)
