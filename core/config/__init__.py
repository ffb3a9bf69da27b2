"""Typed, validated settings read from ``config.yaml``.

One YAML file describes a Mal Pelayanan Publik: its opening hours, display zones, the agencies
that have desks there, the services they offer, the counters and the self-service kiosks.
:func:`load_settings` reads and checks the file and returns frozen :class:`Settings`.

Every mistake raises :class:`ConfigError` whose text is one line starting with the key path,
e.g. ``services[4].prefix: 'A' is already used by services[1] (KTP)``, so that the person
editing the file can find and fix it without reading a traceback.

The package is part of the domain: standard library, PyYAML and pydantic, no Flask, no
SQLAlchemy. ``values`` holds the settings objects, ``schema`` and ``fields`` the pydantic
models that check the file; this module reads the file and the environment.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

import yaml
from pydantic import ValidationError

from core.config.fields import (
    DB_URL_EXAMPLE,
    MQ_URL_EXAMPLE,
    check_base_url,
    check_url,
    describe,
)
from core.config.schema import ConfigFile
from core.config.values import (
    DEFAULT_CONFIG_FILE,
    DEFAULT_DATABASE_URL,
    ENV_CONFIG,
    ENV_DATABASE_URL,
    ENV_MESSAGE_QUEUE,
    ENV_PREVIOUS_SECRET_KEYS,
    ENV_PUBLIC_BASE_URL,
    ENV_SECRET_KEY,
    WEEKDAYS,
    Agency,
    Announcement,
    Calling,
    ConfigError,
    Counter,
    Kiosk,
    Mall,
    Remote,
    RemoteNumbers,
    Requirement,
    Service,
    Settings,
    StatusPage,
    TimeRange,
    Zone,
)

__all__ = [
    "WEEKDAYS",
    "Agency",
    "Announcement",
    "Calling",
    "ConfigError",
    "Counter",
    "Kiosk",
    "Mall",
    "Remote",
    "RemoteNumbers",
    "Requirement",
    "Service",
    "Settings",
    "StatusPage",
    "TimeRange",
    "Zone",
    "load_settings",
    "parse_settings",
]

# --------------------------------------------------------------------------- loading


def load_settings(
    path: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Read and validate the YAML file at ``path``.

    ``path`` defaults to ``$ANTRIAN_CONFIG``, then ``./config.yaml``. ``environ`` defaults to
    ``os.environ``; see :func:`parse_settings` for the variables that override the file.
    """
    env = os.environ if environ is None else environ
    if path is None:
        path = env.get(ENV_CONFIG) or DEFAULT_CONFIG_FILE
    shown = os.fspath(path)
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        raise ConfigError(
            shown, f"file not found; pass --config PATH or set {ENV_CONFIG}"
        ) from None
    except IsADirectoryError:
        raise ConfigError(shown, "is a directory, not a YAML file") from None
    except OSError as exc:
        raise ConfigError(shown, f"cannot be read ({exc.strerror or exc})") from None
    data = _parse_yaml(raw, shown)
    if not isinstance(data, Mapping):
        raise ConfigError(
            shown,
            "must contain a YAML mapping with 'mall', 'zones', 'agencies', 'services', "
            f"'counters' ..., got {describe(data)}",
        )
    return parse_settings(data, source_path=os.path.abspath(shown), environ=env)


