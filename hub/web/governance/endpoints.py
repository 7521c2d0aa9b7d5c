"""The IG officer's pages. Each one asks for the purpose of the look-up first and then
calls the same governance service as the API, which writes that purpose into its audit
entry. Anyone who may not read the log or the register gets 404 on every page here."""

from __future__ import annotations

import tempfile
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask
from starlette.datastructures import FormData

from hub.access import export as person_export
from hub.access import service as person_record
from hub.access.service import PERSON_RECORD
from hub.audit import governance
from hub.audit.dependencies import AuditLogDep
from hub.audit.governance import REGISTER
from hub.auth.principal import Principal
from hub.db import SessionDep, utcnow
from hub.dependencies import LawfulBasesDep
from hub.keys.service import Keyring
from hub.kit.errors import Conflict
from hub.policy.decision_point import may, require
from hub.policy.firewall import Resource
from hub.policy.vocabulary import Action, Kind
from hub.retention import holds
from hub.retention.schemas import LegalHoldIn, LegalHoldOut
from hub.web.dependencies import PagePerson
from hub.web.desk.pages import (
    checked_form,
    errors_context,
    form_text,
    shell,
    to_sign_in,
)
from hub.web.enquiries.wording import agency_name
from hub.web.governance import figures as charts
from hub.web.governance.forms import audit_filters, register_filters
from hub.web.governance.person_form import PersonAnswers, person_answers
from hub.web.governance.purpose import keep_purpose, purpose_problem, safe_next, stated_purpose
from hub.web.templating import render

router = APIRouter(prefix="/governance", include_in_schema=False)

PAGE_SIZE = 25
CHART_WEEKS = 8
EVIDENCE_NAME = "mash-hub-audit-evidence.zip"
OUTCOMES = {"": "Any", "allowed": "Allowed", "denied": "Denied"}


def _keyring(request: Request) -> Keyring:
    """The hub's keyring: an IG look-up's stated purpose is sealed with its entry."""
    keyring: Keyring = request.app.state.keyring
    return keyring


def _ig_only(principal: Principal) -> None:
    """Every IG page: 404 (and a denied attempt on the log) for anyone who may not list the
    disclosure register, whatever they ask for."""
    require(principal, Action.list, REGISTER)


