"""A person's record of access over the API, for an IG officer answering a subject access
request or a complaint: the look-up, its export, and the opening of one contact. The
routes sit under ``/audit`` with the IG officer's other routes; the person's identifiers
travel only in the body of a POST, never in a URL, a log line or an error."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from hub.access import export as person_export
from hub.access import service as person_record
from hub.audit.dependencies import Purpose
from hub.auth.dependencies import CurrentPrincipal
from hub.db import SessionDep, TransactionalRoute, utcnow
from hub.dependencies import KeyringDep
from hub.kit.errors import STANDARD_ERRORS

router = APIRouter(prefix="/audit", tags=["audit"], route_class=TransactionalRoute)


@router.post(
    "/people/record", response_model=person_record.PersonRecordOut, responses=STANDARD_ERRORS
)
def person_record_of_access(
    session: SessionDep,
    principal: CurrentPrincipal,
    keyring: KeyringDep,
    person: person_record.PersonLookUpIn,
    purpose: Purpose = None,
) -> person_record.PersonRecordOut:
    """Find ONE person by their NHS number, or their given name, family name and date of
    birth, and list what the hub holds about them by reference, every disclosure about them
    and every read of those. No content: open each item on its own, with a purpose."""
    return person_record.look_up(session, principal, person, keyring=keyring, purpose=purpose)


@router.post(
    "/people/record/export",
    response_class=Response,
    responses={
        **STANDARD_ERRORS,
        200: {
            "content": {"application/zip": {}},
            "description": "record-of-access.html and record-of-access.json, with what is "
            "about other people and what carries an agency's caveat marked for redaction; "
            "content only of what you opened with the same purpose.",
        },
    },
)
def person_record_export(
    session: SessionDep,
    principal: CurrentPrincipal,
    keyring: KeyringDep,
    person: person_record.PersonLookUpIn,
    purpose: Purpose = None,
) -> Response:
    """The record of access as a zip for a subject access request or a complaint."""
    found = person_record.export(
        session, principal, person, keyring=keyring, purpose=purpose, now=utcnow()
    )
    return person_export.download(found)


@router.post(
    "/contacts/{contact_id}/opening",
    response_model=person_record.ContactOpenedOut,
    responses=STANDARD_ERRORS,
)
def open_contact(
    session: SessionDep,
    principal: CurrentPrincipal,
    keyring: KeyringDep,
    contact_id: uuid.UUID,
    subject: Annotated[
        uuid.UUID | None,
        Query(description="The person_id of the record's person, to mark the others."),
    ] = None,
    purpose: Purpose = None,
) -> person_record.ContactOpenedOut:
    """Open one contact's content with a purpose that is logged (a subject access request)."""
    return person_record.open_contact(
        session,
        principal,
        contact_id,
        subject_person_id=subject,
        keyring=keyring,
        purpose=purpose,
    )
