"""The community satisfaction survey (SKM, PermenPANRB 14/2017), pure Python: the nine
elements (*unsur*) with the regulation's four answers each, the respondent profile its form
asks, the index (IKM) and its grade, and the minimum sample (Krejcie & Morgan).

How the index is computed, as the regulation's appendix lays it out:
- NRR (nilai rata-rata) of an element = the sum of its scores / the number of respondents;
- NRR tertimbang = NRR × the element's weight; the nine are weighted equally;
- IKM = the sum of the weighted NRRs (1.00–4.00), converted to 25–100 by × 25;
- the grade from the converted value: 25.00–64.99 D (Tidak Baik), 65.00–76.60 C (Kurang
  Baik), 76.61–88.30 B (Baik), 88.31–100.00 A (Sangat Baik).

The weight: the regulation writes it as 1/9 and rounds it to 0.111 in its worked example.
Here it is exactly 1/9, so the IKM is the mean of the nine NRRs: with 0.111 the nine weights
add up to 0.999, a survey where everyone answered 4 scores 99.90 instead of the 100.00 the
interval table tops out at, and a unit exactly at a boundary (all NRRs 3.5324, the unconverted
lower bound of A) would fall a grade short (88.22, B). The arithmetic is done in `Fraction`s
and the converted IKM rounded half-up to two decimals, the precision of the interval table;
`ikm(..., weight=Fraction(111, 1000))` reproduces the regulation's example figures.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

SCORES = (1, 2, 3, 4)


@dataclass(frozen=True)
class Element:
    code: str  # u1 … u9, the regulation's order
    name: str
    name_en: str
    question: str
    question_en: str
    answers: tuple[str, str, str, str]  # the wording of scores 1, 2, 3, 4
    answers_en: tuple[str, str, str, str]


ELEMENTS: tuple[Element, ...] = (
    Element(
        "u1",
        "Persyaratan",
        "Requirements",
        "Bagaimana pendapat Saudara tentang kesesuaian persyaratan pelayanan dengan jenis "
        "pelayanannya?",
        "How well do the requirements fit the service?",
        ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"),
        ("Not suitable", "Less suitable", "Suitable", "Very suitable"),
    ),
    Element(
        "u2",
        "Sistem, mekanisme dan prosedur",
        "System, mechanism and procedure",
        "Bagaimana pemahaman Saudara tentang kemudahan prosedur pelayanan di unit ini?",
        "How easy is the procedure of this service?",
        ("Tidak mudah", "Kurang mudah", "Mudah", "Sangat mudah"),
        ("Not easy", "Less easy", "Easy", "Very easy"),
    ),
    Element(
        "u3",
        "Waktu penyelesaian",
        "Completion time",
        "Bagaimana pendapat Saudara tentang kecepatan waktu dalam memberikan pelayanan?",
        "How fast was the service delivered?",
        ("Tidak cepat", "Kurang cepat", "Cepat", "Sangat cepat"),
        ("Not fast", "Less fast", "Fast", "Very fast"),
    ),
    Element(
        "u4",
        "Biaya/tarif",
        "Cost/fee",
        "Bagaimana pendapat Saudara tentang kewajaran biaya/tarif dalam pelayanan?",
        "How fair is the cost or fee of the service?",
        ("Sangat mahal", "Cukup mahal", "Murah", "Gratis"),
        ("Very expensive", "Rather expensive", "Cheap", "Free"),
    ),
    Element(
        "u5",
        "Produk spesifikasi jenis pelayanan",
        "Service product specification",
        "Bagaimana pendapat Saudara tentang kesesuaian produk pelayanan antara yang "
        "tercantum dalam standar pelayanan dengan hasil yang diberikan?",
        "Does what you received match the product the service standard states?",
        ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"),
        ("Not matching", "Less matching", "Matching", "Fully matching"),
    ),
    Element(
        "u6",
        "Kompetensi pelaksana",
        "Staff competence",
        "Bagaimana pendapat Saudara tentang kompetensi/kemampuan petugas dalam pelayanan?",
        "How competent were the officers?",
        ("Tidak kompeten", "Kurang kompeten", "Kompeten", "Sangat kompeten"),
        ("Not competent", "Less competent", "Competent", "Very competent"),
    ),
    Element(
        "u7",
        "Perilaku pelaksana",
        "Staff conduct",
        "Bagaimana pendapat Saudara tentang perilaku petugas dalam pelayanan terkait "
        "kesopanan dan keramahan?",
        "How polite and friendly were the officers?",
        (
            "Tidak sopan dan ramah",
            "Kurang sopan dan ramah",
            "Sopan dan ramah",
            "Sangat sopan dan ramah",
        ),
        (
            "Not polite or friendly",
            "Less polite and friendly",
            "Polite and friendly",
            "Very polite and friendly",
        ),
    ),
    Element(
        "u8",
        "Penanganan pengaduan, saran dan masukan",
        "Handling of complaints, suggestions and feedback",
        "Bagaimana pendapat Saudara tentang penanganan pengaduan pengguna layanan?",
        "How are complaints from service users handled?",
        (
            "Tidak ada",
            "Ada tetapi tidak berfungsi",
            "Berfungsi kurang maksimal",
            "Dikelola dengan baik",
        ),
        ("None", "Exists but does not work", "Works, not fully", "Well managed"),
    ),
    Element(
        "u9",
        "Sarana dan prasarana",
        "Facilities and infrastructure",
        "Bagaimana pendapat Saudara tentang kualitas sarana dan prasarana?",
        "How good are the facilities?",
        ("Buruk", "Cukup", "Baik", "Sangat baik"),
        ("Poor", "Fair", "Good", "Very good"),
    ),
)
ELEMENT_CODES = tuple(e.code for e in ELEMENTS)

# The respondent profile the regulation's form asks; every field is optional.
PROFILE: dict[str, dict[str, tuple[str, str]]] = {
    "sex": {"L": ("Laki-laki", "Male"), "P": ("Perempuan", "Female")},
    "age_band": {
        "<20": ("Di bawah 20 tahun", "Under 20"),
        "20-29": ("20–29 tahun", "20–29"),
        "30-39": ("30–39 tahun", "30–39"),
        "40-49": ("40–49 tahun", "40–49"),
        "50-59": ("50–59 tahun", "50–59"),
        "60+": ("60 tahun ke atas", "60 and over"),
    },
    "education": {
        "SD": ("SD ke bawah", "Primary or less"),
        "SMP": ("SMP", "Junior high"),
        "SMA": ("SMA/SMK", "Senior high"),
        "D1-D4": ("D1/D2/D3/D4", "Diploma"),
        "S1": ("S1", "Bachelor"),
        "S2+": ("S2 ke atas", "Master or higher"),
    },
    "occupation": {
        "PNS": ("PNS", "Civil servant"),
        "TNI": ("TNI", "Armed forces"),
        "POLRI": ("POLRI", "Police"),
        "SWASTA": ("Pegawai swasta", "Private employee"),
        "WIRAUSAHA": ("Wirausaha", "Self-employed"),
        "PELAJAR": ("Pelajar/Mahasiswa", "Student"),
        "LAINNYA": ("Lainnya", "Other"),
    },
}
PROFILE_FIELDS = tuple(PROFILE)
MAX_SUGGESTION = 1000

EQUAL_WEIGHT = Fraction(1, len(ELEMENTS))
REGULATION_EXAMPLE_WEIGHT = Fraction(111, 1000)

# Lower bounds of the converted IKM (two decimals) per grade, best first.
GRADES: tuple[tuple[Decimal, str, str, str], ...] = (
    (Decimal("88.31"), "A", "Sangat Baik", "Very good"),
    (Decimal("76.61"), "B", "Baik", "Good"),
    (Decimal("65.00"), "C", "Kurang Baik", "Fair"),
    (Decimal("25.00"), "D", "Tidak Baik", "Poor"),
)


class SurveyInvalid(ValueError):
    """A response that breaks the form's rules; the message names the field."""


