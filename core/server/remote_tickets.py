"""`POST /api/v1/tickets` with `"channel": "online"`: a number from home, without a token.

Public, so bounded twice: per client address by `REMOTE_TICKET_LIMITS` (the `limits` engine
of :mod:`core.server.throttle`, in Redis when the deployment has one; override with
`ANTRIAN_REMOTE_TICKET_LIMITS`), and per service by its remote share of the daily quota
(:mod:`core.usecases.remote`). Every request that reaches issuing counts against the client's
limit, a refused one or a retry too: the count is taken atomically before issuing, so a
burst of parallel requests cannot slip past it.

Cross-site: a browser sends `Origin` with every cross-origin POST, and
:mod:`core.server.security` refuses origins that are not the mall's own, so a hostile page
cannot make its visitors' browsers take numbers (each would count as another client). A script
without `Origin` is not a browser's forged request; it meets the limit per address.

No credential is read: a remote number is the visitor's, whoever else is signed in on the
phone, and its issuer is recorded as `online` (no address is stored with the ticket).
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, current_app, jsonify
from limits import RateLimitItem, parse_many

from core import idempotency
from core.accounts import RateLimited
from core.context import Actor
from core.server.keys import first_answer, public_idempotency_key, request_fingerprint
from core.server.throttle import Throttle, client_address, period_en, period_id
from core.tickets import InvalidRequest
from core.usecases.remote import CHANNEL

log = logging.getLogger(__name__)

REMOTE_TICKET_LIMITS = "3 per hour"
LIMITS_KEY = "ANTRIAN_REMOTE_TICKET_LIMITS"
ONLINE = Actor(CHANNEL, CHANNEL)


def install(app: Flask, environ: Mapping[str, str] | None = None) -> None:
    """Read the limits once at start-up: a mistake stops the server, not a visitor."""
    environ = os.environ if environ is None else environ
    raw = app.config.get(LIMITS_KEY, environ.get(LIMITS_KEY, REMOTE_TICKET_LIMITS))
    try:
        app.extensions["antrian.remote_limits"] = parse_many(str(raw))
    except ValueError as exc:
        raise ValueError(
            f"{LIMITS_KEY}: {raw!r} is not a limit like '3 per hour; 10 per day' ({exc})"
        ) from None


def wants_remote(data: Any) -> bool:
    return isinstance(data, dict) and data.get("channel") == CHANNEL


def _count_request() -> None:
    """Count this request for its client, or refuse it (429) when a limit is used up."""
    throttle: Throttle | None = current_app.extensions.get("antrian.throttle")
    items: list[RateLimitItem] = current_app.extensions.get("antrian.remote_limits", [])
    if throttle is None:
        return
    client = client_address()
    for item in items:
        keys = (throttle.prefix, "remote-ticket", client)
        try:
            allowed = throttle.limiter.hit(item, *keys)
            if allowed:
                continue
            stats = throttle.limiter.get_window_stats(item, *keys)
        except Exception:
            log.exception("the rate limit storage failed; letting the remote ticket through")
            return
        wait = max(1, math.ceil(stats.reset_time - time.time()))
        minutes = max(1, math.ceil(wait / 60))
        raise RateLimited(
            f"Terlalu banyak permintaan nomor dari rumah dari alamat ini (paling banyak "
            f"{item.amount} per {period_id(item)}); coba lagi dalam {minutes} menit. / Too many "
            f"requests for numbers from home from this address (at most {item.amount} per "
            f"{period_en(item)}); try again in {wait} s.",
            wait,
        )


def issue_remote(data: dict[str, Any], language: str) -> tuple[Response, int]:
    """Take a number from home for the body's service; the answer is the new ticket's view
    with its `status_url`, where the visitor follows it."""
    queue = current_app.extensions["antrian.queue"]
    service = data.get("service")
    if not isinstance(service, str) or not service:
        raise InvalidRequest(
            'Send \'service\' with a service code, e.g. {"service": "KTP", "channel": "online"}.'
        )
    if data.get("priority") is not None:
        raise InvalidRequest(
            "'priority' must be null for a number from home: priority (lansia, disabilitas, "
            "ibu hamil) is chosen at the kiosk in the hall."
        )
    key = public_idempotency_key("a number from home")
    if key is not None:
        # A retry of a number already taken gets it back before the address's requests are
        # counted: a phone that lost the answer must not be told to wait an hour for it.
        first = queue.issued_before(ONLINE, key, request_fingerprint())
        if first is not None:
            body, status = first_answer(first)
            return jsonify(body), status
    _count_request()
    if key is None:
        view = queue.issue_ticket(service, None, ONLINE, channel=CHANNEL, language=language)
        return jsonify(view), 201
    outcome = queue.issue_ticket_once(
        service,
        None,
        ONLINE,
        key,
        channel=CHANNEL,
        language=language,
        fingerprint=request_fingerprint(),
    )
    if isinstance(outcome, idempotency.Claim):
        body, status = first_answer(outcome)
        return jsonify(body), status
    return jsonify(outcome), 201
