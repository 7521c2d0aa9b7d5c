"""Sealing values under per-agency data keys, bound to where they live."""

from __future__ import annotations

import dataclasses

import pytest

from hub.kit.crypto.envelope import (
    MAX_SEALS_PER_KEY,
    DataKey,
    DecryptionError,
    SealContext,
    open_sealed,
    seal,
    sealed_key_ref,
)

PLAINTEXT = b"Child disclosed bruising to class teacher on 7 March"
CONTEXT = SealContext(owner="police", table="agency_records", column="summary", row_id="r-1")


@pytest.fixture
def police_key() -> DataKey:
    return DataKey.generate("agency:police", 1)


def test_round_trip(police_key: DataKey) -> None:
    blob = seal(police_key, PLAINTEXT, CONTEXT)

    assert open_sealed(police_key, blob, CONTEXT) == PLAINTEXT


def test_empty_plaintext_round_trips(police_key: DataKey) -> None:
    assert open_sealed(police_key, seal(police_key, b"", CONTEXT), CONTEXT) == b""


def test_same_plaintext_seals_differently_each_time(police_key: DataKey) -> None:
    assert seal(police_key, PLAINTEXT, CONTEXT) != seal(police_key, PLAINTEXT, CONTEXT)


def test_ciphertext_does_not_contain_plaintext(police_key: DataKey) -> None:
    assert PLAINTEXT not in seal(police_key, PLAINTEXT, CONTEXT)


@pytest.mark.parametrize(
    "moved_to",
    [
        dataclasses.replace(CONTEXT, owner="health"),
        dataclasses.replace(CONTEXT, table="disclosures"),
        dataclasses.replace(CONTEXT, column="address"),
        dataclasses.replace(CONTEXT, row_id="r-2"),
        dataclasses.replace(CONTEXT, owner="hub"),
    ],
    ids=["other agency", "other table", "other column", "other row", "the hub"],
)
def test_value_moved_elsewhere_does_not_open(police_key: DataKey, moved_to: SealContext) -> None:
    blob = seal(police_key, PLAINTEXT, CONTEXT)

    with pytest.raises(DecryptionError):
        open_sealed(police_key, blob, moved_to)


def test_context_fields_cannot_be_shifted_into_each_other(police_key: DataKey) -> None:
    # With naive concatenation "ab"+"c" and "a"+"bc" would bind the same bytes.
    sealed_for = SealContext(owner="police", table="ab", column="c", row_id="1")
    shifted = SealContext(owner="police", table="a", column="bc", row_id="1")

    with pytest.raises(DecryptionError):
        open_sealed(police_key, seal(police_key, PLAINTEXT, sealed_for), shifted)


def test_every_tampered_byte_is_detected(police_key: DataKey) -> None:
    blob = seal(police_key, PLAINTEXT, CONTEXT)

    for position in range(len(blob)):
        tampered = bytearray(blob)
        tampered[position] ^= 0x01
        with pytest.raises(DecryptionError):
            open_sealed(police_key, bytes(tampered), CONTEXT)


def test_every_truncation_is_detected(police_key: DataKey) -> None:
    blob = seal(police_key, PLAINTEXT, CONTEXT)

    for length in range(len(blob)):
        with pytest.raises(DecryptionError):
            open_sealed(police_key, blob[:length], CONTEXT)


def test_appended_bytes_are_detected(police_key: DataKey) -> None:
    with pytest.raises(DecryptionError):
        open_sealed(police_key, seal(police_key, PLAINTEXT, CONTEXT) + b"\x00", CONTEXT)


def test_other_agencys_key_does_not_open(police_key: DataKey) -> None:
    health_key = DataKey.generate("agency:health", 1)

    with pytest.raises(DecryptionError):
        open_sealed(health_key, seal(police_key, PLAINTEXT, CONTEXT), CONTEXT)


