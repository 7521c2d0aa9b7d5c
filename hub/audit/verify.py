"""Verifying the log: recompute every leaf, rebuild the tree, check every signed checkpoint.

The same checks run on the live database (``mash-hub audit verify``) and on an export
(``mash-hub audit verify --export DIR``), which needs neither the database nor any
private key: only the exported entries, the checkpoints and the hub's public key.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from hub.audit.canonical import canonical_bytes
from hub.audit.checkpoints import SignedCheckpoint, signature_valid
from hub.audit.merkle import MerkleTree, leaf_hash, verify_consistency


@dataclass(frozen=True, slots=True)
class LeafRecord:
    leaf_index: int
    stored_hash: str | None
    entry_id: int | None
    # The entry's canonical document, or its canonical bytes already encoded; both None
    # when the entry row is gone.
    document: Mapping[str, Any] | None
    encoded: bytes | None = None


@dataclass(frozen=True, slots=True)
class VerifyReport:
    intact: bool
    tree_size: int
    root_hash: str
    checkpoints_checked: int
    problem: str | None = None
    first_bad_leaf: int | None = None
    first_bad_entry: int | None = None

    def summary(self) -> str:
        if self.intact:
            return (
                f"intact: {self.tree_size} entries, root {self.root_hash[:16]}..., "
                f"{self.checkpoints_checked} signed checkpoints verified"
            )
        where = ""
        if self.first_bad_leaf is not None:
            where = f" (leaf {self.first_bad_leaf}"
            where += f", entry {self.first_bad_entry})" if self.first_bad_entry is not None else ")"
        return f"NOT INTACT{where}: {self.problem}"


def _failed(
    tree: MerkleTree, checked: int, problem: str, leaf: int | None, entry: int | None
) -> VerifyReport:
    return VerifyReport(False, tree.size, tree.root().hex(), checked, problem, leaf, entry)


def verify_log(
    leaves: Iterable[LeafRecord],
    checkpoints: Iterable[SignedCheckpoint],
    public_key_pem: bytes,
) -> VerifyReport:
    """Check every leaf against its entry, then every checkpoint against the tree."""
    tree = MerkleTree()
    for record in leaves:
        if record.leaf_index != tree.size:
            return _failed(tree, 0, f"leaf {tree.size} is missing from the log", tree.size, None)
        if record.document is None and record.encoded is None:
            return _failed(
                tree,
                0,
                "the entry of this leaf has been deleted",
                record.leaf_index,
                record.entry_id,
            )
        encoded = (
            record.encoded if record.encoded is not None else canonical_bytes(record.document or {})
        )
        computed = leaf_hash(encoded)
        if record.stored_hash is not None and computed.hex() != record.stored_hash:
            return _failed(
                tree,
                0,
                "the entry does not match the hash recorded when it was logged: it was changed",
                record.leaf_index,
                record.entry_id,
            )
        tree.append(computed)
    return check_checkpoints(tree, checkpoints, public_key_pem)


def check_checkpoints(
    tree: MerkleTree, checkpoints: Iterable[SignedCheckpoint], public_key_pem: bytes
) -> VerifyReport:
    """Check every signed checkpoint against a tree rebuilt from the entries."""
    checked = 0
    previous: SignedCheckpoint | None = None
    for checkpoint in sorted(checkpoints, key=lambda c: c.tree_size):
        if not signature_valid(checkpoint, public_key_pem):
            return _failed(
                tree,
                checked,
                f"the checkpoint at size {checkpoint.tree_size} has an invalid signature",
                None,
                None,
            )
        if checkpoint.tree_size > tree.size:
            return _failed(
                tree,
                checked,
                f"a checkpoint was signed at size {checkpoint.tree_size} but the log holds only "
                f"{tree.size} entries: entries from leaf {tree.size} on were removed",
                tree.size,
                None,
            )
        if tree.root(checkpoint.tree_size).hex() != checkpoint.root_hash:
            start = previous.tree_size if previous else 0
            return _failed(
                tree,
                checked,
                f"the log no longer matches the checkpoint signed at size {checkpoint.tree_size}: "
                f"an entry between leaf {start} and leaf {checkpoint.tree_size - 1} was changed",
                start,
                None,
            )
        if previous is not None and previous.tree_size < checkpoint.tree_size:
            proof = tree.consistency_proof(previous.tree_size, checkpoint.tree_size)
            if not verify_consistency(
                previous.tree_size,
                checkpoint.tree_size,
                bytes.fromhex(previous.root_hash),
                bytes.fromhex(checkpoint.root_hash),
                proof,
            ):
                sizes = f"{previous.tree_size} and {checkpoint.tree_size}"
                return _failed(tree, checked, f"checkpoints {sizes} are not consistent", None, None)
        checked += 1
        previous = checkpoint
    return VerifyReport(True, tree.size, tree.root().hex(), checked)
