"""`antrian`: run the server, manage accounts and devices, check a configuration, migrate."""

from __future__ import annotations

import argparse
import faulthandler
import getpass
import logging
import os
import secrets
import sys
from pathlib import Path

from core.config import ConfigError, load_settings
from core.tickets import DomainError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="antrian", description="Antrian queue server")
    parser.add_argument(
        "--config", help="path to config.yaml (default: ./config.yaml or $ANTRIAN_CONFIG)"
    )
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=5000)
    serve.add_argument(
        "--workers",
        type=_positive,
        default=1,
        help="server processes behind the one port (more than 1 needs a message queue)",
    )
    serve.add_argument(
        "--threads",
        type=_positive,
        default=None,
        help="threads per process; each open live connection holds one (default: 1024)",
    )
    serve.add_argument(
        "--dev",
        action="store_true",
        help="Werkzeug's development server instead of gunicorn (one process)",
    )

    check = commands.add_parser(
        "check-config", help="validate the configuration and exit (writes nothing)"
    )
    check.add_argument(
        "--connect",
        action="store_true",
        help="also ask the database (reachable? schema revision?) and the message queue",
    )
    check.add_argument(
        "--workers", type=_positive, default=1, help="with --connect: the processes to plan for"
    )

    commands.add_parser(
        "backup", help="copy the SQLite database while the server runs (PostgreSQL: pg_dump)"
    ).add_argument("path", help="the new backup file (must not exist)")

    db = commands.add_parser("db", help="the database schema (Alembic migrations)")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="bring the schema to the newest revision")
    db_commands.add_parser("current", help="show the schema's revision and the newest one")
    db_revision = db_commands.add_parser(
        "revision", help="write a new revision file (developers; on a database at head)"
    )
    db_revision.add_argument("-m", "--message", required=True)
    db_revision.add_argument(
        "--autogenerate", action="store_true", help="from what the database lacks of the tables"
    )

    user = commands.add_parser("user", help="officer and admin accounts")
    user_commands = user.add_subparsers(dest="user_command", required=True)
    user_add = user_commands.add_parser("add", help="add an account")
    user_add.add_argument("name")
    user_add.add_argument("--role", choices=["officer", "admin", "supervisor"], required=True)
    user_add.add_argument("--counters", default="", help="comma-separated counters (default: any)")
    user_add.add_argument(
        "--agencies", default="", help="a supervisor's agencies, comma-separated agency codes"
    )
    for verb in ("disable", "enable", "password"):
        user_commands.add_parser(verb).add_argument("name")
    user_commands.add_parser("list")

    device = commands.add_parser("device", help="kiosks, displays and survey tablets")
    device_commands = device.add_subparsers(dest="device_command", required=True)
    device_add = device_commands.add_parser("add", help="register a device; prints its token once")
    device_add.add_argument("name")
    device_add.add_argument("--kind", choices=["kiosk", "display", "survey"], required=True)
    device_add.add_argument("--zone", help="display zone (displays)")
    device_add.add_argument("--kiosk", help="kiosk code from config.yaml (kiosks)")
    device_add.add_argument("--counter", type=int, help="counter number (survey tablets)")
    device_commands.add_parser("list", help="the registered devices and whether they are active")
    device_commands.add_parser(
        "revoke", help="revoke a device's token; the server cuts its live connections"
    ).add_argument("name")

    from reports.cli import add_report_command, run_report

    add_report_command(commands)

    from core.simulation.commands import add_commands

    add_commands(commands)
    args = parser.parse_args(argv)
    if args.command in ("simulate", "plan"):  # a scenario names its own configuration
        return args.run(args)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # Alembic announces each of its plugins at INFO when it is imported.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    settings = None
    try:
        settings = load_settings(args.config)
        if args.command in ("check-config", "serve"):
            from core.server.housekeeping import promise_flush_seconds
            from core.server.hub import session_check_seconds
            from core.server.security import proxy_hops

            proxy_hops()  # the parts of the configuration in the environment
            session_check_seconds()
            promise_flush_seconds()
        if args.command == "check-config":
            from core.server.preflight import run_check

            return run_check(settings, connect=args.connect, workers=args.workers)
        if args.command == "serve":
            if args.dev:
                return _serve_dev(settings, args.host, args.port)
            return _serve(settings, args)
        if args.command == "db":
            return _db(settings, args)
        if args.command == "backup":
            return _backup(settings, args.path)
        if args.command == "report":
            return run_report(settings, args)
        app = _build_app(settings)
        accounts = app.extensions["antrian.accounts"]
        noted = _audit_trail(app.extensions["antrian.queue"].ctx)
        if args.command == "user":
            return _user(accounts, args, noted)
        return _device(accounts, args, settings, noted)
    except ConfigError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return 2
    except DomainError as exc:
        print(f"Error: {exc.message}", file=sys.stderr)
        return 1
    except Exception as exc:
        from core.server.startup import database_problem

        problem = database_problem(exc, settings.database_url) if settings else None
        if not problem:
            raise
        print(f"Database error: {problem}", file=sys.stderr)
        return 1


