"""Agency-store and agency-check routes: thin, one service call each.

Identifiers travel only in request bodies (POST), never in URLs, which end up in logs.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import ValidationError

from hub.agencies import service
from hub.agencies.importer import csv_text_rows
from hub.agencies.schemas import (
    AgencyCheckIn,
    AgencyCheckOut,
    ImportIn,
    ImportOut,
    PersonQuery,
    RecordIn,
    RecordOut,
    RecordSearchOut,
)
from hub.auth.dependencies import CurrentPrincipal
from hub.db import SessionDep, TransactionalRoute
from hub.dependencies import KeyringDep
from hub.kit.errors import (
    STANDARD_ERRORS,
    BadRequest,
    ErrorBody,
    Unprocessable,
    describe_validation_errors,
    field_names,
)
from hub.kit.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, CursorQuery, Page

router = APIRouter(prefix="/agencies", tags=["agencies"], route_class=TransactionalRoute)

AgencyCode = Annotated[str, Path(pattern=r"^[a-z0-9_]{1,40}$")]
MAX_IMPORT_ROWS = 5000
RECORD_ERRORS = {**STANDARD_ERRORS, 410: {"model": ErrorBody}}


@router.post("/check", response_model=AgencyCheckOut, responses=STANDARD_ERRORS)
def run_agency_check(
    payload: AgencyCheckIn, session: SessionDep, principal: CurrentPrincipal, keyring: KeyringDep
) -> AgencyCheckOut:
    """Which agencies hold records on this person, from blind indexes only: no content."""
    return service.agency_check(
        session,
        principal,
        payload.identifiers(),
        keyring=keyring,
        subject_ids=[str(s) for s in payload.subject_ids],
        purpose=payload.purpose,
    )


@router.get("/{agency}/records", response_model=Page[RecordOut], responses=RECORD_ERRORS)
def list_records(
    agency: AgencyCode,
    session: SessionDep,
    principal: CurrentPrincipal,
    keyring: KeyringDep,
    cursor: CursorQuery = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
) -> Page[RecordOut]:
    return service.list_records(
        session, principal, agency, keyring=keyring, cursor=cursor, limit=limit
    )


@router.post(
    "/{agency}/records", status_code=201, response_model=RecordOut, responses=STANDARD_ERRORS
)
def create_record(
    agency: AgencyCode,
    payload: RecordIn,
    session: SessionDep,
    principal: CurrentPrincipal,
    keyring: KeyringDep,
) -> RecordOut:
    return service.create_record(session, principal, agency, payload, keyring=keyring)


@router.post("/{agency}/records/search", response_model=RecordSearchOut, responses=RECORD_ERRORS)
def search_records(
    agency: AgencyCode,
    payload: PersonQuery,
    session: SessionDep,
    principal: CurrentPrincipal,
    keyring: KeyringDep,
) -> RecordSearchOut:
    return service.search_records(
        session, principal, agency, payload.identifiers(), keyring=keyring
    )


async def _import_rows(request: Request) -> tuple[list[dict[str, str | None]], bool]:
    """The rows of an import, from a JSON body (``ImportIn``) or a ``text/csv`` body."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await request.body()
    if content_type == "text/csv":
        try:
            text = body.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise BadRequest("The CSV body is not UTF-8 text.", code="invalid_file") from None
        skip = request.query_params.get("skip_invalid", "false").lower() in ("1", "true", "yes")
        rows = [dict(row) for _, row in csv_text_rows(text)]
        if not rows:
            raise BadRequest("The CSV body has a header but no rows.", code="invalid_file")
        if len(rows) > MAX_IMPORT_ROWS:
            raise Unprocessable(f"Send at most {MAX_IMPORT_ROWS} rows in one request.")
        return rows, skip
    try:
        payload = ImportIn.model_validate_json(body)
    except ValidationError as error:
        errors = list(error.errors())
        if any(e.get("type") == "json_invalid" for e in errors):
            raise BadRequest("The body is not valid JSON.", code="malformed_json") from None
        known = field_names(request.app)
        raise Unprocessable(describe_validation_errors(errors, known)) from None
    return payload.rows, payload.skip_invalid


@router.post(
    "/{agency}/records/import",
    response_model=ImportOut,
    responses=STANDARD_ERRORS,
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {"schema": ImportIn.model_json_schema()},
                "text/csv": {"schema": {"type": "string"}},
            }
        }
    },
)
def import_records(
    agency: AgencyCode,
    rows: Annotated[tuple[list[dict[str, str | None]], bool], Depends(_import_rows)],
    session: SessionDep,
    principal: CurrentPrincipal,
    keyring: KeyringDep,
) -> ImportOut:
    """Create or update records by ``source_ref``; re-sending the same rows changes nothing."""
    raw_rows, skip_invalid = rows
    return service.import_rows(
        session, principal, agency, raw_rows, keyring=keyring, skip_invalid=skip_invalid
    )


@router.get("/{agency}/records/{record_id}", response_model=RecordOut, responses=RECORD_ERRORS)
def read_record(
    agency: AgencyCode,
    record_id: uuid.UUID,
    session: SessionDep,
    principal: CurrentPrincipal,
    keyring: KeyringDep,
) -> RecordOut:
    return service.read_record(session, principal, agency, record_id, keyring=keyring)
