"""The Merkle tree behind the audit log, as RFC 6962 / RFC 9162 define it.

Following the RFCs exactly (leaf and node prefixes, the split at the largest power of two, the proof
algorithms) is what lets an information-governance officer check the log offline with any
Certificate Transparency tool, not only with this code.

Only ``hashlib`` is used: the module is a public, keyless data structure, so it needs nothing from
``hub.kit.crypto``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from hashlib import sha256

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "MerkleTree",
    "leaf_hash",
    "node_hash",
    "root_from_leaf_hashes",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32
"""Bytes in every leaf hash, node hash and root (SHA-256)."""

EMPTY_ROOT = sha256(b"").digest()
"""The root of the tree with no leaves: SHA-256 of the empty string (RFC 9162 §2.1.1)."""

# Domain separation: a leaf can never be passed off as an interior node, or the reverse.
_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"
_PAIR_SIZE = 2 * HASH_SIZE
_PACKING_BATCH = 65_536  # hashes per batch when packing a level: a few MB of temporary objects


def leaf_hash(data: bytes) -> bytes:
    """The hash of one log entry: SHA-256(0x00 || data)."""
    return sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """The hash of an interior node: SHA-256(0x01 || left || right)."""
    return sha256(_NODE_PREFIX + left + right).digest()


def root_from_leaf_hashes(leaf_hashes: Sequence[bytes]) -> bytes:
    """The RFC 9162 Merkle Tree Hash of a list of leaf hashes, computed level by level.

    The RFC defines the root recursively, splitting at the largest power of two k < n. Pairing
    nodes left to right and carrying an odd last node up unchanged builds the same tree: the first
    k leaves are whole aligned blocks at every level below k, so they reduce to MTH(D[0:k]) without
    ever touching the rest, while the remaining n - k <= k leaves reduce in the same way to
    MTH(D[k:n]) by the time level log2(k) is reached; there the two are the only nodes left.
    """
    _require_hashes(leaf_hashes)
    if not leaf_hashes:
        return EMPTY_ROOT
    level = _pack(leaf_hashes)
    while len(level) > HASH_SIZE:
        level = _parent_level(level, carry_odd_node=True)
    return bytes(level)


class MerkleTree:
    """An append-only Merkle tree that keeps every complete subtree hash in memory.

    ``_levels[h]`` holds, packed into one bytearray, the hashes of the complete subtrees of
    2**h leaves in order, so level h has ``size >> h`` entries and the whole tree about
    ``2 * size`` hashes. Every node of every earlier tree size that is a complete subtree is
    therefore stored, and roots and proofs need only O(log n) lookups plus at most one O(log n)
    fold along the ragged right edge.
    """

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        self._levels: list[bytearray] = [bytearray()]
        self.extend(leaf_hashes)

    @property
    def size(self) -> int:
        """The number of leaves appended so far."""
        return len(self._levels[0]) // HASH_SIZE

    def append(self, leaf_hash: bytes) -> None:
        """Add one leaf hash; amortised O(1) hashing, O(log n) at worst."""
        if not _is_hash(leaf_hash):
            raise ValueError(f"a leaf hash must be {HASH_SIZE} bytes")
        levels = self._levels
        levels[0] += leaf_hash
        height = 0
        # A level with an even count has just completed a pair, which completes a parent.
        while len(levels[height]) % _PAIR_SIZE == 0:
            parent = sha256(_NODE_PREFIX + levels[height][-_PAIR_SIZE:]).digest()
            height += 1
            if height == len(levels):
                levels.append(bytearray())
            levels[height] += parent

    def extend(self, leaf_hashes: Iterable[bytes]) -> None:
        """Add many leaf hashes at once, hashing each new level in one pass.

        Nothing is added if any of them is not a 32-byte hash.
        """
        new_leaf_hashes = list(leaf_hashes)
        _require_hashes(new_leaf_hashes)
        if not new_leaf_hashes:
            return
        self.extend_packed(_pack(new_leaf_hashes))

    def extend_packed(self, packed: bytes | bytearray) -> None:
        """Add leaf hashes given as one run of concatenated 32-byte hashes."""
        if len(packed) % HASH_SIZE:
            raise ValueError("packed leaf hashes must be a whole number of 32-byte hashes")
        if not packed:
            return
        levels = self._levels
        levels[0] += packed
        height = 0
        while len(levels[height]) >= _PAIR_SIZE:
            if height + 1 == len(levels):
                levels.append(bytearray())
            below, above = levels[height], levels[height + 1]
            # Pairs below that already have a parent above are left alone.
            already_paired = len(above) // HASH_SIZE * 2
            above += _parent_level(below, carry_odd_node=False, start=already_paired)
            height += 1

    def root(self, size: int | None = None) -> bytes:
        """The root of the tree as it was at ``size`` leaves (default: now), in O(log n)."""
        tree_size = self._tree_size(size, smallest=0)
        if tree_size == 0:
            return EMPTY_ROOT
        return self._subtree_root(0, tree_size)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """The RFC 9162 §2.1.3 inclusion path of leaf ``index`` in the tree of ``size`` leaves.

        Ordered from the leaf's sibling up to the root's child, as ``verify_inclusion`` expects.
        """
        tree_size = self._tree_size(size, smallest=1)
        if not 0 <= index < tree_size:
            raise ValueError(f"leaf index {index} is outside a tree of {tree_size} leaves")
        # Walk PATH(m, D[n]) from the root down; the RFC lists the deepest sibling first.
        siblings: list[bytes] = []
        start, end = 0, tree_size
        while end - start > 1:
            split = start + _largest_power_of_two_below(end - start)
            if index < split:
                siblings.append(self._subtree_root(split, end))
                end = split
            else:
                siblings.append(self._subtree_root(start, split))
                start = split
        siblings.reverse()
        return siblings

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        """The RFC 9162 §2.1.4 proof that the first ``old_size`` leaves are the ``new_size`` tree's.

        Empty when the sizes are equal, as the RFC's PROOF(m, D[m]) is.
        """
        tree_size = self._tree_size(new_size, smallest=1)
        if not 0 < old_size <= tree_size:
            raise ValueError(
                f"old size {old_size} must be at least 1 and at most the new size {tree_size}"
            )
        # Walk SUBPROOF(m, D[n], b) from the root down; the RFC lists the deepest node first.
        nodes: list[bytes] = []
        start, end = 0, tree_size
        while end != old_size:
            split = start + _largest_power_of_two_below(end - start)
            if old_size <= split:
                nodes.append(self._subtree_root(split, end))
                end = split
            else:
                nodes.append(self._subtree_root(start, split))
                start = split
        # The RFC's flag b: a node from leaf 0 to old_size is the old tree itself, whose root the
        # verifier already holds, so it is left out; any other node ending there is needed.
        if start != 0:
            nodes.append(self._subtree_root(start, end))
        nodes.reverse()
        return nodes

    def _tree_size(self, size: int | None, *, smallest: int) -> int:
        if size is None:
            size = self.size
        if not smallest <= size <= self.size:
            raise ValueError(f"tree size {size} must be between {smallest} and {self.size}")
        return size

    def _subtree_root(self, start: int, end: int) -> bytes:
        """MTH(D[start:end]) for a node of the RFC's recursion, in O(log n).

        Such a node starts at a multiple of a power of two at least as large as the node, so it
        splits into stored complete subtrees, one per set bit of its width, largest first; folding
        them from the right is the RFC's recursion, each left part being a complete subtree.
        """
        subtrees: list[bytes] = []
        position = start
        width = end - start
        for height in range(width.bit_length() - 1, -1, -1):
            if width >> height & 1:
                subtrees.append(self._stored_node(height, position >> height))
                position += 1 << height
        root = subtrees.pop()
        while subtrees:
            root = node_hash(subtrees.pop(), root)
        return root

    def _stored_node(self, height: int, index: int) -> bytes:
        offset = index * HASH_SIZE
        return bytes(self._levels[height][offset : offset + HASH_SIZE])


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """Whether ``proof`` puts ``leaf_hash`` at ``index`` in the ``size``-leaf tree with ``root``.

    The RFC 9162 §2.1.3.2 algorithm, step for step. Never raises: anything malformed is False.
    """
    if not (_is_hash(leaf_hash) and _is_hash(root) and _are_hashes(proof)):
        return False
    if not (_is_count(index) and _is_count(size)) or index >= size:
        return False
    # fn, sn, r and p are the RFC's names, so this can be read against it line by line.
    fn, sn = index, size - 1
    r = bytes(leaf_hash)
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Whether ``proof`` shows the ``old_size`` tree ``old_root`` is a prefix of ``new_root``.

    The RFC 9162 §2.1.4.2 algorithm, step for step, for 0 < old_size < new_size. The RFC leaves
    equal sizes out; like ``consistency_proof`` we accept them with an empty proof and equal roots.
    An old size of 0 is refused because ``consistency_proof`` never produces one. Never raises:
    anything malformed is False.
    """
    if not (_is_hash(old_root) and _is_hash(new_root) and _are_hashes(proof)):
        return False
    if not (_is_count(old_size) and _is_count(new_size)) or not 0 < old_size <= new_size:
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    if not proof:
        return False
    # fn, sn, fr, sr and c are the RFC's names, so this can be read against it line by line.
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        # The old tree is a complete subtree of the new one, so its root is the proof's start.
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = bytes(path[0])
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == old_root and sr == new_root and sn == 0


