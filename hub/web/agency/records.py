"""The agency's own records: search them, add one, import a CSV file (in the background,
with its progress), and the break-glass alerts on them with their review.

Identifiers go only in POST bodies, never in a URL. Someone of no agency (hub staff) has
no records page: the firewall refuses them and the refusal is a 404, audited.
"""

from __future__ import annotations

import contextlib
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from hub.agencies import importer
from hub.agencies import service as agencies
from hub.agencies.schemas import RecordIn, RecordOut
from hub.auth.principal import Principal
from hub.db import SessionDep, utcnow
from hub.dependencies import KeyringDep
from hub.enquiries import break_glass
from hub.keys.service import Keyring
from hub.kit.errors import Conflict, NotFound, Unprocessable
from hub.people.normalise import PersonIdentifiers, normalise_dob
from hub.web.agency import wording
from hub.web.agency.common import check_form, page, sign_in_first
from hub.web.agency.forms import FieldError
from hub.web.agency.imports import ImportJobs, run_import, saved_upload, thread_runner
from hub.web.dependencies import PagePerson, PageRequestPerson

router = APIRouter(include_in_schema=False)

NEWEST = 20
SEARCH_FIELDS = ("given_name", "family_name", "date_of_birth", "nhs_number", "postcode")
RECORD_FIELDS = (
    "source_ref",
    "given_name",
    "family_name",
    "date_of_birth",
    "nhs_number",
    "postcode",
    "address_line",
    "record_type",
    "occurred_on",
    "summary",
)
RECORD_ERRORS = {
    "source_ref": "Enter your agency's own reference for this record",
    "given_name": "Enter a first name, a last name or an NHS number",
    "family_name": "Enter a last name of 200 characters or fewer",
    "date_of_birth": "Enter a real date of birth, for example 21/6/2015",
    "nhs_number": "Enter a 10-digit NHS number",
    "postcode": "Enter a real postcode",
    "address_line": "Enter an address of 500 characters or fewer",
    "record_type": "Enter what kind of record this is",
    "occurred_on": "Enter the date it happened, for example 2/10/2026",
    "summary": "Enter a summary",
}
_jobs_lock = threading.Lock()


def _principal(person: PageRequestPerson) -> Principal | None:
    """The signed-in person; the firewall decides what they may do with records (someone of
    no agency reaches no store, so gets 404, and the attempt is audited)."""
    return person.signed_in.principal if person.signed_in else None


def _jobs(request: Request) -> ImportJobs:
    state = request.app.state
    with _jobs_lock:
        if not hasattr(state, "agency_import_jobs"):
            state.agency_import_jobs = ImportJobs()
    jobs: ImportJobs = state.agency_import_jobs
    return jobs


def _text(form: FormData, name: str, most: int = 5000) -> str:
    value = form.get(name)
    return value.strip()[:most] if isinstance(value, str) else ""


def _records_page(
    request: Request,
    session: Session,
    principal: Principal,
    keyring: Keyring,
    *,
    query: dict[str, str] | None = None,
    found: list[RecordOut] | None = None,
    errors: list[FieldError] | None = None,
    added: bool = False,
) -> Response:
    agency = principal.agency or ""
    newest = agencies.list_records(
        session, principal, agency, keyring=keyring, cursor=None, limit=NEWEST
    )
    return page(
        request,
        "agency/records.html",
        "Your agency's records",
        agency=agency,
        query=query or {},
        found=found,
        newest=newest.items,
        errors=errors,
        added=added,
        local_date=wording.local_date,
    )


@router.get("/records")
def records_page(
    request: Request, session: SessionDep, person: PagePerson, keyring: KeyringDep, added: str = ""
) -> Response:
    principal = _principal(person)
    if principal is None:
        return sign_in_first()
    return _records_page(request, session, principal, keyring, added=added == "1")


@router.post("/records/search")
async def search(
    request: Request, session: SessionDep, person: PagePerson, keyring: KeyringDep
) -> Response:
    principal = _principal(person)
    if principal is None:
        return sign_in_first()
    form = await request.form()
    check_form(request, person, form)
    query = {name: _text(form, name, 200) for name in SEARCH_FIELDS}
    return await run_in_threadpool(_search, request, session, principal, keyring, query)


