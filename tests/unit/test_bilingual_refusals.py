"""Every refusal a person may read speaks Bahasa Indonesia first, then English.

The messages of the domain's errors (DomainError and its subclasses) reach visitors, officers
and admins as they are: the kiosk, the counter terminal and the admin pages show them, the API
returns them, the command line prints them. So each is written "Kalimat Indonesia. / English
sentence.". This test reads every module of the project (not tests/ nor bench/) with `ast`,
finds each construction of such an error, and checks that its message holds both halves; so
too the few refusals answered without one (HTTP_REFUSALS) and the errors whose message a
DomainError passes on (FORWARDED).

A message given as a literal, an f-string, a concatenation of them, or a module-level constant
of those is checked. A message built elsewhere (a helper, a variable) cannot be read here: those
few are listed in BUILT_ELSEWHERE, each with why it is bilingual all the same.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from core.tickets import DomainError

ROOT = Path(__file__).resolve().parents[2]
# The packages imported to find every subclass of DomainError (pyproject.toml's list).
PACKAGES = ["core", "kiosk", "counter", "display", "printers", "public", "booking"]
PACKAGES += ["admin", "reports"]
# The folders not read: the tests and the benchmarks are no part of what people see.
NOT_READ = {"tests", "bench"}
# Modules that cannot be imported on their own: Alembic's env runs inside a migration only.
NOT_IMPORTABLE = {"core.migrations.env"}
SEPARATOR = " / "

# Errors outside DomainError whose message becomes a DomainError's as it is (`str(exc)`,
# `exc.message`): the survey's and the booking rules' refusals, kept free of the API's errors.
FORWARDED = {
    "SurveyInvalid": "core.skm",
    "BookingRefused": "core.booking.slots",
    "InvalidNik": "core.booking.nik",
}
# `refuse(ctx, actor, action, message)` builds the audited Forbidden of core/usecases/unit.py.
REFUSE_MESSAGE_INDEX = 3
# Refusals answered without a DomainError, by the helper that shapes them: where its message
# comes, and the one module it belongs to (None: any). `error(status, code, message)` is
# core/server/api.py's, `_error_response` the app's, `_refusal` the cross-origin one (the
# OpenAPI document has a `_refusal` of its own, which describes, not refuses). Matched as plain
# names only: a logger's `log.error(...)` is no refusal.
HTTP_REFUSALS = {
    "error": (2, None),
    "_error_response": (2, None),
    "_refusal": (0, "core/server/security.py"),
}

# Messages this test cannot read, by module and the source of the argument; each is bilingual
# for the reason given.
BUILT_ELSEWHERE = {
    # refuse() passes on the message its callers gave it; they are checked at their call.
    ("core/usecases/unit.py", "message"),
    # The booking rules' refusals (checked here as FORWARDED) passed on unchanged.
    ("core/usecases/booking.py", "exc.message"),
    ("core/usecases/booking.py", "str(exc)"),
    ("core/usecases/surveying.py", "str(exc)"),
    # core/server/startup.py's first_admin_file_problem writes it in both languages.
    ("core/server/cli.py", "problem"),
    # The shapers of HTTP answers: a DomainError's message (checked at its raise), a NUL
    # byte's refusal (core/server/validation.py) and http_refusal (core/server/http_errors.py).
    ("core/server/api.py", "exc.message"),
    ("core/server/api.py", "http_refusal(exc)"),
    ("core/server/app.py", "refusal"),
    ("core/server/app.py", "http_refusal(exc)"),
    # Helpers that write both halves from the ticket's or service's state.
    ("core/usecases/check_in.py", "_closed_message(ctx, service, state.reason or '')"),
    ("core/usecases/scanning.py", "_ticket_message(ctx, ticket)"),
}


def _subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub} | _subclasses(sub)
    return found


def _import_everything() -> None:
    """Import every module, so that every subclass of DomainError is defined."""
    for package in PACKAGES:
        module = importlib.import_module(package)
        for info in pkgutil.walk_packages(module.__path__, prefix=f"{package}."):
            if info.name not in NOT_IMPORTABLE:
                importlib.import_module(info.name)


def _message_index(cls: type) -> int:
    """Where the message comes among the positional arguments (BookingConflict: second); an
    error without an __init__ of its own takes it first."""
    names = [name for name in inspect.signature(cls.__init__).parameters if name != "self"]
    return names.index("message") if "message" in names else 0


def _message_positions() -> dict[str, int]:
    _import_everything()
    errors = {DomainError} | _subclasses(DomainError)
    positions = {cls.__name__: _message_index(cls) for cls in errors}
    for name, module in FORWARDED.items():
        positions[name] = _message_index(getattr(importlib.import_module(module), name))
    positions["refuse"] = REFUSE_MESSAGE_INDEX
    return positions | {name: index for name, (index, _) in HTTP_REFUSALS.items()}


def _text(node: ast.expr, constants: dict[str, str]) -> str | None:
    """The text of a message expression, with `{}` for what is filled in at run time."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            part.value if isinstance(part, ast.Constant) else "{}" for part in node.values
        )
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _text(node.left, constants), _text(node.right, constants)
        if left is None and right is None:
            return None
        return (left if left is not None else "{}") + (right if right is not None else "{}")
    if isinstance(node, ast.Name):
        return constants.get(node.id)
    # A constant filled in: `_ALREADY.format(number=...)`.
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "format"
    ):
        return _text(node.func.value, constants)
    return None


