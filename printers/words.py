"""A printer's words in both languages, as every message of the system is: "Indonesian /
English". The officer's banner shows the half of its language, the supervisor's alert both.

A device's own words (an operating-system error, CUPS's answer) are English only and go into
both halves unchanged: what failed is still named, and the operator searches for that text.
"""

from __future__ import annotations

SEPARATOR = " / "


def both(indonesian: str, english: str) -> str:
    return f"{indonesian}{SEPARATOR}{english}"


def halves(message: str) -> tuple[str, str]:
    """(Indonesian, English) of a message; one in a single language is both halves."""
    indonesian, separator, english = message.partition(SEPARATOR)
    return (indonesian, english) if separator else (message, message)


def seconds(value: float) -> str:
    return f"{value:g} s"  # "detik" is written "s" as well in Indonesian technical text