def _positive(raw: str) -> int:
    value = int(raw)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


def _backup(settings, path: str) -> int:  # type: ignore[no-untyped-def]
    from core.backup import backup_database

    done = backup_database(settings.database_url, path)
    print(
        f"Backed up to {done.path}: {done.size_bytes // 1024} KiB, {done.tickets} tickets, "
        f"schema {done.revision or 'without a revision'}. Restore: docs/deploy.md, Backups."
    )
    return 0


def _db(settings, args) -> int:  # type: ignore[no-untyped-def]
    from core import migrations
    from core.store import make_engine

    engine = make_engine(settings.database_url)
    try:
        head = migrations.head()
        if args.db_command == "current":
            found = migrations.current(engine)
            if found == migrations.LEGACY:
                print("none: tables made before migrations ('antrian db upgrade' adopts them)")
            elif found is None:
                print("none: no tables yet")
            elif migrations.is_unknown(found):
                print(f"{found}: newer than this version of Antrian, whose head is {head}")
                return 0
            else:
                print(f"{found}{' (head)' if found == head else ''}")
            if found != head:
                print(f"head: {head}; 'antrian db upgrade' (or the next start) upgrades")
            return 0
        if args.db_command == "upgrade":
            done = migrations.upgrade(engine)
            if done.adopted:
                print(f"Tables made before migrations: stamped at {migrations.BASELINE}.")
            if done.changed:
                print(f"Upgraded: {done.before or 'no revision'} -> {done.after} (head).")
            else:
                print(f"Already at {done.after} (head).")
            return 0
        path = migrations.new_revision(engine, args.message, autogenerate=args.autogenerate)
        print(f"Wrote {path}; read it through before committing it.")
        return 0
    finally:
        engine.dispose()  # a failure is explained by main()


def _build_app(settings):  # type: ignore[no-untyped-def]
    from core.server.app import create_app

    return create_app(settings)


def _read_password(prompt: str = "Password: ") -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass(prompt)
    if first != getpass.getpass("Repeat the password: "):
        raise DomainError(
            "Kedua kata sandi berbeda; tidak ada yang diubah. / "
            "The two passwords differ; nothing was changed."
        )
    return first


def _audit_trail(ctx):  # type: ignore[no-untyped-def]
    """What the command line changes goes to the audit log like the admin pages' changes,
    under the name of the system user who ran it (`cli:<user>`)."""
    from core.context import Actor
    from core.usecases.unit import audit

    try:
        who = getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a bare container)
        who = str(os.getuid())
    actor = Actor("admin", f"cli:{who}")

    def noted(action: str, detail: str) -> None:
        audit(ctx, actor, action, detail)

    return noted


