"""Idempotency keys: a client's retry of the same request gets the first answer (SQL, no Flask).

A request that carries an `Idempotency-Key` (the kiosk page and the counter terminal send one
with every action) first claims the key: one row per key and client, status 0 while the first
attempt runs. The attempt then stores its answer on the row, or gives the key up when it was
refused, so the client may fix the cause and send the same key again. For most actions each
step is a short write of its own around the action's transaction. Issuing a ticket claims
or gives up the key inside the ticket's own transaction (`claim_in`, `forget_in`), so a
ticket and its key commit or vanish together, and stores the answer there too
(`answer_in`) unless a print outcome is still to be added to it.

These run around every kiosk ticket, so the frequent statements are `Prepared`.
"""

from __future__ import annotations

import hashlib
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, delete, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite

from core.prepared import Prepared
from core.repository import as_utc
from core.store import UnitOfWork, idempotency_keys
from core.tickets import DomainError

# A first attempt that has not answered after this long is taken to have died.
ABANDONED_AFTER_SECONDS = 60
# A retry comes within seconds or minutes (a double tap, a resend after the network came
# back); a key older than this is deleted, or the table would grow by every action, forever.
KEEP_KEYS = timedelta(days=1)
FORGET_BATCH = 5_000  # keys deleted per transaction, so the writer is never held for long

_KEY = idempotency_keys.c.key == bindparam("in_key")
_ACTOR = idempotency_keys.c.actor == bindparam("in_actor")


def _claim_statement(insert):  # type: ignore[no-untyped-def]
    return (
        insert(idempotency_keys)
        .values(
            key=bindparam("in_key"),
            actor=bindparam("in_actor"),
            status_code=0,
            created_at=bindparam("at", type_=idempotency_keys.c.created_at.type),
            fingerprint=bindparam("in_fingerprint", type_=idempotency_keys.c.fingerprint.type),
        )
        .on_conflict_do_nothing()
        .returning(idempotency_keys.c.status_code)
    )


# Claiming never raises on a taken key: the insert does nothing and returns no row. On
# PostgreSQL it first waits for a transaction that is inserting the same key to end.
_CLAIM = {
    "postgresql": Prepared(_claim_statement(postgresql.insert)),
    "sqlite": Prepared(_claim_statement(sqlite.insert)),
}
_ANSWER = Prepared(update(idempotency_keys).where(_KEY, _ACTOR), columns=["status_code", "body"])
_FORGET = Prepared(delete(idempotency_keys).where(_KEY, _ACTOR))
_FIRST_ATTEMPT = select(
    idempotency_keys.c.status_code,
    idempotency_keys.c.body,
    idempotency_keys.c.created_at,
    idempotency_keys.c.fingerprint,
).where(_KEY, _ACTOR)
_TAKE_OVER = update(idempotency_keys).where(_KEY, _ACTOR).values(created_at=bindparam("at"))


@dataclass(frozen=True)
class Claim:
    """What a request found when it claimed its key."""

    state: str  # "new": this request runs | "running": the first has not answered yet
    #             | "answered": `status` and `body` are the first attempt's answer
    status: int = 0
    body: Any = None


@dataclass
class KeyedRequest:
    """The request being served carries this key: the use case's own transaction claims it
    and stores the answer (core/usecases/unit.py), so an action and its key commit or
    vanish together and a retry after a crash gets the answer instead of "in progress"."""

    key: str
    actor: str
    fingerprint: str | None = None
    claimed: bool = False  # a committed transaction of this request holds the claim
    answered: bool = False


# Set by the API around one request; read by `changing()` in the same thread.
CURRENT: ContextVar[KeyedRequest | None] = ContextVar("idempotency_request", default=None)


class Replayed(Exception):  # noqa: N818 - not an error: the first attempt's answer
    """The key was used before: nothing was done now; `claim` says what the first did."""

    def __init__(self, claim: Claim) -> None:
        super().__init__(claim.state)
        self.claim = claim


class KeyReused(DomainError):
    """The key was first sent with another request: answering this one with the first one's
    answer (or running it) would both be wrong."""

    code = "idempotency_key_reused"