def test_other_version_of_the_key_does_not_open(police_key: DataKey) -> None:
    rotated = DataKey.generate("agency:police", 2)

    with pytest.raises(DecryptionError):
        open_sealed(rotated, seal(police_key, PLAINTEXT, CONTEXT), CONTEXT)


def test_same_name_and_version_with_other_material_does_not_open(police_key: DataKey) -> None:
    impostor = DataKey.generate(police_key.key_id, police_key.version)

    with pytest.raises(DecryptionError):
        open_sealed(impostor, seal(police_key, PLAINTEXT, CONTEXT), CONTEXT)


def test_relabelled_header_does_not_open_under_the_claimed_key(police_key: DataKey) -> None:
    # Rewriting the header to name version 2 must not let version 2 open it.
    version_two = DataKey("agency:police", 2, police_key.material)
    blob = bytearray(seal(police_key, PLAINTEXT, CONTEXT))
    version_offset = 1 + 2 + len(b"agency:police")
    blob[version_offset : version_offset + 4] = (2).to_bytes(4, "big")

    with pytest.raises(DecryptionError):
        open_sealed(version_two, bytes(blob), CONTEXT)


def test_unknown_format_version_is_refused(police_key: DataKey) -> None:
    blob = bytearray(seal(police_key, PLAINTEXT, CONTEXT))
    blob[0] = 2

    with pytest.raises(DecryptionError, match="format version"):
        open_sealed(police_key, bytes(blob), CONTEXT)


def test_key_reference_is_readable_without_the_key() -> None:
    key = DataKey.generate("record:5b0c2f8e-3c1d-4f6a-9d0e-7a1b2c3d4e5f", 7)

    assert sealed_key_ref(seal(key, PLAINTEXT, CONTEXT)) == (key.key_id, 7)


def test_key_reference_of_garbage_raises_decryption_error() -> None:
    with pytest.raises(DecryptionError):
        sealed_key_ref(b"\x01\x00")


def test_secrets_never_appear_in_repr_or_errors(police_key: DataKey) -> None:
    blob = seal(police_key, PLAINTEXT, CONTEXT)
    tampered = blob[:-1] + bytes([blob[-1] ^ 1])

    with pytest.raises(DecryptionError) as failure:
        open_sealed(police_key, tampered, CONTEXT)

    texts = [repr(police_key), str(police_key), str(failure.value), repr(failure.value)]
    for text in texts:
        assert police_key.material.hex() not in text
        assert repr(police_key.material) not in text
        assert "Child disclosed" not in text
    assert "agency:police" in repr(police_key)
    assert failure.value.__cause__ is None
    assert failure.value.__suppress_context__


def test_data_key_equality_uses_the_material(police_key: DataKey) -> None:
    same = DataKey(police_key.key_id, police_key.version, police_key.material)

    assert same == police_key
    assert DataKey.generate(police_key.key_id, police_key.version) != police_key


@pytest.mark.parametrize(
    ("key_id", "version", "material"),
    [
        ("", 1, bytes(32)),
        ("agency:police", -1, bytes(32)),
        ("agency:police", 2**32, bytes(32)),
        ("agency:police", 1, bytes(16)),
        ("agency:police", True, bytes(32)),
    ],
    ids=["empty key_id", "negative version", "version too large", "short key", "bool version"],
)
def test_invalid_data_keys_are_refused(key_id: str, version: int, material: bytes) -> None:
    with pytest.raises((ValueError, TypeError)):
        DataKey(key_id, version, material)


def test_context_with_an_empty_field_is_refused() -> None:
    with pytest.raises(ValueError, match="row_id"):
        SealContext(owner="police", table="agency_records", column="summary", row_id="")


def test_seal_ceiling_leaves_a_wide_margin_below_the_gcm_limit() -> None:
    assert MAX_SEALS_PER_KEY == 2**30
    assert MAX_SEALS_PER_KEY * 4 <= 2**32
