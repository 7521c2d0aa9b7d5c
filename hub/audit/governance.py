"""What information-governance officers may ask of the log. Each question is itself logged."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from hub.audit import ig_repository, repository, sealing
from hub.audit import service as audit
from hub.audit.evidence import ExportSummary, database_checkpoints, database_leaves, export_log
from hub.audit.merkle import verify_consistency, verify_inclusion
from hub.audit.models import AuditEntry
from hub.audit.schemas import (
    AuditEntryOut,
    AuditTextOut,
    CheckpointOut,
    ConsistencyProofOut,
    DisclosureRecord,
    InclusionProofOut,
    VerifyOut,
)
from hub.audit.sequencer import AuditLog
from hub.audit.verify import verify_log
from hub.auth.principal import Principal
from hub.keys.service import Keyring, is_case_key, work_on_case
from hub.kit.errors import BadRequest, Conflict, NotFound
from hub.kit.pagination import Page
from hub.policy.decision_point import allowed_event, require
from hub.policy.firewall import Resource
from hub.policy.vocabulary import Action, Kind

AUDIT_LOG = Resource(Kind.audit_log)
REGISTER = Resource(Kind.disclosure_register)
DISCLOSURE_READS = ("read", "list", "open")


MIN_PURPOSE_LENGTH = 3


def stated_purpose(purpose: str | None) -> str:
    """IG reads must say why; the reason is logged (sealed) with the read."""
    if purpose is None or len(purpose.strip()) < MIN_PURPOSE_LENGTH:
        raise BadRequest(
            "Say why you are reading the log in the X-Audit-Purpose header "
            "(for example a case or request reference).",
            code="purpose_required",
        )
    return purpose.strip()


def _entries_out(session: Session, entries: list[AuditEntry]) -> list[AuditEntryOut]:
    ids = [e.id for e in entries]
    leaves = repository.leaf_indexes_of(session, ids)
    return [
        AuditEntryOut(
            id=e.id,
            leaf_index=leaves.get(e.id),
            recorded_at=e.recorded_at,
            actor_sub=e.actor_sub,
            actor_role=e.actor_role,
            actor_agency=e.actor_agency,
            actor_team=e.actor_team,
            action=e.action,
            resource_kind=e.resource_kind,
            resource_id=e.resource_id,
            resource_owner=e.resource_owner,
            outcome=e.outcome,
            rule=e.rule,
            purpose=e.purpose,
            lawful_basis=e.lawful_basis,
            consent=e.consent,
            reason=e.reason,
            subject_ids=json.loads(e.subject_ids),
            content_hash=e.content_hash,
            text_sealed=e.text_commitment is not None,
        )
        for e in entries
    ]


def _after_id(cursor: str | None) -> int | None:
    if cursor is None:
        return None
    if not cursor.isdigit():
        raise BadRequest("The cursor is not valid.", code="bad_cursor")
    return int(cursor)


def search(
    session: Session,
    principal: Principal,
    *,
    keyring: Keyring,
    purpose: str | None,
    limit: int,
    cursor: str | None = None,
    **filters: Any,
) -> Page[AuditEntryOut]:
    decision = require(principal, Action.list, AUDIT_LOG)
    purpose = stated_purpose(purpose)
    entries = repository.search_entries(
        session, limit=limit + 1, after_id=_after_id(cursor), **filters
    )
    more = len(entries) > limit
    entries = entries[:limit]
    subject = filters.get("subject_id")
    audit.record(
        session,
        principal,
        allowed_event(
            decision,
            AUDIT_LOG,
            subject_ids=[subject] if subject else [],
            reason=_filter_names(filters),
            free_text={"purpose": purpose, "filters": _describe_filters(filters)},
        ),
        keyring=keyring,
    )
    return Page[AuditEntryOut](
        items=_entries_out(session, entries),
        next_cursor=str(entries[-1].id) if more and entries else None,
    )


def _filter_names(filters: dict[str, Any]) -> str:
    """What the search was by, in clear: the filters' names, never what they were."""
    used = sorted(name for name, value in filters.items() if value is not None)
    return "search by " + ", ".join(used) if used else "search"


def _describe_filters(filters: dict[str, Any]) -> str:
    used = {
        k: (v.isoformat() if isinstance(v, datetime) else v)
        for k, v in filters.items()
        if v is not None
    }
    return "search " + json.dumps(used, sort_keys=True)


