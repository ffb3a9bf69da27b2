"""The ticket layout, checked on the ESC/POS bytes a printer would receive."""

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
import zxingcpp
from PIL import Image, ImageOps

from printers.layout import (
    PaperWidth,
    TicketSlip,
    ascii_text,
    format_issued_at,
    render_ticket,
    wrap,
)
from printers.reader import EscposFormatError, Text, read_ticket

STATUS_URL = "https://antrian.mpp-bandung.go.id/t/8f3a2c1e9b"

SLIP = TicketSlip(
    mall_name="Mal Pelayanan Publik Kota Bandung Gedung Baru Lantai Dua Sayap Timur",
    mall_address="Jl. Jenderal Sudirman No. 123, Kelurahan Cibeunying Kaler, Kota Bandung",
    agency_name="Dinas Kependudukan dan Pencatatan Sipil (Dukcapil) Kota Bandung",
    service_name="Perekaman KTP-el dan Pencetakan Kartu Identitas Anak",
    number="A012",
    issued_at=datetime(2026, 11, 28, 3, 42, tzinfo=UTC),
    timezone_label="WIB",
    ahead=3,
    eta_minutes=15,
    status_url=STATUS_URL,
    footer="Silakan menunggu panggilan",
    priority_label=None,
)

GS_SIZE = b"\x1d!"


@pytest.fixture(params=list(PaperWidth), ids=lambda paper: paper.name)
def paper(request: pytest.FixtureRequest) -> PaperWidth:
    return request.param


@pytest.fixture(params=[True, False], ids=["native-qr", "raster-qr"])
def native_qr(request: pytest.FixtureRequest) -> bool:
    return request.param


def stored_qr_payloads(data: bytes) -> list[bytes]:
    """The data of every GS ( k "store QR data" command (cn 49, fn 80, m 48), read by hand."""
    payloads = []
    for match in re.finditer(rb"\x1d\(k", data):
        start = match.end()
        length = data[start] + data[start + 1] * 256
        body = data[start + 2 : start + 2 + length]
        if body[:3] == b"1P0":
            payloads.append(body[3:])
    return payloads


def decode_qr(image: Image.Image) -> list[str]:
    framed = ImageOps.expand(image.convert("L"), border=16, fill=255)
    return [result.text for result in zxingcpp.read_barcodes(framed)]


# --- the number -------------------------------------------------------------------------------


@pytest.mark.parametrize(("paper", "scale"), [(PaperWidth.MM80, 4), (PaperWidth.MM58, 3)])
def test_the_number_is_printed_right_after_a_large_character_size(
    paper: PaperWidth, scale: int
) -> None:
    data = render_ticket(SLIP, paper)

    number_at = data.index(b"A012")
    size_at = data.rindex(GS_SIZE, 0, number_at)
    size = data[size_at + 2]
    between = data[size_at + 3 : number_at]

    assert ((size >> 4) + 1, (size & 0x07) + 1) == (scale, scale)
    assert re.fullmatch(rb"(\x1bE[\x00\x01])*", between), "only emphasis may sit in between"


def test_the_lines_after_the_number_are_back_to_normal_size(paper: PaperWidth) -> None:
    lines = read_ticket(render_ticket(SLIP, paper)).lines
    number = next(index for index, line in enumerate(lines) if line.text == "A012")

    assert lines[number].width >= 2 and lines[number].height >= 2
    assert all((line.width, line.height) == (1, 1) for line in lines[number + 1 :])


@pytest.mark.parametrize(
    ("paper", "scale"), [(PaperWidth.MM80, 3), (PaperWidth.MM58, 2)], ids=["MM80", "MM58"]
)
def test_a_long_number_gets_the_largest_size_that_still_fits(paper: PaperWidth, scale: int) -> None:
    slip = replace(SLIP, number="LANSIA-000123")  # 13 characters

    line = next(
        line
        for line in read_ticket(render_ticket(slip, paper)).lines
        if line.text == "LANSIA-000123"
    )

    assert line.width == scale
    assert len(line.text) * line.width <= paper.columns


# --- fitting the paper ------------------------------------------------------------------------


