"""Envelope encryption: seal a value under a data key, bound to where it lives.

Each agency (or record) has its own :class:`DataKey`. A key-encryption key held by a
provider (see :mod:`hub.kit.crypto.providers`) wraps the data key; the wrapped form is
what the database stores. :func:`seal` encrypts one value with AES-256-GCM and binds it,
through the associated data, to the key that sealed it and to its :class:`SealContext`
(owner, table, column, row). A sealed value copied to another row, column, table or agency
fails to open.

Sealed blob layout (all integers big-endian)::

    format version   1 byte   (currently 1)
    key_id length    2 bytes
    key_id           UTF-8
    key version      4 bytes
    nonce            12 bytes, random
    ciphertext+tag   len(plaintext) + 16 bytes

The header is readable without a key (:func:`sealed_key_ref`) so a caller can find the
key version it needs during rotation; it is also authenticated, because it is part of
the associated data.
"""

from __future__ import annotations

import hmac
import os
import struct
from dataclasses import dataclass
from typing import Self

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

__all__ = [
    "DATA_KEY_BYTES",
    "MAX_SEALS_PER_KEY",
    "DataKey",
    "DecryptionError",
    "SealColumn",
    "SealContext",
    "Sealer",
    "open_sealed",
    "seal",
    "sealed_key_ref",
]

DATA_KEY_BYTES = 32
FORMAT_VERSION = 1
NONCE_BYTES = 12
TAG_BYTES = 16
MAX_KEY_ID_BYTES = 1024
MAX_KEY_VERSION = 2**32 - 1

# NIST SP 800-38D caps AES-GCM with random 96-bit nonces at 2**32 encryptions per key, the
# point where a nonce collision (which leaks the XOR of two plaintexts and the GHASH key)
# reaches a 2**-32 chance. We stop at 2**30: the collision chance falls to about 2**-37, and
# the caller's counter may lag behind the truth (several workers, counts flushed in
# batches, a crash before a count is saved), so the ceiling must leave room for slack.
MAX_SEALS_PER_KEY = 2**30

_AAD_LABEL = b"mash-hub/seal/v1"
_HEADER_PREFIX = struct.Struct(">BH")
_KEY_VERSION = struct.Struct(">I")
_FIELD_LENGTH = struct.Struct(">I")


class DecryptionError(Exception):
    """A sealed value could not be opened.

    Raised for every failure (wrong key, wrong context, tampering, truncation, an unknown
    format) so a caller cannot tell them apart by type, and the message never carries key
    material or plaintext.
    """


def _length_prefixed(*fields: bytes) -> bytes:
    """Encode fields so that no two different field lists share an encoding."""
    return b"".join(_FIELD_LENGTH.pack(len(field)) + field for field in fields)


def _validate_key_id(key_id: str) -> bytes:
    if not isinstance(key_id, str) or not key_id:
        raise ValueError("key_id must be a non-empty string")
    encoded = key_id.encode("utf-8")
    if len(encoded) > MAX_KEY_ID_BYTES:
        raise ValueError(f"key_id must be at most {MAX_KEY_ID_BYTES} bytes of UTF-8")
    return encoded


def _validate_key_version(version: int) -> None:
    # bool is an int; a True/False version is a bug, not version 1/0.
    if isinstance(version, bool) or not isinstance(version, int):
        raise TypeError("key version must be an int")
    if not 0 <= version <= MAX_KEY_VERSION:
        raise ValueError(f"key version must be between 0 and {MAX_KEY_VERSION}")


@dataclass(frozen=True, eq=False, repr=False, slots=True)
class DataKey:
    """A data key: 32 bytes of AES-256 key material, named by ``key_id`` and ``version``.

    ``key_id`` is opaque here (for example ``"agency:police"`` or ``"record:<uuid>"``).
    The material never appears in ``repr``/``str``.
    """

    key_id: str
    version: int
    material: bytes

    def __post_init__(self) -> None:
        _validate_key_id(self.key_id)
        _validate_key_version(self.version)
        if not isinstance(self.material, bytes) or len(self.material) != DATA_KEY_BYTES:
            raise ValueError(f"data key material must be exactly {DATA_KEY_BYTES} bytes")

    @classmethod
    def generate(cls, key_id: str, version: int) -> Self:
        """Make a fresh random data key."""
        return cls(key_id=key_id, version=version, material=AESGCM.generate_key(bit_length=256))

    def __repr__(self) -> str:
        return f"DataKey(key_id={self.key_id!r}, version={self.version}, material=<redacted>)"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DataKey):
            return NotImplemented
        return (
            self.key_id == other.key_id
            and self.version == other.version
            and hmac.compare_digest(self.material, other.material)
        )

    def __hash__(self) -> int:
        # Hash only the public name so the material cannot leak through hash values.
        return hash((self.key_id, self.version))