def validate_response(data: dict[str, Any]) -> dict[str, Any]:
    """The columns of one response from its JSON body, or SurveyInvalid naming the field.

    `{"scores": {"u1": 1-4, …, "u9": 1-4}, "suggestion": str?, "profile": {…}?}`: every
    element must be answered (an IKM over partly answered forms would weigh them unevenly)."""
    scores = data.get("scores")
    if not isinstance(scores, dict):
        raise SurveyInvalid(
            'Kirim "scores": {"u1": 1-4, …, "u9": 1-4}, satu jawaban untuk setiap unsur. / '
            'Send "scores": {"u1": 1-4, …, "u9": 1-4}, one answer per element.'
        )
    unknown = sorted(set(scores) - set(ELEMENT_CODES))
    if unknown:
        raise SurveyInvalid(
            f"scores: unsur {unknown[0]!r} tidak dikenal; unsurnya u1 … u9. / "
            f"scores: unknown element {unknown[0]!r}; elements are u1 … u9."
        )
    row: dict[str, Any] = {}
    for code in ELEMENT_CODES:
        value = scores.get(code)
        if value is None:
            raise SurveyInvalid(
                f"scores.{code}: jawab setiap unsur (1-4). / "
                f"scores.{code}: answer every element (1-4)."
            )
        if isinstance(value, bool) or not isinstance(value, int) or value not in SCORES:
            raise SurveyInvalid(
                f"scores.{code}: harus 1, 2, 3 atau 4, bukan {value!r}. / "
                f"scores.{code}: must be 1, 2, 3 or 4, got {value!r}."
            )
        row[code] = value
    suggestion = data.get("suggestion")
    if suggestion is not None:
        if not isinstance(suggestion, str):
            raise SurveyInvalid(
                "suggestion: harus teks atau null. / suggestion: must be text or null."
            )
        if len(suggestion) > MAX_SUGGESTION:
            raise SurveyInvalid(
                f"suggestion: paling banyak {MAX_SUGGESTION} karakter. / "
                f"suggestion: at most {MAX_SUGGESTION} characters."
            )
        suggestion = suggestion.strip() or None
    row["suggestion"] = suggestion
    profile = data.get("profile") or {}
    if not isinstance(profile, dict):
        raise SurveyInvalid(
            "profile: harus objek berisi sex, age_band, education, occupation. / "
            "profile: must be an object of sex, age_band, education, occupation."
        )
    unknown = sorted(set(profile) - set(PROFILE_FIELDS))
    if unknown:
        raise SurveyInvalid(
            f"profile: isian {unknown[0]!r} tidak dikenal. / profile: unknown field {unknown[0]!r}."
        )
    for name in PROFILE_FIELDS:
        value = profile.get(name)
        if value is not None and (not isinstance(value, str) or value not in PROFILE[name]):
            choices = ", ".join(PROFILE[name])
            raise SurveyInvalid(
                f"profile.{name}: harus salah satu dari {choices}, bukan {value!r}. / "
                f"profile.{name}: must be one of {choices}, got {value!r}."
            )
        row[name] = value
    return row