def _search(
    request: Request,
    session: Session,
    principal: Principal,
    keyring: Keyring,
    query: dict[str, str],
) -> Response:
    dob: str | None = None
    if query["date_of_birth"]:
        try:
            dob = normalise_dob(query["date_of_birth"])
        except ValueError:
            error = FieldError("date_of_birth", RECORD_ERRORS["date_of_birth"])
            return _records_page(request, session, principal, keyring, query=query, errors=[error])
    identifiers = PersonIdentifiers(
        given_name=query["given_name"] or None,
        family_name=query["family_name"] or None,
        date_of_birth=dob,
        nhs_number=query["nhs_number"] or None,
        postcode=query["postcode"] or None,
    )
    try:
        found = agencies.search_records(
            session, principal, principal.agency or "", identifiers, keyring=keyring
        )
    except Unprocessable:
        error = FieldError(
            "given_name",
            "Enter an NHS number, or a last name and date of birth, or names with a date "
            "of birth or postcode",
        )
        return _records_page(request, session, principal, keyring, query=query, errors=[error])
    return _records_page(request, session, principal, keyring, query=query, found=list(found.items))


def _new_record_page(
    request: Request, answers: dict[str, str], errors: list[FieldError] | None = None
) -> Response:
    return page(request, "agency/record_new.html", "Add a record", answers=answers, errors=errors)


@router.get("/records/new")
def new_record(
    request: Request, session: SessionDep, person: PagePerson, keyring: KeyringDep
) -> Response:
    principal = _principal(person)
    if principal is None:
        return sign_in_first()
    # The same question the store asks of any page of it: may this person add records?
    agencies.list_records(
        session, principal, principal.agency or "", keyring=keyring, cursor=None, limit=1
    )
    return _new_record_page(request, {})


@router.post("/records/new")
async def record_added(
    request: Request, session: SessionDep, person: PagePerson, keyring: KeyringDep
) -> Response:
    principal = _principal(person)
    if principal is None:
        return sign_in_first()
    form = await request.form()
    check_form(request, person, form)
    answers = {name: _text(form, name) for name in RECORD_FIELDS}
    return await run_in_threadpool(_add, request, session, principal, keyring, answers)


def _record_in(answers: dict[str, str]) -> tuple[RecordIn | None, list[FieldError]]:
    values: dict[str, Any] = {k: v or None for k, v in answers.items()}
    errors = []
    for name in ("date_of_birth", "occurred_on"):
        if values[name]:
            try:
                values[name] = normalise_dob(values[name])
            except ValueError:
                errors.append(FieldError(name, RECORD_ERRORS[name]))
    if errors:
        return None, errors
    try:
        return RecordIn.model_validate(values), []
    except ValidationError as invalid:
        named = []
        for problem in invalid.errors():
            where = str(problem["loc"][0]) if problem["loc"] else "given_name"
            name = where if where in RECORD_ERRORS else "given_name"
            if name not in named:
                named.append(name)
        ordered = [n for n in RECORD_FIELDS if n in named]
        return None, [FieldError(n, RECORD_ERRORS[n]) for n in ordered]


def _add(
    request: Request,
    session: Session,
    principal: Principal,
    keyring: Keyring,
    answers: dict[str, str],
) -> Response:
    payload, errors = _record_in(answers)
    if payload is None:
        return _new_record_page(request, answers, errors)
    try:
        agencies.create_record(session, principal, principal.agency or "", payload, keyring=keyring)
    except Conflict:
        taken = FieldError("source_ref", "A record with this reference is already in your store")
        return _new_record_page(request, answers, [taken])
    except Unprocessable:
        return _new_record_page(
            request, answers, [FieldError("given_name", RECORD_ERRORS["given_name"])]
        )
    return RedirectResponse("/records?added=1", status_code=303)


# --- importing a file ---------------------------------------------------------------------


