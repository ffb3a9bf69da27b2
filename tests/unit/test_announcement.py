"""The call phrase: Indonesian number words, letter names, counters and templates."""

import re

import pytest

from core.announcement import (
    DEFAULT_TEMPLATE,
    build_call_phrase,
    display_call_text,
    display_counter,
    letter_names,
    number_words,
    spoken_counter,
    spoken_ticket_number,
    validate_template,
)


@pytest.mark.parametrize(
    ("number", "words"),
    [
        (0, "nol"),
        (1, "satu"),
        (10, "sepuluh"),
        (11, "sebelas"),
        (12, "dua belas"),
        (19, "sembilan belas"),
        (20, "dua puluh"),
        (21, "dua puluh satu"),
        (100, "seratus"),
        (101, "seratus satu"),
        (110, "seratus sepuluh"),
        (111, "seratus sebelas"),
        (115, "seratus lima belas"),
        (123, "seratus dua puluh tiga"),
        (200, "dua ratus"),
        (999, "sembilan ratus sembilan puluh sembilan"),
        (1000, "seribu"),
        (1001, "seribu satu"),
        (2005, "dua ribu lima"),
        (2024, "dua ribu dua puluh empat"),
        (9999, "sembilan ribu sembilan ratus sembilan puluh sembilan"),
        (11000, "sebelas ribu"),
        (100000, "seratus ribu"),
        (1000000, "satu juta"),
    ],
)
def test_number_words_says_known_numbers(number, words):
    assert number_words(number) == words


def test_every_number_from_1_to_9999_is_plain_lowercase_words():
    plain_words = re.compile(r"[a-z]+( [a-z]+)*")
    bad = {
        n: words
        for n in range(1, 10000)
        if not plain_words.fullmatch(words := number_words(n)) or "nol" in words.split()
    }
    assert bad == {}


def test_numbers_from_1_to_999_are_all_said_differently():
    said = {number_words(n) for n in range(1, 1000)}
    assert len(said) == 999


def test_negative_numbers_are_refused():
    with pytest.raises(ValueError, match="negative"):
        number_words(-1)


@pytest.mark.parametrize(
    ("prefix", "names"),
    [
        ("A", "a"),
        ("B", "be"),
        ("C", "ce"),
        ("Q", "ki"),
        ("V", "fe"),
        ("X", "eks"),
        ("Z", "zet"),
        ("k", "ka"),
        ("BP", "be pe"),
        ("KTP", "ka te pe"),
        ("A-2", "a dua"),
        ("", ""),
    ],
)
def test_letter_names_spell_prefixes_the_indonesian_way(prefix, names):
    assert letter_names(prefix) == names


def test_letter_names_cover_the_whole_alphabet():
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    names = letter_names(alphabet).split()
    assert len(names) == 26
    assert len(set(names)) == 26


def test_a_prefix_that_cannot_be_said_is_refused():
    with pytest.raises(ValueError, match="Cannot spell"):
        letter_names("A#")


@pytest.mark.parametrize(
    ("prefix", "sequence", "spoken"),
    [
        ("A", 123, "a seratus dua puluh tiga"),
        ("A", 7, "a tujuh"),
        ("BP", 12, "be pe dua belas"),
        ("KTP", 1001, "ka te pe seribu satu"),
        ("", 5, "lima"),
    ],
)
def test_spoken_ticket_number_spells_the_prefix_and_says_the_sequence(prefix, sequence, spoken):
    assert spoken_ticket_number(prefix, sequence) == spoken


@pytest.mark.parametrize(
    ("name", "number", "spoken"),
    [
        ("Loket 3", 3, "loket tiga"),
        ("Loket 12A", 12, "loket dua belas a"),
        ("Loket 2b", 2, "loket dua be"),
        ("Loket Imigrasi 2", 2, "loket imigrasi dua"),
        ("Loket B", 7, "loket be"),
        ("Loket-10", 10, "loket sepuluh"),
        ("Loket Imigrasi", 4, "loket imigrasi empat"),
        ("", 5, "loket lima"),
    ],
)
def test_spoken_counter_says_digits_and_spells_lone_letters(name, number, spoken):
    assert spoken_counter(name, number) == spoken


@pytest.mark.parametrize(
    ("name", "number", "written"),
    [
        ("Loket 3", 3, "Loket 3"),
        ("Loket 12A", 12, "Loket 12A"),
        ("Loket B", 7, "Loket B"),
        ("Loket Imigrasi", 4, "Loket Imigrasi 4"),
        ("  Loket   5 ", 5, "Loket 5"),
        ("", 5, "Loket 5"),
    ],
)
def test_display_counter_adds_the_number_only_when_the_name_lacks_one(name, number, written):
    assert display_counter(name, number) == written


def test_the_default_call_is_spoken_in_words():
    phrase = build_call_phrase(DEFAULT_TEMPLATE, "A", 123, "Loket 3", 3)
    assert phrase == "Nomor antrean a seratus dua puluh tiga, silakan menuju loket tiga"


def test_the_default_call_is_written_as_printed():
    text = display_call_text(DEFAULT_TEMPLATE, "A", 123, "Loket 3", 3)
    assert text == "Nomor antrean A123, silakan menuju Loket 3"


def test_the_written_call_uses_the_padded_ticket_number():
    text = display_call_text(DEFAULT_TEMPLATE, "B", 7, "Loket 12A", 12)
    assert text == "Nomor antrean B007, silakan menuju Loket 12A"


def test_a_custom_template_may_order_and_repeat_placeholders():
    template = "{counter}: nomor {number}. Sekali lagi, nomor {number}"
    phrase = build_call_phrase(template, "KTP", 15, "Loket Imigrasi 2", 2)
    assert phrase == (
        "loket imigrasi dua: nomor ka te pe lima belas. Sekali lagi, nomor ka te pe lima belas"
    )


def test_a_spoken_call_has_no_digits_and_no_double_spaces():
    phrase = build_call_phrase(DEFAULT_TEMPLATE, "KTP", 2024, "Loket  12A", 12)
    assert not re.search(r"\d", phrase)
    assert "  " not in phrase


def test_an_unknown_placeholder_is_reported_by_name():
    with pytest.raises(ValueError, match=r"\{nomor\}"):
        validate_template("Nomor antrean {nomor}, silakan menuju {counter}")
    with pytest.raises(ValueError, match=r"\{nomor\}"):
        build_call_phrase("Nomor {nomor}", "A", 1, "Loket 1", 1)


def test_a_template_without_placeholders_is_said_as_is():
    assert build_call_phrase("Mohon perhatian", "A", 1, "Loket 1", 1) == "Mohon perhatian"
