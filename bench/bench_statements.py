"""What one statement of the issue path costs: through SQLAlchemy's execute, and Prepared.

The same statements, on one SQLite file (WAL), in one process and one thread, taking turns in
rounds so that a slower stretch of the shared machine falls on both ways alike:

  claim        the next number (INSERT ... ON CONFLICT DO UPDATE ... RETURNING)
  count        a service's waiting tickets (the answer's "ahead"), over a queue of 300
  bump         the mall's version (UPDATE ... RETURNING)
  empty write  a write transaction that runs nothing (BEGIN IMMEDIATE ... COMMIT)

    python bench/bench_statements.py               # 5 rounds of 2000 of each
    python bench/bench_statements.py --rounds 9 --markdown statements.md
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import machine_note, markdown_table, per_call_us  # noqa: E402
from sqlalchemy import Connection, Engine, event, insert  # noqa: E402

from core import numbering, repository, store  # noqa: E402
from core.store import UnitOfWork, make_engine, mall_state, tickets  # noqa: E402

MALL = "bench"
DAY = date(2026, 11, 28)


def fill_queue(conn: Connection, waiting: int) -> None:
    now = datetime.now(UTC)
    rows = [
        {
            "id": f"bench-{n}",
            "mall": MALL,
            "day": DAY.isoformat(),
            "service": "KTP",
            "origin_service": "KTP",
            "prefix": "A",
            "sequence": n,
            "status": "waiting",
            "issued_at": now,
            "arrived_at": now,
            "call_count": 0,
            "transfers": [],
            "channel": "kiosk",
        }
        for n in range(1, waiting + 1)
    ]
    conn.execute(insert(tickets), rows)
    conn.execute(insert(mall_state).values(mall=MALL, version=0))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=2000, help="calls per way per round")
    parser.add_argument("--markdown", type=Path, help="also write the results to this file")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="antrian-bench-statements-") as folder:
        engine = make_engine(f"sqlite:///{folder}/bench.db")
        uow = UnitOfWork(engine)
        uow.create_all()
        with uow.writing() as conn:
            fill_queue(conn, 300)

        claim_params = {"claim_mall": MALL, "claim_service": "KK", "claim_day": DAY.isoformat()}
        count_params = {"mall": MALL, "day": DAY.isoformat(), "service": "KTP"}
        bump_params = {"in_mall": MALL, "steps": 1}
        claim = numbering._CLAIM["sqlite"]
        count = repository._WAITING_COUNT_OF
        bump = repository.BUMP_VERSION

        def empty_write() -> None:
            with uow.writing():
                pass

        results: dict[str, dict[str, list[float]]] = {}
        with uow.writing() as conn:
            ways: dict[str, tuple[Callable[[], Any], Callable[[], Any]]] = {
                "claim": (
                    lambda: conn.execute(claim.statement, claim_params).scalar_one(),
                    lambda: claim.scalar(conn, claim_params),
                ),
                "count": (
                    lambda: conn.execute(count.statement, count_params).scalar_one(),
                    lambda: count.scalar(conn, count_params),
                ),
                "bump": (
                    lambda: conn.execute(bump.statement, bump_params).scalar_one(),
                    lambda: bump.scalar(conn, bump_params),
                ),
            }
            for name, (through_execute, prepared) in ways.items():
                through_execute(), prepared()  # compile and cache both forms first
                spent = results.setdefault(name, {"execute": [], "prepared": []})
                for _ in range(args.rounds):
                    spent["execute"].append(per_call_us(through_execute, args.calls))
                    spent["prepared"].append(per_call_us(prepared, args.calls))
        # An empty write transaction, with BEGIN IMMEDIATE sent through SQLAlchemy (as before)
        # and straight to the driver (as now), taking turns.
        spent = results.setdefault("empty write", {"execute": [], "prepared": []})
        for _ in range(args.rounds):
            spent["prepared"].append(per_call_us(empty_write, args.calls))
            with _begin_through_sqlalchemy(engine):
                spent["execute"].append(per_call_us(empty_write, args.calls))
        engine.dispose()

    rows = []
    for name, spent in results.items():
        execute = statistics.median(spent["execute"])
        prepared = statistics.median(spent["prepared"])
        rows.append([name, execute, prepared, execute / prepared])
    table = markdown_table(
        ["statement (SQLite)", "Connection.execute µs", "Prepared µs", "x faster"], rows
    )
    report = (
        f"## Statement cost on the issue path ({args.rounds} rounds of {args.calls}, median)\n\n"
        f"{machine_note(client_and_server=False)}\n\n{table}\n\n"
        "`empty write`: BEGIN IMMEDIATE through `exec_driver_sql` vs straight to the driver."
    )
    print(report)
    if args.markdown:
        args.markdown.write_text(report + "\n")
    return 0


@contextmanager
def _begin_through_sqlalchemy(engine: Engine) -> Iterator[None]:
    """Send BEGIN the way it went before, through exec_driver_sql, while inside."""
    event.remove(engine, "begin", store._begin_sqlite)
    event.listen(engine, "begin", _begin_via_sqlalchemy)
    try:
        yield
    finally:
        event.remove(engine, "begin", _begin_via_sqlalchemy)
        event.listen(engine, "begin", store._begin_sqlite)


def _begin_via_sqlalchemy(conn: Connection) -> None:
    mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
    conn.exec_driver_sql(f"BEGIN {mode}")


if __name__ == "__main__":
    raise SystemExit(main())
