"""A moment in the mall's own zone, bound as a limit, means the same instant on SQLite as on
PostgreSQL: the eastern malls' mornings are not cut off (a local midnight in Asia/Jayapura
read as 00:00 UTC on SQLite, nine hours into the mall's day)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select

from core.numbering import local_day_start
from core.store import UnitOfWork, tickets
from tests.integration.pg import past_visit

JAYAPURA = ZoneInfo("Asia/Jayapura")  # UTC+9
DAY = date(2026, 12, 2)


def test_a_local_midnight_bound_counts_the_local_morning(uow: UnitOfWork) -> None:
    midnight = datetime.combine(DAY, time(0), JAYAPURA)
    opening = midnight + timedelta(hours=8, minutes=10)  # 23:10 UTC the day before
    yesterday = opening - timedelta(days=1)
    with uow.writing() as conn:
        conn.execute(
            insert(tickets),
            [
                past_visit("JPR", DAY, 1, opening),  # bound in the mall's zone
                past_visit("JPR", DAY - timedelta(days=1), 2, yesterday.astimezone(UTC)),
            ],
        )
    count = select(func.count()).select_from(tickets).where(tickets.c.mall == "JPR")
    with uow.reading() as conn:
        since_local = conn.execute(count.where(tickets.c.issued_at >= midnight)).scalar_one()
        since_utc = conn.execute(
            count.where(tickets.c.issued_at >= local_day_start(DAY.isoformat(), JAYAPURA))
        ).scalar_one()
        stored = conn.execute(select(tickets.c.issued_at).where(tickets.c.mall == "JPR")).scalars()
        as_read = sorted(at.replace(tzinfo=at.tzinfo or UTC) for at in stored)
    assert since_local == since_utc == 1
    assert as_read == [yesterday, opening]