def _here(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def _ask_purpose(
    request: Request,
    *,
    next_path: str,
    typed: str = "",
    errors: dict[str, str] | None = None,
    current: str | None = None,
) -> Response:
    return render(
        request,
        "governance/purpose.html",
        shell(
            title="Why are you looking?",
            next_path=safe_next(next_path),
            typed=typed,
            current=current,
            **errors_context(errors or {}),
        ),
    )


def _names(request: Request) -> dict[str, Any]:
    settings = request.app.state.settings
    return {"agency_names": {code: agency_name(code) for code in settings.agencies}}


@router.get("/purpose")
def change_purpose(
    request: Request, session: SessionDep, person: PagePerson, next: str = "/governance"
) -> Response:
    if person.signed_in is None:
        return to_sign_in()
    _ig_only(person.signed_in.principal)
    current = stated_purpose(request, session)
    return _ask_purpose(request, next_path=next, current=current)


@router.post("/purpose")
async def give_purpose(request: Request, session: SessionDep, person: PagePerson) -> Response:
    if person.signed_in is None:
        return to_sign_in()
    _ig_only(person.signed_in.principal)
    form = await checked_form(request, person.signed_in)
    purpose = form_text(form, "purpose", most=400)
    next_path = safe_next(form_text(form, "next", most=600))
    problem = purpose_problem(purpose)
    if problem:
        return _ask_purpose(
            request, next_path=next_path, typed=purpose, errors={"purpose": problem}
        )
    await run_in_threadpool(keep_purpose, request, session, purpose)
    return RedirectResponse(next_path, status_code=303)


def _with_purpose(request: Request, session: Session, person: PagePerson) -> str | Response:
    """The purpose given for this session, or the page asking for it (or sign-in)."""
    if person.signed_in is None:
        return to_sign_in()
    _ig_only(person.signed_in.principal)
    purpose = stated_purpose(request, session)
    if purpose is None:
        return _ask_purpose(request, next_path=_here(request))
    return purpose


@router.get("")
def governance_home(request: Request, session: SessionDep, person: PagePerson) -> Response:
    purpose = _with_purpose(request, session, person)
    if isinstance(purpose, Response):
        return purpose
    assert person.signed_in is not None
    since = charts.weeks_back(utcnow(), CHART_WEEKS)
    found = governance.figures(
        session, person.signed_in.principal, keyring=_keyring(request), purpose=purpose, since=since
    )
    agency_names = _names(request)["agency_names"]
    return render(
        request,
        "governance/home.html",
        shell(
            title="Information governance",
            purpose=purpose,
            charts=charts.charts_of(found, CHART_WEEKS, agency_names),
            since_text=f"{since:%A} {since.day} {since:%B %Y}",
        ),
    )


def _page_link(request: Request, cursor: str | None) -> str | None:
    if cursor is None:
        return None
    kept = [(k, v) for k, v in request.query_params.multi_items() if k != "cursor" and v]
    return f"{request.url.path}?{urlencode([*kept, ('cursor', cursor)])}"


@router.get("/disclosures")
def disclosure_register(
    request: Request, session: SessionDep, person: PagePerson, lawful_bases: LawfulBasesDep
) -> Response:
    purpose = _with_purpose(request, session, person)
    if isinstance(purpose, Response):
        return purpose
    assert person.signed_in is not None
    names = _names(request)
    filters, found = register_filters(
        request.query_params, agencies=tuple(names["agency_names"]), bases=lawful_bases
    )
    rows = None
    if not found.errors:
        rows = governance.register_page(
            session,
            person.signed_in.principal,
            filters,
            keyring=_keyring(request),
            purpose=purpose,
            limit=PAGE_SIZE,
            cursor=found.cursor,
        )
    return render(
        request,
        "governance/disclosures.html",
        shell(
            title="Disclosure register",
            purpose=purpose,
            answers=found.answers,
            rows=rows.items if rows else [],
            searched=rows is not None,
            later_page=found.cursor is not None,
            next_link=_page_link(request, rows.next_cursor if rows else None),
            lawful_bases=lawful_bases,
            **names,
            **errors_context(found.errors),
        ),
    )


@router.get("/disclosures/{entry_id}")
def disclosure_on_register(
    request: Request,
    entry_id: int,
    session: SessionDep,
    person: PagePerson,
    lawful_bases: LawfulBasesDep,
) -> Response:
    purpose = _with_purpose(request, session, person)
    if isinstance(purpose, Response):
        return purpose
    assert person.signed_in is not None
    row, record = governance.register_record(
        session, person.signed_in.principal, entry_id, keyring=_keyring(request), purpose=purpose
    )
    return render(
        request,
        "governance/disclosure.html",
        shell(
            title=f"Disclosure on the register, entry {entry_id}",
            purpose=purpose,
            row=row,
            record=record,
            lawful_bases=lawful_bases,
            **_names(request),
        ),
    )


@router.get("/audit")
def audit_search(request: Request, session: SessionDep, person: PagePerson) -> Response:
    purpose = _with_purpose(request, session, person)
    if isinstance(purpose, Response):
        return purpose
    assert person.signed_in is not None
    filters, found = audit_filters(request.query_params)
    entries = None
    if not found.errors:
        entries = governance.search(
            session,
            person.signed_in.principal,
            keyring=_keyring(request),
            purpose=purpose,
            limit=PAGE_SIZE,
            cursor=found.cursor,
            since=found.since,
            until=found.until,
            **filters,
        )
    return render(
        request,
        "governance/audit.html",
        shell(
            title="Audit search",
            purpose=purpose,
            answers=found.answers,
            outcomes=OUTCOMES,
            entries=entries.items if entries else [],
            next_link=_page_link(request, entries.next_cursor if entries else None),
            later_page=found.cursor is not None,
            **_names(request),
            **errors_context(found.errors),
        ),
    )


@router.get("/denied")
def denied_attempts(request: Request, session: SessionDep, person: PagePerson) -> Response:
    purpose = _with_purpose(request, session, person)
    if isinstance(purpose, Response):
        return purpose
    assert person.signed_in is not None
    _, found = audit_filters(request.query_params)
    entries = governance.search(
        session,
        person.signed_in.principal,
        keyring=_keyring(request),
        purpose=purpose,
        limit=PAGE_SIZE,
        cursor=found.cursor,
        outcome="denied",
    )
    return render(
        request,
        "governance/denied.html",
        shell(
            title="Denied attempts",
            purpose=purpose,
            entries=entries.items,
            next_link=_page_link(request, entries.next_cursor),
            later_page=found.cursor is not None,
            **_names(request),
        ),
    )


@router.get("/verify")
def verify_page(request: Request, session: SessionDep, person: PagePerson) -> Response:
    purpose = _with_purpose(request, session, person)
    if isinstance(purpose, Response):
        return purpose
    assert person.signed_in is not None
    status = governance.log_status(
        session, person.signed_in.principal, keyring=_keyring(request), purpose=purpose
    )
    return render(
        request,
        "governance/verify.html",
        shell(title="Verify the audit log", purpose=purpose, status=status, result=None),
    )


@router.post("/verify")
async def verify_log(
    request: Request, session: SessionDep, person: PagePerson, audit_log: AuditLogDep
) -> Response:
    purpose = _with_purpose(request, session, person)
    if isinstance(purpose, Response):
        return purpose
    assert person.signed_in is not None
    await checked_form(request, person.signed_in)
    principal = person.signed_in.principal
    result = await run_in_threadpool(
        governance.verify,
        session,
        principal,
        audit_log,
        keyring=_keyring(request),
        purpose=purpose,
    )
    status = await run_in_threadpool(
        governance.log_status, session, principal, keyring=_keyring(request), purpose=purpose
    )
    return render(
        request,
        "governance/verify.html",
        shell(title="Verify the audit log", purpose=purpose, status=status, result=result),
    )


def _zip_evidence(
    session: Session, principal: Principal, audit_log: Any, keyring: Keyring, purpose: str
) -> Path:
    """The evidence export as one zip file (its folder's files at the top level)."""
    with tempfile.TemporaryDirectory(prefix="hub-evidence-") as folder:
        out = Path(folder) / "export"
        governance.export_evidence(
            session, principal, audit_log, out, keyring=keyring, purpose=purpose
        )
        handle, name = tempfile.mkstemp(prefix="hub-evidence-", suffix=".zip")
        with open(handle, "wb") as raw, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as zipped:
            for path in sorted(out.iterdir()):
                zipped.write(path, arcname=path.name)
    return Path(name)


@router.post("/evidence")
async def download_evidence(
    request: Request, session: SessionDep, person: PagePerson, audit_log: AuditLogDep
) -> Response:
    purpose = _with_purpose(request, session, person)
    if isinstance(purpose, Response):
        return purpose
    assert person.signed_in is not None
    await checked_form(request, person.signed_in)
    path = await run_in_threadpool(
        _zip_evidence, session, person.signed_in.principal, audit_log, _keyring(request), purpose
    )
    return FileResponse(
        path,
        media_type="application/zip",
        filename=EVIDENCE_NAME,
        background=BackgroundTask(path.unlink, missing_ok=True),
        headers={"Cache-Control": "no-store"},
    )


# A person's record of access. Who the officer is looking for travels only in POSTed forms:
# the look-up, each opening and the export are POSTs that carry it as hidden fields.

PEOPLE = "/governance/people"


@dataclass(frozen=True, slots=True)
class _Posted:
    """A POST on a person's record: its stated purpose, who sent it, and its checked form."""

    purpose: str
    principal: Principal
    form: FormData


async def _person_posted(
    request: Request, session: Session, person: PagePerson
) -> _Posted | Response:
    """As :func:`_with_purpose` for a POST, its form checked (Origin, CSRF); or the page to
    show instead: sign-in, or the purpose question when none is stated."""
    if person.signed_in is None:
        return to_sign_in()
    _ig_only(person.signed_in.principal)
    purpose = stated_purpose(request, session)
    if purpose is None:
        return _ask_purpose(request, next_path=PEOPLE)
    form = await checked_form(request, person.signed_in)
    return _Posted(purpose, person.signed_in.principal, form)


async def _person_asked(
    request: Request, session: Session, person: PagePerson
) -> tuple[str, PersonAnswers] | Response:
    """The purpose and who the officer is looking for, from the checked form; or the page to
    show instead (the purpose asked, the question again with its errors, or sign-in)."""
    posted = await _person_posted(request, session, person)
    if isinstance(posted, Response):
        return posted
    answers = person_answers(posted.form)
    if answers.person is None:
        return _find_page(request, posted.purpose, answers)
    return posted.purpose, answers


def _find_page(request: Request, purpose: str, answers: PersonAnswers | None = None) -> Response:
    return render(
        request,
        "governance/person_find.html",
        shell(
            title="Find a person's record of access",
            purpose=purpose,
            answers=answers.values if answers else {},
            **errors_context(answers.errors if answers else {}),
        ),
    )


@router.get("/people")
def person_find(request: Request, session: SessionDep, person: PagePerson) -> Response:
    purpose = _with_purpose(request, session, person)
    if isinstance(purpose, Response):
        return purpose
    assert person.signed_in is not None
    # The page offers the look-up only to whoever may make it (the firewall's answer).
    require(person.signed_in.principal, Action.read, PERSON_RECORD)
    return _find_page(request, purpose)


@router.post("/people")
async def person_record_page(
    request: Request, session: SessionDep, person: PagePerson, lawful_bases: LawfulBasesDep
) -> Response:
    asked = await _person_asked(request, session, person)
    if isinstance(asked, Response):
        return asked
    purpose, answers = asked
    assert person.signed_in is not None
    assert answers.person is not None
    record = await run_in_threadpool(
        person_record.look_up,
        session,
        person.signed_in.principal,
        answers.person,
        keyring=_keyring(request),
        purpose=purpose,
    )
    return render(
        request,
        "governance/person_record.html",
        shell(
            title="A person's record of access",
            purpose=purpose,
            record=record,
            may_hold=may(person.signed_in.principal, Action.hold, Resource(Kind.contact)),
            carried=answers.values,
            lawful_bases=lawful_bases,
            **_names(request),
        ),
    )


def _form_uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


@router.post("/people/contacts/{contact_id}/opening")
async def person_contact_opening(
    request: Request, contact_id: uuid.UUID, session: SessionDep, person: PagePerson
) -> Response:
    posted = await _person_posted(request, session, person)
    if isinstance(posted, Response):
        return posted
    purpose, principal, form = posted.purpose, posted.principal, posted.form
    opened = await run_in_threadpool(
        person_record.open_contact,
        session,
        principal,
        contact_id,
        subject_person_id=_form_uuid(form_text(form, "subject", most=40)),
        keyring=_keyring(request),
        purpose=purpose,
    )
    return render(
        request,
        "governance/person_opened.html",
        shell(
            title="A contact, opened",
            purpose=purpose,
            contact=opened,
            disclosure=None,
            carried=person_answers(form).values,
            **_names(request),
        ),
    )


def _hold_page(
    request: Request,
    purpose: str,
    contact_id: uuid.UUID,
    state: LegalHoldOut,
    carried: dict[str, str],
    *,
    reference: str,
    decided: str | None = None,
    errors: dict[str, str] | None = None,
    typed: str = "",
) -> Response:
    return render(
        request,
        "governance/person_hold.html",
        shell(
            title="Legal hold",
            purpose=purpose,
            contact_id=contact_id,
            reference=reference,
            hold=state,
            decided=decided,
            typed=typed,
            carried=carried,
            **errors_context(errors or {}),
        ),
    )


@router.post("/people/contacts/{contact_id}/legal-hold")
async def person_contact_hold(
    request: Request, contact_id: uuid.UUID, session: SessionDep, person: PagePerson
) -> Response:
    """Whether the case is on legal hold, with the form to place or lift it (an IG officer
    keeps a case from the retention schedule for a request, a complaint or proceedings)."""
    posted = await _person_posted(request, session, person)
    if isinstance(posted, Response):
        return posted
    purpose, principal, form = posted.purpose, posted.principal, posted.form
    state = await run_in_threadpool(holds.legal_hold, session, principal, contact_id)
    return _hold_page(
        request,
        purpose,
        contact_id,
        state,
        person_answers(form).values,
        reference=form_text(form, "reference", most=40),
    )


@router.post("/people/contacts/{contact_id}/legal-hold/decision")
async def person_contact_hold_decision(
    request: Request, contact_id: uuid.UUID, session: SessionDep, person: PagePerson
) -> Response:
    posted = await _person_posted(request, session, person)
    if isinstance(posted, Response):
        return posted
    purpose, principal, form = posted.purpose, posted.principal, posted.form
    carried = person_answers(form).values
    reference = form_text(form, "reference", most=40)
    typed = form_text(form, "reason", most=5000)
    decision = form_text(form, "decision", most=10)

    def refused(message: str) -> Response:
        state = holds.legal_hold(session, principal, contact_id)
        return _hold_page(
            request,
            purpose,
            contact_id,
            state,
            carried,
            reference=reference,
            errors={"hold-reason": message},
            typed=typed,
        )

    try:
        payload = LegalHoldIn(decision=decision, reason=typed)
    except ValidationError:
        lifting = decision == "lift"
        return await run_in_threadpool(
            refused,
            "Enter why the hold is lifted, in 2,000 characters or fewer"
            if lifting
            else "Enter why the case must be kept, in 2,000 characters or fewer",
        )
    decide = holds.place_hold if payload.decision == "place" else holds.lift_hold
    try:
        state = await run_in_threadpool(
            decide, session, principal, contact_id, payload.reason, keyring=_keyring(request)
        )
    except Conflict:
        # A colleague placed or lifted it meanwhile: show the case as it now stands.
        return await run_in_threadpool(
            refused, "Someone changed this hold meanwhile: check where it stands now"
        )
    return _hold_page(
        request,
        purpose,
        contact_id,
        state,
        carried,
        reference=reference,
        decided=payload.decision,
    )


@router.post("/people/disclosures/{disclosure_id}/opening")
async def person_disclosure_opening(
    request: Request,
    disclosure_id: uuid.UUID,
    session: SessionDep,
    person: PagePerson,
    lawful_bases: LawfulBasesDep,
) -> Response:
    posted = await _person_posted(request, session, person)
    if isinstance(posted, Response):
        return posted
    purpose, principal, form = posted.purpose, posted.principal, posted.form
    opened = await run_in_threadpool(
        person_record.open_disclosure,
        session,
        principal,
        disclosure_id,
        keyring=_keyring(request),
        purpose=purpose,
    )
    return render(
        request,
        "governance/person_opened.html",
        shell(
            title="A disclosure, opened",
            purpose=purpose,
            contact=None,
            disclosure=opened,
            carried=person_answers(form).values,
            lawful_bases=lawful_bases,
            **_names(request),
        ),
    )


@router.post("/people/export")
async def person_export_download(
    request: Request, session: SessionDep, person: PagePerson
) -> Response:
    asked = await _person_asked(request, session, person)
    if isinstance(asked, Response):
        return asked
    purpose, answers = asked
    assert person.signed_in is not None
    assert answers.person is not None
    found = await run_in_threadpool(
        person_record.export,
        session,
        person.signed_in.principal,
        answers.person,
        keyring=_keyring(request),
        purpose=purpose,
        now=utcnow(),
    )
    return person_export.download(found)
