"""Normalise personal identifiers and build the values that matching passes compare.

Agencies record the same child differently: "O'Brien" and "OBrien", "Zoë" and "Zoe",
"07/03/2014" and "2014-03-07", "sw1a1aa" and "SW1A 1AA". Each ``normalise_*`` function maps
the variants to one canonical form, so that the keyed blind indexes built from them (see
:func:`hub.kit.crypto.blind.blind_index`) are equal for the same person. Validation errors
never quote the input: it is personal data, and errors end up in logs.

Names. :func:`normalise_name` case-folds, spells out letters that Unicode does not
decompose (ß→ss, æ→ae, ø→o, ł→l, đ→d, þ→th, ...), strips diacritics (Müller→muller,
Zoë→zoe, Łukasz→lukasz) and then keeps letters only, so hyphens, apostrophes (straight
or curly), dots and spaces, which agencies record inconsistently, do not matter:
"O'Brien" (with a straight or a curly apostrophe), "OBrien" and "o brien" all give
``obrien``; "Smith-Jones" and "Smith Jones" give ``smithjones``. Transliterations that
add letters ("Mueller" for "Müller") are left to the phonetic passes.

Phonetics. :func:`nysiis` is the New York State Identification and Intelligence System
code (Taft, 1970), in the widely used modified form without the six-letter truncation. It
was designed for surnames in exactly this kind of record linkage and outperforms Soundex
there: it keeps vowel positions and more consonant distinctions, so it merges fewer
unrelated names while still catching spelling variants (Smith/Schmit, Brian/Brown/Brun).

Matching passes (:func:`matching_keys`). A pass is emitted only when all of its inputs
are present and valid; identifiers that fail validation count as missing, so one typo
does not stop the other passes. Values join canonical parts with ``\\x1f`` (the ASCII unit
separator), which no normalised part can contain.

- ``nhs`` (strong): NHS number.
- ``family_dob`` (strong): family name, date of birth.
- ``given_family_dob`` (strong): given name, family name, date of birth.
- ``phonetic_given_family_dob`` (medium): NYSIIS of given and family names, date of birth;
  catches spelling variants (Mohammed/Muhammad, Mueller/Muller).
- ``phonetic_yob_district`` (medium): NYSIIS of family and given names, year of birth,
  postcode district; catches a mistyped day or month as well.
- ``given_dob_district`` (medium): given name, date of birth, postcode district; catches
  a changed family name (common when a child moves between parents' households).

``family_dob`` is strong because it rarely links two different people, but twins (and
triplets) share it: a match on it alone should be confirmed by a given-name pass before
records are treated as the same child.

These values are personal data. They are never stored or logged; the caller passes them
straight to the blind index function.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, timedelta
from typing import Literal, TypeVar

__all__ = [
    "MATCH_VALUE_SEPARATOR",
    "MatchKey",
    "PersonIdentifiers",
    "match_values",
    "matching_keys",
    "normalise_dob",
    "normalise_name",
    "normalise_nhs_number",
    "normalise_postcode",
    "nysiis",
    "postcode_district",
]

MATCH_VALUE_SEPARATOR = "\x1f"

_Raw = TypeVar("_Raw")

# Dates of birth before this are treated as typing errors (e.g. 1014 for 2014) rather
# than as the oldest adult in a household.
EARLIEST_PLAUSIBLE_BIRTH_YEAR = 1900

# Letters that NFKD leaves whole, mapped to how English-language records spell them.
# Applied after casefold(), so only lower-case forms are needed (casefold already turns
# ß into ss).
_SPELLED_OUT_LETTERS = str.maketrans(
    {
        "æ": "ae",
        "œ": "oe",
        "ø": "o",
        "ł": "l",
        "đ": "d",
        "ð": "d",
        "þ": "th",
        "ħ": "h",
        "\u0131": "i",  # dotless i
        "ŧ": "t",
        "ĸ": "k",
        "ŋ": "n",
        "ß": "ss",
    }
)


def normalise_name(name: str) -> str:
    """A comparison key for a name: lower case, no diacritics, letters only.

    Returns ``""`` when nothing is left (treat as missing).
    """
    folded = name.strip().casefold().translate(_SPELLED_OUT_LETTERS)
    decomposed = unicodedata.normalize("NFKD", folded)
    # NFKD may produce upper-case or new letters (e.g. from ligatures): fold once more.
    return "".join(
        character
        for character in decomposed
        if character.isalpha() and not unicodedata.combining(character)
    ).casefold()


# --- dates of birth ----------------------------------------------------------------------

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}

_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
# Day first, as UK records are written; one separator used consistently.
_DAY_FIRST_DATE = re.compile(r"([0-9]{1,2})([/.\-])([0-9]{1,2})\2([0-9]{4})")
_WRITTEN_DATE = re.compile(r"([0-9]{1,2})(?:st|nd|rd|th)?\s+([a-z]+)\.?,?\s+([0-9]{4})")
_COMPACT_DATE = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})")


# A bulk import parses the same few thousand dates of birth and record dates again and
# again; remembered per process, bounded.
@functools.lru_cache(maxsize=1 << 16)
def _parse_date(text: str) -> date:
    """Parse one of the accepted formats or raise ValueError (without the input)."""
    cleaned = " ".join(text.split()).casefold()
    if match := _ISO_DATE.fullmatch(cleaned):
        year, month, day = (int(part) for part in match.groups())
    elif match := _DAY_FIRST_DATE.fullmatch(cleaned):
        day, month, year = int(match[1]), int(match[3]), int(match[4])
    elif match := _WRITTEN_DATE.fullmatch(cleaned):
        month_number = _MONTHS.get(match[2])
        if month_number is None:
            raise ValueError("date of birth has an unknown month name")
        day, month, year = int(match[1]), month_number, int(match[3])
    elif match := _COMPACT_DATE.fullmatch(cleaned):
        year, month, day = (int(part) for part in match.groups())
    else:
        raise ValueError("date of birth is not in a recognised format")
    try:
        return date(year, month, day)
    except ValueError:
        # date()'s own message quotes the bad day or month; ours does not.
        raise ValueError("date of birth is not a valid date") from None


def normalise_dob(value: str | date, *, today: date | None = None) -> str:
    """A date of birth as ISO ``YYYY-MM-DD``.

    Accepts a :class:`~datetime.date` or text such as ``2014-03-07``, ``07/03/2014``,
    ``7/3/2014``, ``07-03-2014``, ``07.03.2014``, ``7 March 2014``, ``7 Mar 2014`` or
    ``20140307``. Slash, dash and dot dates are read day first (UK). Two-digit years are
    refused: the century would be a guess. Impossible dates, dates in the future and
    dates before 1900 raise ``ValueError``.

    ``today`` defaults to tomorrow in UTC, so a baby born today anywhere in the UK is
    never refused as "in the future" around midnight.
    """
    if isinstance(value, datetime):
        parsed = value.date()
    elif isinstance(value, date):
        parsed = value
    elif isinstance(value, str):
        parsed = _parse_date(value)
    else:
        raise TypeError("date of birth must be a str or a date")
    latest = today if today is not None else datetime.now(UTC).date() + timedelta(days=1)
    if parsed > latest:
        raise ValueError("date of birth is in the future")
    if parsed.year < EARLIEST_PLAUSIBLE_BIRTH_YEAR:
        raise ValueError("date of birth is implausibly early")
    return parsed.isoformat()


# --- NHS numbers -------------------------------------------------------------------------


def normalise_nhs_number(value: str) -> str:
    """A 10-digit NHS number with a valid modulus 11 check digit, spaces and hyphens removed.

    Numbers of one repeated digit (``0000000000``, ``1111111111``) pass modulus 11 but
    are placeholders, and matching on a placeholder would link unrelated children; they
    are refused too.
    """
    digits = re.sub(r"[\s\-]", "", value)
    if not re.fullmatch(r"[0-9]{10}", digits):
        raise ValueError("NHS number must be 10 digits")
    weighted_sum = sum(
        int(digit) * weight for digit, weight in zip(digits[:9], range(10, 1, -1), strict=True)
    )
    check_digit = 11 - weighted_sum % 11
    if check_digit == 11:
        check_digit = 0
    # A computed check digit of 10 means no valid NHS number has these first nine digits.
    if check_digit == 10 or check_digit != int(digits[9]):
        raise ValueError("NHS number has an invalid check digit")
    if len(set(digits)) == 1:
        raise ValueError("NHS number is a placeholder")
    return digits


# --- postcodes ---------------------------------------------------------------------------

# The UK postcode shapes (outward code, then inward code "9AA"), with the letters the
# Royal Mail never uses in each position excluded; GIR 0AA is the one historic exception.
# British Forces (BFPO) and overseas territory codes are not accepted.
_POSTCODE = re.compile(
    r"(?P<outward>"
    r"[A-PR-UWYZ][0-9][0-9]?"
    r"|[A-PR-UWYZ][A-HK-Y][0-9][0-9]?"
    r"|[A-PR-UWYZ][0-9][A-HJKPSTUW]"
    r"|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY]"
    r"|GIR"
    r")"
    r"(?P<inward>[0-9][ABD-HJLNP-UW-Z]{2})"
)


def _postcode_parts(value: str) -> tuple[str, str]:
    compact = "".join(value.split()).upper()
    match = _POSTCODE.fullmatch(compact)
    if match is None or (match["outward"] == "GIR" and match["inward"] != "0AA"):
        raise ValueError("postcode is not a valid UK postcode")
    return match["outward"], match["inward"]


def normalise_postcode(value: str) -> str:
    """A UK postcode in canonical form: upper case, one space (``"SW1A 1AA"``)."""
    outward, inward = _postcode_parts(value)
    return f"{outward} {inward}"


def postcode_district(value: str) -> str:
    """The outward code (postcode district) of a UK postcode: ``"SW1A 1AA"`` → ``"SW1A"``."""
    outward, _ = _postcode_parts(value)
    return outward


# --- NYSIIS --------------------------------------------------------------------------------

_VOWELS = frozenset("AEIOU")
_NYSIIS_PREFIXES = (
    ("MAC", "MCC"),
    ("KN", "NN"),
    ("K", "C"),
    ("PH", "FF"),
    ("PF", "FF"),
    ("SCH", "SSS"),
)
_NYSIIS_SUFFIXES = (
    (("EE", "IE"), "Y"),
    (("DT", "RT", "RD", "NT", "ND"), "D"),
)


def _nysiis_transcode(previous: str, current: str, following: str, after_next: str) -> str:
    """NYSIIS step 4: the replacement for ``current`` (it may also overwrite what follows)."""
    if current == "E" and following == "V":
        return "AF"
    if current in _VOWELS:
        return "A"
    replacement = {"Q": "G", "Z": "S", "M": "N"}.get(current)
    if replacement is not None:
        return replacement
    if current == "K":
        return "NN" if following == "N" else "C"
    if current == "S" and following == "C" and after_next == "H":
        return "SSS"
    if current == "P" and following == "H":
        return "FF"
    if current == "H" and (previous not in _VOWELS or following not in _VOWELS):
        return previous
    if current == "W" and previous in _VOWELS:
        return previous
    return current


def nysiis(name: str) -> str:
    """The NYSIIS phonetic code of a name (upper case, untruncated); ``""`` if none.

    Only the letters A-Z count, after :func:`normalise_name` has removed diacritics.
    """
    letters = "".join(c for c in normalise_name(name).upper() if "A" <= c <= "Z")
    if not letters:
        return ""
    for prefix, replacement in _NYSIIS_PREFIXES:
        if letters.startswith(prefix):
            letters = replacement + letters[len(prefix) :]
            break
    for suffixes, replacement in _NYSIIS_SUFFIXES:
        if letters.endswith(suffixes):
            letters = letters[:-2] + replacement

    characters = list(letters)
    key = [characters[0]]
    for index in range(1, len(characters)):
        following = characters[index + 1] if index + 1 < len(characters) else " "
        after_next = characters[index + 2] if index + 2 < len(characters) else " "
        replacement = _nysiis_transcode(
            characters[index - 1], characters[index], following, after_next
        )
        # Multi-letter replacements overwrite the letters after the current one, which
        # are then transcoded in their turn (that is how SCH becomes a single S).
        characters[index : index + len(replacement)] = list(replacement)
        if characters[index] != characters[index - 1]:
            key.append(characters[index])

    if len(key) > 1:
        if key[-1] == "S":
            key.pop()
        if len(key) > 2 and key[-2:] == ["A", "Y"]:
            del key[-2]
        # Keep at least one letter: a name such as "As" must not encode to nothing.
        if len(key) > 1 and key[-1] == "A":
            key.pop()
    return "".join(key)


# --- matching passes -------------------------------------------------------------------------

MatchStrength = Literal["strong", "medium"]


@dataclass(frozen=True, slots=True, repr=False)
class MatchKey:
    """One matching pass's value for a person; feed ``value`` to the blind index, never store it."""

    pass_name: str
    value: str
    strength: MatchStrength

    def __repr__(self) -> str:
        # The value is personal data: keep it out of logs and tracebacks.
        return (
            f"MatchKey(pass_name={self.pass_name!r}, value=<redacted>, strength={self.strength!r})"
        )


