"""Enquiry, check, disclosure, product and break-glass routes: thin, one service call each."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel

from hub.agencies.schemas import AgencyCheckOut
from hub.auth.dependencies import CurrentPrincipal
from hub.db import SessionDep
from hub.dependencies import CalendarDep, CheckPolicyDep, KeyringDep, LawfulBasesDep, SettingsDep
from hub.enquiries import service
from hub.enquiries.schemas import (
    AuthorisationIn,
    CheckRequestIn,
    CheckRequestOut,
    DisclosureIn,
    DisclosureOut,
    DisclosureReadOut,
    EnquiryIn,
    EnquiryOut,
    OutcomeFeedback,
    ProductIn,
    ProductOut,
    Reason,
    ReleaseIn,
    Strict,
)
from hub.kit.errors import STANDARD_ERRORS

router = APIRouter(tags=["enquiries"])
AgencyCode = Annotated[str, Path(max_length=40, pattern="^[a-z0-9_]+$")]


class DisclosureWithReads(BaseModel):
    disclosure: DisclosureOut
    later_reads: list[DisclosureReadOut]


class BreakGlassIn(Strict):
    reason: Reason


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
    response_model=list[AgencyCheckOut],
    responses=STANDARD_ERRORS,
)
def agency_check(
    enquiry_id: uuid.UUID, keyring: KeyringDep, session: SessionDep, principal: CurrentPrincipal
) -> list[AgencyCheckOut]:
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
    request: Request,
    calendar: CalendarDep,
    check_policy: CheckPolicyDep,
    keyring: KeyringDep,
    settings: SettingsDep,
    session: SessionDep,
    principal: CurrentPrincipal,
) -> list[CheckRequestOut]:
    return service.request_checks(
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
    return service.overdue_checks(session, principal, keyring=keyring)


@router.get(
    "/agencies/{agency}/checks", response_model=list[CheckRequestOut], responses=STANDARD_ERRORS
)
def agency_inbox(
    agency: AgencyCode, keyring: KeyringDep, session: SessionDep, principal: CurrentPrincipal
) -> list[CheckRequestOut]:
    return service.agency_inbox(session, principal, agency, keyring=keyring)


@router.post(
    "/checks/{request_id}/disclosure",
    status_code=201,
    response_model=DisclosureOut,
    responses=STANDARD_ERRORS,
)
def disclose(
    request_id: uuid.UUID,
    payload: DisclosureIn,
    request: Request,
    keyring: KeyringDep,
    lawful_bases: LawfulBasesDep,
    session: SessionDep,
    principal: CurrentPrincipal,
) -> DisclosureOut:
    return service.disclose(
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
    return service.enquiry_disclosures(session, principal, enquiry_id, keyring=keyring)


@router.get(
    "/agencies/{agency}/disclosures",
    response_model=list[DisclosureWithReads],
    responses=STANDARD_ERRORS,
)
def agency_disclosures(
    agency: AgencyCode, keyring: KeyringDep, session: SessionDep, principal: CurrentPrincipal
) -> list[DisclosureWithReads]:
    found = service.agency_disclosures(session, principal, agency, keyring=keyring)
    return [DisclosureWithReads(disclosure=d, later_reads=reads) for d, reads in found]


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
    return service.release_disclosure(session, principal, disclosure_id, payload, keyring=keyring)


@router.post(
    "/enquiries/{enquiry_id}/products",
    status_code=201,
    response_model=ProductOut,
    responses=STANDARD_ERRORS,
)
def compile_product(
    enquiry_id: uuid.UUID,
    payload: ProductIn,
    calendar: CalendarDep,
    keyring: KeyringDep,
    settings: SettingsDep,
    session: SessionDep,
    principal: CurrentPrincipal,
) -> ProductOut:
    settings = settings
    return service.compile_product(
        session,
        principal,
        enquiry_id,
        payload,
        keyring=keyring,
        calendar=calendar,
        rota_start=settings.rota_start,
        known_teams=settings.teams,
    )


@router.get("/products", response_model=list[ProductOut], responses=STANDARD_ERRORS)
def list_products(
    keyring: KeyringDep, session: SessionDep, principal: CurrentPrincipal
) -> list[ProductOut]:
    return service.list_products(session, principal, keyring=keyring)


@router.get("/products/{product_id}", response_model=ProductOut, responses=STANDARD_ERRORS)
def read_product(
    product_id: uuid.UUID, keyring: KeyringDep, session: SessionDep, principal: CurrentPrincipal
) -> ProductOut:
    return service.read_product(session, principal, product_id, keyring=keyring)


@router.post(
    "/products/{product_id}/authorisation", response_model=ProductOut, responses=STANDARD_ERRORS
)
def authorise_product(
    product_id: uuid.UUID,
    payload: AuthorisationIn,
    keyring: KeyringDep,
    session: SessionDep,
    principal: CurrentPrincipal,
) -> ProductOut:
    return service.authorise_product(session, principal, product_id, payload, keyring=keyring)


@router.post(
    "/products/{product_id}/dissemination", response_model=ProductOut, responses=STANDARD_ERRORS
)
def disseminate_product(
    product_id: uuid.UUID, keyring: KeyringDep, session: SessionDep, principal: CurrentPrincipal
) -> ProductOut:
    return service.disseminate_product(session, principal, product_id, keyring=keyring)


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
    return service.break_glass(
        session,
        principal,
        agency,
        record_id,
        payload.reason,
        keyring=keyring,
        calendar=calendar,
    )


@router.get("/agencies/{agency}/break-glass", responses=STANDARD_ERRORS)
def break_glass_alerts(
    agency: AgencyCode, keyring: KeyringDep, session: SessionDep, principal: CurrentPrincipal
) -> list[dict[str, Any]]:
    return service.break_glass_alerts(session, principal, agency, keyring=keyring)


@router.post("/agencies/{agency}/break-glass/{event_id}/review", responses=STANDARD_ERRORS)
def review_break_glass(
    agency: AgencyCode,
    event_id: uuid.UUID,
    payload: BreakGlassReviewIn,
    keyring: KeyringDep,
    session: SessionDep,
    principal: CurrentPrincipal,
) -> dict[str, Any]:
    return service.review_break_glass(
        session,
        principal,
        agency,
        event_id,
        justified=payload.justified,
        notes=payload.notes,
        keyring=keyring,
    )
