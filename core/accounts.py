"""Officers, admins and devices, and turning a bearer token into an `Actor` (no Flask; the
token half is core/authentication.py).

Passwords are hashed with Argon2id. Tokens are 256-bit random strings; only their SHA-256 is
stored, so a copy of the database does not let anyone sign in.

A sign-in with an unknown username verifies the password against a dummy hash, so it takes as
long as a wrong password for a real account and timing does not tell which usernames exist.
Hashing is bounded by a semaphore (`HASH_SLOTS` at a time, about half the cores): a flood of
sign-ins waits for a slot instead of taking every core, so other requests keep being served.
"""

from __future__ import annotations

import os
import secrets
import threading
import time
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, exists, func, insert, literal, select, update

from core.authentication import (
    TOKEN_CACHE_SECONDS,
    TOKEN_CACHE_SIZE,
    TokenAuthentication,
    Unauthorized,
)
from core.config import Settings
from core.context import ROLES, Actor, utc_now
from core.credentials import NAME_PATTERN, token_hash
from core.devices import DeviceRegistry
from core.session_checks import SessionChecks
from core.store import (
    UnitOfWork,
    app_settings,
    auth_sessions,
    dialect_insert,
    users,
)
from core.tickets import DomainError, Forbidden, InvalidRequest, NotFound

SESSION_HOURS = 14  # one long working day, opening to closing, with margin
MIN_PASSWORD = 8
# The same answer for an unknown username and a wrong password: it gives neither away.
_WRONG_PASSWORD = "Nama pengguna atau kata sandi salah. / Wrong username or password."
_TOO_SHORT = (
    f"Kata sandi minimal {MIN_PASSWORD} karakter. / The password needs at least {MIN_PASSWORD} "
    "characters."
)

