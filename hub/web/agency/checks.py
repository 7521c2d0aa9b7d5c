"""The inbox of check requests, and the check page that answers one.

The check page is a two-step POST: the answer is checked and shown back exactly as it
would leave the agency (the disclosures service's own preview), and only the second POST,
from that confirmation page, discloses. The confirmation carries the hash of what it
showed; if a record changed in between, nothing is disclosed and the page shows it again.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from hub.agencies import service as agencies
from hub.agencies.schemas import RecordMatchOut
from hub.auth.principal import Principal
from hub.db import SessionDep, utcnow
from hub.dependencies import KeyringDep, LawfulBasesDep
from hub.enquiries import checks, disclosures
from hub.enquiries.schemas import CheckRequestOut, DisclosureIn
from hub.keys.service import Keyring
from hub.kit.errors import Conflict, Unprocessable
from hub.people.normalise import PersonIdentifiers
from hub.web.agency import wording
from hub.web.agency.common import check_form, page, representative, sign_in_first
from hub.web.agency.forms import NO_CAVEAT, DisclosureAnswers, FieldError
from hub.web.dependencies import PagePerson

router = APIRouter(include_in_schema=False)


def person_name(subject: dict[str, Any]) -> str:
    name = " ".join(p for p in (subject.get("given_name"), subject.get("family_name")) if p)
    return name or "Name not given"


def subject_lines(subject: dict[str, Any]) -> list[str]:
    """Who to check, as the inbox and check page show them: identifiers only."""
    lines = [f"{person_name(subject)}, {wording.ROLES.get(subject.get('role') or '', 'person')}"]
    if subject.get("date_of_birth"):
        lines.append(f"Born {wording.local_date(subject['date_of_birth'])}")
    if subject.get("nhs_number"):
        lines.append(f"NHS number {subject['nhs_number']}")
    where = ", ".join(p for p in (subject.get("address"), subject.get("postcode")) if p)
    if where:
        lines.append(where)
    return lines


@router.get("/checks")
def inbox(
    request: Request, session: SessionDep, person: PagePerson, keyring: KeyringDep
) -> Response:
    principal = representative(person)
    if principal is None:
        return sign_in_first()
    agency = principal.agency or ""
    now = utcnow()
    found = checks.agency_inbox(session, principal, agency, keyring=keyring)
    waiting = [r for r in found if r.status == "pending"]
    rows = [
        {
            "id": r.id,
            "overdue": r.overdue,
            "due": wording.due_text(r.due_at, now),
            "due_at": wording.local_time(r.due_at),
            "people": [subject_lines(s) for s in r.subjects],
            "names": ", ".join(person_name(s) for s in r.subjects) or "this check",
        }
        for r in waiting
    ]
    answered = [
        {
            "id": r.id,
            "status": wording.STATUS.get(r.status, r.status),
            "requested": wording.local_time(r.requested_at),
        }
        for r in found
        if r.status != "pending"
    ]
    return page(
        request,
        "agency/inbox.html",
        "Check requests",
        agency=agency,
        waiting=rows,
        overdue=sum(1 for r in waiting if r.overdue),
        answered=answered,
    )


@dataclass
class Candidate:
    record: RecordMatchOut
    found_for: list[str] = field(default_factory=list)


@dataclass
class CheckView:
    check: CheckRequestOut
    candidates: dict[str, Candidate]
    not_searched: list[str]


def _searched(
    session: Session, principal: Principal, request_id: uuid.UUID, keyring: Keyring
) -> CheckView:
    """The check request and, while it is open, the agency's records on each person named."""
    check = checks.read_check_request(session, principal, request_id, keyring=keyring)
    candidates: dict[str, Candidate] = {}
    not_searched = []
    for subject in check.subjects:
        identifiers = PersonIdentifiers(
            given_name=subject.get("given_name"),
            family_name=subject.get("family_name"),
            date_of_birth=subject.get("date_of_birth"),
            nhs_number=subject.get("nhs_number"),
            postcode=subject.get("postcode"),
        )
        try:
            found = agencies.search_records(
                session, principal, check.agency, identifiers, keyring=keyring
            )
        except Unprocessable:
            not_searched.append(person_name(subject))
            continue
        for record in found.items:
            strongest = min(record.passes, key=wording.PASS_ORDER.index, default="")
            matched = wording.PASSES.get(strongest, strongest)
            candidate = candidates.setdefault(str(record.id), Candidate(record))
            candidate.found_for.append(f"{person_name(subject)}, on {matched}")
    return CheckView(check, candidates, not_searched)


def _check_page(
    request: Request,
    view: CheckView,
    answers: DisclosureAnswers,
    lawful_bases: dict[str, str],
    errors: list[FieldError] | None = None,
) -> Response:
    check = view.check
    now = utcnow()
    return page(
        request,
        "agency/check.html",
        "Answer a check request",
        check=check,
        due=wording.due_text(check.due_at, now),
        due_at=wording.local_time(check.due_at),
        people=[subject_lines(s) for s in check.subjects],
        status=wording.STATUS.get(check.status, check.status),
        candidates=list(view.candidates.values()),
        not_searched=view.not_searched,
        answers=answers,
        lawful_bases=lawful_bases,
        kinds=wording.KINDS,
        consent_names=wording.CONSENT,
        caveat_names=wording.CAVEATS,
        field_names=wording.FIELDS,
        no_caveat=NO_CAVEAT,
        local_date=wording.local_date,
        errors=errors,
    )


