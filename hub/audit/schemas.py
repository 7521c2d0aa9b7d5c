"""What the information-governance API returns."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class AuditEntryOut(BaseModel):
    id: int
    leaf_index: int | None
    recorded_at: datetime
    actor_sub: str
    actor_role: str
    actor_agency: str | None
    actor_team: str | None
    action: str
    resource_kind: str
    resource_id: str | None
    resource_owner: str | None
    outcome: str
    rule: str
    purpose: str | None
    lawful_basis: str | None
    consent: str | None
    reason: str | None
    subject_ids: list[str]
    content_hash: str | None
    # What a person wrote for this entry is sealed: an IG officer opens it, one entry at a
    # time with a stated purpose (POST /audit/entries/{id}/text).
    text_sealed: bool = False


class DisclosureRecord(BaseModel):
    """One disclosure with its basis, and every later read of what was disclosed."""

    disclosure: AuditEntryOut
    later_reads: list[AuditEntryOut]


class CheckpointOut(BaseModel):
    tree_size: int
    root_hash: str
    signed_at: str
    key_id: str
    signature: str
    public_key_pem: str


class InclusionProofOut(BaseModel):
    entry_id: int
    leaf_index: int
    leaf_hash: str
    tree_size: int
    root_hash: str
    proof: list[str]
    verified: bool


class ConsistencyProofOut(BaseModel):
    old_size: int
    new_size: int
    old_root: str
    new_root: str
    proof: list[str]
    verified: bool


class VerifyOut(BaseModel):
    intact: bool
    tree_size: int
    root_hash: str
    checkpoints_checked: int
    unsequenced_entries: int
    problem: str | None
    first_bad_leaf: int | None
    first_bad_entry: int | None
    # Entries written before free text was sealed that hold a reason or purpose in clear.
    clear_text_entries: int


class AuditTextOut(BaseModel):
    """What a person wrote for one entry (a reason, a stated purpose), by name."""

    entry_id: int
    text: dict[str, str]
