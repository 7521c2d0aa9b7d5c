"""Contact routes: thin, one service call each."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request

from hub.auth.dependencies import CurrentPrincipal, PrincipalOrPublic
from hub.contacts import service
from hub.contacts.dependencies import ContactRecordedDep
from hub.contacts.schemas import ContactDetail, ContactIn, ContactReceipt, ContactSummary
from hub.db import SessionDep, TransactionalRoute, quick_read
from hub.dependencies import KeyringDep, PublicRateLimiterDep
from hub.kit.errors import STANDARD_ERRORS
from hub.kit.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, CursorQuery, Page
from hub.kit.ratelimit import client_address

# The public referral form: the one deliberate exception to "authenticated by default".
# Without a token the caller is the anonymous public referrer; with one it is verified.
public_router = APIRouter(prefix="/contacts", tags=["contacts"], route_class=TransactionalRoute)
router = APIRouter(prefix="/contacts", tags=["contacts"], route_class=TransactionalRoute)

IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)]


@public_router.post("", status_code=201, response_model=ContactReceipt, responses=STANDARD_ERRORS)
def submit_contact(
    payload: ContactIn,
    request: Request,
    keyring: KeyringDep,
    contact_recorded: ContactRecordedDep,
    limiter: PublicRateLimiterDep,
    session: SessionDep,
    principal: PrincipalOrPublic,
    idempotency_key: IdempotencyKey = None,
) -> ContactReceipt:
    def count_towards_rate_limit() -> None:
        limiter.check(client_address(request, request.app.state.trusted_proxies))

    contact = service.create_contact(
        session,
        principal,
        payload,
        keyring=keyring,
        on_recorded=contact_recorded,
        idempotency_key=idempotency_key,
        before_new_contact=count_towards_rate_limit if principal.is_public else None,
    )
    return ContactReceipt(reference=contact.reference, received_at=contact.received_at)


@router.get("", response_model=Page[ContactSummary], responses=STANDARD_ERRORS)
def list_contacts(
    session: SessionDep,
    principal: CurrentPrincipal,
    cursor: CursorQuery = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
) -> Page[ContactSummary]:
    return service.list_contacts(session, principal, cursor=cursor, limit=limit)


@router.get("/{contact_id}", response_model=ContactDetail, responses=STANDARD_ERRORS)
@quick_read
def read_contact(
    contact_id: uuid.UUID, keyring: KeyringDep, session: SessionDep, principal: CurrentPrincipal
) -> ContactDetail:
    return service.read_contact(session, principal, contact_id, keyring=keyring)
