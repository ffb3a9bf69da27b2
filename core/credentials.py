"""What a name and a token look like, shared by accounts and devices (no SQL, no Flask)."""

from __future__ import annotations

import hashlib
import re

DEVICE_KINDS = ("kiosk", "display", "survey")
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
