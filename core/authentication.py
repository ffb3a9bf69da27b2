"""Turning a bearer token into an `Actor` (part of `Accounts`, core/accounts.py): the
session or device behind it, read at most every `TOKEN_CACHE_SECONDS`, or the reason it is
refused."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

from sqlalchemy import select

from core.context import Actor
from core.credentials import token_hash
from core.repository import as_utc
from core.store import auth_sessions, devices, users
from core.tickets import DomainError

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from core.store import UnitOfWork

# A process trusts a token it has just checked for this long instead of reading the database on
# every request. Revocations made through this process (logout, disabling a user) take effect
# at once; one made by another process (the CLI, a second server) within this many seconds.
TOKEN_CACHE_SECONDS = 2.0
TOKEN_CACHE_SIZE = 4096
MAX_TOKEN_LENGTH = 512  # ours are 43 characters; a longer one is not worth hashing


class Unauthorized(DomainError):
    code = "unauthorized"


class TokenAuthentication:
    """The token half of `Accounts` (core/accounts.py), kept apart so each reads as one idea."""

    uow: UnitOfWork
    clock: Callable[[], datetime]
    # token digest -> (monotonic deadline, session expiry or None for devices, actor)
    _recent: dict[str, tuple[float, datetime | None, Actor]]
    _recent_lock: threading.Lock

    def authenticate(self, token: str | None) -> Actor:
        """The actor behind a bearer token, or Unauthorized with the reason.

        A token checked in the last `TOKEN_CACHE_SECONDS` is not read again (every API request
        authenticates, and a database read per request was a large share of its cost); a
        session's own expiry is still checked on every call. Refusals are never cached.
        """
        if not token:
            raise Unauthorized(
                "Masuk terlebih dahulu: kirim 'Authorization: Bearer <token>'. / "
                "Sign in first: send 'Authorization: Bearer <token>'."
            )
        if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
            raise Unauthorized(
                "Itu bukan token server ini; silakan masuk lagi. / "
                "That is not a token of this server; sign in again."
            )
        digest = token_hash(token)
        recent = self._recent.get(digest)
        if recent is not None:
            deadline, expires, actor = recent
            if time.monotonic() < deadline and (expires is None or self.clock() <= expires):
                return actor
            self._recent.pop(digest, None)
        actor, expires = self._read_token(digest)
        with self._recent_lock:
            if len(self._recent) >= TOKEN_CACHE_SIZE:
                self._recent.clear()
            self._recent[digest] = (time.monotonic() + TOKEN_CACHE_SECONDS, expires, actor)
        return actor

    def forget_tokens(self, digests: set[str]) -> None:
        """Drop these token digests from the cache (found revoked by a periodic check)."""
        with self._recent_lock:
            for digest in digests:
                self._recent.pop(digest, None)

    def _forget(self, matches) -> None:  # type: ignore[no-untyped-def]
        """Drop remembered tokens whose actor `matches` (after revoking them)."""
        with self._recent_lock:
            for digest in [d for d, (_, _, actor) in self._recent.items() if matches(actor)]:
                del self._recent[digest]

    def _read_token(self, digest: str) -> tuple[Actor, datetime | None]:
        with self.uow.reading() as conn:
            session = conn.execute(
                select(auth_sessions, users.c.username, users.c.role, users.c.active)
                .join(users, users.c.id == auth_sessions.c.user_id)
                .where(auth_sessions.c.token_hash == digest)
            ).first()
            if session is not None:
                if session.revoked or not session.active:
                    raise Unauthorized(
                        "Sesi ini sudah berakhir; silakan masuk lagi. / "
                        "This session has ended; sign in again."
                    )
                expires = as_utc(session.expires_at)
                if expires < self.clock():  # type: ignore[operator]
                    raise Unauthorized(
                        "Sesi ini sudah kedaluwarsa; silakan masuk lagi. / "
                        "This session has expired; sign in again."
                    )
                return Actor(session.role, session.username, counter=session.counter), expires
            device = conn.execute(select(devices).where(devices.c.token_hash == digest)).first()
        if device is None:
            raise Unauthorized(
                "Token tidak dikenal atau sudah dicabut; silakan masuk lagi. / "
                "Unknown or revoked token; sign in again."
            )
        if not device.active:
            raise Unauthorized(
                f"Perangkat {device.name!r} telah dinonaktifkan. / "
                f"The device {device.name!r} has been disabled."
            )
        actor = Actor(
            device.kind, device.name, zone=device.zone, kiosk=device.kiosk, counter=device.counter
        )
        return actor, None

    def session_user_id(self, token: str) -> int | None:
        with self.uow.reading() as conn:
            return conn.execute(
                select(auth_sessions.c.user_id).where(
                    auth_sessions.c.token_hash == token_hash(token)
                )
            ).scalar_one_or_none()