def test_every_text_line_fits_the_paper_width(paper: PaperWidth, native_qr: bool) -> None:
    lines = read_ticket(render_ticket(SLIP, paper, native_qr=native_qr)).lines

    too_wide = [line.text for line in lines if len(line.text) * line.width > paper.columns]

    assert len(lines) > 10
    assert too_wide == []


def test_long_names_are_wrapped_between_words(paper: PaperWidth) -> None:
    printed = read_ticket(render_ticket(SLIP, paper)).lines
    words = {word for line in printed for word in line.text.split()}

    for name in (SLIP.mall_name, SLIP.mall_address, SLIP.agency_name, SLIP.service_name):
        assert set(name.split()) <= words, f"a word of {name!r} was split"
    assert sum(1 for line in printed if line.text.startswith("Mal Pelayanan Publik")) == 1


def test_a_named_printer_profile_with_fewer_columns_narrows_every_line() -> None:
    lines = read_ticket(render_ticket(SLIP, PaperWidth.MM80, profile="TM-T88V")).lines

    assert max(len(line.text) * line.width for line in lines) == 42


def test_wrap_splits_only_words_longer_than_a_line() -> None:
    assert wrap("Kantor Imigrasi Kelas I", 10) == ["Kantor", "Imigrasi", "Kelas I"]
    assert wrap("ABCDEFGHIJKL", 5) == ["ABCDE", "FGHIJ", "KL"]
    assert wrap("   ", 10) == []


# --- what the ticket says ---------------------------------------------------------------------


def test_the_ticket_names_the_mall_agency_and_service_centred(paper: PaperWidth) -> None:
    data = render_ticket(SLIP, paper)
    text = " ".join(line.text for line in read_ticket(data).lines)

    assert b"\x1ba\x01" in data[: data.index(b"Mal Pelayanan")]
    for name in (SLIP.mall_name, SLIP.agency_name, SLIP.service_name):
        assert name in text


def test_the_issue_time_is_shown_in_the_malls_local_time(paper: PaperWidth) -> None:
    lines = [line.text for line in read_ticket(render_ticket(SLIP, paper)).lines]

    assert "Sabtu, 28 Nov 2026 10:42 WIB" in lines


@pytest.mark.parametrize(
    ("issued_at", "label", "expected"),
    [
        (datetime(2026, 11, 28, 3, 42, tzinfo=UTC), "WIB", "Sabtu, 28 Nov 2026 10:42 WIB"),
        (datetime(2026, 11, 28, 3, 42, tzinfo=UTC), "WITA", "Sabtu, 28 Nov 2026 11:42 WITA"),
        (datetime(2026, 8, 16, 17, 5, tzinfo=UTC), "WIT", "Senin, 17 Agu 2026 02:05 WIT"),
        (datetime(2027, 5, 2, 23, 59, tzinfo=UTC), "WIB", "Senin, 3 Mei 2027 06:59 WIB"),
        (
            datetime(2026, 11, 28, 10, 42, tzinfo=timezone(timedelta(hours=7))),
            "",
            "Sabtu, 28 Nov 2026 10:42",
        ),
    ],
)
def test_dates_use_indonesian_day_and_month_names(
    issued_at: datetime, label: str, expected: str
) -> None:
    assert format_issued_at(issued_at, label) == expected


def test_people_ahead_and_the_estimated_wait_are_printed(paper: PaperWidth) -> None:
    lines = [line.text for line in read_ticket(render_ticket(SLIP, paper)).lines]

    assert "Antrean di depan Anda: 3" in lines
    assert "Perkiraan tunggu: +/- 15 menit" in lines


def test_an_unknown_wait_says_it_is_not_available_yet(paper: PaperWidth) -> None:
    slip = replace(SLIP, ahead=0, eta_minutes=None)

    lines = [line.text for line in read_ticket(render_ticket(slip, paper)).lines]

    assert "Antrean di depan Anda: 0" in lines
    assert "Perkiraan tunggu: belum tersedia" in lines


