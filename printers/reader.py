"""Reading ESC/POS bytes back: the text lines, QR codes, images and cuts a printer would produce.

This knows the commands Antrian's tickets use (python-escpos' text, style, image, QR and cut
commands) and refuses anything else, so tests notice when the layout starts sending a command
nobody checked. It also serves as a cheap preview of a ticket without a printer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PIL import Image

__all__ = ["Command", "EscposFormatError", "PrintedLine", "ReadTicket", "Text", "read_ticket"]

LF, CR, HT, DLE, ESC, GS = 0x0A, 0x0D, 0x09, 0x10, 0x1B, 0x1D

# ESC x: number of parameter bytes that follow the command byte.
_ESC_PARAMETERS = {
    b"@": 0,
    b"2": 0,
    b"!": 1,
    b"-": 1,
    b"3": 1,
    b"E": 1,
    b"G": 1,
    b"J": 1,
    b"M": 1,
    b"a": 1,
    b"d": 1,
    b"r": 1,
    b"t": 1,
    b"{": 1,
    b"V": 1,
    b"p": 3,
}
# GS x: the same, for the fixed-length GS commands.
_GS_PARAMETERS = {
    b"!": 1,
    b"B": 1,
    b"b": 1,
    b"H": 1,
    b"f": 1,
    b"h": 1,
    b"w": 1,
    b"L": 2,
    b"W": 2,
}
# GS V m: function A (m = 0, 1, 48, 49) has no further byte; functions B, C, D have one.
_CUT_FUNCTION_A = {0, 1, 48, 49}


class EscposFormatError(ValueError):
    """The bytes hold a command this reader does not know, or one cut short."""


@dataclass(frozen=True, slots=True)
class Text:
    data: bytes


@dataclass(frozen=True, slots=True)
class Command:
    name: str  # e.g. "ESC !", "GS ( k", "LF"
    params: bytes = b""
    data: bytes = b""  # the variable-length payload of GS ( k, GS ( L, GS v 0 and ESC *


Token = Text | Command


@dataclass(frozen=True, slots=True)
class PrintedLine:
    """A line of text as printed: its characters and the largest character size used on it."""

    text: str
    width: int  # character width multiplier
    height: int  # character height multiplier
    bold: bool


@dataclass(frozen=True, slots=True)
class ReadTicket:
    tokens: list[Token]
    lines: list[PrintedLine] = field(default_factory=list)
    qr_payloads: list[bytes] = field(default_factory=list)  # QR codes printed natively
    images: list[Image.Image] = field(default_factory=list)  # raster images, black = printed

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    @property
    def ends_with_cut(self) -> bool:
        """Whether the last thing sent is a paper cut, with nothing printed after it."""
        return bool(self.tokens) and _is_cut(self.tokens[-1])


def tokenize(data: bytes) -> list[Token]:
    """Split ESC/POS bytes into text runs and commands."""
    tokens: list[Token] = []
    index = 0
    while index < len(data):
        byte = data[index]
        if byte >= 0x20:
            end = index
            while end < len(data) and data[end] >= 0x20:
                end += 1
            tokens.append(Text(data[index:end]))
            index = end
        elif byte in (LF, CR, HT):
            tokens.append(Command({LF: "LF", CR: "CR", HT: "HT"}[byte]))
            index += 1
        elif byte == ESC:
            command, index = _escape(data, index)
            tokens.append(command)
        elif byte == GS:
            command, index = _group_separator(data, index)
            tokens.append(command)
        elif byte == DLE and data[index + 1 : index + 2] == b"\x04":
            tokens.append(Command("DLE EOT", _take(data, index + 2, 1, "DLE EOT")))
            index += 3
        else:
            raise EscposFormatError(f"unexpected control byte 0x{byte:02x} at offset {index}")
    return tokens


def read_ticket(data: bytes) -> ReadTicket:
    """What a printer would make of `data`, in standard mode."""
    tokens = tokenize(data)
    ticket = ReadTicket(tokens)
    width = height = 1
    bold = False
    pending: list[str] = []
    line_width = line_height = 1
    line_bold = False
    qr_store = b""

    def flush() -> None:
        nonlocal pending, line_width, line_height, line_bold
        ticket.lines.append(PrintedLine("".join(pending), line_width, line_height, line_bold))
        pending, line_width, line_height, line_bold = [], 1, 1, False

    for token in tokens:
        if isinstance(token, Text):
            text = token.data.decode("latin-1")
            if not pending:
                line_width, line_height, line_bold = width, height, bold
            pending.append(text)
            line_width, line_height = max(line_width, width), max(line_height, height)
            line_bold = line_bold or bold
            continue
        match token.name:
            case "LF":
                flush()
            case "ESC d":
                if pending:
                    flush()
            case "ESC @":
                width = height = 1
                bold = False
                pending = []
            case "ESC !":
                mode = token.params[0]
                width, height = 2 if mode & 0x20 else 1, 2 if mode & 0x10 else 1
                bold = bool(mode & 0x08)
            case "GS !":
                size = token.params[0]
                width, height = (size >> 4 & 0x07) + 1, (size & 0x07) + 1
            case "ESC E" | "ESC G":
                bold = bool(token.params[0] & 0x01)
            case "GS ( k" if token.data[:1] == b"1":  # cn 49: QR code
                function, rest = token.data[1:2], token.data[2:]
                if function == b"P" and rest[:1] == b"0":  # fn 80: store the data
                    qr_store = rest[1:]
                elif function == b"Q":  # fn 81: print what was stored
                    if pending:
                        flush()
                    ticket.qr_payloads.append(qr_store)
            case "GS v 0":
                if pending:
                    flush()
                ticket.images.append(_raster_image(token))
            case _:
                pass
    if pending:
        flush()
    return ticket


def _escape(data: bytes, index: int) -> tuple[Command, int]:
    code = _take(data, index + 1, 1, "ESC")
    if code == b"*":  # ESC * m nL nH: column bit image, 1 or 3 bytes per column
        params = _take(data, index + 2, 3, "ESC *")
        columns = params[1] + params[2] * 256
        size = columns * (1 if params[0] < 32 else 3)
        payload = _take(data, index + 5, size, "ESC *")
        return Command("ESC *", params, payload), index + 5 + size
    if code not in _ESC_PARAMETERS:
        raise EscposFormatError(f"unknown command ESC {code!r} at offset {index}")
    count = _ESC_PARAMETERS[code]
    name = f"ESC {code.decode('ascii')}"
    return Command(name, _take(data, index + 2, count, name)), index + 2 + count


def _group_separator(data: bytes, index: int) -> tuple[Command, int]:
    code = _take(data, index + 1, 1, "GS")
    if code == b"(":  # GS ( k / GS ( L pL pH d1...dk
        kind = _take(data, index + 2, 1, "GS (")
        length = _take(data, index + 3, 2, "GS (")
        size = length[0] + length[1] * 256
        name = f"GS ( {kind.decode('latin-1')}"
        return Command(name, length, _take(data, index + 5, size, name)), index + 5 + size
    if code == b"v":  # GS v 0 m xL xH yL yH d1...dk
        params = _take(data, index + 2, 6, "GS v 0")
        if params[:1] != b"0":
            raise EscposFormatError(f"unknown command GS v {params[:1]!r} at offset {index}")
        size = (params[2] + params[3] * 256) * (params[4] + params[5] * 256)
        payload = _take(data, index + 8, size, "GS v 0")
        return Command("GS v 0", params[1:], payload), index + 8 + size
    if code == b"V":
        function = _take(data, index + 2, 1, "GS V")
        count = 1 if function[0] in _CUT_FUNCTION_A else 2
        return Command("GS V", _take(data, index + 2, count, "GS V")), index + 2 + count
    if code not in _GS_PARAMETERS:
        raise EscposFormatError(f"unknown command GS {code!r} at offset {index}")
    count = _GS_PARAMETERS[code]
    name = f"GS {code.decode('ascii')}"
    return Command(name, _take(data, index + 2, count, name)), index + 2 + count


def _take(data: bytes, start: int, count: int, name: str) -> bytes:
    chunk = data[start : start + count]
    if len(chunk) != count:
        raise EscposFormatError(f"{name} at offset {start} is cut short")
    return chunk


def _raster_image(command: Command) -> Image.Image:
    width_bytes = command.params[1] + command.params[2] * 256
    height = command.params[3] + command.params[4] * 256
    # In ESC/POS a set bit is a printed (black) dot; PIL's "1;I" reads it that way round.
    return Image.frombytes("1", (width_bytes * 8, height), command.data, "raw", "1;I")


def _is_cut(token: Token) -> bool:
    return isinstance(token, Command) and token.name == "GS V"
