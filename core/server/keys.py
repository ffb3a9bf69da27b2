"""Idempotency-Keys at the edge: which request a key came with, and running a request once.

A client (the kiosk page, the counter terminal) sends an `Idempotency-Key` with every action
and resends it after a network failure. The key is bound to its request (method, address,
body: `request_fingerprint`), and the use case's own transaction claims it and stores its
answer (core/idempotency.py, core/usecases/unit.py).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from typing import Any

from flask import current_app, request

from core import idempotency
from core.context import Actor
from core.health import DATABASE_ERRORS
from core.server import validation
from core.tickets import DomainError, InvalidRequest

MAX_IDEMPOTENCY_KEY = 80
# A public request (no token) gets its first answer back for its key and body, and that
# answer is the visitor's own (a ticket's id, a booking's code): its key must be as
# unguessable as a random UUID, never "1".
MIN_PUBLIC_KEY_LENGTH = 16


def idempotency_key() -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key and len(key) > MAX_IDEMPOTENCY_KEY:
        raise InvalidRequest(
            f"Idempotency-Key paling panjang {MAX_IDEMPOTENCY_KEY} karakter. / "
            f"Idempotency-Key must be at most {MAX_IDEMPOTENCY_KEY} characters."
        )
    # A key is bound to its request by the request's fingerprint (see request_fingerprint):
    # sent again with another method, address or body it is refused with 422.
    return key or None


def public_idempotency_key(for_what: tuple[str, str]) -> str | None:
    """The key of a request sent without a token; `for_what` names it in Bahasa Indonesia and
    in English, for the refusal of a key too short to be unguessable."""
    key = idempotency_key()
    if key is not None and len(key) < MIN_PUBLIC_KEY_LENGTH:
        raise InvalidRequest(
            f"Idempotency-Key untuk {for_what[0]} harus sedikitnya {MIN_PUBLIC_KEY_LENGTH} "
            f"karakter acak (mis. UUID). / Idempotency-Key must be at least "
            f"{MIN_PUBLIC_KEY_LENGTH} random characters for {for_what[1]} (e.g. a UUID)."
        )
    return key


def request_fingerprint() -> str:
    """This request as an Idempotency-Key remembers it: method, path and the body's JSON
    (keys sorted, so a client that rebuilds the same object is the same request)."""
    raw = request.get_data(cache=True)
    try:
        body = json.dumps(validation.json_object(), sort_keys=True, separators=(",", ":")).encode()
    except InvalidRequest:
        body = raw
    return idempotency.fingerprint(request.method, request.path, body)


def first_answer(first: idempotency.Claim) -> tuple[Any, int]:
    """What a retry gets: the first attempt's answer, or that it has not answered yet."""
    if first.state == "running":
        message = "Permintaan yang sama masih diproses. / The same request is still running."
        return {"error": {"code": "in_progress", "message": message}}, 409
    return first.body, first.status


def idempotent(
    actor: Actor, produce: Callable[[], tuple[Any, int]], *, replay_first: bool = False
) -> tuple[Any, int]:
    """Run `produce` once per `Idempotency-Key`; a retry gets the first answer back.

    The use case's own transaction claims the key and stores its answer (the request's key
    travels in `idempotency.CURRENT`), so an action and its key commit or vanish together:
    a retry after a crash, a killed connection or a lost answer gets the answer, never
    "in progress" for a minute and never the action done twice. `replay_first`: look for
    the first answer before `produce` runs its checks, not only when its transaction claims
    the key."""
    key = idempotency_key()
    if key is None:
        return produce()
    uow = current_app.extensions["antrian.queue"].uow
    keyed = idempotency.KeyedRequest(key, actor.name, request_fingerprint())
    if replay_first:  # `produce` checks what the clock may have closed since the first try
        first = idempotency.answered(uow, key, actor.name, keyed.fingerprint)
        if first is not None:
            return first_answer(first)
    token = idempotency.CURRENT.set(keyed)
    try:
        body, status = produce()
    except idempotency.Replayed as replay:
        return first_answer(replay.claim)
    except DomainError:
        # A refusal is not kept: the client may fix the cause and try the same key again.
        if keyed.claimed:  # an earlier transaction of this request committed the claim
            idempotency.forget(uow, key, actor.name)
        raise
    except DATABASE_ERRORS:
        # The action rolled back and the client hears 503 "try again": give a claim that an
        # earlier transaction committed up, or the retry would hear "in progress" for a minute.
        if keyed.claimed:
            with contextlib.suppress(*DATABASE_ERRORS):
                idempotency.forget(uow, key, actor.name)
        raise
    finally:
        idempotency.CURRENT.reset(token)
    if not keyed.answered:
        # The use case answered outside a transaction of its own (call-next with nobody
        # waiting changes nothing): keep that answer now.
        if not keyed.claimed:
            first = idempotency.claim(uow, key, actor.name, keyed.fingerprint)
            if first.state != "new":
                return first_answer(first)
        idempotency.answer(uow, key, actor.name, status, body)
    return body, status
