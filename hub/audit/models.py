"""Audit tables. Rows are only ever inserted; the database itself refuses anything else.

``audit_entries`` holds one row per allowed or denied action, written in the action's
own transaction. ``audit_leaves`` gives each entry its place in the Merkle tree: the
sequencer assigns leaf indexes 0, 1, 2, ... with no gaps and no forks. ``audit_checkpoints``
holds signed tree heads. ``audit_terms`` is the search index IG queries use (the people an
entry concerns, its actor, agency, resource, event, day and denials).

An append touches one B-tree: ``audit_entries`` has its primary key and no other index,
so appending costs the same at ten entries as at ten million and never contends on index
pages. The sequencer, which already reads every new entry in order to hash it, writes the
entry's search terms with its leaf, in batches (see :mod:`hub.audit.terms`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, UTCDateTime
from hub.keys.hub_store import SEALED_UNDER_HUB_KEY

# SQLite only auto-assigns INTEGER PRIMARY KEY; PostgreSQL gets a bigint identity.
EntryId = BigInteger().with_variant(Integer(), "sqlite")


class AuditEntry(Base):
    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(EntryId, primary_key=True, autoincrement=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    request_id: Mapped[str | None] = mapped_column(String(64))
    actor_sub: Mapped[str] = mapped_column(String(200))
    actor_role: Mapped[str] = mapped_column(String(40))
    actor_agency: Mapped[str | None] = mapped_column(String(40))
    actor_team: Mapped[str | None] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(40))
    resource_kind: Mapped[str] = mapped_column(String(40))
    resource_id: Mapped[str | None] = mapped_column(String(64))
    resource_owner: Mapped[str | None] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(String(10))
    rule: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str | None] = mapped_column(String(200))
    lawful_basis: Mapped[str | None] = mapped_column(String(60))
    consent: Mapped[str | None] = mapped_column(String(40))
    reason: Mapped[str | None] = mapped_column(Text)
    # JSON array of the ids of the children and adults the action concerns (sorted).
    subject_ids: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str | None] = mapped_column(String(64))
    # The keyed commitment (HMAC-SHA256, hex) to what a person wrote for this entry, whose
    # sealed text is in ``audit_texts``; None where nobody wrote anything. In the leaf.
    text_commitment: Mapped[str | None] = mapped_column(String(64))


class AuditText(Base):
    """What a person wrote for an entry (a reason, a stated purpose), sealed under the hub key.

    Kept beside the log rather than in it: the entry's leaf covers the commitment, not the
    sealed bytes, so the text can be re-sealed when the hub key rotates, or destroyed with
    its key, and the tree still verifies. The seal is bound to the commitment.
    """

    __tablename__ = "audit_texts"

    commitment: Mapped[str] = mapped_column(String(64), primary_key=True)
    sealed_text: Mapped[bytes] = mapped_column(LargeBinary, info=SEALED_UNDER_HUB_KEY)


class AuditSealing(Base):
    """One row: the first entry written with free text sealed. Entries before it were
    written in clear (a reason or purpose as given), and verification counts them."""

    __tablename__ = "audit_sealing"

    first_entry_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)


class AuditTerm(Base):
    """One search term of one sequenced entry, such as ``subject:<id>`` or ``actor:<sub>``.

    The term comes first in the primary key, so "every entry about this child" is one
    range of the key, already in entry order for keyset paging.
    """

    __tablename__ = "audit_terms"
    __table_args__ = {"sqlite_with_rowid": False}

    term: Mapped[str] = mapped_column(String(300), primary_key=True)
    entry_id: Mapped[int] = mapped_column(EntryId, ForeignKey("audit_entries.id"), primary_key=True)


class AuditLeaf(Base):
    """An entry's place in the Merkle tree and its leaf hash (RFC 6962: H(0x00 || entry))."""

    __tablename__ = "audit_leaves"

    leaf_index: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    entry_id: Mapped[int] = mapped_column(EntryId, ForeignKey("audit_entries.id"), unique=True)
    leaf_hash: Mapped[str] = mapped_column(String(64))


class AuditCheckpoint(Base):
    """A signed tree head: the hub's Ed25519 signature over (tree size, root, time)."""

    __tablename__ = "audit_checkpoints"

    tree_size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    root_hash: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    key_id: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(200))