@dataclass(frozen=True, slots=True, repr=False)
class PersonIdentifiers:
    """What an agency knows that identifies a person; every field is optional."""

    given_name: str | None = None
    family_name: str | None = None
    date_of_birth: str | date | None = None
    nhs_number: str | None = None
    postcode: str | None = None

    def __repr__(self) -> str:
        present = [field.name for field in fields(self) if getattr(self, field.name) is not None]
        return f"PersonIdentifiers(<redacted; present: {', '.join(present) or 'none'}>)"


def _or_none(normalise: Callable[[_Raw], str], value: _Raw | None) -> str | None:
    """Apply a normaliser; invalid or empty input counts as missing."""
    if value is None:
        return None
    try:
        return normalise(value) or None
    except ValueError:
        return None


def _valid_dob_or_none(value: str | date | None) -> str | None:
    # Not _or_none(normalise_dob, ...): mypy widens its type variable to object for the
    # "str | date" union.
    if value is None:
        return None
    try:
        return normalise_dob(value)
    except ValueError:
        return None


def matching_keys(person: PersonIdentifiers) -> list[MatchKey]:
    """The values of every matching pass whose inputs ``person`` has (see module docstring)."""
    given = _or_none(normalise_name, person.given_name)
    family = _or_none(normalise_name, person.family_name)
    return [
        MatchKey(pass_name, value, strength)
        for pass_name, strength, value in match_values(
            given=given,
            family=family,
            given_sound=_or_none(nysiis, given),
            family_sound=_or_none(nysiis, family),
            dob=_valid_dob_or_none(person.date_of_birth),
            nhs=_or_none(normalise_nhs_number, person.nhs_number),
            district=_or_none(postcode_district, person.postcode),
        )
    ]