def fingerprint(method: str, path: str, body: bytes) -> str:
    """What a request was: its method, path and body, hashed."""
    digest = hashlib.sha256(f"{method.upper()} {path}\n".encode())
    digest.update(body)
    return digest.hexdigest()


def claim(uow: UnitOfWork, key: str, actor: str, request: str | None = None) -> Claim:
    """Claim `key` for `actor`'s request (its `fingerprint`), or find what the first attempt
    with it did. A key first sent with another request raises KeyReused."""
    with uow.writing() as conn:
        return claim_in(conn, key, actor, request)


def claim_in(conn: Connection, key: str, actor: str, request: str | None = None) -> Claim:
    """`claim` inside a write transaction the caller holds (issuing claims in its batch)."""
    now = datetime.now(UTC)
    params = {"in_key": key, "in_actor": actor, "at": now, "in_fingerprint": request}
    first = None
    while first is None:
        if _CLAIM[conn.dialect.name].rows(conn, params):
            return Claim("new")
        # Gone again (PostgreSQL): the first attempt was refused and gave the key up between
        # the two statements. Claim it afresh.
        first = conn.execute(_FIRST_ATTEMPT, params).one_or_none()
    if request is not None and first.fingerprint is not None and first.fingerprint != request:
        raise KeyReused(
            "Idempotency-Key ini sudah dipakai untuk permintaan lain (metode, alamat, atau isi "
            "yang berbeda); kirim kunci baru untuk permintaan baru. / "
            "This Idempotency-Key was already used for a different request (another method, "
            "address or body); send a new key for a new request."
        )
    if first.status_code != 0:
        return Claim("answered", first.status_code, first.body)
    started = as_utc(first.created_at) or now
    if now - started > timedelta(seconds=ABANDONED_AFTER_SECONDS):
        # The first attempt died without an answer (a crash, a killed process): this retry
        # takes the key over instead of being told "in progress" forever.
        conn.execute(_TAKE_OVER, params)
        return Claim("new")
    return Claim("running")


def answered(uow: UnitOfWork, key: str, actor: str, request: str | None = None) -> Claim | None:
    """The first attempt's answer for `key` and this request, if there is one (a read: it
    claims nothing). For a request whose checks move with the clock (a booking slot closes
    at its start), so a retry gets its answer before it is checked again."""
    with uow.reading() as conn:
        first = conn.execute(_FIRST_ATTEMPT, {"in_key": key, "in_actor": actor}).one_or_none()
    if first is None or first.status_code == 0:
        return None
    if request is not None and first.fingerprint not in (None, request):
        return None  # another request's key: claiming it says so
    return Claim("answered", first.status_code, first.body)


def answer(uow: UnitOfWork, key: str, actor: str, status: int, body: Any) -> None:
    """Keep the answer of the request that claimed `key`, for its retries."""
    with uow.writing() as conn:
        answer_in(conn, key, actor, status, body)


def answer_in(conn: Connection, key: str, actor: str, status: int, body: Any) -> None:
    _ANSWER.run(conn, {"in_key": key, "in_actor": actor, "status_code": status, "body": body})


def forget(uow: UnitOfWork, key: str, actor: str) -> None:
    """Give `key` up after a refusal: the client may fix the cause and send it again."""
    with uow.writing() as conn:
        forget_in(conn, key, actor)


def forget_in(conn: Connection, key: str, actor: str) -> None:
    _FORGET.run(conn, {"in_key": key, "in_actor": actor})


def forget_old(uow: UnitOfWork, keep: timedelta = KEEP_KEYS) -> int:
    """Delete the keys claimed longer than `keep` ago, a batch per transaction (a database
    that ran long before this existed holds millions); returns how many."""
    cutoff = datetime.now(UTC) - keep
    pair = tuple_(idempotency_keys.c.key, idempotency_keys.c.actor)
    forgotten = 0
    while True:
        with uow.writing() as conn:
            old = conn.execute(
                select(idempotency_keys.c.key, idempotency_keys.c.actor)
                .where(idempotency_keys.c.created_at < cutoff)
                .limit(FORGET_BATCH)
            ).all()
            if old:
                conn.execute(delete(idempotency_keys).where(pair.in_([tuple(r) for r in old])))
        forgotten += len(old)
        if len(old) < FORGET_BATCH:
            return forgotten
