"""The information-governance API: search, the disclosure register, checkpoints, proofs.

Every call needs an ``X-Audit-Purpose`` header: IG reads are themselves logged with the
reason given, so no one reads the log without saying why.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query

from hub.audit import governance
from hub.audit.dependencies import AuditLogDep, Purpose
from hub.audit.schemas import (
    AuditEntryOut,
    AuditTextOut,
    CheckpointOut,
    ConsistencyProofOut,
    DisclosureRecord,
    InclusionProofOut,
    VerifyOut,
)
from hub.auth.dependencies import CurrentPrincipal
from hub.db import SessionDep, TransactionalRoute
from hub.dependencies import KeyringDep
from hub.kit.errors import STANDARD_ERRORS
from hub.kit.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page

router = APIRouter(prefix="/audit", tags=["audit"], route_class=TransactionalRoute)

Limit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)]
Cursor = Annotated[
    str | None,
    Query(
        max_length=40,
        description="The next_cursor of the previous page, unchanged.",
        json_schema_extra={"pattern": r"^[0-9]*$"},
    ),
]
Code = Annotated[str | None, Query(max_length=64)]


@router.get("/entries", response_model=Page[AuditEntryOut], responses=STANDARD_ERRORS)
def search_entries(
    session: SessionDep,
    principal: CurrentPrincipal,
    keyring: KeyringDep,
    purpose: Purpose = None,
    subject: Code = None,
    agency: Code = None,
    actor: Annotated[str | None, Query(max_length=200)] = None,
    action: Code = None,
    kind: Code = None,
    resource: Code = None,
    outcome: Annotated[str | None, Query(pattern="^(allowed|denied)$")] = None,
    since: datetime | None = None,
    until: datetime | None = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_PAGE_SIZE,
) -> Page[AuditEntryOut]:
    return governance.search(
        session,
        principal,
        keyring=keyring,
        purpose=purpose,
        limit=limit,
        cursor=cursor,
        subject_id=subject,
        agency=agency,
        actor=actor,
        action=action,
        kind=kind,
        resource_id=resource,
        outcome=outcome,
        since=since,
        until=until,
    )


@router.get("/denied", response_model=Page[AuditEntryOut], responses=STANDARD_ERRORS)
def denied_attempts(
    session: SessionDep,
    principal: CurrentPrincipal,
    keyring: KeyringDep,
    purpose: Purpose = None,
    since: datetime | None = None,
    until: datetime | None = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_PAGE_SIZE,
) -> Page[AuditEntryOut]:
    return governance.search(
        session,
        principal,
        keyring=keyring,
        purpose=purpose,
        limit=limit,
        cursor=cursor,
        outcome="denied",
        since=since,
        until=until,
    )


@router.get("/disclosures", response_model=Page[DisclosureRecord], responses=STANDARD_ERRORS)
def disclosure_register(
    session: SessionDep,
    principal: CurrentPrincipal,
    keyring: KeyringDep,
    purpose: Purpose = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_PAGE_SIZE,
) -> Page[DisclosureRecord]:
    return governance.disclosure_register(
        session, principal, keyring=keyring, purpose=purpose, limit=limit, cursor=cursor
    )


@router.get("/checkpoints/latest", response_model=CheckpointOut, responses=STANDARD_ERRORS)
def latest_checkpoint(
    audit_log: AuditLogDep,
    session: SessionDep,
    principal: CurrentPrincipal,
    keyring: KeyringDep,
    purpose: Purpose = None,
) -> CheckpointOut:
    return governance.latest_checkpoint(
        session, principal, audit_log, keyring=keyring, purpose=purpose
    )


@router.get("/proofs/inclusion", response_model=InclusionProofOut, responses=STANDARD_ERRORS)
def inclusion_proof(
    audit_log: AuditLogDep,
    session: SessionDep,
    principal: CurrentPrincipal,
    keyring: KeyringDep,
    entry: Annotated[int, Query(ge=1)],
    size: Annotated[int | None, Query(ge=1)] = None,
    purpose: Purpose = None,
) -> InclusionProofOut:
    return governance.inclusion_proof(
        session,
        principal,
        audit_log,
        keyring=keyring,
        entry_id=entry,
        tree_size=size,
        purpose=purpose,
    )


@router.get("/proofs/consistency", response_model=ConsistencyProofOut, responses=STANDARD_ERRORS)
def consistency_proof(
    audit_log: AuditLogDep,
    session: SessionDep,
    principal: CurrentPrincipal,
    keyring: KeyringDep,
    old: Annotated[int, Query(ge=1)],
    new: Annotated[int | None, Query(ge=1)] = None,
    purpose: Purpose = None,
) -> ConsistencyProofOut:
    return governance.consistency_proof(
        session, principal, audit_log, keyring=keyring, old_size=old, new_size=new, purpose=purpose
    )


@router.post("/verify", response_model=VerifyOut, responses=STANDARD_ERRORS)
def verify(
    audit_log: AuditLogDep,
    session: SessionDep,
    principal: CurrentPrincipal,
    keyring: KeyringDep,
    purpose: Purpose = None,
) -> VerifyOut:
    return governance.verify(session, principal, audit_log, keyring=keyring, purpose=purpose)


@router.post("/entries/{entry_id}/text", response_model=AuditTextOut, responses=STANDARD_ERRORS)
def open_entry_text(
    session: SessionDep,
    principal: CurrentPrincipal,
    keyring: KeyringDep,
    entry_id: Annotated[int, Path(ge=1)],
    purpose: Purpose = None,
) -> AuditTextOut:
    """Unseal what a person wrote for one entry (a reason, a stated purpose).

    One entry at a time, with your purpose in ``X-Audit-Purpose``: the opening is itself
    an entry in the log, its purpose sealed in turn.
    """
    return governance.open_text(
        session, principal, keyring=keyring, entry_id=entry_id, purpose=purpose
    )