@dataclass(frozen=True, slots=True)
class SealContext:
    """Where a sealed value lives; bound into the ciphertext as associated data.

    ``owner`` is the agency code (or ``"hub"``), then ``table``, ``column`` and ``row_id``.
    Every field must be non-empty: binding to an empty row id would bind to nothing.
    """

    owner: str
    table: str
    column: str
    row_id: str

    def __post_init__(self) -> None:
        for name in ("owner", "table", "column", "row_id"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value:
                raise ValueError(f"SealContext.{name} must be a non-empty string")

    def encode(self) -> bytes:
        """Canonical, unambiguous bytes for this context."""
        return _length_prefixed(
            self.owner.encode("utf-8"),
            self.table.encode("utf-8"),
            self.column.encode("utf-8"),
            self.row_id.encode("utf-8"),
        )


class SealColumn:
    """One column of one owner's table: a :class:`SealContext` waiting for its row id.

    ``column.encode_row(row_id)`` equals ``SealContext(owner, table, column,
    row_id).encode()``, with the fixed part encoded once (for a bulk write).
    """

    __slots__ = ("_prefix",)

    def __init__(self, owner: str, table: str, column: str) -> None:
        SealContext(owner, table, column, "-")  # the same checks of the fixed fields
        self._prefix = _length_prefixed(
            owner.encode("utf-8"), table.encode("utf-8"), column.encode("utf-8")
        )

    def encode_row(self, row_id: str) -> bytes:
        if not isinstance(row_id, str) or not row_id:
            raise ValueError("SealContext.row_id must be a non-empty string")
        encoded = row_id.encode("utf-8")
        return self._prefix + _FIELD_LENGTH.pack(len(encoded)) + encoded


def _header(key_id: str, version: int) -> bytes:
    encoded_key_id = _validate_key_id(key_id)
    return (
        _HEADER_PREFIX.pack(FORMAT_VERSION, len(encoded_key_id))
        + encoded_key_id
        + _KEY_VERSION.pack(version)
    )


def _associated_data(header: bytes, context: SealContext) -> bytes:
    # The header carries format version, key_id and key version; binding it means a blob
    # relabelled to claim another key or format fails authentication.
    return _length_prefixed(_AAD_LABEL, header, context.encode())


def seal(key: DataKey, plaintext: bytes, context: SealContext) -> bytes:
    """Encrypt ``plaintext`` under ``key``, bound to ``context``; return a sealed blob.

    The caller counts seals per key and rotates before :data:`MAX_SEALS_PER_KEY`.
    """
    return Sealer(key).seal(plaintext, context)


class Sealer:
    """:func:`seal` for many values under one key, for bulk work.

    The blobs are exactly what :func:`seal` makes (a fresh random nonce each time); the
    AES key schedule, the header and the fixed part of the associated data are made once
    instead of once per value. Holds the key: keep it no longer than the work needs.
    """

    __slots__ = ("_aad_prefix", "_aead", "_header")

    def __init__(self, key: DataKey) -> None:
        self._header = _header(key.key_id, key.version)
        self._aad_prefix = _length_prefixed(_AAD_LABEL, self._header)
        self._aead = AESGCM(key.material)

    def __repr__(self) -> str:
        return "Sealer(<redacted>)"

    def seal(self, plaintext: bytes, context: SealContext) -> bytes:
        """Encrypt ``plaintext``, bound to ``context``; the caller counts the seal."""
        return self._seal(plaintext, context.encode())

    def seal_at(self, plaintext: bytes, column: SealColumn, row_id: str) -> bytes:
        """:meth:`seal` bound to ``SealContext(<column's fields>, row_id)``."""
        return self._seal(plaintext, column.encode_row(row_id))

    def _seal(self, plaintext: bytes, encoded_context: bytes) -> bytes:
        if not isinstance(plaintext, bytes):
            raise TypeError("plaintext must be bytes")
        nonce = os.urandom(NONCE_BYTES)
        # The same bytes as _associated_data(header, context), the fixed part kept.
        associated_data = (
            self._aad_prefix + _FIELD_LENGTH.pack(len(encoded_context)) + encoded_context
        )
        return self._header + nonce + self._aead.encrypt(nonce, plaintext, associated_data)


def _split(blob: bytes) -> tuple[bytes, str, int, bytes, bytes]:
    """Split a blob into (header, key_id, version, nonce, ciphertext) or raise."""
    if not isinstance(blob, bytes | bytearray | memoryview):
        raise DecryptionError("sealed value could not be opened: not bytes")
    blob = bytes(blob)
    if len(blob) < _HEADER_PREFIX.size:
        raise DecryptionError("sealed value could not be opened: truncated")
    format_version, key_id_length = _HEADER_PREFIX.unpack_from(blob)
    if format_version != FORMAT_VERSION:
        raise DecryptionError("sealed value could not be opened: unsupported format version")
    header_length = _HEADER_PREFIX.size + key_id_length + _KEY_VERSION.size
    if key_id_length == 0 or len(blob) < header_length + NONCE_BYTES + TAG_BYTES:
        raise DecryptionError("sealed value could not be opened: truncated")
    try:
        key_id = blob[_HEADER_PREFIX.size : _HEADER_PREFIX.size + key_id_length].decode("utf-8")
    except UnicodeDecodeError:
        raise DecryptionError("sealed value could not be opened: malformed header") from None
    (version,) = _KEY_VERSION.unpack_from(blob, header_length - _KEY_VERSION.size)
    nonce = blob[header_length : header_length + NONCE_BYTES]
    ciphertext = blob[header_length + NONCE_BYTES :]
    return blob[:header_length], key_id, version, nonce, ciphertext


def sealed_key_ref(blob: bytes) -> tuple[str, int]:
    """Return ``(key_id, version)`` of the key that sealed ``blob``, without decrypting.

    The header is not authenticated until :func:`open_sealed` succeeds: use this only
    to choose a key, never as proof of anything.
    """
    _, key_id, version, _, _ = _split(blob)
    return key_id, version


def open_sealed(key: DataKey, blob: bytes, context: SealContext) -> bytes:
    """Decrypt a blob made by :func:`seal`; raise :class:`DecryptionError` on any failure."""
    header, key_id, version, nonce, ciphertext = _split(blob)
    if key_id != key.key_id or version != key.version:
        raise DecryptionError("sealed value could not be opened: sealed under another key")
    try:
        return AESGCM(key.material).decrypt(nonce, ciphertext, _associated_data(header, context))
    except InvalidTag:
        # One message for wrong key, wrong context and tampering: which one it was is
        # not something the caller can act on, and telling them apart helps an attacker.
        raise DecryptionError("sealed value could not be opened: authentication failed") from None