@pytest.mark.parametrize(
    ("language", "words"),
    [("id", "Mungkin tidak terlayani hari ini"), ("en", "May not be served today")],
)
def test_a_ticket_the_day_may_not_serve_says_so_instead_of_an_unknown_wait(
    paper: PaperWidth, language: str, words: str
) -> None:
    """The kiosk's screen says so; the slip the visitor keeps must not say "not yet known"."""
    slip = replace(SLIP, ahead=60, eta_minutes=None, served_today=False, language=language)

    texts = [line.text for line in read_ticket(render_ticket(slip, paper)).lines]

    assert words in texts
    assert not [text for text in texts if "belum tersedia" in text or "not yet known" in text]


def test_nobody_ahead_says_the_visitor_is_next_instead_of_a_zero_wait(paper: PaperWidth) -> None:
    slip = replace(SLIP, ahead=0, eta_minutes=0)

    lines = read_ticket(render_ticket(slip, paper)).lines
    texts = [line.text for line in lines]

    assert "Anda berikutnya" in texts
    assert not [text for text in texts if "menit" in text or "Perkiraan tunggu" in text]
    assert next(line for line in lines if line.text == "Anda berikutnya").bold


def test_a_priority_label_is_printed_in_bold_under_the_number(paper: PaperWidth) -> None:
    slip = replace(SLIP, priority_label="Prioritas: Lansia")

    lines = read_ticket(render_ticket(slip, paper)).lines
    number = next(index for index, line in enumerate(lines) if line.text == "A012")

    assert lines[number + 1].text == "Prioritas: Lansia"
    assert lines[number + 1].bold


def test_the_footer_is_printed(paper: PaperWidth) -> None:
    lines = [line.text for line in read_ticket(render_ticket(SLIP, paper)).lines]

    assert lines[-1] == "Silakan menunggu panggilan"


def test_an_english_ticket_prints_its_own_words_and_date_in_english(paper: PaperWidth) -> None:
    slip = replace(SLIP, language="en", footer="Please wait to be called")

    texts = [line.text for line in read_ticket(render_ticket(slip, paper)).lines]
    nobody_ahead = replace(slip, ahead=0, eta_minutes=0)
    unknown = replace(slip, eta_minutes=None)

    assert "Your queue number" in texts
    assert "Saturday, 28 Nov 2026 10:42 WIB" in texts
    assert "People ahead of you: 3" in texts
    assert "Estimated wait: +/- 15 min" in texts
    assert "Scan to check your queue status" in texts
    assert texts[-1] == "Please wait to be called"
    indonesian = ("Nomor antrean", "Antrean di depan", "Perkiraan", "Pindai", "Sabtu", "menit")
    assert not [text for text in texts if any(word in text for word in indonesian)]
    assert "You are next" in [
        line.text for line in read_ticket(render_ticket(nobody_ahead, paper)).lines
    ]
    assert "Estimated wait: not yet known" in [
        line.text for line in read_ticket(render_ticket(unknown, paper)).lines
    ]


def test_a_slip_in_an_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="language"):
        replace(SLIP, language="fr")


@pytest.mark.parametrize(
    ("issued_at", "expected"),
    [
        (datetime(2026, 11, 28, 3, 42, tzinfo=UTC), "Saturday, 28 Nov 2026 10:42 WIB"),
        (datetime(2027, 5, 2, 23, 59, tzinfo=UTC), "Monday, 3 May 2027 06:59 WIB"),
        (datetime(2026, 8, 16, 17, 5, tzinfo=UTC), "Monday, 17 Aug 2026 00:05 WIB"),
    ],
)
def test_english_dates_use_english_day_and_month_names(issued_at: datetime, expected: str) -> None:
    assert format_issued_at(issued_at, "WIB", "en") == expected


def test_a_copy_is_marked_in_bold_near_the_top_and_an_original_is_not(paper: PaperWidth) -> None:
    original = read_ticket(render_ticket(SLIP, paper)).lines
    copy = read_ticket(render_ticket(replace(SLIP, copy=True), paper)).lines
    english_copy = read_ticket(render_ticket(replace(SLIP, copy=True, language="en"), paper))

    [mark] = [index for index, line in enumerate(copy) if "COPY" in line.text]
    number = next(index for index, line in enumerate(copy) if line.text == "A012")
    assert copy[mark].text == "SALINAN / COPY"
    assert copy[mark].bold
    assert mark < number
    assert not [line for line in original if "SALINAN" in line.text or "COPY" in line.text]
    assert "SALINAN / COPY" in [line.text for line in english_copy.lines]