def _parent_level(level: bytes | bytearray, *, carry_odd_node: bool, start: int = 0) -> bytearray:
    """The parents of the pairs in ``level`` from node ``start`` on, packed like ``level``.

    With ``carry_odd_node`` an unpaired last node is carried up unchanged, which is how the
    level-by-level root matches the RFC's recursion; a stored tree leaves it out instead, as it is
    not yet a complete subtree.
    """
    prefixed = sha256(_NODE_PREFIX)
    paired_end = len(level) - len(level) % _PAIR_SIZE
    parents = bytearray()
    # Packing in batches bounds the short-lived digest objects to one batch, not a whole level.
    for batch_start in range(start * HASH_SIZE, paired_end, _PACKING_BATCH * _PAIR_SIZE):
        batch_end = min(batch_start + _PACKING_BATCH * _PAIR_SIZE, paired_end)
        digests = []
        for offset in range(batch_start, batch_end, _PAIR_SIZE):
            # Copying a hash that has already absorbed the prefix is the cheapest call per pair.
            parent = prefixed.copy()
            parent.update(level[offset : offset + _PAIR_SIZE])
            digests.append(parent.digest())
        parents += b"".join(digests)
    if carry_odd_node and paired_end != len(level):
        parents += level[paired_end:]
    return parents


