"""Blind indexes of people, for matching without reading anything.

Each matching pass of :func:`hub.people.normalise.matching_keys` becomes a keyed blind
index under the hub's linkage key. The agency stores, contacts, police notifications and
missing episodes all index their people this way, so the same child is found across them.
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.kit.crypto.blind import LinkageKey, PassIndex
from hub.people.normalise import (
    MatchStrength,
    PersonIdentifiers,
    matching_keys,
    normalise_name,
    nysiis,
)

PASS_STRENGTH: dict[str, MatchStrength] = {
    "nhs": "strong",
    "family_dob": "strong",
    "given_family_dob": "strong",
    "phonetic_given_family_dob": "medium",
    "phonetic_yob_district": "medium",
    "given_dob_district": "medium",
}

# Names seen during one import, with their normalised form and sound: a council's records
# repeat a few thousand names, and NYSIIS is the dearest step of indexing a row. Bounded,
# and held only by the indexer of one import or request.
MAX_REMEMBERED_NAMES = 50_000


@dataclass(frozen=True, slots=True, repr=False)
class BlindIndex:
    pass_name: str
    strength: MatchStrength
    blind: bytes

    def __repr__(self) -> str:
        return f"BlindIndex(pass_name={self.pass_name!r}, strength={self.strength!r})"


class PersonIndexer:
    """Blind indexes of people under one linkage key (pass keys derived once, not per row)."""

    __slots__ = ("_linkage", "_names", "_passes")

    def __init__(self, linkage: LinkageKey) -> None:
        self._linkage = linkage
        self._passes = {name: PassIndex(linkage, name) for name in PASS_STRENGTH}
        self._names: dict[str, tuple[str, str]] = {}

    def __repr__(self) -> str:
        return f"{type(self).__name__}(<redacted>)"

    def person(self, person: PersonIdentifiers) -> list[BlindIndex]:
        """One blind index per matching pass the person's identifiers allow."""
        return [
            BlindIndex(key.pass_name, key.strength, self._passes[key.pass_name](key.value))
            for key in matching_keys(person)
        ]

    def blinds(self, person: PersonIdentifiers) -> list[bytes]:
        """Just the blind indexes of :meth:`person`."""
        return [index.blind for index in self.person(person)]

    def _name(self, name: str | None) -> tuple[str, str]:
        """``(normalised name, its NYSIIS code)``; empty strings when nothing is left."""
        if name is None:
            return "", ""
        known = self._names.get(name)
        if known is None:
            normalised = normalise_name(name)
            known = (normalised, nysiis(normalised) if normalised else "")
            if len(self._names) >= MAX_REMEMBERED_NAMES:
                self._names.clear()
            self._names[name] = known
        return known