@dataclass(frozen=True)
class Index:
    respondents: int
    nrr: dict[str, Fraction]  # per element
    ikm: Fraction  # 1–4
    converted: Decimal  # 25–100, two decimals
    grade: str
    grade_name: str
    grade_name_en: str

    def as_json(self) -> dict[str, Any]:
        return {
            "respondents": self.respondents,
            "nrr": {code: round(float(v), 3) for code, v in self.nrr.items()},
            "nrr_weighted": {
                code: round(float(v * EQUAL_WEIGHT), 3) for code, v in self.nrr.items()
            },
            "ikm": round(float(self.ikm), 4),
            "ikm_converted": float(self.converted),
            "grade": self.grade,
            "grade_name": self.grade_name,
            "grade_name_en": self.grade_name_en,
        }


def ikm(sums: dict[str, int], respondents: int, *, weight: Fraction = EQUAL_WEIGHT) -> Index | None:
    """The index from the sum of scores per element over `respondents` complete forms;
    None without respondents."""
    if respondents <= 0:
        return None
    nrr = {code: Fraction(sums[code], respondents) for code in ELEMENT_CODES}
    value = sum((v * weight for v in nrr.values()), Fraction(0))
    converted = Decimal(value.numerator * 25) / Decimal(value.denominator)
    converted = converted.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    letter, name, name_en = grade(converted)
    return Index(respondents, nrr, value, converted, letter, name, name_en)