def _user(accounts, args, noted) -> int:  # type: ignore[no-untyped-def]
    match args.user_command:
        case "add":
            counters = (
                [int(c) for c in args.counters.split(",") if c.strip()] if args.counters else []
            )
            from core import staff

            agencies = [a.strip() for a in args.agencies.split(",") if a.strip()]
            if args.role == "supervisor":
                agencies = staff.check_agencies(accounts.settings, agencies)
                if not agencies:
                    raise DomainError(
                        "Pengawas memerlukan --agencies (kode instansi). / "
                        "A supervisor needs --agencies (agency codes)."
                    )
            accounts.add_user(args.name, _read_password(), args.role, counters)
            if args.role == "supervisor":
                staff.set_supervisor_agencies(accounts.uow, args.name, agencies)
            noted("user.add", f"{args.role} {args.name} counters={counters} {agencies}")
            print(f"Added {args.role} {args.name!r}.")
        case "disable" | "enable":
            accounts.set_active(args.name, args.user_command == "enable")
            noted(f"user.{args.user_command}", args.name)
            print(f"{args.name!r} is now {args.user_command}d.")
        case "password":
            accounts.set_password(args.name, _read_password("New password: "))
            noted("user.reset_password", args.name)
            print(f"Password of {args.name!r} changed.")
        case "list":
            for row in accounts.list_users():
                counters = ",".join(map(str, row["counters"])) or "any"
                state = "active" if row["active"] else "disabled"
                print(f"{row['username']:20} {row['role']:8} counters={counters} {state}")
    return 0


def _device(accounts, args, settings, noted) -> int:  # type: ignore[no-untyped-def]
    if args.device_command == "list":
        for row in accounts.list_devices():
            where = {
                "display": f"zone={row['zone']}",
                "survey": f"counter={row.get('counter')}",
            }.get(row["kind"], f"kiosk={row['kiosk']}")
            state = "active" if row["active"] else "revoked"
            added = row["created_at"].strftime("%Y-%m-%d") if row["created_at"] else "?"
            print(f"{row['name']:20} {row['kind']:8} {where:12} {state:8} added {added}")
        return 0
    if args.device_command == "revoke":
        accounts.revoke_device(args.name)
        noted("device.revoke", args.name)
        print(
            f"Device {args.name!r} revoked: its token is refused now, and a running server "
            "ends its live connection within seconds."
        )
        return 0
    token = accounts.add_device(
        args.name, args.kind, zone=args.zone, kiosk=args.kiosk, counter=args.counter
    )
    noted("device.add", f"{args.kind} {args.name}")
    base = settings.mall.public_base_url.rstrip("/")
    page = {"kiosk": "kiosk", "survey": "survey"}.get(args.kind, "display")
    print(f"Device {args.name!r} ({args.kind}) registered. Its token, shown only this once:\n")
    print(f"    {token}\n")
    print("Open this setup address once on the device; it keeps the token:\n")
    print(f"    {base}/{page}/setup#{token}\n")
    return 0


FIRST_ADMIN_FILE = "antrian-admin-password.txt"
NEXT_STEPS = (
    "  Sign in at the counter page and choose a new password, then add officers:\n"
    "    antrian user add siti --role officer --counters 1,2\n"
    "  and devices (kiosks, displays):\n"
    "    antrian device add kiosk-lobby --kind kiosk --kiosk K1\n"
)


