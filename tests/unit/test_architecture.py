"""The direction of dependencies, checked by reading every module's imports with `ast`.

- the domain (tickets, queueing, events, config, announcement) imports neither Flask nor
  SQLAlchemy, and no third-party library but the few listed in DOMAIN_LIBRARIES;
- only core/server/ may import Flask inside core/;
- printers/ imports nothing from core but the ticket model;
- the front-ends (kiosk/, counter/, display/) never touch SQLAlchemy.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = ["core/tickets.py", "core/queueing.py", "core/events.py", "core/announcement.py"]
DOMAIN += sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "core/config").glob("*.py"))
DOMAIN += sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "core/booking").glob("*.py"))
# Third-party libraries a domain module may import besides the standard library and core:
# the config package reads YAML and validates it with pydantic.
DOMAIN_LIBRARIES = {"core/config/": {"yaml", "pydantic"}}
FRONT_ENDS = ["kiosk", "counter", "display", "public", "booking", "admin", "reports"]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path) -> set[str]:
    """Every module `path` imports, relative imports resolved to absolute names."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module_name(path)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")
                base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                base = ".".join(base_parts)
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            found.add(target)
            # `from core import handlers` imports core.handlers.
            found.update(f"{target}.{alias.name}" for alias in node.names)
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", None) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            found.add(str(node.args[0].value))
    return found


def python_files(*folders: str) -> list[Path]:
    files: list[Path] = []
    for folder in folders:
        base = ROOT / folder
        if base.is_file():
            files.append(base)
        elif base.is_dir():
            files.extend(sorted(base.rglob("*.py")))
    return files


def top(name: str) -> str:
    return name.split(".")[0]


def test_the_helper_sees_the_imports_of_known_modules():
    assert "core.tickets" in imported_modules(ROOT / "core/handlers.py")
    assert "sqlalchemy" in imported_modules(ROOT / "core/store.py")
    assert "flask" in imported_modules(ROOT / "core/server/app.py")


@pytest.mark.parametrize("relative", DOMAIN)
def test_the_domain_imports_neither_flask_nor_sqlalchemy(relative: str):
    path = ROOT / relative
    assert path.exists(), f"{relative} is part of the domain and should exist"
    banned = {
        n for n in imported_modules(path) if top(n) in {"flask", "flask_socketio", "sqlalchemy"}
    }
    assert not banned, f"{relative} imports {sorted(banned)}; the domain stays framework-free"


@pytest.mark.parametrize("relative", DOMAIN)
def test_the_domain_imports_only_the_standard_library_and_listed_libraries(relative: str):
    allowed = {"core", *sys.stdlib_module_names}
    for prefix, libraries in DOMAIN_LIBRARIES.items():
        if relative.startswith(prefix):
            allowed |= libraries
    unexpected = {n for n in imported_modules(ROOT / relative) if top(n) not in allowed}
    assert not unexpected, f"{relative} imports {sorted(unexpected)}; see DOMAIN_LIBRARIES"


def test_only_core_server_imports_flask():
    offenders = {}
    for path in python_files("core"):
        if "server" in path.relative_to(ROOT / "core").parts[:-1]:
            continue
        names = {n for n in imported_modules(path) if top(n) in {"flask", "flask_socketio"}}
        if names:
            offenders[str(path.relative_to(ROOT))] = sorted(names)
    assert not offenders, f"Flask belongs in core/server/ only: {offenders}"


def test_printers_import_only_the_ticket_model_from_core():
    offenders = {}
    for path in python_files("printers"):
        names = {
            n
            for n in imported_modules(path)
            if top(n) == "core" and n not in {"core", "core.tickets"}
        }
        if names:
            offenders[str(path.relative_to(ROOT))] = sorted(names)
    assert not offenders, f"printers/ may import only core.tickets: {offenders}"


def test_front_ends_do_not_use_sqlalchemy():
    offenders = {}
    for path in python_files(*FRONT_ENDS):
        names = {n for n in imported_modules(path) if top(n) == "sqlalchemy"}
        if names:
            offenders[str(path.relative_to(ROOT))] = sorted(names)
    assert not offenders, f"front-ends go through core, never SQL: {offenders}"


def calls_named(path: Path, *names: str) -> set[str]:
    """Names of `names` that `path` calls as functions or methods (`x.writing()`, `insert()`)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
            if name in names:
                found.add(name)
    return found


def test_read_models_never_write():
    """core/views/ builds what screens show; a write there would hide a use case."""
    offenders = {}
    for path in python_files("core/views"):
        writes = calls_named(path, "writing", "insert", "update", "delete", "changing")
        if writes:
            offenders[str(path.relative_to(ROOT))] = sorted(writes)
    assert python_files("core/views"), "the read models live in core/views/"
    assert not offenders, f"read models must not write: {offenders}"


def test_use_cases_do_not_depend_on_the_server_or_the_front_ends():
    offenders = {}
    for path in python_files("core/usecases", "core/views", "core/estimate.py"):
        names = {
            n
            for n in imported_modules(path)
            if n.startswith("core.server")
            or top(n) in {*FRONT_ENDS, "printers", "core.handlers"}
            or n == "core.handlers"
        }
        if names:
            offenders[str(path.relative_to(ROOT))] = sorted(names)
    assert not offenders, f"use cases and views sit below the server: {offenders}"


def test_only_the_composition_root_builds_the_queue_service():
    builders = sorted(
        str(path.relative_to(ROOT))
        for path in python_files("core", "kiosk", "counter", "display", "printers")
        if "QueueService" in calls_named(path, "QueueService")
        or "MallContext" in calls_named(path, "MallContext")
    )
    # The simulator builds its own mall on a temporary database: a composition root too.
    assert builders == ["core/handlers.py", "core/server/app.py", "core/simulation/day.py"]


@pytest.mark.parametrize(
    "folder",
    ["core", "kiosk", "counter", "display", "printers", "public", "booking", "admin", "reports"],
)
def test_no_module_grows_past_what_one_reader_holds(folder: str):
    """One use case or one idea per module: past ~400 lines a module is doing two things."""
    too_long = {
        str(path.relative_to(ROOT)): n
        for path in python_files(folder)
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > 450
    }
    assert not too_long, f"split these by use case: {too_long}"


def test_no_page_script_grows_past_what_one_reader_holds():
    """The same for the pages' own scripts (the vendored libraries aside): a page that needs
    more splits its script by concern, sharing one namespace object, as the terminal does."""
    scripts = [
        path
        for path in ROOT.glob("*/**/static/**/*.js")
        if "vendor" not in path.parts
        and not path.name.endswith(".min.js")
        and not path.is_relative_to(ROOT / "tests")
    ]
    assert len(scripts) > 10  # the search found the pages' scripts
    too_long = {
        str(path.relative_to(ROOT)): n
        for path in scripts
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > 450
    }
    assert not too_long, f"split these by concern: {too_long}"
