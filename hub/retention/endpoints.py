"""A case's legal hold over the API: whether it is held, and placing or lifting it (a
manager or an IG officer, with a reason). Under the contact, as ``/contacts/{id}/legal-hold``."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from hub.auth.dependencies import CurrentPrincipal
from hub.db import SessionDep, TransactionalRoute
from hub.dependencies import KeyringDep
from hub.kit.errors import STANDARD_ERRORS
from hub.retention import holds
from hub.retention.schemas import HoldDecision, LegalHoldIn, LegalHoldOut

router = APIRouter(prefix="/contacts", tags=["contacts"], route_class=TransactionalRoute)


@router.get("/{contact_id}/legal-hold", response_model=LegalHoldOut, responses=STANDARD_ERRORS)
def legal_hold(
    contact_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal
) -> LegalHoldOut:
    return holds.legal_hold(session, principal, contact_id)


@router.post("/{contact_id}/legal-hold", response_model=LegalHoldOut, responses=STANDARD_ERRORS)
def decide_legal_hold(
    contact_id: uuid.UUID,
    payload: LegalHoldIn,
    keyring: KeyringDep,
    session: SessionDep,
    principal: CurrentPrincipal,
) -> LegalHoldOut:
    """Put the case on legal hold, or lift it: a manager or IG officer, with a reason."""
    decide = holds.place_hold if payload.decision is HoldDecision.place else holds.lift_hold
    return decide(session, principal, contact_id, payload.reason, keyring=keyring)
