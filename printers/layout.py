"""A queue ticket as ESC/POS bytes, for 80 mm and 58 mm thermal paper.

The ticket is built with python-escpos on a `Dummy` printer, so the same bytes go to any device
(network, USB, serial, file, CUPS). Every piece of text is reduced to printable ASCII first: the
character tables of cheap kiosk printers differ, and a control byte inside a service name must
never reach the printer as a command.
"""

from __future__ import annotations

import copy
import textwrap
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from enum import Enum
from functools import cache
from typing import Any

import qrcode
import qrcode.constants
from escpos.capabilities import CAPABILITIES, Profile
from escpos.constants import QR_ECLEVEL_M
from escpos.printer import Dummy
from PIL import Image
from qrcode.exceptions import DataOverflowError

__all__ = [
    "COPY_MARK",
    "LANGUAGES",
    "PaperWidth",
    "TicketSlip",
    "ascii_text",
    "format_issued_at",
    "known_profiles",
    "render_ticket",
    "wrap",
]


# The languages a ticket can be printed in: Bahasa Indonesia (the default) and English.
LANGUAGES = ("id", "en")
COPY_MARK = "SALINAN / COPY"


class PaperWidth(Enum):
    """Paper roll widths, with Font A columns and printable dots at 203 dpi."""

    MM80 = (80, 48, 576)
    MM58 = (58, 32, 384)

    @property
    def millimetres(self) -> int:
        return self.value[0]

    @property
    def columns(self) -> int:
        return self.value[1]

    @property
    def dots(self) -> int:
        return self.value[2]

    @classmethod
    def from_millimetres(cls, millimetres: int) -> PaperWidth:
        for paper in cls:
            if paper.millimetres == millimetres:
                return paper
        raise ValueError(f"no paper width of {millimetres} mm; use 80 or 58")


@dataclass(frozen=True, slots=True)
class TicketSlip:
    """What a printed ticket shows. Plain values only: no personal data belongs here.

    The caller gives the names, footer and priority label in `language`; the layout prints
    its own words ("Nomor antrean Anda" / "Your queue number", the date) in the same one.
    """

    mall_name: str
    mall_address: str
    agency_name: str
    service_name: str
    number: str
    issued_at: datetime
    timezone_label: str
    ahead: int
    eta_minutes: int | None
    status_url: str
    footer: str = "Silakan menunggu panggilan"
    priority_label: str | None = None
    language: str = "id"
    # A reprint: marked "SALINAN / COPY" (in both languages) so it cannot pass for a second number.
    copy: bool = False
    # A checked-in booking: "BOOKING 10:00", its slot time, printed under the number.
    booking_label: str | None = None
    # False when the queue ahead outlasts the day (the estimate's `eta_today`): the slip says
    # the visitor may not be served today, as the kiosk's screen does, not "not yet known".
    served_today: bool | None = True

    def __post_init__(self) -> None:
        # A naive datetime would print the server's clock time as if it were the mall's.
        if self.issued_at.tzinfo is None or self.issued_at.utcoffset() is None:
            raise ValueError("issued_at must be timezone-aware")
        if self.ahead < 0:
            raise ValueError(f"ahead must not be negative, got {self.ahead}")
        if self.eta_minutes is not None and self.eta_minutes < 0:
            raise ValueError(f"eta_minutes must not be negative, got {self.eta_minutes}")
        if self.language not in LANGUAGES:
            raise ValueError(
                f"language must be one of {', '.join(LANGUAGES)}, got {self.language!r}"
            )


# --- text -------------------------------------------------------------------------------------

# Characters that NFKD leaves alone but that have an obvious ASCII spelling.
_SPELLINGS = str.maketrans(
    {
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2026": "...",
        "\u00b1": "+/-",
        "\u00d7": "x",
        "\u00b7": "-",
        "\u2022": "-",
        "\u00df": "ss",
        "\u00e6": "ae",
        "\u00c6": "AE",
        "\u0153": "oe",
        "\u0152": "OE",
        "\u00f8": "o",
        "\u00d8": "O",
        "\u0111": "d",
        "\u0110": "D",
        "\u0142": "l",
        "\u0141": "L",
        "\u00b0": " derajat",
    }
)


def ascii_text(text: str) -> str:
    """`text` as one line of printable ASCII: accents dropped, dashes and quotes spelled plainly.

    Anything without an ASCII spelling is removed, and so is every control byte, so that text
    from the database can never smuggle an ESC/POS command onto the wire.
    """
    decomposed = unicodedata.normalize("NFKD", text.translate(_SPELLINGS))
    printable = "".join(
        character if " " <= character <= "~" else " " if character.isspace() else ""
        for character in decomposed
    )
    return " ".join(printable.split())


def wrap(text: str, columns: int) -> list[str]:
    """ASCII lines of at most `columns` characters, broken on spaces where a word allows it."""
    if columns < 1:
        raise ValueError(f"columns must be at least 1, got {columns}")
    return textwrap.wrap(
        ascii_text(text), width=columns, break_long_words=True, break_on_hyphens=False
    )


