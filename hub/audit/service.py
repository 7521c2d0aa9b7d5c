"""Appending to the audit log.

Every allowed or denied action calls :func:`record` inside the request's transaction:
the entry commits with the action or not at all. Appends are serialised on the
``audit_head`` row so the log is one line with no gaps and no forks: on PostgreSQL by a
row lock held to commit, on SQLite by the write lock every transaction takes at begin.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

import structlog
from sqlalchemy.orm import Session

from hub.audit import repository
from hub.audit.models import AuditEntry
from hub.auth.principal import Principal
from hub.db import utcnow

log = structlog.get_logger()

GENESIS_HASH = "0" * 64


class Outcome(StrEnum):
    allowed = "allowed"
    denied = "denied"


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """What happened, in the terms an information-governance officer needs."""

    action: str
    resource_kind: str
    outcome: Outcome
    rule: str
    resource_id: str | None = None
    resource_owner: str | None = None
    purpose: str | None = None
    lawful_basis: str | None = None
    consent: str | None = None
    reason: str | None = None
    subject_ids: Sequence[str] = field(default_factory=tuple)
    content_hash: str | None = None


def canonical_entry(entry: AuditEntry) -> bytes:
    """The bytes an entry's hash covers: every recorded field, in a fixed JSON form."""
    document: dict[str, Any] = {
        "seq": entry.seq,
        "recorded_at": _timestamp(entry.recorded_at),
        "request_id": entry.request_id,
        "actor_sub": entry.actor_sub,
        "actor_role": entry.actor_role,
        "actor_agency": entry.actor_agency,
        "actor_team": entry.actor_team,
        "action": entry.action,
        "resource_kind": entry.resource_kind,
        "resource_id": entry.resource_id,
        "resource_owner": entry.resource_owner,
        "outcome": entry.outcome,
        "rule": entry.rule,
        "purpose": entry.purpose,
        "lawful_basis": entry.lawful_basis,
        "consent": entry.consent,
        "reason": entry.reason,
        "subject_ids": json.loads(entry.subject_ids),
        "content_hash": entry.content_hash,
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _timestamp(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds")


def chain_hash(prev_hash: str, canonical: bytes) -> str:
    return hashlib.sha256(bytes.fromhex(prev_hash) + canonical).hexdigest()


def record(session: Session, principal: Principal, event: AuditEvent) -> AuditEntry:
    """Append one entry for ``event`` in the session's transaction."""
    head = repository.lock_head(session)
    entry = AuditEntry(
        seq=head.size,
        # Truncated to microseconds, the precision every backend keeps.
        recorded_at=utcnow(),
        request_id=_current_request_id(),
        actor_sub=principal.sub,
        actor_role=str(principal.role),
        actor_agency=principal.agency,
        actor_team=principal.team,
        action=event.action,
        resource_kind=event.resource_kind,
        resource_id=event.resource_id,
        resource_owner=event.resource_owner or None,
        outcome=str(event.outcome),
        rule=event.rule,
        purpose=event.purpose,
        lawful_basis=event.lawful_basis,
        consent=event.consent,
        reason=event.reason,
        subject_ids=json.dumps(sorted(set(event.subject_ids))),
        content_hash=event.content_hash,
        prev_hash=head.head_hash,
    )
    entry.entry_hash = chain_hash(entry.prev_hash, canonical_entry(entry))
    session.add(entry)
    head.size += 1
    head.head_hash = entry.entry_hash
    session.flush()
    log.info(
        "audit.recorded",
        seq=entry.seq,
        action=event.action,
        kind=event.resource_kind,
        outcome=str(event.outcome),
    )
    return entry


def _current_request_id() -> str | None:
    value = structlog.contextvars.get_contextvars().get("request_id")
    return str(value) if value is not None else None


@dataclass(frozen=True, slots=True)
class ChainReport:
    size: int
    intact: bool
    first_bad_seq: int | None
    problem: str | None


def verify_chain(session: Session) -> ChainReport:
    """Recompute the hash chain from the stored entries; name the first that does not match."""
    prev = GENESIS_HASH
    expected_seq = 0
    for entry in repository.iter_entries(session):
        if entry.seq != expected_seq:
            return ChainReport(expected_seq, False, expected_seq, "an entry is missing")
        if entry.prev_hash != prev:
            return ChainReport(
                expected_seq, False, entry.seq, "the link to the entry before is broken"
            )
        if chain_hash(prev, canonical_entry(entry)) != entry.entry_hash:
            return ChainReport(expected_seq, False, entry.seq, "the entry's content was changed")
        prev = entry.entry_hash
        expected_seq += 1
    head = repository.get_head(session)
    if head is not None and (head.size != expected_seq or head.head_hash != prev):
        return ChainReport(expected_seq, False, expected_seq, "entries after this one were removed")
    return ChainReport(expected_seq, True, None, None)
