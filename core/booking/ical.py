"""iCalendar text (RFC 5545) for a booking's `.ics` file: escaping and line folding.

Small enough to write here rather than add a dependency: the file holds one event, and the
only subtle rules are these two. A content line is at most 75 octets (section 3.1); a longer
one is folded by CRLF and a space, and the space counts towards the next line's 75. The
limit is in octets of UTF-8, not characters, so an Indonesian mall's address or an emoji in
its name would otherwise overflow; and a fold must not split a multi-byte character, or a
strict parser sees two invalid halves instead of one letter.
"""

from __future__ import annotations

from collections.abc import Iterable

LINE_OCTETS = 75
CRLF = "\r\n"


def text(value: str) -> str:
    """A TEXT value (section 3.3.11): backslash, semicolon, comma and line breaks escaped."""
    escaped = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return escaped.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def param(value: str) -> str:
    """A parameter value (section 3.2), quoted: it may hold ':' ';' ','; a DQUOTE cannot be
    written inside one at all, so it is left out."""
    return '"' + value.replace('"', "").replace("\r", " ").replace("\n", " ") + '"'


def fold(line: str) -> str:
    """One content line folded to at most 75 octets a line, never inside a character."""
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    room = LINE_OCTETS
    for char in line:
        octets = len(char.encode("utf-8"))
        if size + octets > room:
            pieces.append("".join(current))
            current, size = [], 0
            room = LINE_OCTETS - 1  # the leading space of a continuation line is an octet
        current.append(char)
        size += octets
    pieces.append("".join(current))
    return (CRLF + " ").join(pieces)


def document(lines: Iterable[str]) -> str:
    """Content lines as an iCalendar file: each folded, each ended by CRLF."""
    return "".join(fold(line) + CRLF for line in lines)
