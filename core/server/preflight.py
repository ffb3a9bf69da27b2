"""`antrian check-config`: what a start would find, before starting.

Offline (the default) it checks what start-up checks beyond loading the file, opening
nothing: the printers' entries, the database URL's driver and a SQLite data folder. With
`--connect` it also asks the database and the message queue, still writing nothing: whether
they answer, the schema's revision against this version's (what the next start would do to
it, or why it would refuse), and whether PostgreSQL has connections for `--workers`
processes. An operator runs it before a deployment's first start or an upgrade, as the
service's user, and learns then, not from the journal of a failed start.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

from core import migrations
from core.config import ConfigError, Settings
from core.engine import connection_shortfall, make_engine
from core.health import message_queue_problem
from core.server.startup import database_problem, sqlite_folder_problem

CONNECT_TIMEOUT_SECONDS = 10


@dataclass
class Findings:
    """What `--connect` found: lines that are fine, warnings, and what stops a start."""

    fine: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def run_check(settings: Settings, *, connect: bool = False, workers: int = 1) -> int:
    """`antrian check-config [--connect]`: say what was found; 1 if a start would fail."""
    check_offline(settings)
    print(
        f"OK: {settings.mall.name}, {len(settings.services)} services, "
        f"{len(settings.counters)} counters."
    )
    if not connect:
        return 0
    found = check_connected(settings, workers)
    for line in found.fine:
        print(f"OK: {line}.")
    for line in found.warnings:
        print(f"Warning: {line}", file=sys.stderr)
    for line in found.problems:
        print(line, file=sys.stderr)
    return 1 if found.problems else 0


def check_offline(settings: Settings) -> None:
    """Raise ConfigError for what start-up would refuse, opening no database or printer."""
    from core.server.printing import printer_specs
    from printers.devices import build_printer

    for spec in printer_specs(settings).values():
        build_printer(spec)  # opens nothing
    make_engine(settings.database_url).dispose()  # connects to nothing
    problem = sqlite_folder_problem(settings.database_url)  # stat and access calls only
    if problem:
        raise ConfigError("database_url", problem)


def check_connected(settings: Settings, workers: int = 1) -> Findings:
    """Ask the database and the message queue what a start of `workers` processes would
    meet; reads only (a SQLite file that does not exist yet is not created)."""
    found = Findings()
    # A host that drops the packets would hold the check for minutes: it answers or it fails.
    engine = make_engine(
        settings.database_url, connections=1, connect_timeout=CONNECT_TIMEOUT_SECONDS
    )
    try:
        _schema(engine, found)
        if not found.problems:
            shortfall = connection_shortfall(engine, workers * settings.database_connections)
            if shortfall:
                found.warnings.append(shortfall[0].upper() + shortfall[1:])
    except Exception as exc:
        problem = database_problem(exc, settings.database_url)
        if problem is None:
            raise
        found.problems.append(f"Database: {problem}")
    finally:
        engine.dispose()
    if settings.message_queue:
        problem = message_queue_problem(settings.message_queue)
        if problem:
            found.problems.append(
                f"Message queue: {problem.rstrip('.')}. Start Redis, or correct message_queue in "
                "config.yaml (or ANTRIAN_MESSAGE_QUEUE)."
            )
        else:
            found.fine.append("message queue: answers")
    return found


def _schema(engine, found: Findings) -> None:  # type: ignore[no-untyped-def]
    head = migrations.head()
    revision = migrations.current(engine)
    if revision is None:
        found.fine.append("database: reachable, no tables yet (the first start creates them)")
    elif revision == migrations.LEGACY:
        found.fine.append(
            "database: reachable, tables made before migrations (the next start adopts them)"
        )
    elif migrations.is_unknown(revision):
        found.problems.append(f"Database: {migrations.newer_schema(revision)}.")
    elif revision == head:
        found.fine.append(f"database: reachable, schema at {revision} (head)")
    else:
        found.fine.append(
            f"database: reachable, schema at {revision}; the next start (or 'antrian db "
            f"upgrade') upgrades it to {head}"
        )
