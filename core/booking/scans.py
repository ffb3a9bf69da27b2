"""What the kiosk's check-in scanner read: a booking's code, or the QR code of a queue ticket.

A booking's QR code holds its code alone (booking/views.py). A queue ticket's, printed on its
slip or shown on a screen, holds the ticket's status address,
`<public_base_url>/t/<id>[?lang=en][#k=<survey key>]` (core/context.py). Visitors who already
have a slip hold it to the check-in scanner too; told "unknown booking code", they took a
second number. Reading the scan apart from the lookup keeps this pure: no database, no Flask.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from core.booking import codes

# A ticket id is a URL-safe token (core/repository.py keeps ids to this alphabet); the status
# page's path ends in it, whatever the mall's base address puts before `/t/`.
_TICKET_PATH = re.compile(r"(?:^|/)t/([A-Za-z0-9_-]{1,64})/?$")
# Longer than any address we print; a scanner typing more read something else.
MAX_SCAN = 500


@dataclass(frozen=True)
class BookingCode:
    code: str


@dataclass(frozen=True)
class TicketAddress:
    """A queue ticket's status address: `ticket_id` is the id in it, not yet looked up."""

    ticket_id: str


@dataclass(frozen=True)
class Unreadable:
    """Neither: `address` when it is a web address (another page's QR code, a ticket's
    address cut short), else some other text."""

    address: bool


Scan = BookingCode | TicketAddress | Unreadable


def read(raw: object) -> Scan:
    """What `raw`, the text the scanner typed, holds."""
    if not isinstance(raw, str) or not raw.strip() or len(raw) > MAX_SCAN:
        return Unreadable(address=False)
    text = raw.strip()
    code = codes.normalize(text)
    if code is not None:
        return BookingCode(code)
    looks_like_address = "/" in text
    if not looks_like_address:
        return Unreadable(address=False)
    # The query (`?lang=en`) and fragment (`#k=...`) never name the ticket: only the path.
    match = _TICKET_PATH.search(urlsplit(text).path)
    if match is None:
        return Unreadable(address=True)
    return TicketAddress(match.group(1))