# --- the QR code ------------------------------------------------------------------------------


def test_a_native_qr_code_stores_exactly_the_status_url_and_prints_it(paper: PaperWidth) -> None:
    data = render_ticket(SLIP, paper, native_qr=True)

    assert stored_qr_payloads(data) == [STATUS_URL.encode("ascii")]
    assert data.index(b"\x1d(k\x03\x001Q0") > data.index(b"1P0" + STATUS_URL.encode())
    assert read_ticket(data).qr_payloads == [STATUS_URL.encode("ascii")]


def test_a_raster_qr_code_decodes_to_the_status_url(paper: PaperWidth) -> None:
    data = render_ticket(SLIP, paper, native_qr=False)
    images = read_ticket(data).images

    assert stored_qr_payloads(data) == []
    assert len(images) == 1
    assert images[0].width <= paper.dots
    assert decode_qr(images[0]) == [STATUS_URL]


def test_a_status_url_too_long_for_a_readable_qr_code_is_refused() -> None:
    slip = replace(SLIP, status_url="https://antrian.example.go.id/t/" + "x" * 1500)

    with pytest.raises(ValueError, match="too long"):
        render_ticket(slip, PaperWidth.MM58)


def test_a_status_url_with_spaces_or_non_ascii_is_refused() -> None:
    with pytest.raises(ValueError, match="status_url"):
        render_ticket(replace(SLIP, status_url="https://antrian.go.id/t/ä b"), PaperWidth.MM80)


# --- the end of the ticket --------------------------------------------------------------------


def test_a_paper_cut_ends_the_ticket(paper: PaperWidth, native_qr: bool) -> None:
    data = render_ticket(SLIP, paper, native_qr=native_qr)

    assert re.search(rb"\x1dV[\x00\x01\x30\x31]\Z", data)
    assert read_ticket(data).ends_with_cut


# --- plain ASCII ------------------------------------------------------------------------------


def test_non_ascii_names_come_out_as_plain_ascii(paper: PaperWidth) -> None:
    slip = replace(
        SLIP,
        mall_name="MPP “Kota Bandung” • Gedung Satu",
        agency_name="Dukcapil – Kependudukan é",
        service_name="Légalisasi Akta … ± 漢字",
    )

    ticket = read_ticket(render_ticket(slip, paper))
    text_bytes = b"".join(token.data for token in ticket.tokens if isinstance(token, Text))
    lines = [line.text for line in ticket.lines]

    assert all(0x20 <= byte <= 0x7E for byte in text_bytes)
    assert "Dukcapil - Kependudukan e" in lines
    assert 'MPP "Kota Bandung" - Gedung Satu' in lines
    assert "Legalisasi Akta ... +/-" in lines


def test_control_bytes_in_a_name_cannot_smuggle_in_commands(paper: PaperWidth) -> None:
    slip = replace(SLIP, service_name="Paspor\x1dV\x00\x1b@ Baru")

    ticket = read_ticket(render_ticket(slip, paper))
    cuts = [token for token in ticket.tokens if getattr(token, "name", "") == "GS V"]
    resets = [token for token in ticket.tokens if getattr(token, "name", "") == "ESC @"]

    assert len(cuts) == 1
    assert len(resets) == 1
    assert "Paspor V@ Baru" in [line.text for line in ticket.lines]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("Dukcapil – Kependudukan é", "Dukcapil - Kependudukan e"),
        ("± 15 menit", "+/- 15 menit"),
        ("“Kantor” Imigrasi…", '"Kantor" Imigrasi...'),
        ("Straße Ærø", "Strasse AEro"),
        ("satu\ndua\tTIGA", "satu dua TIGA"),
        ("漢字 Kantor", "Kantor"),
    ],
)
def test_ascii_text_spells_characters_plainly(given: str, expected: str) -> None:
    assert ascii_text(given) == expected


# --- the slip itself --------------------------------------------------------------------------


def test_a_slip_with_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        replace(SLIP, issued_at=datetime(2026, 11, 28, 10, 42))


def test_the_reader_refuses_commands_it_does_not_know() -> None:
    with pytest.raises(EscposFormatError, match="ESC"):
        read_ticket(b"\x1bZ\x00")
