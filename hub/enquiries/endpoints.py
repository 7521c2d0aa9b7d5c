"""Enquiry, check request, disclosure and break-glass routes: thin, one service call each."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path
from pydantic import BaseModel

from hub.agencies.schemas import PersonAgencyCheckOut
from hub.auth.dependencies import CurrentPrincipal
from hub.db import SessionDep, TransactionalRoute
from hub.dependencies import CalendarDep, CheckPolicyDep, KeyringDep, LawfulBasesDep, SettingsDep
from hub.enquiries import break_glass as break_glass_service
from hub.enquiries import checks, disclosures, service
from hub.enquiries.schemas import (
    CheckRequestIn,
    CheckRequestOut,
    DisclosureIn,
    DisclosureOut,
    DisclosureReadOut,
    EnquiryIn,
    EnquiryOut,
    OutcomeFeedback,
    Reason,
    ReleaseIn,
)
from hub.kit.errors import STANDARD_ERRORS
from hub.kit.schemas import Strict

router = APIRouter(tags=["enquiries"], route_class=TransactionalRoute)
AgencyCode = Annotated[str, Path(max_length=40, pattern="^[a-z0-9_]+$")]


class DisclosureWithReads(BaseModel):
    disclosure: DisclosureOut
    later_reads: list[DisclosureReadOut]


class BreakGlassIn(Strict):
    reason: Reason
    # The contact (the MASH case) the emergency is about: the reason is then the case's,
    # sealed under its key and destroyed with it under the retention schedule.
    contact_id: uuid.UUID | None = None


class BreakGlassReviewIn(Strict):
    justified: bool
    notes: Reason


@router.post("/enquiries", status_code=201, response_model=EnquiryOut, responses=STANDARD_ERRORS)
def open_enquiry(
    payload: EnquiryIn, session: SessionDep, principal: CurrentPrincipal
) -> EnquiryOut:
    return service.open_enquiry(session, principal, payload)


@router.get("/enquiries/{enquiry_id}", response_model=EnquiryOut, responses=STANDARD_ERRORS)
def read_enquiry(
    enquiry_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal
) -> EnquiryOut:
    return service.read_enquiry(session, principal, enquiry_id)


@router.post(
    "/enquiries/{enquiry_id}/agency-check",
    response_model=list[PersonAgencyCheckOut],
    responses=STANDARD_ERRORS,
)
def agency_check(
    enquiry_id: uuid.UUID, keyring: KeyringDep, session: SessionDep, principal: CurrentPrincipal
) -> list[PersonAgencyCheckOut]:
    """Which agencies know each person, by role and position ("child 1"); a person without
    enough identifiers to match on is listed as not checked, and the others are still
    matched."""
    return service.agency_checks(session, principal, enquiry_id, keyring=keyring)


@router.post(
    "/enquiries/{enquiry_id}/checks",
    status_code=201,
    response_model=list[CheckRequestOut],
    responses=STANDARD_ERRORS,
)
def request_checks(
    enquiry_id: uuid.UUID,
    payload: CheckRequestIn,
    calendar: CalendarDep,
    check_policy: CheckPolicyDep,
    keyring: KeyringDep,
    settings: SettingsDep,
    session: SessionDep,
    principal: CurrentPrincipal,
) -> list[CheckRequestOut]:
    return checks.request_checks(
        session,
        principal,
        enquiry_id,
        payload,
        keyring=keyring,
        calendar=calendar,
        known_agencies=settings.agencies,
        check_policy=check_policy,
    )


@router.get("/checks/overdue", response_model=list[CheckRequestOut], responses=STANDARD_ERRORS)
def overdue_checks(
    keyring: KeyringDep, session: SessionDep, principal: CurrentPrincipal
) -> list[CheckRequestOut]:
    return checks.overdue_checks(session, principal, keyring=keyring)


@router.get(
    "/agencies/{agency}/checks", response_model=list[CheckRequestOut], responses=STANDARD_ERRORS
)
def agency_inbox(
    agency: AgencyCode, keyring: KeyringDep, session: SessionDep, principal: CurrentPrincipal
) -> list[CheckRequestOut]:
    return checks.agency_inbox(session, principal, agency, keyring=keyring)


@router.get("/checks/{request_id}", response_model=CheckRequestOut, responses=STANDARD_ERRORS)
def read_check_request(
    request_id: uuid.UUID, keyring: KeyringDep, session: SessionDep, principal: CurrentPrincipal
) -> CheckRequestOut:
    """One check request: the agency's own (with whom to check while it is open), or any for
    the hub."""
    return checks.read_check_request(session, principal, request_id, keyring=keyring)


@router.post(
    "/checks/{request_id}/disclosure",
    status_code=201,
    response_model=DisclosureOut,
    responses=STANDARD_ERRORS,
)
def disclose(
    request_id: uuid.UUID,
    payload: DisclosureIn,
    keyring: KeyringDep,
    lawful_bases: LawfulBasesDep,
    session: SessionDep,
    principal: CurrentPrincipal,
) -> DisclosureOut:
    return disclosures.disclose(
        session,
        principal,
        request_id,
        payload,
        keyring=keyring,
        lawful_bases=lawful_bases,
    )


@router.get(
    "/enquiries/{enquiry_id}/disclosures",
    response_model=list[DisclosureOut],
    responses=STANDARD_ERRORS,
)
def enquiry_disclosures(
    enquiry_id: uuid.UUID, keyring: KeyringDep, session: SessionDep, principal: CurrentPrincipal
) -> list[DisclosureOut]:
    return disclosures.enquiry_disclosures(session, principal, enquiry_id, keyring=keyring)


@router.get("/disclosures/{disclosure_id}", response_model=DisclosureOut, responses=STANDARD_ERRORS)
def read_disclosure(
    disclosure_id: uuid.UUID, keyring: KeyringDep, session: SessionDep, principal: CurrentPrincipal
) -> DisclosureOut:
    """One disclosure with its content; the read is on the record for the agency."""
    return disclosures.read_disclosure(session, principal, disclosure_id, keyring=keyring)


@router.get(
    "/agencies/{agency}/disclosures",
    response_model=list[DisclosureWithReads],
    responses=STANDARD_ERRORS,
)
def agency_disclosures(
    agency: AgencyCode, keyring: KeyringDep, session: SessionDep, principal: CurrentPrincipal
) -> list[DisclosureWithReads]:
    found = disclosures.agency_disclosures(session, principal, agency, keyring=keyring)
    return [DisclosureWithReads(disclosure=d, later_reads=reads) for d, reads in found]


@router.post(
    "/disclosures/{disclosure_id}/opening",
    response_model=DisclosureOut,
    responses=STANDARD_ERRORS,
)
def open_disclosure(
    disclosure_id: uuid.UUID,
    keyring: KeyringDep,
    session: SessionDep,
    principal: CurrentPrincipal,
    purpose: Annotated[
        str | None,
        Header(
            alias="X-Audit-Purpose",
            max_length=200,
            description="Why you open it (for example a subject access request's reference).",
        ),
    ] = None,
) -> DisclosureOut:
    """An IG officer opens one disclosure's content with a purpose that is logged."""
    return disclosures.open_for_governance(
        session, principal, disclosure_id, purpose=purpose, keyring=keyring
    )


