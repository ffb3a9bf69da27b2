"""The visitor's key to the survey of their own ticket: a keyed hash of the ticket's id.

A ticket's id is no secret from the staff: the officer's terminal lists the queue by id, and
the status page `/t/<id>` is reached by it. Answering the satisfaction survey for a ticket
therefore also needs this key, which only the visitor is handed: it rides in the fragment of
the address their ticket's QR code opens (`/t/<id>#k=<key>`: a fragment never reaches the
server's or a proxy's access log, nor a Referer), and the phone page sends it with its answer.
HMAC-SHA256 under the server's secret, so no table holds it and tickets of any age have one;
16 URL-safe characters (96 bits) keep the printed QR code small and cannot be guessed within
a ticket's life.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable

LENGTH = 16


def survey_key(secret: str | bytes, ticket_id: str) -> str:
    key = secret.encode() if isinstance(secret, str) else secret
    digest = hmac.new(key, b"survey:" + ticket_id.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()[:LENGTH]


def matches(
    secret: str | bytes, ticket_id: str, given: object, previous: Iterable[str | bytes] = ()
) -> bool:
    """Whether `given` is the ticket's key (compared in constant time), under the secret or
    one it replaced (`previous`): a ticket printed before the secret changed keeps its key."""
    if not isinstance(given, str) or len(given) != LENGTH or not given.isascii():
        return False
    found = False
    for key in (secret, *previous):  # all of them, so the time does not tell which one
        found |= hmac.compare_digest(given, survey_key(key, ticket_id))
    return found
