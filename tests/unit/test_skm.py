"""The satisfaction index (IKM) as PermenPANRB 14/2017 computes it, on worked examples."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from core import skm

CODES = skm.ELEMENT_CODES


def sums_for(nrr: list[str], respondents: int) -> dict[str, int]:
    """Score sums that give these NRRs over `respondents` (NRR × respondents, whole)."""
    sums = {}
    for code, value in zip(CODES, nrr, strict=True):
        total = Fraction(value) * respondents
        assert total.denominator == 1
        sums[code] = int(total)
    return sums


def test_a_worked_example_by_hand():
    # 100 respondents; the NRRs of the nine elements:
    nrr = ["3.20", "3.10", "2.90", "3.80", "3.00", "3.30", "3.40", "2.80", "3.05"]
    index = skm.ikm(sums_for(nrr, 100), 100)
    assert index is not None
    assert index.nrr["u1"] == Fraction(32, 10) and index.nrr["u9"] == Fraction(305, 100)
    # Σ NRR = 28.55; × 1/9 = 3.17222…; × 25 = 79.3055… -> 79.31: grade B (76.61–88.30)
    assert index.ikm == Fraction(2855, 900)
    assert index.converted == Decimal("79.31")
    assert (index.grade, index.grade_name) == ("B", "Baik")
    # With the regulation's rounded weight 0.111: 28.55 × 0.111 = 3.16905 -> 79.23, still B.
    rounded = skm.ikm(sums_for(nrr, 100), 100, weight=skm.REGULATION_EXAMPLE_WEIGHT)
    assert rounded is not None
    assert rounded.ikm == Fraction("3.16905")
    assert rounded.converted == Decimal("79.23") and rounded.grade == "B"


def test_why_the_weight_is_exactly_one_ninth():
    everyone_best = skm.ikm(dict.fromkeys(CODES, 4 * 50), 50)
    assert everyone_best is not None and everyone_best.converted == Decimal("100.00")
    assert skm.ikm(dict.fromkeys(CODES, 200), 50, weight=Fraction(111, 1000)).converted == Decimal(
        "99.90"
    )
    # At the A boundary (unconverted 3.5324 per element): 1/9 keeps it an A, 0.111 drops it.
    boundary = sums_for(["3.5324"] * 9, 10_000)
    assert skm.ikm(boundary, 10_000).converted == Decimal("88.31")
    assert skm.ikm(boundary, 10_000).grade == "A"
    short = skm.ikm(boundary, 10_000, weight=skm.REGULATION_EXAMPLE_WEIGHT)
    assert short.converted == Decimal("88.22") and short.grade == "B"


@pytest.mark.parametrize(
    ("converted", "grade"),
    [
        ("25.00", "D"),
        ("64.99", "D"),
        ("65.00", "C"),
        ("76.60", "C"),
        ("76.61", "B"),
        ("88.30", "B"),
        ("88.31", "A"),
        ("100.00", "A"),
    ],
)
def test_the_grade_intervals(converted: str, grade: str):
    assert skm.grade(Decimal(converted))[0] == grade


def test_no_respondents_no_index():
    assert skm.ikm(dict.fromkeys(CODES, 0), 0) is None


@pytest.mark.parametrize(
    ("population", "sample"),
    [
        (0, 0),
        (7, 7),
        (10, 10),
        (100, 80),
        (101, 86),  # between rows: the next row up
        (1_000, 278),
        (10_000, 370),
        (75_000, 382),
        (100_000, 384),
        (5_000_000, 384),
    ],
)
def test_the_minimum_sample_from_the_krejcie_morgan_table(population: int, sample: int):
    assert skm.minimum_sample(population) == sample


@pytest.mark.parametrize(("population", "sample"), [(11, 11), (14, 14), (16, 16), (31, 31)])
def test_the_minimum_sample_never_exceeds_the_population(population: int, sample: int):
    """Read upwards, the table asks a unit that served 11 visitors for 14 answers (the row of
    15), more than there are visitors: the page would warn of too few respondents after every
    visitor answered. Krejcie & Morgan's formula never asks more than the population."""
    assert skm.minimum_sample(population) == sample
    assert all(skm.minimum_sample(n) <= n for n in range(0, 2_000))


def test_a_response_is_checked_field_by_field():
    good = {"scores": dict.fromkeys(CODES, 3), "profile": {"sex": "P", "age_band": "30-39"}}
    row = skm.validate_response(good)
    assert row["u1"] == 3 and row["sex"] == "P" and row["education"] is None
    for scores, field in [
        ({**dict.fromkeys(CODES, 3), "u4": 5}, "scores.u4"),
        ({**dict.fromkeys(CODES, 3), "u4": 0}, "scores.u4"),
        ({**dict.fromkeys(CODES, 3), "u4": True}, "scores.u4"),
        ({**dict.fromkeys(CODES, 3), "u4": "3"}, "scores.u4"),
        ({code: 3 for code in CODES[:-1]}, "scores.u9"),
        ({**dict.fromkeys(CODES, 3), "u10": 3}, "u10"),
    ]:
        with pytest.raises(skm.SurveyInvalid, match=field):
            skm.validate_response({"scores": scores})
    for sex in ("X", {}, [], 1):
        with pytest.raises(skm.SurveyInvalid, match="profile.sex"):
            skm.validate_response({**good, "profile": {"sex": sex}})
    with pytest.raises(skm.SurveyInvalid, match="suggestion"):
        skm.validate_response({**good, "suggestion": "x" * 1001})


def test_each_element_has_its_own_four_answers():
    assert len(skm.ELEMENTS) == 9
    assert skm.ELEMENTS[3].answers == ("Sangat mahal", "Cukup mahal", "Murah", "Gratis")
    assert skm.ELEMENTS[2].answers[0] == "Tidak cepat"
    assert len({e.answers for e in skm.ELEMENTS}) >= 8
