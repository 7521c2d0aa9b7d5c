"""Keyed blind indexes used to match people across agencies."""

from __future__ import annotations

import hashlib

import pytest

from hub.kit.crypto.blind import BLIND_INDEX_BYTES, LinkageKey, blind_index


@pytest.fixture
def linkage_key() -> LinkageKey:
    return LinkageKey.generate()


def test_equal_input_gives_equal_index(linkage_key: LinkageKey) -> None:
    first = blind_index(linkage_key, "family_dob", "obrien\x1f2014-03-07")
    second = blind_index(linkage_key, "family_dob", "obrien\x1f2014-03-07")

    assert first == second
    assert len(first) == BLIND_INDEX_BYTES == 32


def test_same_key_bytes_give_the_same_index(linkage_key: LinkageKey) -> None:
    reloaded = LinkageKey.from_bytes(linkage_key.to_bytes())

    assert blind_index(reloaded, "nhs", "9434765919") == blind_index(
        linkage_key, "nhs", "9434765919"
    )


def test_different_values_give_different_indexes(linkage_key: LinkageKey) -> None:
    assert blind_index(linkage_key, "nhs", "9434765919") != blind_index(
        linkage_key, "nhs", "4010232137"
    )


def test_different_keys_give_different_indexes(linkage_key: LinkageKey) -> None:
    other_key = LinkageKey.generate()

    assert blind_index(linkage_key, "nhs", "9434765919") != blind_index(
        other_key, "nhs", "9434765919"
    )


def test_different_passes_give_different_indexes(linkage_key: LinkageKey) -> None:
    assert blind_index(linkage_key, "family_dob", "smith\x1f2014-03-07") != blind_index(
        linkage_key, "given_dob_district", "smith\x1f2014-03-07"
    )


def test_shifting_characters_between_pass_and_value_cannot_collide(
    linkage_key: LinkageKey,
) -> None:
    assert blind_index(linkage_key, "ab", "c") != blind_index(linkage_key, "a", "bc")
    assert blind_index(linkage_key, "nhs", "1") != blind_index(linkage_key, "nh", "s1")


def test_index_is_not_a_plain_hash_of_the_value(linkage_key: LinkageKey) -> None:
    value = "9434765919"

    assert blind_index(linkage_key, "nhs", value) != hashlib.sha256(value.encode()).digest()


def test_known_answer() -> None:
    # Pins the encoding (label, then each field with a 4-byte big-endian length): a change
    # would silently stop every stored index from matching. Computed independently with
    # hmac.new(key, len-prefixed(b"mash-hub/blind-index/v1", b"nhs", value), sha256).
    key = LinkageKey.from_bytes(bytes(range(32)))

    assert blind_index(key, "nhs", "9434765919").hex() == (
        "22a690dcc9e8c7a15dd8db75ffd947bccb137c8805dd2b9e3d0d9b3e08c9eec9"
    )


def test_empty_value_is_refused(linkage_key: LinkageKey) -> None:
    with pytest.raises(ValueError, match="non-empty value"):
        blind_index(linkage_key, "nhs", "")


def test_empty_pass_name_is_refused(linkage_key: LinkageKey) -> None:
    with pytest.raises(ValueError, match="pass_name"):
        blind_index(linkage_key, "", "9434765919")


def test_key_bytes_never_appear_in_repr(linkage_key: LinkageKey) -> None:
    material = linkage_key.to_bytes()

    for text in (repr(linkage_key), str(linkage_key), f"{linkage_key}"):
        assert material.hex() not in text
        assert repr(material) not in text
        assert "redacted" in text


def test_wrong_length_key_is_refused() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        LinkageKey.from_bytes(bytes(16))


def test_derived_keys_are_stable_and_separate(linkage_key: LinkageKey) -> None:
    research = linkage_key.derive_for("research")

    assert research == linkage_key.derive_for("research")
    assert research != linkage_key.derive_for("operational")
    assert research != linkage_key
    assert blind_index(research, "nhs", "9434765919") != blind_index(
        linkage_key, "nhs", "9434765919"
    )


def test_keys_cannot_be_hashed(linkage_key: LinkageKey) -> None:
    with pytest.raises(TypeError):
        hash(linkage_key)
