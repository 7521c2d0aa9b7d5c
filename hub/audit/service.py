"""Appending to the audit log.

Every allowed or denied action calls :func:`record` inside the request's transaction, so
the entry commits with the action or not at all. Appending is one INSERT into a table
with no index but its primary key, and takes no lock, so concurrent requests never queue
on the log. Placing entries in the Merkle tree, indexing them for search and signing
checkpoints happen just behind, in :mod:`hub.audit.sequencer`.

The INSERT is compiled once per database dialect by SQLAlchemy and then run on the
transaction's own driver cursor, with SQLAlchemy's own type conversions: the stored row
is exactly what a Core insert would store, without the statement machinery that would
otherwise cost more than the insert itself.
"""

from __future__ import annotations

import json
from typing import Any

import structlog
from sqlalchemy import Connection, Table
from sqlalchemy.orm import Session

from hub.audit.models import AuditEntry
from hub.auth.principal import Principal
from hub.db import driver_insert, utcnow
from hub.kit.audit_event import AuditEvent as AuditEvent
from hub.kit.audit_event import Outcome as Outcome

log = structlog.get_logger()


# Declarative tables are Tables; mypy sees only FromClause.
_ENTRIES: Table = AuditEntry.__table__  # type: ignore[assignment]
_COLUMNS = tuple(c.name for c in _ENTRIES.columns if c.name != "id")


# json.dumps(value, separators=(",", ":")), without building an encoder on every call.
_compact_json = json.JSONEncoder(separators=(",", ":")).encode


def record(session: Session | Connection, principal: Principal, event: AuditEvent) -> int:
    """Append one entry for ``event`` in the session's transaction; return its id."""
    connection = session.connection() if isinstance(session, Session) else session
    # PostgreSQL returns the new id; SQLite's driver gives it as lastrowid.
    returning = connection.dialect.name != "sqlite"
    compiled = driver_insert(
        connection.dialect, _ENTRIES, _COLUMNS, returning=_ENTRIES.c.id if returning else None
    )
    values: dict[str, Any] = {
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
        "subject_ids": _compact_json(sorted(set(event.subject_ids))),
        "content_hash": event.content_hash,
    }
    cursor = connection.connection.cursor()
    try:
        cursor.execute(compiled.sql, compiled.parameters(values))
        if returning:
            returned = cursor.fetchone()
            if returned is None:
                raise RuntimeError("the audit INSERT returned no id")
            entry_id = int(returned[0])
        else:
            entry_id = int(cursor.lastrowid)
    finally:
        cursor.close()
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
