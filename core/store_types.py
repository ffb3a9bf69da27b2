"""Column types shared by the tables.

`UtcDateTime`: every moment is stored in UTC. PostgreSQL converts an aware value itself;
SQLite stores a value's wall-clock digits and drops its zone, so a local midnight in
Asia/Jayapura (UTC+9) bound as a lower limit read as 00:00 UTC and missed the mall's first
nine hours of the day. Values are turned to UTC before they are bound, on both databases;
a naive value is taken as UTC already (as read back from SQLite). Values read back are aware
UTC on both: SQLite's naive digits given to `astimezone` would be taken as the server's own
zone, and a server set to WIB put the report's arrivals seven hours early."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None or value.tzinfo is None or value.utcoffset() == timedelta(0):
            return value
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None or value.tzinfo is not None:
            return value
        return value.replace(tzinfo=UTC)
