"""Untrusted bytes become typed values here, at the edge, before any use case sees them.

Every refusal is a clear 400 that says what to fix, never a 500: a body nested thousands of
levels deep (Python's JSON parser recurses), a NUL byte (PostgreSQL rejects it inside text,
with an error of its own), a lone UTF-16 surrogate escaped in JSON (half of an emoji: no
database can store it as UTF-8), a number with thousands of digits (Python refuses to
convert it).
"""

from __future__ import annotations

import re
from typing import Any

from flask import current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

from core.context import DEFAULT_LANGUAGE, LANGUAGES
from core.tickets import InvalidRequest

NUL = "\x00"
# A NUL byte, or a UTF-16 surrogate left without its pair by a JSON "\uXXXX" escape.
NOT_TEXT = re.compile("[\x00\ud800-\udfff]")
MAX_NESTING = 32  # our bodies are flat objects; anything deeper is not for us


def json_object() -> dict[str, Any]:
    """The request's JSON body as an object ({} when empty), or InvalidRequest saying why."""
    # get_data, not .data: .data first runs the form parser over the body.
    raw = request.get_data(cache=True)
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if request.content_length is None and limit and len(raw) >= limit:
        # A chunked body (no Content-Length) is cut at the limit, not refused, by Werkzeug:
        # what is left would be judged as malformed JSON instead of too large.
        raise RequestEntityTooLarge()
    if not raw:
        return {}
    if _nesting(raw) > MAX_NESTING:
        raise InvalidRequest(
            "Isi permintaan bersarang terlalu dalam; kirim objek JSON yang datar. / "
            "The request body is nested too deeply; send a flat JSON object."
        )
    try:
        data = request.get_json(silent=True)
    except RecursionError:  # defence in depth: _nesting counts brackets, not strings
        raise InvalidRequest(
            "Isi permintaan bersarang terlalu dalam. / The request body is nested too deeply."
        ) from None
    if data is None and not request.is_json:
        came_as = (request.mimetype or "no Content-Type")[:60]
        raise InvalidRequest(
            "Kirim isi permintaan sebagai JSON dengan header Content-Type: application/json "
            f"(yang datang: {came_as}). / Send the body as JSON with the header "
            f"Content-Type: application/json (it came as {came_as})."
        )
    if not isinstance(data, dict):
        raise InvalidRequest(
            "Isi permintaan harus berupa objek JSON. / The request body must be a JSON object."
        )
    field = _field_with_nul(data)
    if field is not None:
        raise InvalidRequest(
            f"'{field}' berisi karakter NUL; hapus karakter itu. / "
            f"'{field}' contains a NUL character; remove it."
        )
    field = _field_not_text(data)
    if field is not None:
        raise InvalidRequest(
            f"'{field}' berisi karakter yang rusak (setengah emoji); hapus atau ketik ulang. / "
            f"'{field}' contains a broken character (half of an emoji); remove or retype it."
        )
    return data


def _nesting(raw: bytes) -> int:
    """The deepest bracket nesting in `raw`, brackets inside strings included: an upper
    bound, cheap, and never recursive."""
    depth = deepest = 0
    for byte in raw:
        if byte in b"[{":
            depth += 1
            deepest = max(deepest, depth)
        elif byte in b"]}":
            depth -= 1
    return deepest


def optional_str(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise InvalidRequest(f"'{key}' harus teks atau null. / '{key}' must be a string or null.")
    return value


def language_of(data: dict[str, Any]) -> str:
    """The visitor's language for what is printed and shown: "id" unless the body says "en"."""
    if "language" not in data:
        return DEFAULT_LANGUAGE
    language = data["language"]
    if language not in LANGUAGES:
        choices = ", ".join(repr(code) for code in LANGUAGES)
        raise InvalidRequest(
            f"'language' harus salah satu dari {choices}, bukan {language!r}. / "
            f"'language' must be one of {choices}, got {language!r}."
        )
    return language


def _field_with_nul(value: Any, path: str = "") -> str | None:
    return _field_holding(value, lambda text: NUL in text, path)


def _field_not_text(value: Any) -> str | None:
    """The field holding a lone surrogate; the key path is printed without it."""
    return _field_holding(value, lambda text: NOT_TEXT.search(text) is not None)


def _field_holding(value: Any, bad: Any, path: str = "") -> str | None:
    if isinstance(value, str):
        return path or "body" if bad(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            if bad(key):
                return _printable(f"{path}.{key}" if path else key)
            found = _field_holding(item, bad, f"{path}.{key}" if path else key)
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _field_holding(item, bad, f"{path}[{index}]")
            if found:
                return found
    return None


def _printable(path: str) -> str:
    return NOT_TEXT.sub("", path)


def nul_in_request() -> str | None:
    """The refusal of an address or form holding a NUL byte, naming where; None if none."""
    where = _nul_in_request()
    if where is None:
        return None
    indonesian, english = where
    return (
        f"{indonesian} berisi karakter NUL; hapus karakter itu. / "
        f"{english} contains a NUL character; remove it."
    )


def _nul_in_request() -> tuple[str, str] | None:
    """Which part of the address or form holds a NUL byte (in Indonesian and English)."""
    if NUL in request.path:
        return "Alamat", "The address"
    for key, value in request.args.items(multi=True):
        if NUL in key or NUL in value:
            name = key.replace(NUL, "")
            return f"Parameter '{name}'", f"The query parameter '{name}'"
    if request.mimetype == "application/x-www-form-urlencoded":
        # Read the raw body (cached), not request.form: parsing the form would consume the
        # body that a JSON view reads later.
        raw = request.get_data(cache=True)
        if b"%00" in raw or b"\x00" in raw:
            return "Isian formulir", "A form field"
    return None
