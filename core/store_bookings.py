"""The tables of booked visits, on the shared `metadata` (core/store.py imports this module,
so every table is known wherever the metadata is used: migrations, create_all, tests).

- `bookings`: one row per booking. The NIK is never stored: `nik_hash` is its keyed hash
  (core/booking/nik.py), deleted some days after the visit. `active_nik` holds the same
  hash only while the booking is active: the unique constraint on (mall, service, day,
  active_nik) is what makes "one active booking per NIK per service per day" hold under
  any concurrency (NULLs never collide, so cancelled and past bookings do not count).
- `booking_slots`: how many places of a slot are taken (`slot` "*" counts the day, for the
  service's online quota). A place is claimed by one conditional UPDATE (`booked <
  capacity`), atomic on SQLite and PostgreSQL alike: 200 visitors racing for 10 places get
  exactly 10 bookings.
"""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, String, Table, UniqueConstraint

from core.store import Id, metadata
from core.store_types import UtcDateTime

bookings = Table(
    "bookings",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("code", String(16), nullable=False, unique=True),
    Column("mall", String(64), nullable=False),
    Column("service", String(32), nullable=False),
    Column("day", String(10), nullable=False),  # the slot's local date
    Column("slot", String(5), nullable=False),  # its local start, "HH:MM"
    Column("status", String(16), nullable=False),  # booked | cancelled | checked_in
    Column("nik_hash", String(64)),  # NULL once the retention period is over
    Column("active_nik", String(64)),  # = nik_hash while booked or checked in
    Column("language", String(2), nullable=False, default="id"),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("checked_in_at", UtcDateTime()),
    Column("ticket_id", String(32)),
    # The iCalendar SEQUENCE of the booking's event: one more at each move or cancellation,
    # so a calendar that imported the .ics before replaces its event (core/views/bookings.py).
    Column("sequence", Integer, nullable=False, default=0, server_default="0"),
    UniqueConstraint("mall", "service", "day", "active_nik", name="uq_booking_active_nik"),
    Index("ix_bookings_day", "mall", "day"),
)

booking_slots = Table(
    "booking_slots",
    metadata,
    Column("mall", String(64), primary_key=True),
    Column("service", String(32), primary_key=True),
    Column("day", String(10), primary_key=True),
    Column("slot", String(5), primary_key=True),  # "HH:MM", or "*" for the whole day
    Column("booked", Integer, nullable=False, default=0),
)
