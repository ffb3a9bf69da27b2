"""The pure rules of booking: the NIK's structure and keyed hash, booking codes, slots."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.booking import codes, nik, slots
from core.config import Settings
from core.config.booking import BookingRules


@pytest.mark.parametrize(
    "good",
    [
        "3573011205900001",
        "3573015208850002",
        "3573 0152 0885 0002",
        "1101012902000001",
        "9601016506100001",  # Papua Barat Daya (since 2022), a woman born 25-06-2010
    ],
)
def test_plausible_niks_pass(good: str):
    assert nik.validate(good) == good.replace(" ", "")


@pytest.mark.parametrize(
    ("bad", "says"),
    [
        ("357301120590001", "16 digits"),
        ("35730112059000011", "16 digits"),
        ("35730112059000a1", "16 digits"),
        ("9973011205900001", "province"),
        ("1073011205900001", "province"),
        ("2073011205900001", "province"),  # 20: between Sumatra's and Jawa's
        ("9773011205900001", "province"),  # 97: a BPS code, never a NIK's
        ("3500011205900001", "regency"),
        ("3573003205900001", "regency"),
        ("3573013205900001", "date"),  # day 32
        ("3573017205900001", "date"),  # 72 - 40 = 32
        ("3573011213900001", "date"),  # month 13
        ("3573012902010001", "date"),  # 29 Feb 1901 / 2001
        ("3573011205900000", "0000"),
    ],
)
def test_implausible_niks_are_refused_saying_why(bad: str, says: str):
    with pytest.raises(nik.InvalidNik, match=says):
        nik.validate(bad)
    with pytest.raises(nik.InvalidNik):
        nik.validate(12345)


def test_the_hash_is_keyed():
    one = nik.keyed_hash("3573011205900001", "secret-a")
    assert one == nik.keyed_hash("3573011205900001", "secret-a")
    assert one != nik.keyed_hash("3573011205900001", "secret-b")
    assert "3573011205900001" not in one and len(one) == 64


@given(st.integers(0, 1000))
def test_codes_use_no_ambiguous_characters(_: int):
    code = codes.new_code()
    assert len(code) == 8 and not set(code) & set("0O1IL")
    assert codes.normalize(codes.grouped(code).lower()) == code


def test_codes_that_cannot_be_ours_are_none():
    assert codes.normalize("ABCD-0000") is None
    assert codes.normalize("x" * 100) is None
    assert codes.normalize(None) is None


def test_a_day_is_cut_into_slots_around_the_friday_break(demo_settings: Settings):
    settings = dataclasses.replace(
        demo_settings,
        services=tuple(
            dataclasses.replace(s, booking=BookingRules(slot_minutes=60)) if s.code == "SKCK" else s
            for s in demo_settings.services
        ),
    )
    # SKCK follows office hours: Friday 08:00-11:00, so the 11:30-13:00 break cuts nothing.
    friday = [s.label for s in slots.day_slots(settings, "SKCK", date(2026, 11, 27))]
    assert friday == ["08:00", "09:00", "10:00"]
    # The mall's Friday hours run 07:30-16:00 and the break takes out what overlaps it.
    mall = dataclasses.replace(
        settings,
        services=tuple(
            dataclasses.replace(s, hours=None) if s.code == "SKCK" else s for s in settings.services
        ),
    )
    labels = [s.label for s in slots.day_slots(mall, "SKCK", date(2026, 11, 27))]
    assert labels == ["07:30", "08:30", "09:30", "10:30", "13:30", "14:30"]
    assert slots.day_slots(mall, "SKCK", date(2026, 12, 25)) == []  # Hari Raya Natal


def test_a_slot_belongs_to_its_local_date(demo_settings: Settings):
    """08:00 WIB on the 25th is 01:00 UTC on the 25th; 06:30 WIB would be the 24th in UTC."""
    slot = slots.Slot(datetime(2026, 1, 1, 6, 30).time(), datetime(2026, 1, 1, 7, 0).time())
    start = slots.starts_at(demo_settings, date(2026, 11, 25), slot)
    assert start == datetime(2026, 11, 24, 23, 30, tzinfo=UTC)
