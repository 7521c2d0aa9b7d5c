"""The audit log's Merkle tree agrees with RFC 6962 / RFC 9162 and with other implementations.

An information-governance officer checks our log with whatever RFC tool they trust, so the tree is
held to the Certificate Transparency project's published test vectors and to a line-by-line
transcription of the RFC's recursive definitions, and every proof is checked to fail once tampered.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from hashlib import sha256
from typing import Any

import pytest

from hub.audit.merkle import (
    EMPTY_ROOT,
    MerkleTree,
    leaf_hash,
    node_hash,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
)

# ---------------------------------------------------------------------------------------------
# The RFC's definitions, transcribed as directly as possible so they are easy to check by eye.
# They recompute whole subtrees at every step, which is exactly why the module does not.


def _rfc_split(n: int) -> int:
    """The largest power of two smaller than n (n >= 2)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def _rfc_node(left: bytes, right: bytes) -> bytes:
    return sha256(b"\x01" + left + right).digest()


def rfc_root(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH(D[n]), RFC 9162 §2.1.1, over already-hashed leaves."""
    n = len(leaf_hashes)
    if n == 0:
        return sha256(b"").digest()
    if n == 1:
        return leaf_hashes[0]
    k = _rfc_split(n)
    return _rfc_node(rfc_root(leaf_hashes[:k]), rfc_root(leaf_hashes[k:]))


def rfc_inclusion_path(m: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """PATH(m, D[n]), RFC 9162 §2.1.3.1."""
    n = len(leaf_hashes)
    if n == 1:
        return []
    k = _rfc_split(n)
    if m < k:
        return [*rfc_inclusion_path(m, leaf_hashes[:k]), rfc_root(leaf_hashes[k:])]
    return [*rfc_inclusion_path(m - k, leaf_hashes[k:]), rfc_root(leaf_hashes[:k])]


def rfc_consistency_proof(m: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """PROOF(m, D[n]) = SUBPROOF(m, D[n], true), RFC 9162 §2.1.4.1."""
    return _rfc_subproof(m, leaf_hashes, old_tree_is_complete_subtree=True)


def _rfc_subproof(
    m: int, leaf_hashes: Sequence[bytes], *, old_tree_is_complete_subtree: bool
) -> list[bytes]:
    n = len(leaf_hashes)
    if m == n:
        return [] if old_tree_is_complete_subtree else [rfc_root(leaf_hashes)]
    k = _rfc_split(n)
    if m <= k:
        return [
            *_rfc_subproof(
                m, leaf_hashes[:k], old_tree_is_complete_subtree=old_tree_is_complete_subtree
            ),
            rfc_root(leaf_hashes[k:]),
        ]
    return [
        *_rfc_subproof(m - k, leaf_hashes[k:], old_tree_is_complete_subtree=False),
        rfc_root(leaf_hashes[:k]),
    ]


# ---------------------------------------------------------------------------------------------
# Certificate Transparency's reference data (the RFC 6962 test vectors used by
# google/certificate-transparency and transparency-dev/merkle). Indexes here are 0-based.

CT_LEAF_INPUTS = [
    bytes.fromhex(""),
    bytes.fromhex("00"),
    bytes.fromhex("10"),
    bytes.fromhex("2021"),
    bytes.fromhex("3031"),
    bytes.fromhex("40414243"),
    bytes.fromhex("5051525354555657"),
    bytes.fromhex("606162636465666768696a6b6c6d6e6f"),
]
CT_LEAF_HASHES = [leaf_hash(data) for data in CT_LEAF_INPUTS]

CT_ROOTS = {
    0: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    1: "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    2: "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    3: "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    4: "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    5: "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    6: "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    7: "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    8: "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
}

# (leaf index, tree size, inclusion path)
CT_INCLUSION_PROOFS = [
    (0, 1, []),
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]

# (old size, new size, consistency proof)
CT_CONSISTENCY_PROOFS = [
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
]


def audit_leaf_hashes(count: int) -> list[bytes]:
    return [leaf_hash(f"audit entry {number}".encode()) for number in range(count)]


def flipped(hash_: bytes, position: int) -> bytes:
    """``hash_`` with every bit of one byte inverted."""
    tampered = bytearray(hash_)
    tampered[position] ^= 0xFF
    return bytes(tampered)


def with_element_flipped(proof: list[bytes], element: int, position: int) -> list[bytes]:
    tampered = list(proof)
    tampered[element] = flipped(proof[element], position)
    return tampered


EXHAUSTIVE_SIZE = 64
EXHAUSTIVE_LEAF_HASHES = audit_leaf_hashes(EXHAUSTIVE_SIZE)
EXHAUSTIVE_TREE = MerkleTree(EXHAUSTIVE_LEAF_HASHES)
SOME_OTHER_HASH = sha256(b"not in this tree").digest()
# Across the exhaustive sweep, the first, a middle and the last byte of every hash are changed:
# enough to catch a verifier that compares or hashes only part of a hash. Every single byte is
# changed for the Certificate Transparency vectors below.
SAMPLED_POSITIONS = (0, 13, 31)


# ---------------------------------------------------------------------------------------------
# Hashing and roots


def test_hashes_are_domain_separated_sha256() -> None:
    assert leaf_hash(b"entry") == sha256(b"\x00entry").digest()
    assert node_hash(b"L" * 32, b"R" * 32) == sha256(b"\x01" + b"L" * 32 + b"R" * 32).digest()
    # A two-leaf node's preimage must never hash to the same value as a leaf of that preimage.
    assert leaf_hash(b"L" * 32 + b"R" * 32) != node_hash(b"L" * 32, b"R" * 32)


def test_empty_tree_root_is_sha256_of_nothing() -> None:
    assert EMPTY_ROOT.hex() == CT_ROOTS[0]
    assert root_from_leaf_hashes([]) == EMPTY_ROOT
    assert MerkleTree().root() == EMPTY_ROOT
    assert MerkleTree().size == 0


@pytest.mark.parametrize("size", range(len(CT_LEAF_HASHES) + 1))
def test_roots_match_certificate_transparency_vectors(size: int) -> None:
    expected = CT_ROOTS[size]
    assert root_from_leaf_hashes(CT_LEAF_HASHES[:size]).hex() == expected
    assert MerkleTree(CT_LEAF_HASHES[:size]).root().hex() == expected
    assert MerkleTree(CT_LEAF_HASHES).root(size).hex() == expected


@pytest.mark.parametrize(("index", "size", "expected_proof"), CT_INCLUSION_PROOFS)
def test_inclusion_proofs_match_certificate_transparency_vectors(
    index: int, size: int, expected_proof: list[str]
) -> None:
    tree = MerkleTree(CT_LEAF_HASHES)
    proof = tree.inclusion_proof(index, size)
    assert [node.hex() for node in proof] == expected_proof
    root = bytes.fromhex(CT_ROOTS[size])
    assert verify_inclusion(CT_LEAF_HASHES[index], index, size, proof, root)


@pytest.mark.parametrize(("old_size", "new_size", "expected_proof"), CT_CONSISTENCY_PROOFS)
def test_consistency_proofs_match_certificate_transparency_vectors(
    old_size: int, new_size: int, expected_proof: list[str]
) -> None:
    tree = MerkleTree(CT_LEAF_HASHES)
    proof = tree.consistency_proof(old_size, new_size)
    assert [node.hex() for node in proof] == expected_proof
    old_root = bytes.fromhex(CT_ROOTS[old_size])
    new_root = bytes.fromhex(CT_ROOTS[new_size])
    assert verify_consistency(old_size, new_size, old_root, new_root, proof)


def test_changing_any_byte_of_a_certificate_transparency_proof_fails_it() -> None:
    tree = MerkleTree(CT_LEAF_HASHES)
    root = tree.root()
    for index in range(8):
        leaf, proof = CT_LEAF_HASHES[index], tree.inclusion_proof(index)
        for position in range(32):
            assert not verify_inclusion(flipped(leaf, position), index, 8, proof, root)
            assert not verify_inclusion(leaf, index, 8, proof, flipped(root, position))
            for element in range(len(proof)):
                tampered = with_element_flipped(proof, element, position)
                assert not verify_inclusion(leaf, index, 8, tampered, root)
    for old_size in range(1, 8):
        old_root, proof = tree.root(old_size), tree.consistency_proof(old_size)
        for position in range(32):
            assert not verify_consistency(old_size, 8, flipped(old_root, position), root, proof)
            assert not verify_consistency(old_size, 8, old_root, flipped(root, position), proof)
            for element in range(len(proof)):
                tampered = with_element_flipped(proof, element, position)
                assert not verify_consistency(old_size, 8, old_root, root, tampered)


def test_level_by_level_root_equals_the_rfc_recursion_for_every_size_to_300() -> None:
    leaf_hashes = audit_leaf_hashes(300)
    for size in range(301):
        assert root_from_leaf_hashes(leaf_hashes[:size]) == rfc_root(leaf_hashes[:size]), size


def test_historic_roots_equal_a_fresh_tree_of_that_many_leaves() -> None:
    leaf_hashes = audit_leaf_hashes(300)
    tree = MerkleTree(leaf_hashes)
    for size in range(301):
        assert tree.root(size) == MerkleTree(leaf_hashes[:size]).root(), size
        assert tree.root(size) == root_from_leaf_hashes(leaf_hashes[:size]), size
    assert tree.root() == tree.root(300)


def test_appending_one_by_one_and_extending_in_batches_build_the_same_tree() -> None:
    leaf_hashes = audit_leaf_hashes(300)
    appended = MerkleTree()
    extended = MerkleTree()
    batches = random.Random(6962)
    position = 0
    while position < len(leaf_hashes):
        batch = leaf_hashes[position : position + batches.randint(0, 40)]
        extended.extend(batch)
        for one_leaf_hash in batch:
            appended.append(one_leaf_hash)
        position += len(batch)
        assert appended.size == extended.size == position
        assert appended.root() == extended.root() == rfc_root(leaf_hashes[:position])
    for size in range(1, 301):
        assert appended.inclusion_proof(size - 1, size) == extended.inclusion_proof(size - 1, size)
        assert appended.consistency_proof(size) == extended.consistency_proof(size)


def test_a_tree_too_large_to_hash_in_one_batch_is_the_same_however_it_is_built() -> None:
    # Over 2**17 leaves: several of the batches the bulk paths hash in, plus a ragged end.
    leaf_hashes = audit_leaf_hashes(2**17 + 3)
    appended = MerkleTree()
    for one_leaf_hash in leaf_hashes:
        appended.append(one_leaf_hash)
    extended = MerkleTree(leaf_hashes[:70_001])
    extended.extend(leaf_hashes[70_001:])
    expected_root = rfc_root(leaf_hashes)
    assert root_from_leaf_hashes(leaf_hashes) == expected_root
    assert appended.root() == extended.root() == expected_root
    for size in (65_535, 65_536, 65_537, 70_001, 2**17):
        assert (
            extended.root(size) == appended.root(size) == root_from_leaf_hashes(leaf_hashes[:size])
        )


# ---------------------------------------------------------------------------------------------
# Every proof up to 64 leaves: equal to the RFC's, verifies, and fails once anything is changed


@pytest.mark.parametrize("size", range(1, EXHAUSTIVE_SIZE + 1))
def test_every_inclusion_proof_is_the_rfc_path_and_verifies(size: int) -> None:
    leaf_hashes = EXHAUSTIVE_LEAF_HASHES[:size]
    tree_of_this_size = MerkleTree(leaf_hashes)
    root = rfc_root(leaf_hashes)
    for index in range(size):
        proof = EXHAUSTIVE_TREE.inclusion_proof(index, size)
        assert proof == rfc_inclusion_path(index, leaf_hashes), index
        assert tree_of_this_size.inclusion_proof(index) == proof, index
        assert verify_inclusion(leaf_hashes[index], index, size, proof, root), index


@pytest.mark.parametrize("size", range(1, EXHAUSTIVE_SIZE + 1))
def test_every_tampered_inclusion_proof_fails(size: int) -> None:
    leaf_hashes = EXHAUSTIVE_LEAF_HASHES[:size]
    root = EXHAUSTIVE_TREE.root(size)
    for index in range(size):
        leaf = leaf_hashes[index]
        proof = EXHAUSTIVE_TREE.inclusion_proof(index, size)
        for position in SAMPLED_POSITIONS:
            assert not verify_inclusion(flipped(leaf, position), index, size, proof, root)
            assert not verify_inclusion(leaf, index, size, proof, flipped(root, position))
            for element in range(len(proof)):
                tampered = with_element_flipped(proof, element, position)
                assert not verify_inclusion(leaf, index, size, tampered, root)
        for other_index in range(size + 2):
            if other_index != index:
                assert not verify_inclusion(leaf, other_index, size, proof, root)
        # Doubling the size doubles every leaf into a pair, so every path gets one step longer.
        # (A neighbouring size can share the leaf's path shape: the proof does not bind the size,
        # which is why a signed tree head signs the size together with the root.)
        assert not verify_inclusion(leaf, index, size * 2, proof, root)
        assert not verify_inclusion(leaf, index, size, [*proof, SOME_OTHER_HASH], root)
        # A path that climbs past the root describes a taller tree than the size allows.
        taller_root = node_hash(SOME_OTHER_HASH, root)
        assert not verify_inclusion(leaf, index, size, [*proof, SOME_OTHER_HASH], taller_root)
        assert not verify_inclusion(leaf, index, size, [SOME_OTHER_HASH, *proof], root)
        if proof:
            assert not verify_inclusion(leaf, index, size, proof[:-1], root)
            assert not verify_inclusion(leaf, index, size, proof[1:], root)
        if len(proof) > 1:
            assert not verify_inclusion(leaf, index, size, proof[::-1], root)


@pytest.mark.parametrize("new_size", range(1, EXHAUSTIVE_SIZE + 1))
def test_every_consistency_proof_is_the_rfc_proof_and_verifies(new_size: int) -> None:
    leaf_hashes = EXHAUSTIVE_LEAF_HASHES[:new_size]
    tree_of_this_size = MerkleTree(leaf_hashes)
    new_root = rfc_root(leaf_hashes)
    for old_size in range(1, new_size + 1):
        proof = EXHAUSTIVE_TREE.consistency_proof(old_size, new_size)
        assert proof == rfc_consistency_proof(old_size, leaf_hashes), old_size
        assert tree_of_this_size.consistency_proof(old_size) == proof, old_size
        old_root = rfc_root(leaf_hashes[:old_size])
        assert verify_consistency(old_size, new_size, old_root, new_root, proof), old_size


@pytest.mark.parametrize("new_size", range(1, EXHAUSTIVE_SIZE + 1))
def test_every_tampered_consistency_proof_fails(new_size: int) -> None:
    new_root = EXHAUSTIVE_TREE.root(new_size)
    for old_size in range(1, new_size + 1):
        old_root = EXHAUSTIVE_TREE.root(old_size)
        proof = EXHAUSTIVE_TREE.consistency_proof(old_size, new_size)
        for position in SAMPLED_POSITIONS:
            assert not verify_consistency(
                old_size, new_size, flipped(old_root, position), new_root, proof
            )
            assert not verify_consistency(
                old_size, new_size, old_root, flipped(new_root, position), proof
            )
            for element in range(len(proof)):
                tampered = with_element_flipped(proof, element, position)
                assert not verify_consistency(old_size, new_size, old_root, new_root, tampered)
        for other_old_size in range(new_size + 2):
            if other_old_size != old_size:
                assert not verify_consistency(other_old_size, new_size, old_root, new_root, proof)
        # Like inclusion proofs, these do not bind the sizes (a neighbouring new size can share the
        # proof's shape), so only a size that changes the shape is tried.
        assert not verify_consistency(old_size, new_size * 2, old_root, new_root, proof)
        with_extra_at_end = [*proof, SOME_OTHER_HASH]
        with_extra_at_start = [SOME_OTHER_HASH, *proof]
        assert not verify_consistency(old_size, new_size, old_root, new_root, with_extra_at_end)
        taller_old_root = node_hash(SOME_OTHER_HASH, old_root)
        taller_new_root = node_hash(SOME_OTHER_HASH, new_root)
        assert not verify_consistency(
            old_size, new_size, taller_old_root, taller_new_root, with_extra_at_end
        )
        assert not verify_consistency(
            old_size, new_size, old_root, taller_new_root, with_extra_at_end
        )
        assert not verify_consistency(old_size, new_size, old_root, new_root, with_extra_at_start)
        if proof:
            assert not verify_consistency(old_size, new_size, old_root, new_root, proof[:-1])
            assert not verify_consistency(old_size, new_size, old_root, new_root, proof[1:])
            assert not verify_consistency(old_size, new_size, new_root, old_root, proof)


def test_proofs_in_a_larger_tree_match_the_rfc() -> None:
    leaf_hashes = audit_leaf_hashes(1000)
    tree = MerkleTree(leaf_hashes)
    choices = random.Random(9162)
    for _ in range(40):
        size = choices.randint(1, 1000)
        index = choices.randrange(size)
        old_size = choices.randint(1, size)
        proof = tree.inclusion_proof(index, size)
        assert proof == rfc_inclusion_path(index, leaf_hashes[:size])
        assert verify_inclusion(leaf_hashes[index], index, size, proof, tree.root(size))
        consistency = tree.consistency_proof(old_size, size)
        assert consistency == rfc_consistency_proof(old_size, leaf_hashes[:size])
        assert verify_consistency(old_size, size, tree.root(old_size), tree.root(size), consistency)


# ---------------------------------------------------------------------------------------------
# Malformed input: the tree refuses it loudly, the verifiers say False and never raise


def test_tree_refuses_leaf_hashes_that_are_not_32_bytes() -> None:
    tree = MerkleTree(audit_leaf_hashes(3))
    root_before = tree.root()
    with pytest.raises(ValueError, match="32 bytes"):
        tree.append(b"\x00" * 31)
    with pytest.raises(ValueError, match="32-byte"):
        tree.extend([*audit_leaf_hashes(2), b"\x00" * 33])
    with pytest.raises(ValueError, match="32-byte"):
        root_from_leaf_hashes([b"\x00" * 31, b"\x00" * 33])
    # A refused batch adds nothing, so the tree still holds exactly what it held.
    assert tree.size == 3
    assert tree.root() == root_before


@pytest.mark.parametrize("size", [-1, 4])
def test_root_refuses_sizes_the_tree_never_had(size: int) -> None:
    with pytest.raises(ValueError, match="tree size"):
        MerkleTree(audit_leaf_hashes(3)).root(size)


@pytest.mark.parametrize(
    ("index", "size"), [(3, None), (-1, None), (2, 2), (0, 0), (0, 4), (0, -1)]
)
def test_inclusion_proof_refuses_impossible_arguments(index: int, size: int | None) -> None:
    with pytest.raises(ValueError, match=r"leaf index|tree size"):
        MerkleTree(audit_leaf_hashes(3)).inclusion_proof(index, size)


@pytest.mark.parametrize(
    ("old_size", "new_size"), [(0, None), (-1, None), (3, 2), (4, None), (1, 4)]
)
def test_consistency_proof_refuses_impossible_arguments(
    old_size: int, new_size: int | None
) -> None:
    with pytest.raises(ValueError, match=r"old size|tree size"):
        MerkleTree(audit_leaf_hashes(3)).consistency_proof(old_size, new_size)


def test_an_empty_tree_has_no_proofs() -> None:
    with pytest.raises(ValueError, match="tree size"):
        MerkleTree().inclusion_proof(0)
    with pytest.raises(ValueError, match="tree size"):
        MerkleTree().consistency_proof(0)


MALFORMED_HASHES: list[Any] = [b"", b"\x00" * 31, b"\x00" * 33, "ab" * 16, None, 7, [0] * 32]
MALFORMED_COUNTS: list[Any] = [-1, None, "3", 2.0, True]


@pytest.mark.parametrize("malformed", MALFORMED_HASHES)
def test_verify_inclusion_says_false_to_malformed_hashes(malformed: Any) -> None:
    leaf_hashes = audit_leaf_hashes(5)
    tree = MerkleTree(leaf_hashes)
    leaf, proof, root = leaf_hashes[2], tree.inclusion_proof(2), tree.root()
    assert verify_inclusion(leaf, 2, 5, proof, root)
    assert not verify_inclusion(malformed, 2, 5, proof, root)
    assert not verify_inclusion(leaf, 2, 5, proof, malformed)
    assert not verify_inclusion(leaf, 2, 5, [proof[0], malformed, proof[2]], root)


@pytest.mark.parametrize("malformed", MALFORMED_COUNTS)
def test_verify_inclusion_says_false_to_malformed_positions(malformed: Any) -> None:
    leaf_hashes = audit_leaf_hashes(5)
    tree = MerkleTree(leaf_hashes)
    leaf, proof, root = leaf_hashes[2], tree.inclusion_proof(2), tree.root()
    assert not verify_inclusion(leaf, malformed, 5, proof, root)
    assert not verify_inclusion(leaf, 2, malformed, proof, root)


@pytest.mark.parametrize("malformed_proof", [None, b"\x00" * 32, "proof", 3])
def test_verifiers_say_false_to_a_proof_that_is_not_a_list_of_hashes(
    malformed_proof: Any,
) -> None:
    tree = MerkleTree(audit_leaf_hashes(1))
    root = tree.root()
    assert not verify_inclusion(root, 0, 1, malformed_proof, root)
    assert not verify_consistency(1, 1, root, root, malformed_proof)


def test_verify_inclusion_of_the_only_leaf_needs_an_empty_proof() -> None:
    only_leaf = leaf_hash(b"the first audit entry")
    assert verify_inclusion(only_leaf, 0, 1, [], only_leaf)
    assert not verify_inclusion(only_leaf, 0, 1, [only_leaf], only_leaf)
    assert not verify_inclusion(only_leaf, 0, 0, [], only_leaf)
    assert not verify_inclusion(only_leaf, 1, 1, [], only_leaf)


@pytest.mark.parametrize("malformed", MALFORMED_HASHES)
def test_verify_consistency_says_false_to_malformed_hashes(malformed: Any) -> None:
    tree = MerkleTree(audit_leaf_hashes(7))
    old_root, new_root, proof = tree.root(3), tree.root(), tree.consistency_proof(3)
    assert verify_consistency(3, 7, old_root, new_root, proof)
    assert not verify_consistency(3, 7, malformed, new_root, proof)
    assert not verify_consistency(3, 7, old_root, malformed, proof)
    assert not verify_consistency(3, 7, old_root, new_root, [proof[0], malformed, *proof[2:]])


@pytest.mark.parametrize("malformed", MALFORMED_COUNTS)
def test_verify_consistency_says_false_to_malformed_sizes(malformed: Any) -> None:
    tree = MerkleTree(audit_leaf_hashes(7))
    old_root, new_root, proof = tree.root(3), tree.root(), tree.consistency_proof(3)
    assert not verify_consistency(malformed, 7, old_root, new_root, proof)
    assert not verify_consistency(3, malformed, old_root, new_root, proof)


def test_verify_consistency_of_equal_sizes_needs_equal_roots_and_an_empty_proof() -> None:
    tree = MerkleTree(audit_leaf_hashes(6))
    root = tree.root()
    assert verify_consistency(6, 6, root, root, [])
    assert not verify_consistency(6, 6, root, tree.root(5), [])
    assert not verify_consistency(6, 6, root, root, [root])
    assert not verify_consistency(6, 6, root, root, tree.consistency_proof(5))


def test_verify_consistency_refuses_a_shrinking_or_empty_old_tree() -> None:
    tree = MerkleTree(audit_leaf_hashes(6))
    proof = tree.consistency_proof(4)
    assert not verify_consistency(6, 4, tree.root(), tree.root(4), proof)
    assert not verify_consistency(0, 6, EMPTY_ROOT, tree.root(), [])
    assert not verify_consistency(0, 6, EMPTY_ROOT, tree.root(), proof)
    # A proof between different sizes is never empty.
    assert not verify_consistency(4, 6, tree.root(4), tree.root(), [])