# --- date and time ----------------------------------------------------------------------------

_DAYS = {
    "id": ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
_MONTHS = {
    "id": ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}

# Indonesia's three zones have fixed offsets and no daylight saving, so no tz database is needed.
_INDONESIAN_ZONES = {
    "WIB": timezone(timedelta(hours=7)),
    "WITA": timezone(timedelta(hours=8)),
    "WIT": timezone(timedelta(hours=9)),
}


def format_issued_at(issued_at: datetime, timezone_label: str, language: str = "id") -> str:
    """E.g. "Sabtu, 28 Nov 2026 10:42 WIB" ("Saturday, ..." in English), in the zone the label
    names.

    Names are spelled here rather than taken from the C locale, which kiosks rarely have in
    Indonesian. A label other than WIB, WITA or WIT keeps `issued_at`'s own offset.
    """
    zone = _INDONESIAN_ZONES.get(timezone_label.strip().upper())
    local = issued_at.astimezone(zone) if zone is not None else issued_at
    day = _DAYS[language][local.weekday()]
    month = _MONTHS[language][local.month - 1]
    return f"{day}, {local.day} {month} {local.year} {local:%H:%M} {timezone_label}".strip()


# --- the ticket's own words -------------------------------------------------------------------

_WORDS = {
    "id": {
        "your_number": "Nomor antrean Anda",
        "ahead": "Antrean di depan Anda: {n}",
        "wait": "Perkiraan tunggu: \u00b1 {n} menit",
        "wait_unknown": "Perkiraan tunggu: belum tersedia",
        "not_today": "Mungkin tidak terlayani hari ini",
        "next": "Anda berikutnya",
        "scan": "Pindai untuk cek status antrean",
    },
    "en": {
        "your_number": "Your queue number",
        "ahead": "People ahead of you: {n}",
        "wait": "Estimated wait: \u00b1 {n} min",
        "wait_unknown": "Estimated wait: not yet known",
        "not_today": "May not be served today",
        "next": "You are next",
        "scan": "Scan to check your queue status",
    },
}


# --- printer profiles -------------------------------------------------------------------------

# Well-known python-escpos profiles for each roll, used when the configuration names none.
# No bundled 58 mm profile declares both a cutter and native QR codes, so that roll gets the
# generic profile narrowed to 384 dots and 32 columns.
_DEFAULT_PROFILES = {PaperWidth.MM80: "TM-T20II", PaperWidth.MM58: "default"}


def known_profiles() -> list[str]:
    """Names of the printer profiles python-escpos knows."""
    return sorted(CAPABILITIES["profiles"])


class _TicketProfile(Profile):
    """A python-escpos profile whose paper geometry is that of the roll in the printer."""

    def __init__(self, data: dict[str, Any], columns: int) -> None:
        # Instance data shadows the class-level profile data that `Profile` inherits.
        self.profile_data = data
        super().__init__(columns=columns, features=data["features"])


@dataclass(frozen=True, slots=True)
class _Geometry:
    columns: int
    dots: int
    profile: _TicketProfile


@cache
def _geometry(paper: PaperWidth, profile_name: str | None) -> _Geometry:
    name = profile_name or _DEFAULT_PROFILES[paper]
    profiles = CAPABILITIES["profiles"]
    if name not in profiles:
        raise ValueError(f"unknown printer profile {name!r}; known: {', '.join(known_profiles())}")
    data = copy.deepcopy(profiles[name])
    columns, dots = paper.columns, paper.dots
    # A named model may print fewer columns or dots than the roll allows (e.g. 42 on TM-T88).
    font_a_columns = data.get("fonts", {}).get("0", {}).get("columns")
    if isinstance(font_a_columns, int) and profile_name is not None:
        columns = min(columns, font_a_columns)
    media_dots = data.get("media", {}).get("width", {}).get("pixels")
    if isinstance(media_dots, int) and profile_name is not None:
        dots = min(dots, media_dots)
    data["media"] = {"width": {"mm": paper.millimetres, "pixels": dots}}
    data.setdefault("fonts", {}).setdefault("0", {"name": "Font A"})["columns"] = columns
    return _Geometry(columns, dots, _TicketProfile(data, columns))


# --- the ticket -------------------------------------------------------------------------------

# Largest character multiplier for the ticket number: big enough to read at arm's length,
# small enough to leave room for the QR code on a 58 mm roll.
_NUMBER_SCALE = {PaperWidth.MM80: 4, PaperWidth.MM58: 3}
# QR module size in dots: about 5 mm squares on 80 mm paper for a typical status URL.
_QR_MODULE_DOTS = {PaperWidth.MM80: 6, PaperWidth.MM58: 5}
# Below this a thermal head smears modules together and phone cameras give up.
_QR_MIN_MODULE_DOTS = 3
_QR_QUIET_ZONE = 4  # modules, as the QR specification asks


def render_ticket(
    slip: TicketSlip,
    paper: PaperWidth,
    native_qr: bool = True,
    profile: str | None = None,
) -> bytes:
    """The ESC/POS bytes of one ticket, ending with a paper cut.

    `native_qr` sends the URL for the printer to draw (GS ( k); otherwise the QR code is drawn
    here and sent as a raster image (GS v 0), for printers without a QR engine. `profile` names
    a python-escpos printer profile; by default a common model for the paper width is assumed.
    """
    geometry = _geometry(paper, profile)
    columns = geometry.columns
    printer = Dummy(profile=geometry.profile)
    printer.hw("INIT")

    def lines(text: str, **style: Any) -> None:
        printer.set(**style)
        for line in wrap(text, columns):
            printer.text(line + "\n")

    lines(slip.mall_name, align="center", normal_textsize=True, bold=True)
    lines(slip.mall_address, bold=False)
    printer.text("-" * columns + "\n")
    if slip.copy:
        lines(COPY_MARK, bold=True)
        printer.text("-" * columns + "\n")
    lines(slip.agency_name, bold=True)
    lines(slip.service_name, bold=False)
    printer.text("\n")
    words = _WORDS[slip.language]
    lines(words["your_number"])
    _big_number(printer, slip.number, columns, _NUMBER_SCALE[paper])
    if slip.priority_label:
        lines(slip.priority_label, bold=True)
        printer.set(bold=False)
    if slip.booking_label:
        lines(slip.booking_label, bold=True)
        printer.set(bold=False)
    printer.text("\n")
    lines(format_issued_at(slip.issued_at, slip.timezone_label, slip.language))
    lines(words["ahead"].format(n=slip.ahead))
    if slip.served_today is False:  # more ahead than the day has time for
        lines(words["not_today"], bold=True)
        printer.set(bold=False)
    elif slip.eta_minutes is None:  # no counter for the service is open: no honest estimate
        lines(words["wait_unknown"])
    elif slip.ahead == 0:  # "+/- 0 menit" reads like a mistake; say what it means
        lines(words["next"], bold=True)
        printer.set(bold=False)
    else:
        lines(words["wait"].format(n=slip.eta_minutes))
    _qr(printer, slip.status_url, geometry, paper, native_qr)
    lines(words["scan"])
    printer.text("\n")
    lines(slip.footer, bold=True)
    printer.set(bold=False, align="left")
    printer.cut()
    return printer.output


def _big_number(printer: Dummy, number: str, columns: int, largest: int) -> None:
    text = ascii_text(number)
    scale = next((n for n in range(largest, 0, -1) if len(text) * n <= columns), 1)
    if scale == 1:
        for line in wrap(text, columns):
            printer.text(line + "\n")
        return
    printer.set(bold=True, custom_size=True, width=scale, height=scale)
    printer.text(text + "\n")
    printer.set(bold=False, custom_size=True, width=1, height=1)


def _qr(printer: Dummy, url: str, geometry: _Geometry, paper: PaperWidth, native_qr: bool) -> None:
    # The URL goes into the QR code verbatim: transliterating it would change where it leads.
    if not url.isascii() or any(not " " < character <= "~" for character in url):
        raise ValueError(f"status_url must be printable ASCII without spaces, got {url!r}")
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(url)
    too_long = ValueError(
        f"status_url is too long for a readable QR code on {paper.millimetres} mm paper "
        f"({len(url)} characters)"
    )
    try:
        modules = 17 + 4 * code.best_fit()
    except DataOverflowError:
        raise too_long from None
    module_dots = min(_QR_MODULE_DOTS[paper], geometry.dots // (modules + 2 * _QR_QUIET_ZONE))
    if module_dots < _QR_MIN_MODULE_DOTS:
        raise too_long
    printer.set(align="center")
    if native_qr and geometry.profile.supports("qrCode"):
        # The printer draws no quiet zone around a native code; a blank line stands in above.
        printer.text("\n")
        printer.qr(url, ec=QR_ECLEVEL_M, size=module_dots, native=True)
        printer.text("\n")
        return
    code.make(fit=False)  # the version is known; this picks the mask pattern
    printer.image(_qr_image(code.modules, module_dots, geometry.dots), impl="bitImageRaster")


def _qr_image(matrix: list[list[bool | None]], module_dots: int, dots: int) -> Image.Image:
    """The code centred on a strip as wide as the paper, with its quiet zone above and below.

    Drawn from the module matrix in one go, which is several times faster than qrcode's own
    per-module drawing; centred in the image because GS v 0 ignores ESC a on many printers.
    """
    size = len(matrix)
    pixels = bytes(0 if dark else 255 for row in matrix for dark in row)
    code = Image.frombytes("L", (size, size), pixels).convert("1")
    code = code.resize((size * module_dots, size * module_dots), Image.Resampling.NEAREST)
    margin = _QR_QUIET_ZONE * module_dots
    strip = Image.new("1", (dots, code.height + 2 * margin), 1)
    strip.paste(code, ((dots - code.width) // 2, margin))
    return strip
