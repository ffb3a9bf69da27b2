"""`POST /api/v1/tickets` with `"channel": "online"`: a number from home, without a token.

Public, so bounded three times, by the `limits` engine of :mod:`core.server.throttle` (in
Redis when the deployment has one) and by the service's remote share of the daily quota
(:mod:`core.usecases.remote`):
- per phone (its cookie, :mod:`core.server.phone`): `remote_numbers.phone_limits` in
  config.yaml, the limit a visitor meets;
- per client address: `remote_numbers.address_limits`, a loose backstop (override with
  `ANTRIAN_REMOTE_TICKET_LIMITS`). Indonesian carriers put hundreds of phones behind one
  address (CGNAT), so a tight limit there refused visitors who never asked before; it bounds
  a script that drops or invents cookies.
Every request that reaches issuing counts, a refused one or a retry too: the count is taken
atomically before issuing, so a burst of parallel requests cannot slip past it. A phone that
already holds a live number of the service gets it back (200, `already_held`, `notice`)
before anything is counted. A new number's answer carries `warning` (or null) when the
service's last call (core.counter_hours.service_last_call) is within the travel margin or
the estimate reaches past it, and no number is issued when the estimate leaves no time at
all (409 `remote_too_late`).

Cross-site: a browser sends `Origin` with every cross-origin POST, and
:mod:`core.server.security` refuses origins that are not the mall's own, so a hostile page
cannot make its visitors' browsers take numbers (each would count as another client). A script
without `Origin` is not a browser's forged request; it meets the limit per address.

No credential is read: a remote number is the visitor's, whoever else is signed in on the
phone. Its issuer is recorded as `online`, with a hash of the phone's cookie when it sent one
(core/usecases/remote.py); no address is stored with the ticket.
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
from core.config import RemoteNumbers
from core.context import Actor
from core.server import phone
from core.server.keys import first_answer, public_idempotency_key, request_fingerprint
from core.server.throttle import Throttle, client_address, period_en, period_id
from core.tickets import InvalidRequest
from core.usecases.remote import CHANNEL, holder_of

log = logging.getLogger(__name__)

LIMITS_KEY = "ANTRIAN_REMOTE_TICKET_LIMITS"
ONLINE = Actor(CHANNEL, CHANNEL)


def _parsed(raw: str, where: str) -> list[RateLimitItem]:
    try:
        return parse_many(raw)
    except ValueError as exc:
        raise ValueError(
            f"{where}: {raw!r} is not a limit like '3 per hour; 10 per day' ({exc})"
        ) from None


def install(app: Flask, rules: RemoteNumbers, environ: Mapping[str, str] | None = None) -> None:
    """Read the limits once at start-up: a mistake stops the server, not a visitor."""
    environ = os.environ if environ is None else environ
    app.extensions["antrian.remote_phone_limits"] = _parsed(
        rules.phone_limits, "remote_numbers.phone_limits"
    )
    if LIMITS_KEY in app.config or LIMITS_KEY in environ:
        raw, where = str(app.config.get(LIMITS_KEY, environ.get(LIMITS_KEY))), LIMITS_KEY
    else:
        raw, where = rules.address_limits, "remote_numbers.address_limits"
    app.extensions["antrian.remote_limits"] = _parsed(raw, where)


def wants_remote(data: Any) -> bool:
    return isinstance(data, dict) and data.get("channel") == CHANNEL


def _count_request(holder: str | None) -> None:
    """Count this request for its phone and its address, or refuse it (429) when a limit is
    used up (the phone's first: it is the one a visitor can act on)."""
    throttle: Throttle | None = current_app.extensions.get("antrian.throttle")
    if throttle is None:
        return
    pairs: list[tuple[RateLimitItem, tuple[str, ...], bool]] = []
    if holder is not None:
        for item in current_app.extensions.get("antrian.remote_phone_limits", []):
            pairs.append((item, (throttle.prefix, "remote-phone", holder), True))
    for item in current_app.extensions.get("antrian.remote_limits", []):
        pairs.append((item, (throttle.prefix, "remote-ticket", client_address()), False))
    for item, keys, per_phone in pairs:
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
        whom_id, whom_en = ("ponsel", "phone") if per_phone else ("alamat", "address")
        raise RateLimited(
            f"Terlalu banyak permintaan nomor dari rumah dari {whom_id} ini (paling banyak "
            f"{item.amount} per {period_id(item)}); coba lagi dalam {minutes} menit. / Too many "
            f"requests for numbers from home from this {whom_en} (at most {item.amount} per "
            f"{period_en(item)}); try again in {wait} s.",
            wait,
        )


def _held_answer(view: dict[str, Any]) -> tuple[Response, int]:
    """The number the phone already holds, said so in both languages (200: nothing new)."""
    number = view["number"]
    notice = (
        f"Anda sudah memiliki nomor {number} untuk layanan ini; nomor itu tetap berlaku. / You "
        f"already have number {number} for this service; it still stands."
    )
    return jsonify({**view, "notice": notice}), 200


def issue_remote(data: dict[str, Any], language: str) -> tuple[Response, int]:
    """Take a number from home for the body's service; the answer is the new ticket's view
    with its `status_url`, where the visitor follows it."""
    queue = current_app.extensions["antrian.queue"]
    service = data.get("service")
    if not isinstance(service, str) or not service:
        raise InvalidRequest(
            'Kirim \'service\' berisi kode layanan, mis. {"service": "KTP", "channel": '
            '"online"}. / Send \'service\' with a service code, e.g. {"service": "KTP", '
            '"channel": "online"}.'
        )
    if data.get("priority") is not None:
        raise InvalidRequest(
            "'priority' harus null untuk nomor dari rumah: prioritas (lansia, disabilitas, ibu "
            "hamil) dipilih di anjungan di aula pelayanan. / 'priority' must be null for a "
            "number from home: priority (lansia, disabilitas, ibu hamil) is chosen at the kiosk "
            "in the hall."
        )
    key = public_idempotency_key(("nomor dari rumah", "a number from home"))
    if key is not None:
        # A retry of a number already taken gets it back before the address's requests are
        # counted: a phone that lost the answer must not be told to wait an hour for it.
        first = queue.issued_before(ONLINE, key, request_fingerprint())
        if first is not None:
            body, status = first_answer(first)
            return jsonify(body), status
    token = phone.phone()
    holder = None if token is None else holder_of(token)
    if holder is not None:
        # Another tab of the phone took it already: that number, counted against nothing.
        held = queue.held_remote_ticket(service, holder, language)
        if held is not None:
            return _held_answer(held)
    # No time left today refuses here (409 remote_too_late), before the request counts.
    queue.remote_warning(service)
    _count_request(holder)
    if key is None:
        view = queue.issue_ticket(
            service, None, ONLINE, channel=CHANNEL, language=language, holder=holder
        )
    else:
        outcome = queue.issue_ticket_once(
            service,
            None,
            ONLINE,
            key,
            channel=CHANNEL,
            language=language,
            fingerprint=request_fingerprint(),
            holder=holder,
        )
        if isinstance(outcome, idempotency.Claim):
            body, status = first_answer(outcome)
            return jsonify(body), status
        view = outcome
    if view.get("already_held"):  # the other tab's request won the race
        return _held_answer(view)
    # The warning from the ticket's own estimate: the page may have shown one from earlier.
    return jsonify({**view, "warning": queue.remote_warning(service, view)}), 201