def _pack(hashes: Sequence[bytes]) -> bytearray:
    """``hashes`` concatenated, joined in batches so no second full-size copy is ever held."""
    packed = bytearray()
    for batch_start in range(0, len(hashes), _PACKING_BATCH):
        packed += b"".join(hashes[batch_start : batch_start + _PACKING_BATCH])
    return packed


def _largest_power_of_two_below(width: int) -> int:
    """The RFC's split point k for a node of ``width`` >= 2 leaves: the largest 2**i < width."""
    return 1 << ((width - 1).bit_length() - 1)


def _is_hash(value: object) -> bool:
    return isinstance(value, bytes | bytearray) and len(value) == HASH_SIZE


def _are_hashes(values: object) -> bool:
    return isinstance(values, Sequence) and all(_is_hash(value) for value in values)


def _is_count(value: object) -> bool:
    # bool is an int subclass, but True is never a meaningful leaf index or tree size.
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _require_hashes(leaf_hashes: Sequence[bytes]) -> None:
    # Collecting every type, then every length, runs at C speed and keeps this check a small share
    # of the time to hash a million leaves; only a failure goes looking for the culprit.
    all_bytes = set(map(type, leaf_hashes)) <= {bytes, bytearray}
    if all_bytes and set(map(len, leaf_hashes)) <= {HASH_SIZE}:
        return
    for position, candidate in enumerate(leaf_hashes):
        if not _is_hash(candidate):
            raise ValueError(f"leaf hash {position} is not a {HASH_SIZE}-byte hash")
