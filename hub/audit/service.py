"""Appending to the audit log.

Every allowed or denied action calls :func:`record` inside the request's transaction, so
the entry commits with the action or not at all. Appending is one INSERT (plus one per
person concerned) and takes no lock, so concurrent requests never queue on the log.
Placing entries in the Merkle tree and signing checkpoints happen just behind, in
:mod:`hub.audit.sequencer`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import structlog
from sqlalchemy import Connection, Table, insert
from sqlalchemy.orm import Session

from hub.audit.models import AuditEntry, AuditSubject
from hub.auth.principal import Principal
from hub.db import utcnow

log = structlog.get_logger()


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


# Declarative tables are Tables; mypy sees only FromClause.
_ENTRIES: Table = AuditEntry.__table__  # type: ignore[assignment]
_SUBJECTS: Table = AuditSubject.__table__  # type: ignore[assignment]
_INSERT_ENTRY = insert(_ENTRIES).returning(_ENTRIES.c.id)
_INSERT_SUBJECT = insert(_SUBJECTS)


def record(session: Session | Connection, principal: Principal, event: AuditEvent) -> int:
    """Append one entry for ``event`` in the session's transaction; return its id."""
    subjects = sorted(set(event.subject_ids))
    values = {
        "recorded_at": utcnow(),
        "request_id": _current_request_id(),
        "actor_sub": principal.sub,
        "actor_role": str(principal.role),
        "actor_agency": principal.agency,
        "actor_team": principal.team,
        "action": event.action,
        "resource_kind": event.resource_kind,
        "resource_id": event.resource_id,
        "resource_owner": event.resource_owner or None,
        "outcome": str(event.outcome),
        "rule": event.rule,
        "purpose": event.purpose,
        "lawful_basis": event.lawful_basis,
        "consent": event.consent,
        "reason": event.reason,
        "subject_ids": json.dumps(subjects, separators=(",", ":")),
        "content_hash": event.content_hash,
    }
    # Core statements with bound parameters: compiled once, cheap on every request.
    entry_id: int = session.execute(_INSERT_ENTRY, values).scalar_one()
    if subjects:
        session.execute(
            _INSERT_SUBJECT, [{"entry_id": entry_id, "subject_id": s} for s in subjects]
        )
    log.info(
        "audit.recorded",
        entry_id=entry_id,
        action=event.action,
        kind=event.resource_kind,
        outcome=str(event.outcome),
    )
    return entry_id


def _current_request_id() -> str | None:
    value = structlog.contextvars.get_contextvars().get("request_id")
    return str(value) if value is not None else None
