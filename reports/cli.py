"""`antrian report`: the reports on the command line, as CSV, XLSX or JSON.

    antrian report --from 2026-11-01 --to 2026-11-30 --by service --format csv
    antrian report --skm --by agency --format xlsx --output skm-november.xlsx

It reads the same figures as the admin pages (closed days from their stored rows, today live),
for the whole mall: the command line is the operator's, like `antrian user`.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from core.config import Settings
from core.reporting import GROUPS
from core.tickets import InvalidRequest
from core.views import reports as report_views
from reports import exports
from reports.dates import period


def add_report_command(commands: Any) -> None:
    report = commands.add_parser(
        "report", help="queue or satisfaction (SKM) report for a period, as CSV, XLSX or JSON"
    )
    report.add_argument("--from", dest="start", help="first day, YYYY-MM-DD (default: today)")
    report.add_argument("--to", dest="end", help="last day, YYYY-MM-DD (default: today)")
    report.add_argument(
        "--by",
        default="service",
        help=f"group by: {', '.join(GROUPS)} (SKM: mall, agency, service)",
    )
    report.add_argument("--format", choices=exports.FORMATS_CLI, default="csv")
    report.add_argument("--skm", action="store_true", help="the satisfaction survey's IKM report")
    report.add_argument("--output", "-o", help="write to this file (default: standard output)")


def run_report(settings: Settings, args: argparse.Namespace) -> int:
    from core.handlers import QueueService
    from core.store import UnitOfWork, make_engine
    from core.usecases.summarizing import build_closed_days

    kind = "skm" if args.skm else "report"
    groups = report_views.SKM_GROUPS if args.skm else GROUPS
    if args.by not in groups:
        raise InvalidRequest(
            f"--by harus salah satu dari {', '.join(groups)}, bukan {args.by!r}. / "
            f"--by must be one of {', '.join(groups)}, got {args.by!r}."
        )
    engine = make_engine(settings.database_url)
    try:
        queue = QueueService(settings, UnitOfWork(engine))
        queue.ensure_ready()  # the schema at head, ended days closed and their rows built
        start, end = period(args.start, args.end, queue.today())
        build_closed_days(queue.ctx, end, since=start)
        if args.skm:
            report = report_views.skm_report(queue.ctx, start, end, args.by, every_suggestion=True)
        else:
            report = report_views.report(queue.ctx, start, end, args.by)
    finally:
        engine.dispose()
    body = exports.render(report, kind, args.format)
    if args.output:
        with open(args.output, "wb") as out:
            out.write(body)
        print(f"Wrote {args.output} ({len(body)} bytes).", file=sys.stderr)
    else:
        sys.stdout.buffer.write(body)
        sys.stdout.flush()
    return 0
