"""Booking codes: short, random, and readable aloud or from a screen without confusion.

The alphabet leaves out 0/O, 1/I/L (and U, which reads like V on some printers): a visitor
typing a code on the kiosk keypad, or an officer reading it from a phone, cannot mistake one
letter for another. Eight characters from 30 give 6.5e11 codes: guessing one that exists
takes far more requests than the per-client limit allows.
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
LENGTH = 8
_CODE = re.compile(f"[{ALPHABET}]{{{LENGTH}}}")


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalize(raw: object) -> str | None:
    """A code as typed or scanned (any case, spaces or dashes between groups), or None when
    it cannot be one of ours."""
    if not isinstance(raw, str) or len(raw) > 40:
        return None
    code = re.sub(r"[\s\-]", "", raw).upper()
    return code if _CODE.fullmatch(code) else None


def grouped(code: str) -> str:
    """`ABCD2345` -> `ABCD-2345`, easier to read and type."""
    return f"{code[:4]}-{code[4:]}"