def disclosure_register(
    session: Session,
    principal: Principal,
    *,
    keyring: Keyring,
    purpose: str | None,
    limit: int,
    cursor: str | None,
) -> Page[DisclosureRecord]:
    decision = require(principal, Action.list, REGISTER)
    purpose = stated_purpose(purpose)
    disclosures = repository.search_entries(
        session,
        limit=limit + 1,
        kind="disclosure",
        action="create",
        outcome="allowed",
        after_id=_after_id(cursor),
    )
    more = len(disclosures) > limit
    disclosures = disclosures[:limit]
    records = []
    for disclosure_out in _entries_out(session, disclosures):
        reads = (
            repository.search_entries(
                session,
                kind="disclosure",
                resource_id=disclosure_out.resource_id,
                actions=DISCLOSURE_READS,
            )
            if disclosure_out.resource_id
            else []
        )
        records.append(
            DisclosureRecord(disclosure=disclosure_out, later_reads=_entries_out(session, reads))
        )
    audit.record(
        session,
        principal,
        allowed_event(decision, REGISTER, free_text={"purpose": purpose}),
        keyring=keyring,
    )
    return Page[DisclosureRecord](
        items=records, next_cursor=str(disclosures[-1].id) if more and disclosures else None
    )


def latest_checkpoint(
    session: Session,
    principal: Principal,
    audit_log: AuditLog,
    *,
    keyring: Keyring,
    purpose: str | None,
) -> CheckpointOut:
    decision = require(principal, Action.read, AUDIT_LOG)
    purpose = stated_purpose(purpose)
    checkpoint = repository.latest_checkpoint(session)
    if checkpoint is None:
        raise NotFound("No checkpoint has been signed yet.")
    audit.record(
        session,
        principal,
        allowed_event(decision, AUDIT_LOG, free_text={"purpose": purpose}),
        keyring=keyring,
    )
    return CheckpointOut(
        tree_size=checkpoint.tree_size,
        root_hash=checkpoint.root_hash,
        signed_at=checkpoint.signed_at.isoformat(timespec="microseconds"),
        key_id=checkpoint.key_id,
        signature=checkpoint.signature,
        public_key_pem=audit_log.signer.public_key_pem().decode(),
    )


def inclusion_proof(
    session: Session,
    principal: Principal,
    audit_log: AuditLog,
    *,
    keyring: Keyring,
    entry_id: int,
    tree_size: int | None,
    purpose: str | None,
) -> InclusionProofOut:
    decision = require(principal, Action.read, AUDIT_LOG)
    purpose = stated_purpose(purpose)
    leaf = repository.leaf_of_entry(session, entry_id)
    if leaf is None:
        raise NotFound("That entry is not in the tree yet (or does not exist).")
    tree = audit_log.tree(session)
    size = tree.size if tree_size is None else tree_size
    if not leaf.leaf_index < size <= tree.size:
        raise BadRequest(f"size must be between {leaf.leaf_index + 1} and {tree.size}.")
    proof = tree.inclusion_proof(leaf.leaf_index, size)
    root = tree.root(size)
    audit.record(
        session,
        principal,
        allowed_event(decision, AUDIT_LOG, free_text={"purpose": purpose}),
        keyring=keyring,
    )
    return InclusionProofOut(
        entry_id=entry_id,
        leaf_index=leaf.leaf_index,
        leaf_hash=leaf.leaf_hash,
        tree_size=size,
        root_hash=root.hex(),
        proof=[p.hex() for p in proof],
        verified=verify_inclusion(
            bytes.fromhex(leaf.leaf_hash), leaf.leaf_index, size, proof, root
        ),
    )


def consistency_proof(
    session: Session,
    principal: Principal,
    audit_log: AuditLog,
    *,
    keyring: Keyring,
    old_size: int,
    new_size: int | None,
    purpose: str | None,
) -> ConsistencyProofOut:
    decision = require(principal, Action.read, AUDIT_LOG)
    purpose = stated_purpose(purpose)
    tree = audit_log.tree(session)
    new = tree.size if new_size is None else new_size
    if not 0 < old_size <= new <= tree.size:
        raise BadRequest(f"sizes must satisfy 0 < old <= new <= {tree.size}.")
    proof = tree.consistency_proof(old_size, new)
    old_root, new_root = tree.root(old_size), tree.root(new)
    audit.record(
        session,
        principal,
        allowed_event(decision, AUDIT_LOG, free_text={"purpose": purpose}),
        keyring=keyring,
    )
    return ConsistencyProofOut(
        old_size=old_size,
        new_size=new,
        old_root=old_root.hex(),
        new_root=new_root.hex(),
        proof=[p.hex() for p in proof],
        verified=verify_consistency(old_size, new, old_root, new_root, proof),
    )