_hasher = PasswordHasher()
# Password hashes computed at once; the others wait (without using a core) for a slot.
HASH_SLOTS = max(1, (os.cpu_count() or 2) // 2)
HASH_WAIT_SECONDS = 10.0
_hash_slots = threading.BoundedSemaphore(HASH_SLOTS)
# The dummy hash, with the hasher that made it: a hash made with other parameters would be
# faster or slower to verify than real ones and give unknown usernames away again.
_dummy_hash: tuple[PasswordHasher, str] | None = None


class PasswordChangeRequired(Forbidden):
    code = "password_change_required"


class RateLimited(DomainError):
    """Too many attempts or requests; `retry_after` seconds until the next one is accepted."""

    code = "rate_limited"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = max(1, int(retry_after))


def _with_hash_slot(work):  # type: ignore[no-untyped-def]
    if not _hash_slots.acquire(timeout=HASH_WAIT_SECONDS):
        raise RateLimited(
            "Server sedang sibuk memeriksa kata sandi; coba lagi sebentar lagi. / "
            "The server is busy checking passwords; try again in a moment.",
            2,
        )
    try:
        return work()
    finally:
        _hash_slots.release()


def hash_password(password: str) -> str:
    return _with_hash_slot(lambda: _hasher.hash(password))


def warm_up() -> None:
    """Make the dummy hash now, so the first unknown username is not slower than the rest."""
    _dummy()


def _dummy() -> str:
    global _dummy_hash
    if _dummy_hash is None or _dummy_hash[0] is not _hasher:
        _dummy_hash = (_hasher, hash_password(secrets.token_urlsafe(16)))
    return _dummy_hash[1]


class Accounts(DeviceRegistry, SessionChecks, TokenAuthentication):
    def __init__(self, settings: Settings, uow: UnitOfWork, clock=utc_now) -> None:  # type: ignore[no-untyped-def]
        self.settings = settings
        self.uow = uow
        self.clock = clock
        # token digest -> (monotonic deadline, session expiry or None for devices, actor)
        self._recent: dict[str, tuple[float, datetime | None, Actor]] = {}
        self._recent_lock = threading.Lock()
        # username -> (monotonic deadline, must change the password)
        self._must_change: dict[str, tuple[float, bool]] = {}

    # ------------------------------------------------------------------ users
    def add_user(
        self,
        username: str,
        password: str,
        role: str,
        counters: list[int] | None = None,
        *,
        must_change_password: bool = False,
    ) -> None:
        """Add an account; with `must_change_password` (the first admin, whose password was
        made by the server) it must choose its own password before doing anything else."""
        if not NAME_PATTERN.match(username):
            raise InvalidRequest(
                f"Nama pengguna {username!r} harus 2-64 huruf kecil, angka, '.', '_' atau '-'. "
                f"/ Username {username!r} must be 2-64 lowercase letters, digits, '.', '_' or '-'."
            )
        if role not in ROLES:
            raise InvalidRequest(
                f"Peran harus salah satu dari {', '.join(ROLES)}, bukan {role!r}. / "
                f"Role must be one of {', '.join(ROLES)}, not {role!r}."
            )
        if len(password) < MIN_PASSWORD:
            raise InvalidRequest(_TOO_SHORT)
        for number in counters or []:
            try:
                self.settings.counter(number)
            except KeyError:
                raise InvalidRequest(
                    f"Loket {number} tidak ada dalam konfigurasi. / "
                    f"There is no counter {number} in the configuration."
                ) from None
        with self.uow.writing() as conn:
            if conn.execute(select(users.c.id).where(users.c.username == username)).first():
                raise InvalidRequest(
                    f"Pengguna {username!r} sudah ada. / A user named {username!r} already exists."
                )
            user_id = conn.execute(
                insert(users).values(
                    username=username,
                    password_hash=hash_password(password),
                    role=role,
                    counters=list(counters or []),
                    active=True,
                    created_at=self.clock(),
                )
            ).inserted_primary_key[0]
            if must_change_password:
                conn.execute(
                    insert(app_settings).values(key=_change_key(user_id), value="required")
                )

    def set_password(self, username: str, password: str, keeping: str | None = None) -> None:
        """Set a new password (an admin's reset or the user's own change); it clears the
        must-change mark and ends the sessions but the one signed in with token `keeping`."""
        if len(password) < MIN_PASSWORD:
            raise InvalidRequest(_TOO_SHORT)
        digest = hash_password(password)
        with self.uow.writing() as conn:
            user_id = conn.execute(
                select(users.c.id).where(users.c.username == username)
            ).scalar_one_or_none()
            if user_id is None:
                raise NotFound(
                    f"Tidak ada pengguna bernama {username!r}. / No user named {username!r}."
                )
            conn.execute(update(users).where(users.c.id == user_id).values(password_hash=digest))
            conn.execute(delete(app_settings).where(app_settings.c.key == _change_key(user_id)))
            self.end_sessions_in(conn, user_id, keeping)
        with self._recent_lock:
            self._must_change.pop(username, None)
        self._forget(lambda actor: actor.kind in ROLES and actor.name == username)

    def replace_given_password(self, username: str, new: str, keeping: str | None) -> None:
        """The forced change after a sign-in with a password the server made or an admin
        set: a new one, not that one again (the session proved the current one moments ago)."""
        with self.uow.reading() as conn:
            stored = conn.execute(
                select(users.c.password_hash).where(users.c.username == username)
            ).scalar_one_or_none()
        if stored is not None and _password_ok(stored, new):
            raise InvalidRequest(
                "Pilih kata sandi baru, bukan yang diberikan kepada Anda. / Choose a new "
                "password, not the one you were given."
            )
        self.set_password(username, new, keeping)

    def change_password(self, username: str, current: str, new: str, keeping: str | None) -> None:
        """A user's own change: the current password first, then a different new one."""
        with self.uow.reading() as conn:
            stored = conn.execute(
                select(users.c.password_hash).where(users.c.username == username)
            ).scalar_one_or_none()
        if stored is None or not _password_ok(stored, current):
            raise Unauthorized("Kata sandi saat ini salah. / The current password is wrong.")
        if new == current:
            raise InvalidRequest(
                "Pilih kata sandi baru yang berbeda dari kata sandi saat ini. / "
                "Choose a new password, different from the current one."
            )
        self.set_password(username, new, keeping)

    def password_change_required(self, username: str) -> bool:
        """Whether this account must change its password before anything else (read at most
        every `TOKEN_CACHE_SECONDS`, like tokens)."""
        now = time.monotonic()
        known = self._must_change.get(username)
        if known is not None and known[0] > now:
            return known[1]
        with self.uow.reading() as conn:
            user_id = conn.execute(
                select(users.c.id).where(users.c.username == username)
            ).scalar_one_or_none()
            required = user_id is not None and (
                conn.execute(
                    select(app_settings.c.key).where(app_settings.c.key == _change_key(user_id))
                ).first()
                is not None
            )
        with self._recent_lock:
            if len(self._must_change) >= TOKEN_CACHE_SIZE:
                self._must_change.clear()
            self._must_change[username] = (now + TOKEN_CACHE_SECONDS, required)
        return required

    def set_active(self, username: str, active: bool) -> int:
        """Enable or disable a user; disabling revokes their sessions. Returns the user id."""
        with self.uow.writing() as conn:
            user_id = conn.execute(
                select(users.c.id).where(users.c.username == username)
            ).scalar_one_or_none()
            if user_id is None:
                raise NotFound(
                    f"Tidak ada pengguna bernama {username!r}. / No user named {username!r}."
                )
            conn.execute(update(users).where(users.c.id == user_id).values(active=active))
            if not active:
                conn.execute(
                    update(auth_sessions)
                    .where(auth_sessions.c.user_id == user_id)
                    .values(revoked=True)
                )
        if not active:
            self._forget(lambda actor: actor.kind in ROLES and actor.name == username)
        return int(user_id)

    def add_first_admin(self, password: str, username: str = "admin") -> bool:
        """Add an admin if the database has no account at all, who must change the password
        at first sign-in; whether this call added it.

        One statement (insert … where no user exists, on conflict do nothing), so of several
        processes starting at once on an empty database exactly one adds it."""
        if len(password) < MIN_PASSWORD:
            raise InvalidRequest(_TOO_SHORT)
        values = {
            "username": username,
            "password_hash": hash_password(password),
            "role": "admin",
            "counters": [],
            "active": True,
            "created_at": self.clock(),
        }
        first = select(*(literal(value, users.c[name].type) for name, value in values.items()))
        with self.uow.writing() as conn:
            statement = (
                dialect_insert(conn, users)
                .from_select(list(values), first.where(~exists().select_from(users)))
                .on_conflict_do_nothing()
                .returning(users.c.id)
            )
            added = conn.execute(statement).first()
            if added is not None:
                # The server chose this password: the admin must choose their own first.
                conn.execute(
                    insert(app_settings).values(key=_change_key(added.id), value="required")
                )
            return added is not None

    def user_count(self) -> int:
        with self.uow.reading() as conn:
            return int(conn.execute(select(func.count()).select_from(users)).scalar_one())

    def list_users(self) -> list[dict[str, Any]]:
        with self.uow.reading() as conn:
            return [
                {"username": r.username, "role": r.role, "counters": r.counters, "active": r.active}
                for r in conn.execute(select(users).order_by(users.c.username))
            ]

    # ------------------------------------------------------------------ sessions
    def login(self, username: str, password: str, counter: int | None) -> tuple[str, Actor]:
        """Check the password and open a session; officers must name an allowed counter."""
        with self.uow.reading() as conn:
            user = conn.execute(select(users).where(users.c.username == username)).first()
        if user is None:
            _password_ok(_dummy(), password)  # as long as a real check: no timing difference
            raise Unauthorized(_WRONG_PASSWORD)
        if not _password_ok(user.password_hash, password):
            raise Unauthorized(_WRONG_PASSWORD)
        if not user.active:
            raise Forbidden(
                f"Akun {username!r} dinonaktifkan; hubungi admin. / "
                f"The account {username!r} is disabled; ask an admin."
            )
        if user.role == "officer":
            if counter is None:
                raise InvalidRequest(
                    "Pilih loket tempat Anda bertugas. / Choose the counter you are working at."
                )
            try:
                self.settings.counter(counter)
            except KeyError:
                raise NotFound(
                    f"Loket {counter} tidak ada. / There is no counter {counter}."
                ) from None
            if user.counters and counter not in user.counters:
                allowed = ", ".join(str(c) for c in user.counters)
                raise Forbidden(
                    f"{username} boleh bertugas di loket {allowed}, bukan di loket {counter}. / "
                    f"{username} may work at counters {allowed}, not at {counter}."
                )
        elif counter is not None:
            try:
                self.settings.counter(counter)
            except KeyError:
                raise NotFound(
                    f"Loket {counter} tidak ada. / There is no counter {counter}."
                ) from None
        token = secrets.token_urlsafe(32)
        now = self.clock()
        with self.uow.writing() as conn:
            conn.execute(
                insert(auth_sessions).values(
                    token_hash=token_hash(token),
                    user_id=user.id,
                    counter=counter,
                    created_at=now,
                    expires_at=now + timedelta(hours=SESSION_HOURS),
                    revoked=False,
                )
            )
        return token, Actor(user.role, user.username, counter=counter)

    def logout(self, token: str) -> None:
        digest = token_hash(token)
        with self.uow.writing() as conn:
            conn.execute(
                update(auth_sessions)
                .where(auth_sessions.c.token_hash == digest)
                .values(revoked=True)
            )
        self._recent.pop(digest, None)

    def counters_for(self, username: str) -> list[int]:
        with self.uow.reading() as conn:
            allowed = conn.execute(
                select(users.c.counters).where(users.c.username == username)
            ).scalar_one_or_none()
        numbers = [c.number for c in self.settings.counters]
        return [n for n in numbers if not allowed or n in allowed]


def _change_key(user_id: int) -> str:
    """The `app_settings` key marking an account that must change its password (by id: a
    username can be 64 characters, the key at most 64)."""
    return f"must_change_password:{user_id}"


def _password_ok(stored: str, password: str) -> bool:
    def verify() -> bool:
        try:
            return _hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False

    return _with_hash_slot(verify)


def session_expiry(now: datetime) -> datetime:
    return now + timedelta(hours=SESSION_HOURS)