def grade(converted: Decimal) -> tuple[str, str, str]:
    for lower, letter, name, name_en in GRADES:
        if converted >= lower:
            return letter, name, name_en
    return GRADES[-1][1:]


# Krejcie & Morgan (1970), reprinted by the regulation: population -> minimum sample.
KREJCIE_MORGAN: tuple[tuple[int, int], ...] = (
    (10, 10), (15, 14), (20, 19), (25, 24), (30, 28), (35, 32), (40, 36), (45, 40),
    (50, 44), (55, 48), (60, 52), (65, 56), (70, 59), (75, 63), (80, 66), (85, 70),
    (90, 73), (95, 76), (100, 80), (110, 86), (120, 92), (130, 97), (140, 103),
    (150, 108), (160, 113), (170, 118), (180, 123), (190, 127), (200, 132), (210, 136),
    (220, 140), (230, 144), (240, 148), (250, 152), (260, 155), (270, 159), (280, 162),
    (290, 165), (300, 169), (320, 175), (340, 181), (360, 186), (380, 191), (400, 196),
    (420, 201), (440, 205), (460, 210), (480, 214), (500, 217), (550, 226), (600, 234),
    (650, 242), (700, 248), (750, 254), (800, 260), (850, 265), (900, 269), (950, 274),
    (1000, 278), (1100, 285), (1200, 291), (1300, 297), (1400, 302), (1500, 306),
    (1600, 310), (1700, 313), (1800, 317), (1900, 320), (2000, 322), (2200, 327),
    (2400, 331), (2600, 335), (2800, 338), (3000, 341), (3500, 346), (4000, 351),
    (4500, 354), (5000, 357), (6000, 361), (7000, 364), (8000, 367), (9000, 368),
    (10000, 370), (15000, 375), (20000, 377), (30000, 379), (40000, 380), (50000, 381),
    (75000, 382), (1000000, 384),
)  # fmt: skip
_POPULATIONS = [p for p, _ in KREJCIE_MORGAN]


def minimum_sample(population: int) -> int:
    """The table's sample for `population`. A population between two rows takes the larger
    row's sample (the table is read upwards, never interpolated down), but never more than
    the population itself (11 visitors would otherwise need the 15 row's 14 answers; the
    formula behind the table never asks more than everyone); below 10 everyone is asked;
    above the last row (1,000,000) its 384. The original table has no 100,000 row: a
    population there falls to the 1,000,000 row, 384 (the formula itself gives 383)."""
    if population <= 0:
        return 0
    if population < KREJCIE_MORGAN[0][0]:
        return population
    at = bisect_left(_POPULATIONS, population)
    if at >= len(KREJCIE_MORGAN):
        return KREJCIE_MORGAN[-1][1]
    return min(population, KREJCIE_MORGAN[at][1])


def form() -> dict[str, Any]:
    """The form as the pages draw it (both languages; the page picks)."""
    return {
        "elements": [
            {
                "code": e.code,
                "name": e.name,
                "name_en": e.name_en,
                "question": e.question,
                "question_en": e.question_en,
                "answers": [
                    {"score": s, "label": a, "label_en": b}
                    for s, a, b in zip(SCORES, e.answers, e.answers_en, strict=True)
                ],
            }
            for e in ELEMENTS
        ],
        "profile": {
            name: [{"value": v, "label": a, "label_en": b} for v, (a, b) in options.items()]
            for name, options in PROFILE.items()
        },
        "max_suggestion": MAX_SUGGESTION,
    }