def verify(
    session: Session,
    principal: Principal,
    audit_log: AuditLog,
    *,
    keyring: Keyring,
    purpose: str | None,
) -> VerifyOut:
    decision = require(principal, Action.verify, AUDIT_LOG)
    purpose = stated_purpose(purpose)
    report = verify_log(
        database_leaves(session), database_checkpoints(session), audit_log.signer.public_key_pem()
    )
    audit.record(
        session,
        principal,
        allowed_event(decision, AUDIT_LOG, reason=report.summary(), free_text={"purpose": purpose}),
        keyring=keyring,
    )
    return VerifyOut(
        intact=report.intact,
        tree_size=report.tree_size,
        root_hash=report.root_hash,
        checkpoints_checked=report.checkpoints_checked,
        unsequenced_entries=repository.count_unsequenced(session),
        problem=report.problem,
        first_bad_leaf=report.first_bad_leaf,
        first_bad_entry=report.first_bad_entry,
        clear_text_entries=repository.count_clear_text_entries(session),
    )


# What the IG pages ask besides the API's questions. Each one goes through the firewall
# and writes one entry with the purpose given, as the API's calls do.


@dataclass(frozen=True, slots=True)
class RegisterRow:
    """A disclosure on the register: its entry on the log and how it answered the check."""

    disclosure: AuditEntryOut
    answer: str | None


def register_page(
    session: Session,
    principal: Principal,
    filters: ig_repository.RegisterFilters,
    *,
    keyring: Keyring,
    purpose: str | None,
    limit: int,
    cursor: str | None,
) -> Page[RegisterRow]:
    """The register newest first, narrowed by ``filters``; ``cursor`` pages back in time."""
    decision = require(principal, Action.list, REGISTER)
    purpose = stated_purpose(purpose)
    entries = ig_repository.register_entries(
        session, filters, limit=limit + 1, before_id=_after_id(cursor)
    )
    more = len(entries) > limit
    entries = entries[:limit]
    outs = _entries_out(session, entries)
    kinds = ig_repository.disclosure_kinds(session, [e.resource_id or "" for e in outs])
    audit.record(
        session,
        principal,
        allowed_event(
            decision,
            REGISTER,
            free_text={"purpose": purpose},
            reason="register " + json.dumps(filters.described(), sort_keys=True),
        ),
        keyring=keyring,
    )
    return Page[RegisterRow](
        items=[RegisterRow(e, kinds.get(e.resource_id or "")) for e in outs],
        next_cursor=str(entries[-1].id) if more and entries else None,
    )


def register_record(
    session: Session,
    principal: Principal,
    entry_id: int,
    *,
    keyring: Keyring,
    purpose: str | None,
) -> tuple[RegisterRow, DisclosureRecord]:
    """One disclosure on the register with every later read of it."""
    decision = require(principal, Action.read, REGISTER)
    purpose = stated_purpose(purpose)
    entry = ig_repository.register_entry(session, entry_id)
    if entry is None or entry.resource_id is None:
        raise NotFound()
    [disclosure_out] = _entries_out(session, [entry])
    reads = repository.search_entries(
        session, kind="disclosure", resource_id=entry.resource_id, actions=DISCLOSURE_READS
    )
    kinds = ig_repository.disclosure_kinds(session, [entry.resource_id])
    audit.record(
        session,
        principal,
        allowed_event(
            decision,
            REGISTER,
            resource_id=entry.resource_id,
            free_text={"purpose": purpose},
            subject_ids=disclosure_out.subject_ids,
        ),
        keyring=keyring,
    )
    return (
        RegisterRow(disclosure_out, kinds.get(entry.resource_id)),
        DisclosureRecord(disclosure=disclosure_out, later_reads=_entries_out(session, reads)),
    )


