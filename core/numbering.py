"""Per-service, per-local-day ticket numbers (SQL, no Flask).

One atomic upsert claims the next number: `INSERT ... ON CONFLICT DO UPDATE SET last_number =
last_number + 1 RETURNING last_number`. The row lock it takes (PostgreSQL) or the write lock of
`BEGIN IMMEDIATE` (SQLite) makes concurrent issuers queue up, and since the claim lives in the
same transaction as the ticket row, a failed issue rolls the number back and a refused one (over
the quota) hands it back in that transaction: no gaps.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, tzinfo

from sqlalchemy import Connection, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite

from core.prepared import Prepared
from core.store import daily_sequences


def _claim_statement(insert):  # type: ignore[no-untyped-def]
    # Built once per dialect with bind parameters (see core/repository.py for why).
    return (
        insert(daily_sequences)
        .values(
            mall=bindparam("claim_mall"),
            service=bindparam("claim_service"),
            day=bindparam("claim_day"),
            last_number=1,
        )
        .on_conflict_do_update(
            index_elements=["mall", "service", "day"],
            set_={"last_number": daily_sequences.c.last_number + 1},
        )
        .returning(daily_sequences.c.last_number)
    )


_CLAIM = {
    "postgresql": Prepared(_claim_statement(postgresql.insert)),
    "sqlite": Prepared(_claim_statement(sqlite.insert)),
}
_RELEASE = Prepared(
    update(daily_sequences)
    .where(
        daily_sequences.c.mall == bindparam("in_mall"),
        daily_sequences.c.service == bindparam("in_service"),
        daily_sequences.c.day == bindparam("in_day"),
    )
    .values(last_number=daily_sequences.c.last_number - 1)
)
_ISSUED = select(daily_sequences.c.last_number).where(
    daily_sequences.c.mall == bindparam("mall"),
    daily_sequences.c.service == bindparam("service"),
    daily_sequences.c.day == bindparam("day"),
)


def local_day(moment: datetime, tz: tzinfo) -> date:
    """The mall's calendar day at `moment`: numbering restarts at local midnight."""
    return moment.astimezone(tz).date()


def local_day_start(day: str, tz: tzinfo) -> datetime:
    """Midnight of the local `day` (ISO date) as a UTC instant: where today's events begin."""
    return datetime.combine(date.fromisoformat(day), time(0), tz).astimezone(UTC)


def claim_next_number(conn: Connection, mall: str, service: str, day: date) -> int:
    """Reserve and return the next number of `service` on `day` inside the open transaction."""
    params = {"claim_mall": mall, "claim_service": service, "claim_day": day.isoformat()}
    return int(_CLAIM[conn.dialect.name].scalar(conn, params))


def release_last_number(conn: Connection, mall: str, service: str, day: date) -> None:
    """Give back the number just claimed in this transaction (a refused issue)."""
    params = {"in_mall": mall, "in_service": service, "in_day": day.isoformat()}
    _RELEASE.run(conn, params)


_ISSUED_BY_SERVICE = select(daily_sequences.c.service, daily_sequences.c.last_number).where(
    daily_sequences.c.mall == bindparam("mall"), daily_sequences.c.day == bindparam("day")
)


def issued_counts(conn: Connection, mall: str, day: date) -> dict[str, int]:
    """How many numbers each service has given out on `day` (services without any: absent)."""
    params = {"mall": mall, "day": day.isoformat()}
    return {code: int(n) for code, n in conn.execute(_ISSUED_BY_SERVICE, params)}


def issued_count(conn: Connection, mall: str, service: str, day: date) -> int:
    """How many numbers `service` has given out on `day` (for quotas)."""
    params = {"mall": mall, "service": service, "day": day.isoformat()}
    value = conn.execute(_ISSUED, params).scalar_one_or_none()
    return int(value or 0)