def match_values(
    *,
    given: str | None,
    family: str | None,
    given_sound: str | None,
    family_sound: str | None,
    dob: str | None,
    nhs: str | None,
    district: str | None,
) -> list[tuple[str, MatchStrength, str]]:
    """``(pass, strength, value)`` of every pass whose parts are all present.

    The parts are already normalised (``None`` or ``""`` when missing or invalid): names by
    :func:`normalise_name`, sounds by :func:`nysiis`, ``dob`` ISO, ``nhs`` ten digits,
    ``district`` an outward code. :func:`matching_keys` is the way in from raw identifiers;
    a bulk import whose rows are already normalised comes in here directly.
    """
    year_of_birth = dob[:4] if dob else None
    candidates: tuple[tuple[str, MatchStrength, tuple[str | None, ...]], ...] = (
        ("nhs", "strong", (nhs,)),
        ("family_dob", "strong", (family, dob)),
        ("given_family_dob", "strong", (given, family, dob)),
        ("phonetic_given_family_dob", "medium", (given_sound, family_sound, dob)),
        (
            "phonetic_yob_district",
            "medium",
            (family_sound, given_sound, year_of_birth, district),
        ),
        ("given_dob_district", "medium", (given, dob, district)),
    )
    values: list[tuple[str, MatchStrength, str]] = []
    for pass_name, strength, parts in candidates:
        present = [part for part in parts if part]
        if len(present) == len(parts):
            values.append((pass_name, strength, MATCH_VALUE_SEPARATOR.join(present)))
    return values
