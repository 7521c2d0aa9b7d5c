"""Keyed blind indexes: match identifiers across agencies without storing them in clear.

``blind_index(key, pass_name, value)`` is HMAC-SHA256 under the hub's :class:`LinkageKey`
over a domain-separated, length-prefixed encoding of the matching pass name and the
normalised value (see :mod:`hub.people.normalise`). Equal inputs give equal indexes, so
the hub can find the agencies that know a child by comparing indexes; without the key an
index cannot be recomputed from a guessed name and date of birth, which a plain hash could.

Why the full 32 bytes: the index is a join key, so a collision is a false match between two
people. At 32 bytes an accidental collision is out of the question; even 16 bytes would
keep it below 2**-64 for any population a council holds, and is the shortest truncation we
would consider safe. Shorter, deliberately colliding indexes (a k-anonymity style of
design) are a different privacy trade-off that would change what a match means, so we
do not truncate at all: 32 bytes per index is a trivial storage cost.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import struct
from typing import Self

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = ["BLIND_INDEX_BYTES", "LINKAGE_KEY_BYTES", "LinkageKey", "PassIndex", "blind_index"]

LINKAGE_KEY_BYTES = 32
BLIND_INDEX_BYTES = 32

_INDEX_LABEL = b"mash-hub/blind-index/v1"
_DERIVE_LABEL = b"mash-hub/linkage-subkey/v1"
_FIELD_LENGTH = struct.Struct(">I")
_SHA256_BLOCK = 64
# HMAC's pads (RFC 2104) as byte translations: each key byte XOR 0x36, XOR 0x5C.
_INNER_PAD = bytes(byte ^ 0x36 for byte in range(256))
_OUTER_PAD = bytes(byte ^ 0x5C for byte in range(256))


def _length_prefixed(*fields: bytes) -> bytes:
    """Encode fields so that ("ab", "c") and ("a", "bc") never share an encoding."""
    return b"".join(_FIELD_LENGTH.pack(len(field)) + field for field in fields)


class LinkageKey:
    """The secret key behind blind indexes; its bytes never appear in ``repr``/``str``."""

    __slots__ = ("_material",)

    def __init__(self, material: bytes) -> None:
        if not isinstance(material, bytes) or len(material) != LINKAGE_KEY_BYTES:
            raise ValueError(f"linkage key must be exactly {LINKAGE_KEY_BYTES} bytes")
        self._material = material

    @classmethod
    def generate(cls) -> Self:
        """Make a fresh random linkage key."""
        return cls(os.urandom(LINKAGE_KEY_BYTES))

    @classmethod
    def from_bytes(cls, material: bytes) -> Self:
        """Load a linkage key from its 32 stored bytes (for example, just unwrapped)."""
        return cls(material)

    def to_bytes(self) -> bytes:
        """The raw key, for wrapping by a KEK provider; never log or store it in clear."""
        return self._material

    def derive_for(self, purpose: str) -> LinkageKey:
        """A sub-key for one purpose (HKDF-SHA256), independent of the key and its siblings.

        Use it to give a separate key to, say, a research pass that must never be
        joinable with the operational indexes.
        """
        if not purpose:
            raise ValueError("purpose must be a non-empty string")
        hkdf = HKDF(
            algorithm=hashes.SHA256(),
            length=LINKAGE_KEY_BYTES,
            salt=None,
            info=_length_prefixed(_DERIVE_LABEL, purpose.encode("utf-8")),
        )
        return LinkageKey(hkdf.derive(self._material))

    def __repr__(self) -> str:
        return "LinkageKey(<redacted>)"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LinkageKey):
            return NotImplemented
        return hmac.compare_digest(self._material, other._material)

    # Unhashable on purpose: a hash would be derived from the key bytes.
    __hash__ = None  # type: ignore[assignment]


def blind_index(key: LinkageKey, pass_name: str, normalised_value: str) -> bytes:
    """HMAC-SHA256 blind index (32 bytes) of ``normalised_value`` for one matching pass.

    An empty value is refused: indexing "missing" would make every record missing the
    identifier match every other one.
    """
    if not pass_name:
        raise ValueError("pass_name must be a non-empty string")
    if not normalised_value:
        raise ValueError("a blind index needs a non-empty value")
    message = _length_prefixed(
        _INDEX_LABEL, pass_name.encode("utf-8"), normalised_value.encode("utf-8")
    )
    return hmac.digest(key.to_bytes(), message, hashlib.sha256)


class PassIndex:
    """:func:`blind_index` for one key and one pass, for many values (a bulk import).

    Equal to ``blind_index(key, pass_name, value)`` for every value. HMAC (RFC 2104) is
    ``H((K ^ opad) || H((K ^ ipad) || message))``; every message of one pass starts with
    the same label and pass name, so the inner hash is kept with the padded key and that
    prefix already absorbed, and the outer hash with its padded key, and each value costs
    two copies and two short updates instead of a whole HMAC set-up (about a third of the
    time; ``tests/agencies/test_bulk_import.py`` checks the equality). Holds the key in
    those hash states: its ``repr`` does not show it, and it is meant to live no longer
    than the work it serves.
    """

    __slots__ = ("_inner", "_outer")

    def __init__(self, key: LinkageKey, pass_name: str) -> None:
        if not pass_name:
            raise ValueError("pass_name must be a non-empty string")
        # The linkage key (32 bytes) is shorter than SHA-256's 64-byte block: zero-padded.
        block = key.to_bytes().ljust(_SHA256_BLOCK, b"\0")
        self._inner = hashlib.sha256(block.translate(_INNER_PAD))
        self._inner.update(_length_prefixed(_INDEX_LABEL, pass_name.encode("utf-8")))
        self._outer = hashlib.sha256(block.translate(_OUTER_PAD))

    def __repr__(self) -> str:
        return "PassIndex(<redacted>)"

    def __call__(self, normalised_value: str) -> bytes:
        if not normalised_value:
            raise ValueError("a blind index needs a non-empty value")
        value = normalised_value.encode("utf-8")
        inner = self._inner.copy()
        inner.update(_FIELD_LENGTH.pack(len(value)) + value)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.digest()
