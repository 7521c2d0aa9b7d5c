"""Blind indexes of people, for matching across agencies without reading anything.

Each matching pass of :func:`hub.agencies.normalise.matching_keys` becomes a keyed blind
index under the hub's linkage key. The agency's own reference and a digest of a whole
record use sub-keys derived for those purposes, so they can never be joined with the
matching indexes (nor with each other).
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.agencies.normalise import MatchStrength, PersonIdentifiers, matching_keys
from hub.kit.crypto.blind import LinkageKey, blind_index

SOURCE_REF_PURPOSE = "agency-source-ref"
ROW_DIGEST_PURPOSE = "agency-record-digest"

PASS_STRENGTH: dict[str, MatchStrength] = {
    "nhs": "strong",
    "family_dob": "strong",
    "given_family_dob": "strong",
    "phonetic_given_family_dob": "medium",
    "phonetic_yob_district": "medium",
    "given_dob_district": "medium",
}


@dataclass(frozen=True, slots=True, repr=False)
class BlindIndex:
    pass_name: str
    strength: MatchStrength
    blind: bytes

    def __repr__(self) -> str:
        return f"BlindIndex(pass_name={self.pass_name!r}, strength={self.strength!r})"


class Indexer:
    """Blind indexes under one linkage key (sub-keys derived once, not per row)."""

    __slots__ = ("_digest_key", "_linkage", "_source_ref_key")

    def __init__(self, linkage: LinkageKey) -> None:
        self._linkage = linkage
        self._source_ref_key = linkage.derive_for(SOURCE_REF_PURPOSE)
        self._digest_key = linkage.derive_for(ROW_DIGEST_PURPOSE)

    def __repr__(self) -> str:
        return "Indexer(<redacted>)"

    def person(self, person: PersonIdentifiers) -> list[BlindIndex]:
        """One blind index per matching pass the person's identifiers allow."""
        return [
            BlindIndex(
                key.pass_name, key.strength, blind_index(self._linkage, key.pass_name, key.value)
            )
            for key in matching_keys(person)
        ]

    def source_ref(self, agency: str, source_ref: str) -> bytes:
        return blind_index(self._source_ref_key, agency, source_ref)

    def row_digest(self, agency: str, canonical_row: str) -> bytes:
        return blind_index(self._digest_key, agency, canonical_row)
