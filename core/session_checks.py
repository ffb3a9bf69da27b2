"""Which live connections still stand for a valid sign-in, and which counters are shown open
for an officer who is gone (part of `Accounts`; the server checks them periodically); and
the sessions an officer's changed counters leave without a right to their counter."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select, update

from core.credentials import token_hash
from core.repository import as_utc
from core.store import auth_sessions, counter_state, devices, users

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from sqlalchemy import Connection

    from core.config import Settings
    from core.context import Actor
    from core.store import UnitOfWork


class SessionChecks:
    """The periodic-check half of `Accounts` (core/accounts.py)."""

    settings: Settings
    uow: UnitOfWork
    clock: Callable[[], datetime]
    _forget: Callable[[Callable[[Actor], bool]], None]

    def end_sessions_in(self, conn: Connection, user_id: int, keeping: str | None) -> None:
        """End `user_id`'s sessions but the one signed in with the token `keeping`, in the
        transaction that changes their password: whoever signed in with the old one (a
        screen left signed in, a stolen cookie) is out with it. Open connections follow at
        the next periodic check."""
        ended = (auth_sessions.c.user_id == user_id) & ~auth_sessions.c.revoked
        if keeping is not None:
            ended &= auth_sessions.c.token_hash != token_hash(keeping)
        conn.execute(update(auth_sessions).where(ended).values(revoked=True))

    def revoke_sessions_outside(self, username: str, counters: list[int]) -> list[int]:
        """End `username`'s sessions signed into a counter not in `counters` (their counters
        changed; an empty list is any counter); returns the counters those sessions were at."""
        if not counters:
            return []
        outside = auth_sessions.c.counter.is_not(None) & auth_sessions.c.counter.not_in(counters)
        with self.uow.writing() as conn:
            user_id = conn.execute(
                select(users.c.id).where(users.c.username == username)
            ).scalar_one_or_none()
            if user_id is None:
                return []
            mine = (auth_sessions.c.user_id == user_id) & ~auth_sessions.c.revoked & outside
            left = sorted(set(conn.execute(select(auth_sessions.c.counter).where(mine)).scalars()))
            conn.execute(update(auth_sessions).where(mine).values(revoked=True))
        self._forget(
            lambda actor: (
                actor.name == username
                and actor.counter is not None
                and actor.counter not in counters
            )
        )
        return left

    # ------------------------------------------------------------------ live checks
    def valid_tokens(self, digests: set[str]) -> set[str]:
        """Which of these token digests still sign someone in: an unexpired, unrevoked session
        of an active user, or an active device. Two queries per 500 tokens, for the periodic
        check of open connections."""
        now = self.clock()
        valid: set[str] = set()
        pending = sorted(digests)
        with self.uow.reading() as conn:
            for start in range(0, len(pending), 500):
                chunk = pending[start : start + 500]
                rows = conn.execute(
                    select(auth_sessions.c.token_hash, auth_sessions.c.expires_at)
                    .join(users, users.c.id == auth_sessions.c.user_id)
                    .where(
                        auth_sessions.c.token_hash.in_(chunk),
                        auth_sessions.c.revoked.is_(False),
                        users.c.active.is_(True),
                    )
                )
                valid.update(r.token_hash for r in rows if as_utc(r.expires_at) >= now)
                valid.update(
                    conn.execute(
                        select(devices.c.token_hash).where(
                            devices.c.token_hash.in_(chunk), devices.c.active.is_(True)
                        )
                    ).scalars()
                )
        return valid

    def stale_open_counters(self, mall: str) -> list[tuple[int, str]]:
        """Counters shown open (or on break) whose officer no longer has a valid session:
        signed out elsewhere, expired, revoked or disabled."""
        now = self.clock()
        with self.uow.reading() as conn:
            rows = conn.execute(
                select(counter_state.c.number, counter_state.c.officer).where(
                    counter_state.c.mall == mall,
                    counter_state.c.status != "closed",
                    counter_state.c.officer.is_not(None),
                )
            ).all()
            if not rows:
                return []
            officers = {r.officer for r in rows}
            # Only accounts: a counter opened by the system (or a name from before an account
            # was deleted) is not this check's business.
            accounts = set(
                conn.execute(select(users.c.username).where(users.c.username.in_(officers)))
                .scalars()
                .all()
            )
            live = conn.execute(
                select(users.c.username, auth_sessions.c.expires_at)
                .join(users, users.c.id == auth_sessions.c.user_id)
                .where(
                    users.c.username.in_(officers),
                    users.c.active.is_(True),
                    auth_sessions.c.revoked.is_(False),
                )
            ).all()
        signed_in = {r.username for r in live if as_utc(r.expires_at) >= now}
        return [
            (r.number, r.officer)
            for r in rows
            if r.officer in accounts and r.officer not in signed_in
        ]