def _first_admin(accounts, settings, out) -> None:  # type: ignore[no-untyped-def]
    """Create the first admin with a random password that must be changed at first sign-in.

    The password never goes to a log: on a terminal it is shown once; otherwise (a service
    manager, output sent to a file) it is written to a file only this user can read, beside the
    database (or the configuration file), and the output says where."""
    password = secrets.token_urlsafe(12)
    path = None if out.isatty() else _first_admin_file(settings)
    if path is not None and not accounts.list_users():
        from core.server.startup import first_admin_file_problem

        problem = first_admin_file_problem(path)  # before an admin no one could sign in as
        if problem:
            raise DomainError(problem)
    # Only if there is no account at all; of processes starting at once, one adds it.
    if not accounts.add_first_admin(password):
        return
    if out.isatty():
        out.write(
            "\n  First start: the database had no accounts, so an admin was created.\n"
            f"    username: admin\n    password: {password}\n"
            "  It is shown only now and must be changed at the first sign-in.\n" + NEXT_STEPS
        )
        out.flush()
        return
    assert path is not None
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)  # an older file of the same name keeps no wider mode
        os.write(fd, f"username: admin\npassword: {password}\n".encode())
    finally:
        os.close(fd)
    out.write(
        "\n  First start: the database had no accounts, so an admin 'admin' was created.\n"
        f"  Its password is in {path} (readable only by this user); delete the file after\n"
        "  the first sign-in, where a new password must be chosen.\n" + NEXT_STEPS
    )
    out.flush()


def _first_admin_file(settings) -> Path:  # type: ignore[no-untyped-def]
    from sqlalchemy.engine import make_url

    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).resolve().parent / FIRST_ADMIN_FILE
    if settings.source_path:
        return Path(settings.source_path).resolve().parent / FIRST_ADMIN_FILE
    return Path.cwd() / FIRST_ADMIN_FILE


def _banner(settings, host: str, port: int, how: str) -> None:  # type: ignore[no-untyped-def]
    base = f"http://{host}:{port}"
    print(
        f"  Antrian for {settings.mall.name} on {base}  (kiosk: {base}/kiosk, "
        f"counter: {base}/counter, display: {base}/display; {how})\n",
        flush=True,
    )


def _serve(settings, args) -> int:  # type: ignore[no-untyped-def]
    """The production server: gunicorn's threaded workers (core/server/production.py)."""
    from core.server import production
    from core.server.app import prepare_database
    from core.server.hub import session_check_seconds

    if args.workers > 1 and not settings.message_queue:
        raise DomainError(
            f"--workers {args.workers} memerlukan antrean pesan, agar perubahan di satu proses "
            "sampai ke layar yang terhubung ke proses lain: atur ANTRIAN_MESSAGE_QUEUE (atau "
            "message_queue di config.yaml), mis. redis://127.0.0.1:6379/0. / "
            f"--workers {args.workers} needs a message queue, so that a change made in one "
            "process reaches the screens connected to the others: set ANTRIAN_MESSAGE_QUEUE "
            "(or message_queue in config.yaml), e.g. redis://127.0.0.1:6379/0."
        )
    check_seconds = session_check_seconds()
    faulthandler.enable()
    # Once per start, before any worker: the schema, the mall's rows, the first admin.
    prepare_database(
        settings, lambda accounts: _first_admin(accounts, settings, sys.stdout), args.workers
    )
    threads = args.threads or production.DEFAULT_THREADS
    websocket_only = args.workers > 1
    how = f"{args.workers} process{'es' if args.workers > 1 else ''} x {threads} threads"
    production.ProductionServer(
        lambda: production.worker_app(settings, check_seconds, websocket_only=websocket_only),
        host=args.host,
        port=args.port,
        workers=args.workers,
        threads=threads,
        when_ready=lambda: _banner(settings, args.host, args.port, how),
    ).run()
    return 0


def _serve_dev(settings, host: str, port: int) -> int:  # type: ignore[no-untyped-def]
    """Werkzeug's development server (`--dev`): one process, every duty started here."""
    from core.accounts import warm_up
    from core.server.app import create_app, socketio_of
    from core.server.hub import session_check_seconds
    from core.server.production import start_duties

    # A fatal signal (SIGBUS from a database file's shared memory, SIGSEGV in a C library)
    # must leave a trace in the log instead of a silent exit.
    faulthandler.enable()
    app = create_app(settings)
    start_duties(app, session_check_seconds())
    warm_up()
    _first_admin(app.extensions["antrian.accounts"], settings, sys.stdout)
    _banner(settings, host, port, "development server")
    socketio_of(app).run(app, host=host, port=port, allow_unsafe_werkzeug=True, use_reloader=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