def parse_settings(
    data: Mapping[str, Any],
    source_path: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Validate an already-parsed mapping (the content of ``config.yaml``).

    Environment variables win over the file: ``ANTRIAN_DATABASE_URL``,
    ``ANTRIAN_MESSAGE_QUEUE``, ``ANTRIAN_PUBLIC_BASE_URL``, ``ANTRIAN_SECRET_KEY`` and
    ``ANTRIAN_PREVIOUS_SECRET_KEYS`` (keys separated by commas)
    (empty values are ignored). ``environ`` defaults to ``os.environ``; pass ``{}`` for none.
    A relative SQLite path in the file's ``database_url`` is resolved against the directory
    of ``source_path``.
    """
    env = os.environ if environ is None else environ
    overrides = {var: env.get(var) or None for var in _OVERRIDDEN}
    try:
        file = ConfigFile.model_validate(_without_overridden(data, overrides))
    except ValidationError as exc:
        raise _config_error(exc) from None

    base_url = overrides[ENV_PUBLIC_BASE_URL]
    if base_url is not None:
        base_url = _env_value(check_base_url, base_url, ENV_PUBLIC_BASE_URL)

    database_url = overrides[ENV_DATABASE_URL]
    if database_url is not None:
        database_url = _env_value(check_url, database_url, ENV_DATABASE_URL, DB_URL_EXAMPLE)
    else:
        database_url = file.database_url if file.database_url is not None else DEFAULT_DATABASE_URL
        if source_path is not None:
            database_url = _resolve_sqlite(database_url, os.path.dirname(source_path))

    message_queue = overrides[ENV_MESSAGE_QUEUE]
    if message_queue is not None:
        message_queue = _env_value(check_url, message_queue, ENV_MESSAGE_QUEUE, MQ_URL_EXAMPLE)
    else:
        message_queue = file.message_queue

    secret_key = overrides[ENV_SECRET_KEY]
    if secret_key is None:
        secret_key = file.secret_key
    previous = overrides[ENV_PREVIOUS_SECRET_KEYS]
    if previous is not None:
        previous_keys = tuple(key.strip() for key in previous.split(",") if key.strip())
    else:
        previous_keys = tuple(file.previous_secret_keys or ())

    return file.to_settings(
        database_url=database_url,
        message_queue=message_queue,
        secret_key=secret_key,
        previous_secret_keys=previous_keys,
        public_base_url=base_url,
        source_path=source_path,
    )


# --------------------------------------------------------------------------- helpers

_OVERRIDDEN: dict[str, tuple[str, ...]] = {
    ENV_DATABASE_URL: ("database_url",),
    ENV_MESSAGE_QUEUE: ("message_queue",),
    ENV_SECRET_KEY: ("secret_key",),
    ENV_PREVIOUS_SECRET_KEYS: ("previous_secret_keys",),
    ENV_PUBLIC_BASE_URL: ("mall", "public_base_url"),
}
"""Each environment variable and the key of the file it replaces."""


def _without_overridden(data: Any, overrides: Mapping[str, str | None]) -> Any:
    """``data`` without the keys the environment replaces: a value that is not used is not
    checked either, so a broken ``database_url`` in the file does not stop a server that is
    given ``ANTRIAN_DATABASE_URL``."""
    if not isinstance(data, Mapping):
        return data
    data = dict(data)
    for var, (*parents, key) in _OVERRIDDEN.items():
        if overrides[var] is None:
            continue
        section = data
        for parent in parents:
            inner = section.get(parent)
            if not isinstance(inner, Mapping):
                break  # not a mapping: leave it for the schema to report
            section[parent] = dict(inner)
            section = section[parent]
        else:
            section.pop(key, None)
    return data


def _env_value(check: Callable[..., str], value: str, var: str, *args: Any) -> str:
    """A value from the environment, checked like the file's but named by its variable."""
    try:
        return check(value, *args)
    except ValueError as exc:
        raise ConfigError(var, str(exc)) from None


def _config_error(exc: ValidationError) -> ConfigError:
    """The first of pydantic's errors as one ``ConfigError("<key path>", problem)``.

    pydantic collects every failure, each with its location as a tuple such as
    ``("services", 4, "prefix")`` and a message written for Python programmers. The person
    editing config.yaml gets one line in the file's own terms: the key path as written in
    YAML (``services[4].prefix``) and the problem as worded by the validator that raised it.
    The first error is the earliest in the file's check order, the one to fix first.
    """
    error = exc.errors(include_url=False)[0]
    loc: list[str | int] = list(error["loc"])
    cause = (error.get("ctx") or {}).get("error")
    if error["type"] == "value_error" and isinstance(cause, ValueError):
        problem = str(cause)
        loc += getattr(cause, "at", ())
    elif error["type"] == "missing":
        problem = "required key is missing"
    else:  # a check of pydantic's own that no validator words; still one line, still a path
        problem = f"{error['msg']}, got {describe(error['input'])}"
    return ConfigError(_key_path(loc) or "the file", problem)


def _key_path(loc: list[str | int]) -> str:
    """``["services", 4, "prefix"]`` -> ``services[4].prefix``."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def _resolve_sqlite(url: str, base_dir: str) -> str:
    """``sqlite:///antrian.db`` -> ``sqlite:////<base_dir>/antrian.db``; others unchanged."""
    scheme, sep, rest = url.partition(":///")
    if not sep or scheme.split("+", 1)[0] != "sqlite":
        return url
    file_part, qmark, query = rest.partition("?")
    if (
        not file_part
        or file_part == ":memory:"
        or file_part.startswith("file:")
        or os.path.isabs(file_part)
    ):
        return url
    resolved = os.path.abspath(os.path.join(base_dir, file_part))
    return f"{scheme}:///{resolved}{qmark}{query}"


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys (PyYAML would silently keep the last one)."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: dict[Any, yaml.Node] = {}
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key = loader.construct_object(key_node)
        try:
            earlier = seen.get(key)
        except TypeError:
            continue
        if earlier is not None:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"duplicate key {key!r} (first used on line {earlier.start_mark.line + 1})",
                key_node.start_mark,
            )
        seen[key] = key_node
    return loader.construct_mapping(node)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _parse_yaml(raw: bytes, shown: str) -> Any:
    try:
        return yaml.load(raw, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = exc.problem or exc.context or "syntax error"
        raise ConfigError(shown, f"invalid YAML{where}: {problem}") from None
    except yaml.YAMLError as exc:
        detail = " ".join(str(exc).split())
        raise ConfigError(shown, f"invalid YAML: {detail}") from None
