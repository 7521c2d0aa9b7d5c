"""Appending to the audit log.

Every allowed or denied action calls :func:`record` inside the request's transaction, so
the entry commits with the action or not at all. Appending is one INSERT (plus one per
person concerned) and takes no lock, so concurrent requests never queue on the log.
Placing entries in the Merkle tree and signing checkpoints happen just behind, in
:mod:`hub.audit.sequencer`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import structlog
from sqlalchemy import Connection, RowMapping, Table, insert
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


# The fields an entry's leaf hash covers, in the order they are written out.
CANONICAL_FIELDS = (
    "id",
    "recorded_at",
    "request_id",
    "actor_sub",
    "actor_role",
    "actor_agency",
    "actor_team",
    "action",
    "resource_kind",
    "resource_id",
    "resource_owner",
    "outcome",
    "rule",
    "purpose",
    "lawful_basis",
    "consent",
    "reason",
    "subject_ids",
    "content_hash",
)


def canonical_document(row: Mapping[str, Any] | RowMapping) -> dict[str, Any]:
    """An entry as the JSON document that is hashed and exported."""
    document = {name: row[name] for name in CANONICAL_FIELDS}
    document["recorded_at"] = timestamp_text(document["recorded_at"])
    subject_ids = document["subject_ids"]
    if isinstance(subject_ids, str):
        document["subject_ids"] = json.loads(subject_ids)
    return document


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
_IN_ORDER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)
# Sorted, ``subject_ids`` sorts last; the fast path below relies on it.
SORTED_FIELDS = tuple(sorted(CANONICAL_FIELDS))
_SORTED_WITHOUT_SUBJECTS = SORTED_FIELDS[:-1]
assert SORTED_FIELDS[-1] == "subject_ids"


def canonical_bytes(document: Mapping[str, Any]) -> bytes:
    """The exact bytes of a leaf: sorted keys, no spaces, UTF-8."""
    return _CANONICAL.encode(document).encode()


def canonical_bytes_from_raw(values: Mapping[str, Any] | RowMapping) -> bytes:
    """The same bytes as :func:`canonical_bytes`, from a raw database row, faster.

    Used to verify a million entries in seconds: the stored ``subject_ids`` text is
    already canonical JSON (written so by :func:`record`), so it is spliced in rather
    than parsed and re-encoded. A stored value that is not canonical gives other
    bytes, and so fails verification, which is what an altered row should do.
    """
    document = {name: values[name] for name in _SORTED_WITHOUT_SUBJECTS}
    document["recorded_at"] = timestamp_text(document["recorded_at"])
    head = _IN_ORDER.encode(document)
    return f'{head[:-1]},"subject_ids":{values["subject_ids"]}}}'.encode()


def timestamp_text(moment: datetime | str) -> str:
    """ISO 8601 in UTC with microseconds, from a datetime or SQLite's stored text."""
    if isinstance(moment, str):
        # SQLite keeps UTC as "YYYY-MM-DD HH:MM:SS.ffffff" (see hub.db.UTCDateTime).
        moment = datetime.fromisoformat(moment).replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


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
