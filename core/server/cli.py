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

    commands.add_parser(
        "check-config", help="validate the configuration and exit (touches no database)"
    )

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
    user_add.add_argument("--role", choices=["officer", "admin"], required=True)
    user_add.add_argument("--counters", default="", help="comma-separated counters (default: any)")
    for verb in ("disable", "enable", "password"):
        user_commands.add_parser(verb).add_argument("name")
    user_commands.add_parser("list")

    device = commands.add_parser("device", help="kiosk and display devices")
    device_commands = device.add_subparsers(dest="device_command", required=True)
    device_add = device_commands.add_parser("add", help="register a device; prints its token once")
    device_add.add_argument("name")
    device_add.add_argument("--kind", choices=["kiosk", "display"], required=True)
    device_add.add_argument("--zone", help="display zone (displays)")
    device_add.add_argument("--kiosk", help="kiosk code from config.yaml (kiosks)")
    device_commands.add_parser("list", help="the registered devices and whether they are active")
    device_commands.add_parser(
        "revoke", help="revoke a device's token; the server cuts its live connections"
    ).add_argument("name")

    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # Alembic announces each of its plugins at INFO when it is imported.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    try:
        settings = load_settings(args.config)
        if args.command == "check-config":
            _check_config(settings)
            print(
                f"OK: {settings.mall.name}, {len(settings.services)} services, "
                f"{len(settings.counters)} counters."
            )
            return 0
        if args.command == "serve":
            return _serve(settings, args.host, args.port)
        if args.command == "db":
            return _db(settings, args)
        app = _build_app(settings)
        accounts = app.extensions["antrian.accounts"]
        if args.command == "user":
            return _user(accounts, args)
        return _device(accounts, args, settings)
    except ConfigError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return 2
    except DomainError as exc:
        print(f"Error: {exc.message}", file=sys.stderr)
        return 1


def _check_config(settings) -> None:  # type: ignore[no-untyped-def]
    """What start-up checks beyond loading the file, without opening the database or a
    printer: the printers' entries and the database URL's driver."""
    from core.server.printing import printer_specs
    from core.store import make_engine
    from printers.devices import build_printer

    for spec in printer_specs(settings).values():
        build_printer(spec)  # opens nothing
    make_engine(settings.database_url).dispose()  # connects to nothing


def _db(settings, args) -> int:  # type: ignore[no-untyped-def]
    from sqlalchemy.exc import OperationalError

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
    except (migrations.SchemaError, OperationalError) as exc:
        print(f"Database error: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()


def _build_app(settings):  # type: ignore[no-untyped-def]
    from core.server.app import create_app

    return create_app(settings)


def _read_password(prompt: str = "Password: ") -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass(prompt)
    if first != getpass.getpass("Repeat the password: "):
        raise DomainError("The two passwords differ; nothing was changed.")
    return first


def _user(accounts, args) -> int:  # type: ignore[no-untyped-def]
    match args.user_command:
        case "add":
            counters = (
                [int(c) for c in args.counters.split(",") if c.strip()] if args.counters else []
            )
            accounts.add_user(args.name, _read_password(), args.role, counters)
            print(f"Added {args.role} {args.name!r}.")
        case "disable" | "enable":
            accounts.set_active(args.name, args.user_command == "enable")
            print(f"{args.name!r} is now {args.user_command}d.")
        case "password":
            accounts.set_password(args.name, _read_password("New password: "))
            print(f"Password of {args.name!r} changed.")
        case "list":
            for row in accounts.list_users():
                counters = ",".join(map(str, row["counters"])) or "any"
                state = "active" if row["active"] else "disabled"
                print(f"{row['username']:20} {row['role']:8} counters={counters} {state}")
    return 0


def _device(accounts, args, settings) -> int:  # type: ignore[no-untyped-def]
    if args.device_command == "list":
        for row in accounts.list_devices():
            where = f"zone={row['zone']}" if row["kind"] == "display" else f"kiosk={row['kiosk']}"
            state = "active" if row["active"] else "revoked"
            added = row["created_at"].strftime("%Y-%m-%d") if row["created_at"] else "?"
            print(f"{row['name']:20} {row['kind']:8} {where:12} {state:8} added {added}")
        return 0
    if args.device_command == "revoke":
        accounts.revoke_device(args.name)
        print(
            f"Device {args.name!r} revoked: its token is refused now, and a running server "
            "ends its live connection within seconds."
        )
        return 0
    token = accounts.add_device(args.name, args.kind, zone=args.zone, kiosk=args.kiosk)
    base = settings.mall.public_base_url.rstrip("/")
    page = "kiosk" if args.kind == "kiosk" else "display"
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
    path = _first_admin_file(settings)
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


def _session_check_seconds() -> float:
    from core.server.hub import SESSION_CHECK_SECONDS

    raw = os.environ.get("ANTRIAN_SESSION_CHECK_SECONDS", "")
    try:
        value = float(raw) if raw else SESSION_CHECK_SECONDS
    except ValueError:
        raise DomainError(f"ANTRIAN_SESSION_CHECK_SECONDS must be a number, not {raw!r}.") from None
    return max(0.2, value)


def _serve(settings, host: str, port: int) -> int:  # type: ignore[no-untyped-def]
    from core.server.app import create_app, socketio_of

    # A fatal signal (SIGBUS from a database file's shared memory, SIGSEGV in a C library)
    # must leave a trace in the log instead of a silent exit.
    faulthandler.enable()
    app = create_app(settings)
    # Fan-out to many screens: emit from a relay thread, and let a thread keep the GIL for
    # 20 ms instead of 5 so one emit loop is not cut up by the writer threads it wakes
    # (bench/RESULTS-fanout.md has the measurements).
    app.extensions["antrian.hub"].start_relay()
    from core.server import housekeeping

    housekeeping.start(socketio_of(app), app.extensions["antrian.queue"])
    # Cut live connections whose session ended (expired, revoked, disabled) and close the
    # counters their officers left open; ANTRIAN_SESSION_CHECK_SECONDS sets how often.
    app.extensions["antrian.hub"].start_session_checks(_session_check_seconds())
    # Screens hear the database's version every few seconds when it moved, so an event lost
    # while the message queue was down is caught up by a snapshot.
    app.extensions["antrian.hub"].start_version_beacon()
    sys.setswitchinterval(0.02)
    accounts = app.extensions["antrian.accounts"]
    from core.accounts import warm_up

    warm_up()
    _first_admin(accounts, settings, sys.stdout)
    base = f"http://{host}:{port}"
    print(
        f"  Antrian for {settings.mall.name} on {base}  (kiosk: {base}/kiosk, "
        f"counter: {base}/counter, display: {base}/display)\n",
        flush=True,
    )
    socketio_of(app).run(app, host=host, port=port, allow_unsafe_werkzeug=True, use_reloader=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
