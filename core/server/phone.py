"""Which phone asks for a number from home: a first-party cookie, nothing else.

The service page (/layanan/<code>) gives a phone the cookie `antrian_phone`, a random token,
when it has none (or a damaged one). Every tab of the phone sends it with its request for a
number, so two tabs, or a double tap from both, are one phone: it gets the number it already
holds back, and its own limit counts its requests (core/server/remote_tickets.py). No
fingerprinting: a phone without the cookie is simply unknown, and only the limit per client
address applies to it.

It is `HttpOnly` (no script reads it), `SameSite=Lax` and `Secure` whenever the session
cookie is; it identifies no person, only a browser, and the database keeps a hash of it.
"""

from __future__ import annotations

import re
import secrets

from flask import Response, current_app, request

from core.tickets import InvalidRequest

COOKIE = "antrian_phone"
MAX_AGE = 365 * 24 * 3600  # a year: the phone is known on its next visit too
_TOKEN = re.compile(r"[A-Za-z0-9_-]{22,64}")


def _sent() -> str | None:
    return request.cookies.get(COOKIE)


def phone() -> str | None:
    """This request's phone token, or None without the cookie. A damaged cookie is a 400 that
    says how to fix it (the service page replaces it)."""
    token = _sent()
    if token is None or token == "":
        return None
    if not _TOKEN.fullmatch(token):
        raise InvalidRequest(
            f"Cookie {COOKIE!r} rusak; muat ulang halaman layanan lalu coba lagi. / The "
            f"{COOKIE!r} cookie is damaged; reload the service's page and try again."
        )
    return token


def ensure_cookie(response: Response) -> Response:
    """Give the phone its token unless it already has a sound one."""
    token = _sent()
    if token and _TOKEN.fullmatch(token):
        return response
    secure = bool(current_app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure
    response.set_cookie(
        COOKIE,
        secrets.token_urlsafe(24),
        max_age=MAX_AGE,
        path="/",
        secure=secure,
        httponly=True,
        samesite="Lax",
    )
    return response