@router.post(
    "/disclosures/{disclosure_id}/release",
    response_model=DisclosureOut,
    responses=STANDARD_ERRORS,
)
def release_disclosure(
    disclosure_id: uuid.UUID,
    payload: ReleaseIn,
    keyring: KeyringDep,
    session: SessionDep,
    principal: CurrentPrincipal,
) -> DisclosureOut:
    return disclosures.release_disclosure(
        session, principal, disclosure_id, payload, keyring=keyring
    )


@router.get("/me/contacts", response_model=list[OutcomeFeedback], responses=STANDARD_ERRORS)
def my_contacts(session: SessionDep, principal: CurrentPrincipal) -> list[OutcomeFeedback]:
    return service.referrer_feedback(session, principal)


@router.post("/agencies/{agency}/records/{record_id}/break-glass", responses=STANDARD_ERRORS)
def break_glass(
    agency: AgencyCode,
    record_id: uuid.UUID,
    payload: BreakGlassIn,
    calendar: CalendarDep,
    keyring: KeyringDep,
    session: SessionDep,
    principal: CurrentPrincipal,
) -> dict[str, Any]:
    return break_glass_service.break_glass(
        session,
        principal,
        agency,
        record_id,
        payload.reason,
        contact_id=payload.contact_id,
        keyring=keyring,
        calendar=calendar,
    )


@router.get("/agencies/{agency}/break-glass", responses=STANDARD_ERRORS)
def break_glass_alerts(
    agency: AgencyCode, keyring: KeyringDep, session: SessionDep, principal: CurrentPrincipal
) -> list[dict[str, Any]]:
    return break_glass_service.break_glass_alerts(session, principal, agency, keyring=keyring)


@router.post("/agencies/{agency}/break-glass/{event_id}/review", responses=STANDARD_ERRORS)
def review_break_glass(
    agency: AgencyCode,
    event_id: uuid.UUID,
    payload: BreakGlassReviewIn,
    keyring: KeyringDep,
    session: SessionDep,
    principal: CurrentPrincipal,
) -> dict[str, Any]:
    return break_glass_service.review_break_glass(
        session,
        principal,
        agency,
        event_id,
        justified=payload.justified,
        notes=payload.notes,
        keyring=keyring,
    )