@router.post("/records/import")
async def start_import(
    request: Request, session: SessionDep, person: PagePerson, keyring: KeyringDep
) -> Response:
    principal = _principal(person)
    if principal is None:
        return sign_in_first()
    form = await request.form()
    check_form(request, person, form)
    database = request.app.state.database
    await run_in_threadpool(importer.check_access, database, principal, principal.agency or "")
    upload = form.get("file")
    content = await upload.read() if isinstance(upload, UploadFile) else b""
    if not content:
        no_file = FieldError("file", "Choose a CSV file to import")
        return await run_in_threadpool(
            lambda: _records_page(request, session, principal, keyring, errors=[no_file])
        )
    job = _jobs(request).new(principal, skip_invalid=form.get("skip_invalid") == "yes")
    path = await run_in_threadpool(saved_upload, content)
    thread_runner(lambda: run_import(job, database, keyring, principal, path))
    return RedirectResponse(f"/records/import/{job.id}", status_code=303)


@router.get("/records/import/{job_id}")
def import_progress(request: Request, job_id: str, person: PagePerson) -> Response:
    principal = _principal(person)
    if principal is None:
        return sign_in_first()
    job = _jobs(request).of(principal, job_id)
    if job is None:
        raise NotFound()
    return page(request, "agency/import.html", "Importing records", job=job)


# --- break-glass --------------------------------------------------------------------------


@dataclass(frozen=True)
class Review:
    justified: str
    notes: str


def _alerts_page(
    request: Request,
    session: Session,
    principal: Principal,
    keyring: Keyring,
    *,
    reviewing: str | None = None,
    review: Review | None = None,
    errors: list[FieldError] | None = None,
) -> Response:
    alerts = break_glass.break_glass_alerts(
        session, principal, principal.agency or "", keyring=keyring
    )
    now = utcnow()
    shown = [
        alert
        | {
            "opened": wording.local_time(_when(alert["opened_at"])),
            "due": wording.local_time(_when(alert["review_due_at"])),
            "due_text": wording.due_text(_when(alert["review_due_at"]), now),
            "reviewed": wording.local_time(_when(alert["reviewed_at"]))
            if alert["reviewed_at"]
            else None,
        }
        for alert in alerts
    ]
    return page(
        request,
        "agency/break_glass.html",
        "Break-glass openings of your records",
        alerts=shown,
        reviewing=reviewing,
        review=review or Review("", ""),
        errors=errors,
    )


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text)


@router.get("/break-glass")
def alerts_page(
    request: Request, session: SessionDep, person: PagePerson, keyring: KeyringDep
) -> Response:
    principal = _principal(person)
    if principal is None:
        return sign_in_first()
    return _alerts_page(request, session, principal, keyring)


@router.post("/break-glass/{event_id}/review")
async def review(
    request: Request,
    event_id: uuid.UUID,
    session: SessionDep,
    person: PagePerson,
    keyring: KeyringDep,
) -> Response:
    principal = _principal(person)
    if principal is None:
        return sign_in_first()
    form = await request.form()
    check_form(request, person, form)
    answer = Review(_text(form, "justified", 10), _text(form, "notes", 4000))
    return await run_in_threadpool(_review, request, session, principal, keyring, event_id, answer)


def _review(
    request: Request,
    session: Session,
    principal: Principal,
    keyring: Keyring,
    event_id: uuid.UUID,
    answer: Review,
) -> Response:
    errors = []
    if answer.justified not in ("yes", "no"):
        errors.append(
            FieldError(f"justified-{event_id}", "Select whether the opening was justified")
        )
    if len(answer.notes) < 10:
        errors.append(FieldError(f"notes-{event_id}", "Say why, in a sentence or more"))
    if errors:
        return _alerts_page(
            request,
            session,
            principal,
            keyring,
            reviewing=str(event_id),
            review=answer,
            errors=errors,
        )
    # Reviewed already (a second click): the page shows the review.
    with contextlib.suppress(Conflict):
        break_glass.review_break_glass(
            session,
            principal,
            principal.agency or "",
            event_id,
            justified=answer.justified == "yes",
            notes=answer.notes,
            keyring=keyring,
        )
    return RedirectResponse("/break-glass", status_code=303)
