"""Blind indexes of agency records, for matching across agencies without reading anything.

A record's people are indexed as every person in the hub is (:mod:`hub.people.indexing`).
The agency's own reference and a digest of a whole
record use sub-keys derived for those purposes, so they can never be joined with the
matching indexes (nor with each other).
"""

from __future__ import annotations

from collections.abc import Iterable

from hub.agencies.rows import RecordRow
from hub.kit.crypto.blind import BLIND_INDEX_BYTES, LinkageKey, PassIndex
from hub.people.indexing import PersonIndexer
from hub.people.normalise import match_values

SOURCE_REF_PURPOSE = "agency-source-ref"
ROW_DIGEST_PURPOSE = "agency-record-digest"

# How each pass is stored in agency_record_index. Stored data depends on these numbers:
# never change or reuse one; a new pass takes the next.
PASS_CODES: dict[str, int] = {
    "nhs": 1,
    "family_dob": 2,
    "given_family_dob": 3,
    "phonetic_given_family_dob": 4,
    "phonetic_yob_district": 5,
    "given_dob_district": 6,
}
PASS_OF_CODE: dict[int, str] = {code: name for name, code in PASS_CODES.items()}
_INDEX_KEY_BYTES = 1 + BLIND_INDEX_BYTES


def pack_index_keys(blinds: Iterable[tuple[int, bytes]]) -> bytes:
    """A record's ``(pass code, blind index)`` pairs as kept in ``agency_records.index_keys``:
    for each, one byte of pass code and the 32 bytes of the index."""
    return b"".join(code.to_bytes(1, "big") + blind for code, blind in blinds)


def unpack_index_keys(packed: bytes) -> list[tuple[int, bytes]]:
    """``(pass code, blind index)`` pairs from :func:`pack_index_keys`."""
    if len(packed) % _INDEX_KEY_BYTES:
        raise ValueError("index keys are not whole entries")
    return [
        (packed[start], packed[start + 1 : start + _INDEX_KEY_BYTES])
        for start in range(0, len(packed), _INDEX_KEY_BYTES)
    ]


class Indexer(PersonIndexer):
    """Blind indexes of agency records: their people, their own references and digests."""

    __slots__ = ("_digest_key", "_digest_of", "_source_ref_key", "_source_ref_of")

    def __init__(self, linkage: LinkageKey) -> None:
        super().__init__(linkage)
        self._source_ref_key = linkage.derive_for(SOURCE_REF_PURPOSE)
        self._digest_key = linkage.derive_for(ROW_DIGEST_PURPOSE)
        # agency -> its index function under each sub-key
        self._source_ref_of: dict[str, PassIndex] = {}
        self._digest_of: dict[str, PassIndex] = {}

    def checked_row(self, row: RecordRow) -> list[tuple[str, bytes]]:
        """``(pass, blind index)`` for a row that :func:`~hub.agencies.rows.check_row` made.

        The same indexes as :meth:`person` of ``row.person()``: the row's date of birth,
        NHS number and postcode are already valid and normalised, so only the names need
        normalising here.
        """
        given, given_sound = self._name(row.given_name)
        family, family_sound = self._name(row.family_name)
        postcode = row.postcode
        return [
            (pass_name, self._passes[pass_name](value))
            for pass_name, _, value in match_values(
                given=given,
                family=family,
                given_sound=given_sound,
                family_sound=family_sound,
                dob=row.date_of_birth,
                nhs=row.nhs_number,
                district=postcode.split(" ", 1)[0] if postcode else None,
            )
        ]

    def source_ref(self, agency: str, source_ref: str) -> bytes:
        index = self._source_ref_of.get(agency)
        if index is None:
            index = self._source_ref_of[agency] = PassIndex(self._source_ref_key, agency)
        return index(source_ref)

    def row_digest(self, agency: str, canonical_row: str) -> bytes:
        index = self._digest_of.get(agency)
        if index is None:
            index = self._digest_of[agency] = PassIndex(self._digest_key, agency)
        return index(canonical_row)