def _module_constants(tree: ast.Module) -> dict[str, str]:
    constants: dict[str, str] = {}
    for statement in tree.body:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target, value = statement.targets[0], statement.value
        elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
            target, value = statement.target, statement.value
        else:
            continue
        if isinstance(target, ast.Name):
            text = _text(value, constants)
            if text is not None:
                constants[target.id] = text
    return constants


def _called_name(node: ast.Call, module: str) -> str | None:
    if isinstance(node.func, ast.Name):
        helper = HTTP_REFUSALS.get(node.func.id)
        if helper is not None and helper[1] not in (None, module):
            return None
        return node.func.id
    if isinstance(node.func, ast.Attribute) and node.func.attr not in HTTP_REFUSALS:
        return node.func.attr
    return None


@dataclass(frozen=True)
class Message:
    where: str  # path:line
    module: str
    error: str
    source: str
    text: str | None


def _project_modules() -> list[Path]:
    def read(path: Path) -> bool:
        parts = path.relative_to(ROOT).parts
        return parts[0] not in NOT_READ and not any(part.startswith(".") for part in parts)

    return sorted(path for path in ROOT.rglob("*.py") if read(path))


def _messages() -> list[Message]:
    positions = _message_positions()
    found: list[Message] = []
    for path in _project_modules():
        relative = path.relative_to(ROOT).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=relative)
        constants = _module_constants(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = _called_name(node, relative)
            if name not in positions:
                continue
            index = positions[name]
            argument = next((k.value for k in node.keywords if k.arg == "message"), None)
            if argument is None and len(node.args) > index:
                argument = node.args[index]
            if argument is None:
                continue  # a subclass's own super().__init__, or no message at all
            source = ast.unparse(argument)
            text = _text(argument, constants)
            found.append(Message(f"{relative}:{node.lineno}", relative, name, source, text))
    return found


MESSAGES = _messages()


def test_the_scan_finds_the_refusals() -> None:
    # Guards the scan itself: were the names or the walk wrong, every check would pass on none.
    errors = {message.error for message in MESSAGES}
    assert {"InvalidRequest", "NotFound", "Forbidden", "Unauthorized", "refuse"} <= errors
    assert len(MESSAGES) > 150


@pytest.mark.parametrize("message", MESSAGES, ids=lambda m: m.where)
def test_each_refusal_speaks_indonesian_first_then_english(message: Message) -> None:
    if message.text is None:
        assert (message.module, message.source) in BUILT_ELSEWHERE, (
            f"{message.where}: the message of {message.error} is built where this test cannot "
            f"read it ({message.source}); write it here, or list it in BUILT_ELSEWHERE."
        )
        return
    indonesian, separator, english = message.text.partition(SEPARATOR)
    assert separator and indonesian.strip() and english.strip(), (
        f"{message.where}: {message.error}({message.text!r}) is not "
        '"Kalimat Indonesia. / English sentence."'
    )


def test_the_allow_list_names_only_what_is_still_there() -> None:
    built_elsewhere = {(m.module, m.source) for m in MESSAGES if m.text is None}
    assert set(BUILT_ELSEWHERE) <= built_elsewhere
