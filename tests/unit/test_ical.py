"""iCalendar lines as RFC 5545 section 3.1 wants them: at most 75 octets of UTF-8 a line,
folded by CRLF and a space, never inside a character, and unfolded back to the same text."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from core.booking import ical


def unfold(data: str) -> str:
    # Section 3.1: a CRLF followed by one space or tab is removed when reading.
    return re.sub("\r\n[ \t]", "", data)


def physical_lines(data: str) -> list[bytes]:
    raw = data.encode("utf-8")
    assert raw.endswith(b"\r\n")
    return raw[:-2].split(b"\r\n")


def test_a_short_line_is_left_alone():
    assert ical.fold("SUMMARY:KTP (ABCD-2345)") == "SUMMARY:KTP (ABCD-2345)"
    line = "X" * 75
    assert ical.fold(line) == line  # exactly 75 octets fit


def test_a_76_octet_line_is_folded_after_75_octets():
    line = "D" * 76
    assert ical.fold(line) == "D" * 75 + "\r\n D"


def test_a_multi_byte_character_is_never_split_across_a_fold():
    # 74 ASCII octets, then "é" (2 octets) would end at octet 76: it moves to the next line.
    line = "A" * 74 + "é" + "B"
    folded = ical.fold(line)
    assert folded == "A" * 74 + "\r\n éB"
    for chunk in (folded + "\r\n").encode("utf-8").split(b"\r\n")[:-1]:
        chunk.decode("utf-8")  # each physical line is whole UTF-8 on its own


def test_a_long_bilingual_description_folds_and_unfolds_to_the_same_text():
    about = (
        "Kode booking ABCD-2345. Check-in 07:30-08:30 di anjungan: pindai QR atau ketik "
        "kodenya. / Booking code ABCD-2345. Check in 07:30-08:30 at a kiosk: scan the QR "
        "code or type the code. Mal Pelayanan Publik — Gedung Graha Łukasiewicz, "
        "Jl. Jenderal Sudirman No. 1 🏛️ Malang; Jawa Timur"
    )
    line = "DESCRIPTION:" + ical.text(about)
    data = ical.document(["BEGIN:VCALENDAR", line, "END:VCALENDAR"])
    lines = physical_lines(data)
    assert len(lines) > 4
    assert all(len(physical) <= 75 for physical in lines)
    assert all(physical.startswith(b" ") for physical in lines[2:-1])  # continuations
    for physical in lines:
        physical.decode("utf-8")
    assert "\n" not in data.replace("\r\n", "")  # no bare LF: every line ends in CRLF
    content = unfold(data).split("\r\n")
    assert content[1] == line
    escaped = content[1].removeprefix("DESCRIPTION:")
    assert re.sub(r"\\([\\;,])", r"\1", escaped) == about


def test_text_values_escape_what_would_end_or_split_them():
    assert ical.text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=400))
def test_any_line_folds_to_75_octets_and_unfolds_back(value: str):
    line = "DESCRIPTION:" + ical.text(value)
    data = ical.document([line])
    assert all(len(physical) <= 75 for physical in physical_lines(data))
    assert unfold(data) == line + "\r\n"


def test_a_parameter_value_is_quoted_and_cannot_end_its_quotes():
    # The mall's name as ORGANIZER's CN: its comma and semicolon stay inside the quotes.
    assert ical.param('MPP "Kota" Malang, Jatim; Lt. 2') == '"MPP Kota Malang, Jatim; Lt. 2"'
