"""Tables of the reports and the satisfaction survey, on the shared `metadata`.

`report_days` holds one closed day's figures per (service, counter, officer), built once from
the append-only `ticket_events` when the day closes (core/usecases/summarizing.py) and never
changed after: a report of a past month reads these rows (a year is a few tens of thousands)
instead of millions of events, and reads the same figures every time. Percentiles cannot be
merged from per-day percentiles, so each row keeps its wait and service times as histograms
(one integer column per bucket, `core.reporting.BOUNDS`: whole minutes below an hour); a
report sums the buckets in SQL and reads its p50/p90 from the merged histogram.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
)

from core.reporting import (
    COUNTS,
    HOUR_COLUMNS,
    NOT_CALLED_COLUMNS,
    SERVICE_COLUMNS,
    WAIT_COLUMNS,
)
from core.store import Id, metadata
from core.store_types import UtcDateTime

HISTOGRAM_COLUMNS = (*WAIT_COLUMNS, *SERVICE_COLUMNS, *HOUR_COLUMNS, *NOT_CALLED_COLUMNS)
SUMMED_COLUMNS = (*COUNTS, *HISTOGRAM_COLUMNS)

report_days = Table(
    "report_days",
    metadata,
    Column("mall", String(64), primary_key=True),
    Column("day", String(10), primary_key=True),
    Column("service", String(32), primary_key=True),
    Column("counter", Integer, primary_key=True),  # 0: never reached a counter
    Column("officer", String(64), primary_key=True),  # "": never reached an officer
    Column("issued", Integer, nullable=False),
    Column("served", Integer, nullable=False),
    Column("no_show", Integer, nullable=False),
    Column("cancelled", Integer, nullable=False),
    Column("unserved", Integer, nullable=False),
    Column("transferred_out", Integer, nullable=False),
    Column("transferred_in", Integer, nullable=False),
    Column("waits", Integer, nullable=False),
    Column("within_target", Integer, nullable=False),
    # Visits ended before any call (unserved, cancelled); their waits are the n… histogram.
    Column("not_called", Integer, nullable=False, default=0),
    Column("weekday", SmallInteger, nullable=False),  # 0 Monday … 6 Sunday, for the heatmap
    # Histograms of wait and service time (bucket i counts minutes from BOUNDS[i]), the
    # arrivals per hour of the day and the waits of the visitors never called (until their
    # ticket ended): plain integer columns that SQL sums.
    *(Column(name, Integer, nullable=False, default=0) for name in HISTOGRAM_COLUMNS),
)


# A closed month's rows summed (built once every day of the month is built): a report of a
# year sums twelve months of these (some 600 rows) instead of 365 days of daily rows.
report_months = Table(
    "report_months",
    metadata,
    Column("mall", String(64), primary_key=True),
    Column("month", String(7), primary_key=True),  # YYYY-MM
    Column("service", String(32), primary_key=True),
    Column("counter", Integer, primary_key=True),
    Column("officer", String(64), primary_key=True),
    *(Column(name, Integer, nullable=False) for name in SUMMED_COLUMNS),
)

report_months_built = Table(
    "report_months_built",
    metadata,
    Column("mall", String(64), primary_key=True),
    Column("month", String(7), primary_key=True),
    Column("built_at", UtcDateTime(), nullable=False),
)

# How the visitors of each row came (kiosk, officer, online, booking …), one row per channel.
report_day_channels = Table(
    "report_day_channels",
    metadata,
    Column("mall", String(64), primary_key=True),
    Column("day", String(10), primary_key=True),
    Column("service", String(32), primary_key=True),
    Column("counter", Integer, primary_key=True),
    Column("officer", String(64), primary_key=True),
    Column("channel", String(16), primary_key=True),
    Column("tickets", Integer, nullable=False),
)

# The days whose rows were built (a day without tickets has no rows but is still done).
report_days_built = Table(
    "report_days_built",
    metadata,
    Column("mall", String(64), primary_key=True),
    Column("day", String(10), primary_key=True),
    Column("built_at", UtcDateTime(), nullable=False),
)

skm_responses = Table(
    "skm_responses",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("mall", String(64), nullable=False),
    # One response per ticket: the unique key refuses a second one, also between processes.
    Column("ticket_seq", Id, ForeignKey("tickets.seq"), nullable=False, unique=True),
    Column("day", String(10), nullable=False),
    Column("service", String(32), nullable=False),
    Column("agency", String(32), nullable=False),
    Column("counter", Integer),
    Column("channel", String(16), nullable=False),  # phone | tablet
    Column("at", UtcDateTime(), nullable=False),
    *(Column(f"u{n}", SmallInteger, nullable=False) for n in range(1, 10)),
    Column("suggestion", Text),
    Column("sex", String(8)),
    Column("age_band", String(8)),
    Column("education", String(8)),
    Column("occupation", String(16)),
    Index("ix_skm_responses_day", "mall", "day", "service"),
)

# The wait each visitor was first told (core/promises.py): the reports compare it with the
# wait they then had. One row per ticket; `given_at` is when it was told (issue or check-in).
wait_promises = Table(
    "wait_promises",
    metadata,
    Column("ticket_id", String(32), ForeignKey("tickets.id"), primary_key=True),
    Column("mall", String(64), nullable=False),
    Column("day", String(10), nullable=False),
    Column("service", String(32), nullable=False),
    Column("given_at", UtcDateTime(), nullable=False),
    Column("minutes", SmallInteger, nullable=False),
    Column("low", SmallInteger),
    Column("high", SmallInteger),
    Index("ix_wait_promises_day", "mall", "day", "service"),
)
