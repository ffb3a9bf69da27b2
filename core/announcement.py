"""The call phrase in Bahasa Indonesia, spoken and written (pure Python: no Flask, no SQLAlchemy).

A call has two forms built from one template:

- the *spoken* form goes to a speech engine: every digit and every ticket letter is written out as
  Indonesian words, so `A123` at `Loket 3` becomes "a seratus dua puluh tiga" and "loket tiga";
- the *written* form goes to screens without sound: `A123` and `Loket 3` stay as they are printed.

Why spell ticket letters by their Indonesian names ("be", "ce", "ka") instead of passing the bare
capital to the engine: engines read a lone capital poorly and inconsistently. An English-trained
engine or a browser voice may say "A" as the English article, "C" as "si", or glue "A123" into one
word; the Indonesian letter names read the same way in espeak-ng, in a browser's speechSynthesis
and in whatever engine comes next. Spelled names are lowercase on purpose: they are words, not
acronyms, and lowercase keeps engines from switching to letter-by-letter English mode.
"""

from __future__ import annotations

import re

from core.tickets import format_number

DEFAULT_TEMPLATE = "Nomor antrean {number}, silakan menuju {counter}"
"""The call used when the mall configures none. `{number}` and `{counter}` are the placeholders."""

PLACEHOLDERS = frozenset({"number", "counter"})

_DIGITS = ("nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan")

# Largest scale first. "ribu" is the only scale whose "one" contracts: 1000 is "seribu",
# 1_000_000 is "satu juta".
_SCALES = ((10**12, "triliun"), (10**9, "miliar"), (10**6, "juta"), (10**3, "ribu"))
_LIMIT = 10**15

LETTER_NAMES: dict[str, str] = {
    "A": "a",
    "B": "be",
    "C": "ce",
    "D": "de",
    "E": "e",
    "F": "ef",
    "G": "ge",
    "H": "ha",
    "I": "i",
    "J": "je",
    "K": "ka",
    "L": "el",
    "M": "em",
    "N": "en",
    "O": "o",
    "P": "pe",
    "Q": "ki",
    "R": "er",
    "S": "es",
    "T": "te",
    "U": "u",
    "V": "fe",
    "W": "we",
    "X": "eks",
    "Y": "ye",
    "Z": "zet",
}

# Characters a ticket prefix may use to separate its parts ("KTP-A"); they are not spoken.
_PREFIX_SEPARATORS = frozenset(" -_.")

# A counter name splits into runs of ASCII digits and runs of letters; everything else is a gap.
_COUNTER_RUNS = re.compile(r"[0-9]+|[^\W\d_]+")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def number_words(n: int) -> str:
    """Indonesian words for `n`, lowercase: 11 -> "sebelas", 2024 -> "dua ribu dua puluh empat".

    Covers 0 up to (but excluding) one quadrillion; raises ValueError outside that range.
    """
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"number_words() needs an int, got {type(n).__name__}")
    if n < 0:
        raise ValueError(f"Cannot say a negative number: {n}")
    if n >= _LIMIT:
        raise ValueError(f"Number too large to say: {n}")
    if n == 0:
        return _DIGITS[0]

    words: list[str] = []
    rest = n
    for scale, name in _SCALES:
        count, rest = divmod(rest, scale)
        if count == 0:
            continue
        if count == 1 and name == "ribu":
            words.append("seribu")
        else:
            words.append(f"{_below_thousand(count)} {name}")
    if rest:
        words.append(_below_thousand(rest))
    return " ".join(words)


def _below_thousand(n: int) -> str:
    """Words for 1..999."""
    hundreds, rest = divmod(n, 100)
    words: list[str] = []
    if hundreds == 1:
        words.append("seratus")
    elif hundreds:
        words.append(f"{_DIGITS[hundreds]} ratus")

    tens, ones = divmod(rest, 10)
    if rest == 0:
        pass
    elif rest < 10:
        words.append(_DIGITS[ones])
    elif rest == 10:
        words.append("sepuluh")
    elif rest == 11:
        words.append("sebelas")
    elif rest < 20:
        words.append(f"{_DIGITS[ones]} belas")
    else:
        words.append(f"{_DIGITS[tens]} puluh")
        if ones:
            words.append(_DIGITS[ones])
    return " ".join(words)


def digit_words(digits: str) -> str:
    """Each digit on its own: "007" -> "nol nol tujuh" (for codes, not quantities)."""
    if not digits.isascii() or not digits.isdigit():
        raise ValueError(f"Not a string of digits: {digits!r}")
    return " ".join(_DIGITS[int(d)] for d in digits)


