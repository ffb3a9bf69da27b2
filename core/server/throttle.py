"""Rate limits: sign-in attempts per account and per client, tickets per kiosk device.

Built on `limits`, the rate-limit engine of Flask-Limiter (its storage and moving-window
strategy), used directly: no route here has a decorator limit, and Flask-Limiter's hook that
inspects every request for them cost 0.2 ms a request, a third of issuing a ticket. The
counts live in Redis when the deployment has one (`ANTRIAN_MESSAGE_QUEUE`, or
`ANTRIAN_RATELIMIT_STORAGE_URI`), so several server processes share them; in memory otherwise.

- **Sign-in.** Failed attempts count per username from one client address
  (`LOGIN_ACCOUNT_CLIENT_LIMITS`), per client address across usernames (`LOGIN_CLIENT_LIMITS`)
  and per username across addresses (`LOGIN_ACCOUNT_LIMITS`, higher: it bounds guessing from
  many addresses). Once one is used up, every attempt it covers, even with the right password,
  is refused with 429 and `Retry-After` before any password is hashed. A successful sign-in
  does not count. A stranger's five wrong guesses lock an officer out only from the
  stranger's own address: locking the account out everywhere takes a hundred failures an hour
  from at least five addresses. (Behind a reverse proxy the address is the proxy's unless
  `ANTRIAN_PROXY_HOPS` is set: core/server/security.py.)
- **Tickets.** A kiosk device issues at most `KIOSK_ISSUE_LIMITS` (override with
  `ANTRIAN_KIOSK_ISSUE_LIMITS`, e.g. `"20 per minute; 400 per hour"`); beyond that 429 names
  the limit. Its token sits in the kiosk page, so a copied token cannot empty the day's quotas.

A storage failure (Redis down) lets the request through and is logged: a sign-in page that
cannot be used would be worse than a short gap in throttling.
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Mapping

from flask import Flask, request
from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from core.accounts import RateLimited

log = logging.getLogger(__name__)

LOGIN_ACCOUNT_CLIENT_LIMITS = "5 per minute; 20 per hour"
LOGIN_ACCOUNT_LIMITS = "100 per hour"
LOGIN_CLIENT_LIMITS = "20 per minute; 100 per hour"
KIOSK_ISSUE_LIMITS = "10 per minute; 300 per hour"
STORAGE_KEY = "ANTRIAN_RATELIMIT_STORAGE_URI"
KIOSK_LIMITS_KEY = "ANTRIAN_KIOSK_ISSUE_LIMITS"


def client_address() -> str:
    """The client as this process sees it (behind a proxy: configure it to pass the address)."""
    return request.remote_addr or "unknown"


def storage_uri(message_queue: str | None, environ: Mapping[str, str] | None = None) -> str:
    environ = os.environ if environ is None else environ
    explicit = environ.get(STORAGE_KEY)
    if explicit:
        return explicit
    if message_queue and message_queue.startswith(("redis://", "rediss://")):
        return message_queue
    return "memory://"


def period_en(item: RateLimitItem) -> str:
    """A limit's period as its message says it: "minute", "2 hours"."""
    unit = item.GRANULARITY.name
    return f"{item.multiples} {unit}s" if item.multiples > 1 else unit


_UNITS_ID = {"second": "detik", "minute": "menit", "hour": "jam", "day": "hari"}


def period_id(item: RateLimitItem) -> str:
    """`period_en` in Bahasa Indonesia (no plural: "2 jam")."""
    unit = _UNITS_ID.get(item.GRANULARITY.name, item.GRANULARITY.name)
    return f"{item.multiples} {unit}" if item.multiples > 1 else unit