@router.get("/checks/{request_id}")
def check_page(
    request: Request,
    request_id: uuid.UUID,
    session: SessionDep,
    person: PagePerson,
    keyring: KeyringDep,
    lawful_bases: LawfulBasesDep,
) -> Response:
    principal = representative(person)
    if principal is None:
        return sign_in_first()
    view = _searched(session, principal, request_id, keyring)
    return _check_page(request, view, DisclosureAnswers(), lawful_bases)


@router.post("/checks/{request_id}")
async def check_answered(
    request: Request,
    request_id: uuid.UUID,
    session: SessionDep,
    person: PagePerson,
    keyring: KeyringDep,
    lawful_bases: LawfulBasesDep,
) -> Response:
    """The check page's answer (or "change" from the confirmation page): shown back to
    confirm, or the page again with what to put right. Nothing is disclosed here."""
    principal = representative(person)
    if principal is None:
        return sign_in_first()
    form = await request.form()
    check_form(request, person, form)
    return await run_in_threadpool(
        _answered, request, request_id, session, principal, form, keyring, lawful_bases
    )


def _answered(
    request: Request,
    request_id: uuid.UUID,
    session: Session,
    principal: Principal,
    form: FormData,
    keyring: Keyring,
    lawful_bases: dict[str, str],
) -> Response:
    view = _searched(session, principal, request_id, keyring)
    if view.check.status != "pending":
        return RedirectResponse(f"/checks/{request_id}", status_code=303)
    answers = DisclosureAnswers.from_form(form, list(view.candidates))
    if form.get("action") == "change":
        return _check_page(request, view, answers, lawful_bases)
    payload, errors = answers.check(lawful_bases, next(iter(view.candidates), None))
    if payload is None:
        return _check_page(request, view, answers, lawful_bases, errors)
    return _confirm_page(request, session, principal, view.check, answers, payload, keyring)


def _confirm_page(
    request: Request,
    session: Session,
    principal: Principal,
    check: CheckRequestOut,
    answers: DisclosureAnswers,
    payload: DisclosureIn,
    keyring: Keyring,
    errors: list[FieldError] | None = None,
) -> Response:
    lawful_bases: dict[str, str] = request.app.state.lawful_bases
    content, content_hash = disclosures.preview_disclosure(
        session, principal, check.id, payload, keyring=keyring, lawful_bases=lawful_bases
    )
    return page(
        request,
        "agency/confirm.html",
        "Check what you will send to the hub",
        check=check,
        answers=answers,
        payload=payload,
        content=content,
        content_hash=content_hash,
        kinds=wording.KINDS,
        consent_names=wording.CONSENT,
        caveat_names=wording.CAVEATS,
        field_names=wording.FIELDS,
        local_date=wording.local_date,
        errors=errors,
    )


@router.post("/checks/{request_id}/disclose")
async def disclose(
    request: Request,
    request_id: uuid.UUID,
    session: SessionDep,
    person: PagePerson,
    keyring: KeyringDep,
    lawful_bases: LawfulBasesDep,
) -> Response:
    """The confirmation page's "Send": disclose exactly what it showed."""
    principal = representative(person)
    if principal is None:
        return sign_in_first()
    form = await request.form()
    check_form(request, person, form)
    return await run_in_threadpool(
        _disclose, request, request_id, session, principal, form, keyring, lawful_bases
    )


def _disclose(
    request: Request,
    request_id: uuid.UUID,
    session: Session,
    principal: Principal,
    form: FormData,
    keyring: Keyring,
    lawful_bases: dict[str, str],
) -> Response:
    answers = DisclosureAnswers.from_form(form, None)
    shown = form.get("content_hash")
    payload, _ = answers.check(lawful_bases, answers.records[0] if answers.records else None)
    if payload is None or not isinstance(shown, str):
        # Only a tampered page gets here: the answer was checked before it was shown.
        return _answered(request, request_id, session, principal, form, keyring, lawful_bases)
    try:
        out = disclosures.disclose(
            session,
            principal,
            request_id,
            payload,
            keyring=keyring,
            lawful_bases=lawful_bases,
            expected_content_hash=shown,
        )
    except Conflict as conflict:
        if conflict.code != "disclosure_changed":
            return RedirectResponse(f"/checks/{request_id}", status_code=303)
        check = checks.read_check_request(session, principal, request_id, keyring=keyring)
        changed = FieldError(
            "send",
            "A record changed after you checked this page, so nothing has been sent. "
            "Check what will be sent now, then send it.",
        )
        return _confirm_page(
            request, session, principal, check, answers, payload, keyring, [changed]
        )
    return RedirectResponse(f"/disclosures/{out.id}?sent=1", status_code=303)
