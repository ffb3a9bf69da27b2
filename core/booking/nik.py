"""The NIK (Nomor Induk Kependudukan): checked by its structure, kept only as a keyed hash.

A booking asks for the NIK for one reason: one active booking per person per service per
day. So the server never stores it; it stores HMAC-SHA256(server secret, NIK), which matches
the same NIK again but cannot be reversed by someone who reads the database without the
secret (a plain hash of 16 digits with a known structure could be found by trying them all).

Structure (Permendagri on the NIK): 16 digits; the first six the region where it was issued
(province 2 digits, regency/city 2, district 2), then the birth date as DDMMYY with 40 added
to the day for women, then a 4-digit serial that is never 0000.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import date

# Province codes as the NIK writes them: Kemendagri's (Kepmendagri on the codes of regions),
# not BPS's statistical ones, which differ in Papua. Sumatra 11-19 and 21, Jawa 31-36,
# Bali-Nusa Tenggara 51-53, Kalimantan 61-65, Sulawesi 71-76, Maluku 81-82, Papua 91-96
# (Papua 91, Papua Barat 92, and since 2022 Papua Selatan 93, Papua Tengah 94, Papua
# Pegunungan 95, Papua Barat Daya 96; a NIK keeps its code when its province splits). 97 is
# Papua Pegunungan's code at BPS only: no NIK starts with it.
PROVINCES = frozenset(
    {11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 31, 32, 33, 34, 35, 36, 51, 52, 53}
    | {61, 62, 63, 64, 65, 71, 72, 73, 74, 75, 76, 81, 82, 91, 92, 93, 94, 95, 96}
)
_DIGITS = re.compile(r"[0-9]{16}")


class InvalidNik(ValueError):
    """The NIK cannot be right; the message says which part and why."""


def normalize(raw: object) -> str:
    """The NIK as 16 digits: spaces, dots and dashes people type between groups removed, and
    digits of other scripts (a phone keyboard's fullwidth or Arabic-Indic ones) written as
    ASCII. Otherwise the same NIK typed on two keyboards hashed as two people, and one person
    held several bookings of one service and day."""
    if not isinstance(raw, str):
        raise InvalidNik("NIK harus 16 angka. / 'nik' must be a text of 16 digits.")
    text = re.sub(r"[\s.\-]", "", raw)
    return "".join(str(int(ch)) if ch.isdecimal() else ch for ch in text)


def birth_date(nik: str) -> date | None:
    """The birth date the NIK encodes, or None if digits 7-12 are no real date. The century
    is not written: a date that exists in either the 1900s or the 2000s is accepted."""
    day, month, year = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    if day > 40:
        day -= 40
    for century in (2000, 1900):
        try:
            return date(century + year, month, day)
        except ValueError:
            continue
    return None


def validate(raw: object) -> str:
    """The NIK as 16 digits, or InvalidNik naming what is wrong with it."""
    nik = normalize(raw)
    if not _DIGITS.fullmatch(nik):
        got = min(len(nik), 99)
        raise InvalidNik(
            f"NIK harus tepat 16 angka; yang diisi {got} karakter. / 'nik' must be exactly 16 "
            f"digits; got {got} characters."
        )
    if int(nik[:2]) not in PROVINCES:
        raise InvalidNik(
            f"NIK diawali {nik[:2]}, bukan kode provinsi (11 sampai 96); periksa angka "
            f"pertamanya. / 'nik' starts with {nik[:2]}, which is no province code (11 to 96); "
            "check the first digits."
        )
    if nik[2:4] == "00" or nik[4:6] == "00":
        raise InvalidNik(
            "Angka ke-3 sampai ke-6 NIK adalah kode kabupaten/kota dan kecamatan (bukan 00). / "
            "'nik' digits 3-6 must name a regency and a district (not 00)."
        )
    if birth_date(nik) is None:
        raise InvalidNik(
            f"Angka ke-7 sampai ke-12 NIK adalah tanggal lahir DDMMYY (tanggal + 40 untuk "
            f"perempuan); {nik[6:12]} bukan tanggal. / 'nik' digits 7-12 must be a birth date "
            f"DDMMYY (day + 40 for women); {nik[6:12]} is no date."
        )
    if nik[12:] == "0000":
        raise InvalidNik("NIK tidak berakhir 0000. / 'nik' must not end in 0000.")
    return nik


def keyed_hash(nik: str, secret: str | bytes) -> str:
    """HMAC-SHA256 of the NIK under the server's secret, hex: what the database keeps."""
    key = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(key, b"nik:" + nik.encode(), hashlib.sha256).hexdigest()
