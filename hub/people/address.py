"""Blind indexes of addresses, for "the same home" across contacts and notifications.

An address is reduced to its postcode (canonical form) and the house number, or the house
name when there is no number, of its first line, case-folded: "12a Mill Close, Rotherham"
and "12A MILL CLOSE" at "rt1 2ab" are the same home. The key is a sub-key of the hub's
linkage key derived for addresses, so an address index can never be joined with a person
index. The values built here are personal data: they go straight into the HMAC and are
never stored or logged.
"""

from __future__ import annotations

import re
import unicodedata

from hub.kit.crypto.blind import LinkageKey, blind_index
from hub.people.normalise import MATCH_VALUE_SEPARATOR, normalise_postcode

ADDRESS_PURPOSE = "address"
ADDRESS_PASS = "postcode_house"  # noqa: S105 (a matching pass name, not a secret)

# A house number at the start of the first line: "12", "12a", "12-14", "12/14".
_HOUSE_NUMBER = re.compile(r"([0-9]+[a-z]?(?:[-/][0-9]+[a-z]?)?)\b")
# Words that come before the number that identifies the building on the first line.
_FLAT_WORDS = ("flat", "apartment", "apt", "unit", "room")


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", " ".join(text.split()).casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def house_key(address: str) -> str | None:
    """The house number (or name) of an address's first line, case-folded; None if none.

    "Flat 3, 12 Mill Close" gives "flat3": the flat is the household, and the first line is
    what names it.
    """
    first_line = re.split(r"[,\n]", address.strip(), maxsplit=1)[0]
    folded = _fold(first_line)
    if not folded:
        return None
    number = _HOUSE_NUMBER.match(folded)
    if number is not None:
        return number.group(1)
    for word in _FLAT_WORDS:
        if folded.startswith(word + " "):
            rest = _HOUSE_NUMBER.match(folded[len(word) + 1 :].lstrip())
            if rest is not None:
                return word + rest.group(1)
    name = "".join(c for c in folded if c.isalnum())
    return name or None


def address_value(address: str, postcode: str) -> str | None:
    """The normalised address (postcode and house key); None when either part is missing."""
    try:
        canonical_postcode = normalise_postcode(postcode)
    except ValueError:
        return None
    house = house_key(address)
    if house is None:
        return None
    return f"{canonical_postcode}{MATCH_VALUE_SEPARATOR}{house}"


class AddressIndexer:
    """Blind indexes of addresses under one linkage key."""

    __slots__ = ("_address",)

    def __init__(self, linkage: LinkageKey) -> None:
        self._address = linkage.derive_for(ADDRESS_PURPOSE)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(<redacted>)"

    def address(self, address: str, postcode: str) -> bytes | None:
        value = address_value(address, postcode)
        return None if value is None else blind_index(self._address, ADDRESS_PASS, value)


def address_blind(linkage: LinkageKey, address: str, postcode: str) -> bytes | None:
    """The blind index :func:`hub.triage.signals.repeat_da_at_address` and screening looks for."""
    return AddressIndexer(linkage).address(address, postcode)