def letter_names(prefix: str) -> str:
    """Indonesian letter names, space separated: "KTP" -> "ka te pe".

    Letters are case-insensitive. A digit inside a prefix is said on its own ("A2" -> "a dua"),
    and the separators space, "-", "_" and "." are skipped. Anything else raises ValueError: a
    prefix the engine cannot say should be caught when the service is configured, not in the hall.
    """
    words: list[str] = []
    for char in prefix:
        if char in _PREFIX_SEPARATORS:
            continue
        if char.isascii() and char.isdigit():
            words.append(_DIGITS[int(char)])
            continue
        name = LETTER_NAMES.get(char.upper()) if char.isascii() else None
        if name is None:
            raise ValueError(f"Cannot spell {char!r} in ticket prefix {prefix!r}")
        words.append(name)
    return " ".join(words)


def spoken_ticket_number(prefix: str, sequence: int) -> str:
    """("A", 123) -> "a seratus dua puluh tiga".

    The prefix is spelled by letter names (see the module docstring for why) and the sequence is
    said as a quantity, without the zero padding of the printed number: `A007` is "a tujuh".
    """
    if sequence < 0:
        raise ValueError(f"Ticket sequence cannot be negative: {sequence}")
    return _join(letter_names(prefix), number_words(sequence))


def spoken_counter(name: str, number: int) -> str:
    """A counter's name as it should be said: "Loket 12A" -> "loket dua belas a".

    Runs of digits become number words; a single letter standing alone ("Loket B") or attached to
    digits ("12A") is spelled by its letter name; other words are lowercased; punctuation is
    dropped. A name that carries no identifier of its own (no digit, no standalone single letter)
    gets the counter's number appended, so that two counters both called "Loket Imigrasi" are
    still told apart ("loket imigrasi dua"); an empty name becomes "loket <number>".
    """
    name = name.strip()
    if not name:
        return _join("loket", number_words(number))

    words: list[str] = []
    for token in name.split():
        runs = _COUNTER_RUNS.findall(token)
        has_digits = any(run.isdigit() for run in runs)
        for run in runs:
            if run.isdigit():
                words.append(_say_digit_run(run))
            elif run.isalpha():
                alone = len(runs) == 1
                spell = len(run) == 1 and run.isascii() and (run.isupper() or has_digits or alone)
                words.append(LETTER_NAMES[run.upper()] if spell else run.lower())
    if not _names_itself(name):
        words.append(number_words(number))
    return _join(*words)


def display_counter(name: str, number: int) -> str:
    """A counter's name as written on a screen, with the same rule as `spoken_counter`.

    "Loket 3" stays "Loket 3"; "Loket Imigrasi" with number 2 becomes "Loket Imigrasi 2".
    """
    name = " ".join(name.split())
    if not name:
        return f"Loket {number}"
    if not _names_itself(name):
        return f"{name} {number}"
    return name


def validate_template(template: str) -> None:
    """Raise ValueError if `template` uses a placeholder other than {number} and {counter}.

    Meant for configuration loading, so that a typo is reported before the first call.
    """
    unknown = sorted(set(_PLACEHOLDER.findall(template)) - PLACEHOLDERS)
    if unknown:
        allowed = ", ".join(f"{{{p}}}" for p in sorted(PLACEHOLDERS))
        found = ", ".join(f"{{{p}}}" for p in unknown)
        raise ValueError(f"Unknown placeholder {found} in call template; allowed: {allowed}")


def build_call_phrase(
    template: str, prefix: str, sequence: int, counter_name: str, counter_number: int
) -> str:
    """The spoken call, ready for a speech engine.

    >>> build_call_phrase(DEFAULT_TEMPLATE, "A", 123, "Loket 3", 3)
    'Nomor antrean a seratus dua puluh tiga, silakan menuju loket tiga'
    """
    return _render(
        template,
        number=spoken_ticket_number(prefix, sequence),
        counter=spoken_counter(counter_name, counter_number),
    )


def display_call_text(
    template: str, prefix: str, sequence: int, counter_name: str, counter_number: int
) -> str:
    """The same call written for a screen without sound, using the printed ticket number.

    >>> display_call_text(DEFAULT_TEMPLATE, "A", 123, "Loket 3", 3)
    'Nomor antrean A123, silakan menuju Loket 3'
    """
    return _render(
        template,
        number=format_number(prefix, sequence),
        counter=display_counter(counter_name, counter_number),
    )


def _render(template: str, **values: str) -> str:
    # Literal substitution rather than str.format: the template is edited by an administrator,
    # and a stray brace must not crash a call. Unknown placeholders are an error, though.
    validate_template(template)
    text = _PLACEHOLDER.sub(lambda match: values[match.group(1)], template)
    return " ".join(text.split())


def _say_digit_run(run: str) -> str:
    value = int(run)
    return number_words(value) if value < _LIMIT else digit_words(run)


def _names_itself(counter_name: str) -> bool:
    """True if the name tells counters apart by itself: a digit or a lone letter ("Loket B")."""
    if any(char.isascii() and char.isdigit() for char in counter_name):
        return True
    return any(len(word) == 1 and word.isalpha() for word in counter_name.split())


def _join(*parts: str) -> str:
    return " ".join(part for part in parts if part)
