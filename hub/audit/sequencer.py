"""Placing audit entries in the Merkle tree, and signing checkpoints.

Entries are inserted by requests in parallel and commit in whatever order their
transactions finish. The sequencer, one at a time across all processes, takes the
committed entries that have no leaf yet, in id order, and gives them the next leaf
indexes: 0, 1, 2, ... with no gaps and no forks (the leaf index is the primary key of
``audit_leaves``). It runs a moment behind the requests, in a background thread, and on
demand before a proof or a checkpoint.

An entry whose transaction was still open when a later id was sequenced is picked up on
a later pass: each pass looks back ``LOOKBACK_IDS`` ids, and a full sweep runs every
``FULL_SWEEP_SECONDS``. The tree order is therefore the order entries were sequenced,
which is what the signatures cover. Each entry's search terms (:mod:`hub.audit.terms`)
are written with its leaf, in the same transaction, so appends carry no index but their
primary key.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy import Table
from sqlalchemy.orm import Session

from hub.audit import repository, terms
from hub.audit.canonical import canonical_bytes, canonical_document
from hub.audit.checkpoints import SignedCheckpoint, sign_checkpoint
from hub.audit.merkle import MerkleTree, leaf_hash
from hub.audit.models import AuditCheckpoint, AuditLeaf, AuditTerm
from hub.db import Database, transaction, utcnow
from hub.kit.crypto.signing import CheckpointSigner

log = structlog.get_logger()

LOOKBACK_IDS = 10_000
FULL_SWEEP_SECONDS = 60.0
# Entries sequenced in one transaction (see AuditLog.sequence).
BATCH = 1_000


# Declarative tables are Tables; mypy sees only FromClause.
_LEAVES: Table = AuditLeaf.__table__  # type: ignore[assignment]
_TERMS: Table = AuditTerm.__table__  # type: ignore[assignment]


def _term_key(row: dict[str, Any]) -> tuple[str, int]:
    return row["term"], row["entry_id"]


@dataclass(frozen=True, slots=True)
class SequencingResult:
    sequenced: int
    tree_size: int
    checkpoint: SignedCheckpoint | None


class AuditLog:
    """One process's view of the tree, and the sequencer that grows it."""

    def __init__(
        self,
        database: Database,
        signer: CheckpointSigner,
        *,
        checkpoint_every_entries: int = 1000,
        checkpoint_every_seconds: float = 60.0,
    ) -> None:
        self.database = database
        self.signer = signer
        self.checkpoint_every_entries = checkpoint_every_entries
        self.checkpoint_every_seconds = checkpoint_every_seconds
        self._tree = MerkleTree()
        self._lock = threading.Lock()
        self._last_full_sweep = 0.0

    def _catch_up(self, session: Session) -> None:
        """Bring the in-memory tree level with the stored leaves (another process may
        have sequenced)."""
        hashes = [bytes.fromhex(h) for h in repository.leaf_hashes_from(session, self._tree.size)]
        self._tree.extend(hashes)

    def tree(self, session: Session) -> MerkleTree:
        with self._lock:
            self._catch_up(session)
            return self._tree

    def sequence(
        self, *, force_checkpoint: bool = False, full_sweep: bool = False
    ) -> SequencingResult:
        """Give every committed, unsequenced entry a leaf; sign a checkpoint when due.

        Each batch of at most :data:`BATCH` entries is a transaction of its own: on SQLite
        the write lock is held for one batch at a time, so requests' writes (and reads'
        audit entries) go in between batches instead of waiting for a whole backlog, and
        only one batch's rows are in memory at once.
        """
        with self._lock:
            sequenced = 0
            floor: int | None = None
            while True:
                try:
                    with transaction(self.database) as session:
                        if not repository.take_sequencer_lock(session):
                            return SequencingResult(sequenced, self._tree.size, None)
                        self._catch_up(session)
                        if floor is None:
                            floor = self._floor(session, full_sweep)
                        count, floor = self._sequence_batch(session, floor)
                        sequenced += count
                        if count == BATCH:
                            continue
                        checkpoint = None
                        if sequenced or force_checkpoint:
                            checkpoint = self._checkpoint_if_due(session, force=force_checkpoint)
                except BaseException:
                    # The in-memory tree may hold leaves that never committed: start
                    # again from the stored leaves next time.
                    self._tree = MerkleTree()
                    raise
                if sequenced:
                    log.info("audit.sequenced", count=sequenced, tree_size=self._tree.size)
                return SequencingResult(sequenced, self._tree.size, checkpoint)

    def _floor(self, session: Session, full_sweep: bool) -> int:
        """The entry id above which to look for unsequenced entries: none now and then
        (an entry may commit after later ones were sequenced), else a window behind the
        highest sequenced."""
        now = time.monotonic()
        if full_sweep or now - self._last_full_sweep > FULL_SWEEP_SECONDS:
            self._last_full_sweep = now
            return 0
        return max(0, repository.highest_sequenced_entry(session) - LOOKBACK_IDS)

    def _sequence_batch(self, session: Session, floor: int) -> tuple[int, int]:
        """Leaves and search terms for the next unsequenced entries above ``floor``; how
        many, and the new floor."""
        rows = repository.unsequenced_entries(session, above=floor, limit=BATCH)
        if not rows:
            return 0, floor
        leaves = []
        for row in rows:
            digest = leaf_hash(canonical_bytes(canonical_document(row._mapping)))
            leaves.append(
                {"leaf_index": self._tree.size, "entry_id": row.id, "leaf_hash": digest.hex()}
            )
            self._tree.append(digest)
        repository.insert_many(session, _LEAVES, leaves)
        # In key order, so consecutive inserts land on the same pages of the index.
        found = sorted(terms.rows_for(r._mapping for r in rows), key=_term_key)
        repository.insert_many(session, _TERMS, found)
        return len(rows), rows[-1].id

    def _checkpoint_if_due(self, session: Session, *, force: bool) -> SignedCheckpoint | None:
        size = self._tree.size
        if size == 0:
            return None
        latest = repository.latest_checkpoint(session)
        if latest is not None and latest.tree_size == size:
            return None
        due = (
            force
            or latest is None
            or size - latest.tree_size >= self.checkpoint_every_entries
            or (utcnow() - latest.signed_at).total_seconds() >= self.checkpoint_every_seconds
        )
        if not due:
            return None
        signed = sign_checkpoint(self.signer, size, self._tree.root().hex(), utcnow())
        session.add(
            AuditCheckpoint(
                tree_size=signed.tree_size,
                root_hash=signed.root_hash,
                signed_at=datetime.fromisoformat(signed.signed_at),
                key_id=signed.key_id,
                signature=signed.signature,
            )
        )
        session.flush()
        log.info("audit.checkpoint_signed", tree_size=size)
        return signed
