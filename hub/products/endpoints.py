"""Information product routes: thin, one service call each."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from hub.auth.dependencies import CurrentPrincipal
from hub.db import SessionDep, TransactionalRoute
from hub.dependencies import CalendarDep, KeyringDep, SettingsDep
from hub.kit.errors import STANDARD_ERRORS
from hub.products import service
from hub.products.schemas import (
    AcknowledgementIn,
    AuthorisationIn,
    ProductIn,
    ProductOut,
    ProductSummaryOut,
)

router = APIRouter(tags=["products"], route_class=TransactionalRoute)


@router.post(
    "/enquiries/{enquiry_id}/products",
    status_code=201,
    response_model=ProductSummaryOut,
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
) -> ProductSummaryOut:
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


@router.get("/products", response_model=list[ProductSummaryOut], responses=STANDARD_ERRORS)
def list_products(
    keyring: KeyringDep, session: SessionDep, principal: CurrentPrincipal
) -> list[ProductSummaryOut]:
    """Summaries, no content: read a product by its id (each read is recorded)."""
    return service.list_products(session, principal, keyring=keyring)


@router.get("/products/{product_id}", response_model=ProductOut, responses=STANDARD_ERRORS)
def read_product(
    product_id: uuid.UUID, keyring: KeyringDep, session: SessionDep, principal: CurrentPrincipal
) -> ProductOut:
    return service.read_product(session, principal, product_id, keyring=keyring)


@router.post(
    "/products/{product_id}/authorisation",
    response_model=ProductSummaryOut,
    responses=STANDARD_ERRORS,
)
def authorise_product(
    product_id: uuid.UUID,
    payload: AuthorisationIn,
    keyring: KeyringDep,
    session: SessionDep,
    principal: CurrentPrincipal,
) -> ProductSummaryOut:
    return service.authorise_product(session, principal, product_id, payload, keyring=keyring)


@router.post(
    "/products/{product_id}/dissemination",
    response_model=ProductSummaryOut,
    responses=STANDARD_ERRORS,
)
def disseminate_product(
    product_id: uuid.UUID, keyring: KeyringDep, session: SessionDep, principal: CurrentPrincipal
) -> ProductSummaryOut:
    return service.disseminate_product(session, principal, product_id, keyring=keyring)


@router.post(
    "/products/{product_id}/acknowledgement",
    response_model=ProductSummaryOut,
    responses=STANDARD_ERRORS,
)
def acknowledge_product(
    product_id: uuid.UUID,
    payload: AcknowledgementIn,
    keyring: KeyringDep,
    session: SessionDep,
    principal: CurrentPrincipal,
) -> ProductSummaryOut:
    """The receiving team accepts the product, or declines it with a reason (back to the hub)."""
    return service.acknowledge_product(session, principal, product_id, payload, keyring=keyring)