class Throttle:
    def __init__(
        self,
        app: Flask,
        *,
        mall: str,
        message_queue: str | None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        environ = os.environ if environ is None else environ
        config = app.config
        config.setdefault("RATELIMIT_STORAGE_URI", storage_uri(message_queue, environ))
        config.setdefault("RATELIMIT_STRATEGY", "moving-window")
        config.setdefault("RATELIMIT_KEY_PREFIX", f"antrian-{mall}")
        self.limiter = MovingWindowRateLimiter(storage_from_string(config["RATELIMIT_STORAGE_URI"]))
        # The strategy is called directly below, so the keys carry the mall's prefix here:
        # deployments sharing a Redis must not share counts.
        self.prefix = str(config["RATELIMIT_KEY_PREFIX"])
        self.login_account_client = parse_many(
            config.get("ANTRIAN_LOGIN_ACCOUNT_CLIENT_LIMITS", LOGIN_ACCOUNT_CLIENT_LIMITS)
        )
        self.login_account = parse_many(
            config.get("ANTRIAN_LOGIN_ACCOUNT_LIMITS", LOGIN_ACCOUNT_LIMITS)
        )
        self.login_client = parse_many(
            config.get("ANTRIAN_LOGIN_CLIENT_LIMITS", LOGIN_CLIENT_LIMITS)
        )
        kiosk = config.get(KIOSK_LIMITS_KEY, environ.get(KIOSK_LIMITS_KEY, KIOSK_ISSUE_LIMITS))
        self.kiosk_issue = parse_many(kiosk)
        self._parsed: dict[str, list[RateLimitItem]] = {}  # other limits, parsed once
        app.extensions["antrian.throttle"] = self

    # -------------------------------------------------------------- helpers
    def _retry_after(self, item: RateLimitItem, *keys: str) -> int:
        stats = self.limiter.get_window_stats(item, *keys)
        return max(1, math.ceil(stats.reset_time - time.time()))

    def _exhausted(self, pairs: list[tuple[RateLimitItem, tuple[str, ...]]]):  # type: ignore[no-untyped-def]
        """The first limit that the next request would break, with its wait; else None."""
        try:
            for item, keys in pairs:
                if not self.limiter.test(item, *keys):
                    return item, self._retry_after(item, *keys)
        except Exception:
            log.exception("the rate limit storage failed; letting the request through")
        return None

    def _hit(self, pairs: list[tuple[RateLimitItem, tuple[str, ...]]]) -> None:
        try:
            for item, keys in pairs:
                self.limiter.hit(item, *keys)
        except Exception:
            log.exception("the rate limit storage failed; the request was not counted")

    # -------------------------------------------------------------- sign-in
    def _login_pairs(self, username: str) -> list[tuple[RateLimitItem, tuple[str, ...]]]:
        account = username.strip().lower()[:64]
        client = client_address()
        return (
            [
                (item, (self.prefix, "login-account-client", account, client))
                for item in self.login_account_client
            ]
            + [(item, (self.prefix, "login-client", client)) for item in self.login_client]
            + [(item, (self.prefix, "login-account", account)) for item in self.login_account]
        )

    def check_login(self, username: str) -> None:
        """Refuse before hashing when this account or this client failed too often."""
        pairs = self._login_pairs(username)
        exhausted = self._exhausted(pairs)
        if exhausted is None:
            return
        item, wait = exhausted
        if any(item is i for i in self.login_account_client):
            whom_id, whom = "akun ini dari alamat ini", "this account from this address"
        elif any(item is i for i in self.login_account):
            whom_id, whom = "akun ini", "this account"
        else:
            whom_id, whom = "alamat ini", "this address"
        raise RateLimited(
            f"Terlalu banyak percobaan masuk yang gagal untuk {whom_id} (paling banyak "
            f"{item.amount} per {period_id(item)}); coba lagi dalam {wait} detik. / "
            f"Too many failed sign-ins for {whom} (at most {item.amount} per {period_en(item)}); "
            f"try again in {wait} s.",
            wait,
        )

    def login_failed(self, username: str) -> None:
        self._hit(self._login_pairs(username))

    # -------------------------------------------------------------- tickets
    def check_issue(self, device: str) -> None:
        """Count one ticket for a kiosk device, or refuse it when a limit is used up."""
        pairs = [(item, (self.prefix, "issue", device)) for item in self.kiosk_issue]
        exhausted = self._exhausted(pairs)
        if exhausted is not None:
            item, wait = exhausted
            raise RateLimited(
                f"Anjungan {device!r} paling banyak mencetak {item.amount} nomor per "
                f"{period_id(item)}; coba lagi dalam {wait} detik. / The kiosk {device!r} may "
                f"issue at most {item.amount} tickets per {period_en(item)}; try again in "
                f"{wait} s.",
                wait,
            )
        self._hit(pairs)

    # -------------------------------------------------------------- bookings
    def check_client(self, kind: str, limits: str, what: str, what_id: str) -> None:
        """Count one request of `kind` for this client address against `limits` (the
        `limits` notation), or refuse it with 429 naming the limit (`what` names the act,
        `what_id` in Bahasa Indonesia, which the message says first)."""
        items = self._parsed.get(limits)
        if items is None:
            items = self._parsed[limits] = parse_many(limits)
        pairs = [(item, (self.prefix, kind, client_address())) for item in items]
        exhausted = self._exhausted(pairs)
        if exhausted is not None:
            item, wait = exhausted
            raise RateLimited(
                f"Terlalu banyak {what_id} dari alamat ini (paling banyak {item.amount} per "
                f"{period_id(item)}); coba lagi dalam {wait} detik. / Too many {what} from this "
                f"address (at most {item.amount} per {period_en(item)}); try again in {wait} s.",
                wait,
            )
        self._hit(pairs)