@dataclass(frozen=True, slots=True)
class Figures:
    """Counts per week (Monday's date) since ``since``: the IG home page's charts."""

    since: datetime
    disclosures: list[ig_repository.WeeklyCount]
    declines: list[ig_repository.WeeklyCount]
    break_glass: list[ig_repository.WeeklyCount]
    denied_by_role: list[tuple[str, int]]


def figures(
    session: Session,
    principal: Principal,
    *,
    keyring: Keyring,
    purpose: str | None,
    since: datetime,
) -> Figures:
    decision = require(principal, Action.list, AUDIT_LOG)
    purpose = stated_purpose(purpose)
    from_log = ig_repository.entry_figures(session, since=since)
    found = Figures(
        since=since,
        disclosures=from_log.disclosures,
        declines=ig_repository.declines_by_week(session, since=since),
        break_glass=from_log.break_glass,
        denied_by_role=from_log.denied_by_role,
    )
    audit.record(
        session,
        principal,
        allowed_event(
            decision,
            AUDIT_LOG,
            reason="figures since " + str(since),
            free_text={"purpose": purpose},
        ),
        keyring=keyring,
    )
    return found


@dataclass(frozen=True, slots=True)
class LogStatus:
    tree_size: int
    unsequenced_entries: int
    latest_signed_size: int | None
    latest_signed_at: datetime | None


def log_status(
    session: Session, principal: Principal, *, keyring: Keyring, purpose: str | None
) -> LogStatus:
    """How big the log is and when its head was last signed (no entry is read)."""
    decision = require(principal, Action.read, AUDIT_LOG)
    purpose = stated_purpose(purpose)
    checkpoint = repository.latest_checkpoint(session)
    status = LogStatus(
        tree_size=repository.tree_size(session),
        unsequenced_entries=repository.count_unsequenced(session),
        latest_signed_size=checkpoint.tree_size if checkpoint else None,
        latest_signed_at=checkpoint.signed_at if checkpoint else None,
    )
    audit.record(
        session,
        principal,
        allowed_event(decision, AUDIT_LOG, free_text={"purpose": purpose}),
        keyring=keyring,
    )
    return status


def export_evidence(
    session: Session,
    principal: Principal,
    audit_log: AuditLog,
    out_dir: Path,
    *,
    keyring: Keyring,
    purpose: str | None,
) -> ExportSummary:
    """Write the log as evidence (entries, signed checkpoints, public key) to ``out_dir``,
    which ``mash-hub audit verify --export`` checks offline. The export is on the log."""
    decision = require(principal, Action.export, AUDIT_LOG)
    purpose = stated_purpose(purpose)
    summary = export_log(session, out_dir, audit_log.signer.public_key_pem())
    audit.record(
        session,
        principal,
        allowed_event(
            decision,
            AUDIT_LOG,
            free_text={"purpose": purpose},
            reason=f"evidence export: {summary.entries} entries, {summary.checkpoints} checkpoints",
        ),
        keyring=keyring,
    )
    return summary


def open_text(
    session: Session, principal: Principal, *, keyring: Keyring, entry_id: int, purpose: str | None
) -> AuditTextOut:
    """What a person wrote for one entry, unsealed for one reader who says why.

    One entry at a time, each opening itself an entry whose stated purpose is sealed in
    turn; the text is checked against the commitment the entry's leaf covers.
    """
    resource = Resource(Kind.audit_log, id=str(entry_id))
    decision = require(principal, Action.open, resource)
    purpose = stated_purpose(purpose)
    found = repository.sealed_text_of(session, entry_id)
    if found is None:
        raise NotFound("That entry has no sealed text (or does not exist).")
    commitment, sealed = found
    if sealed is None:
        raise Conflict("That entry's text has been destroyed.", code="text_destroyed")
    # The purpose of opening a case's text belongs to that case: sealed under its key.
    key_id = sealing.sealed_under(sealed)
    work_on_case(session, key_id if is_case_key(key_id) else None)
    audit.record(
        session,
        principal,
        allowed_event(decision, resource, free_text={"purpose": purpose}),
        keyring=keyring,
    )
    try:
        text = sealing.open_text(session, keyring, commitment, sealed)
    except sealing.TextDestroyed:
        raise Conflict(
            "That entry's text was destroyed with its case under the retention schedule.",
            code="text_destroyed",
        ) from None
    except sealing.TextUnavailable:
        raise Conflict("That entry's text cannot be opened.", code="text_unavailable") from None
    return AuditTextOut(entry_id=entry_id, text=text)
