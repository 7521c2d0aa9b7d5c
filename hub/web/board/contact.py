"""The contact page: everything the contact says, what the hub already knows, and screening.

Each part comes from the service the API uses for it: the contact from the contacts service
(one read entry in the audit log), the clock, earlier contacts and emerging-harm flags from
the screening service, and the decisions posted to the screening service, which checks
the firewall and writes its own entries. A manager's actions are offered to whoever the
decision point says may take them. A contact the person may not read is the 404 page.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from hub.audit import repository as audit_repository
from hub.auth.principal import Principal
from hub.contacts import service as contacts
from hub.db import SessionDep, utcnow
from hub.dependencies import CalendarDep, KeyringDep, ScreeningPolicyDep, SettingsDep
from hub.enquiries import repository as enquiries
from hub.keys.service import Keyring
from hub.kit.errors import Conflict, NotFound, Unprocessable
from hub.kit.working_time import WorkingHours
from hub.policy import decision_point
from hub.policy.decision_point import require
from hub.policy.firewall import Resource
from hub.policy.vocabulary import Action, Kind
from hub.retention import holds
from hub.retention.schemas import LegalHoldIn
from hub.screening import service as screening
from hub.screening.schemas import ConsentOverrideIn, OutcomeIn, RerateIn, ScreeningIn
from hub.web.board.forms import FieldError, Payload, Typed, first_field, read_form
from hub.web.board.present import OUTCOME_NAMES, PRESENT, RAG_NAMES
from hub.web.dependencies import PagePerson
from hub.web.people import ROLE_NAMES, TEAM_NAMES
from hub.web.refer.forms import CONSENT, ETHNICITIES, PROFESSIONAL_SOURCES, PUBLIC_SOURCES, SEXES
from hub.web.security import check_csrf, check_origin
from hub.web.templating import render

router = APIRouter(include_in_schema=False)

# What each change to a contact is called in its record (reads are left out: every page
# view is one, and the audit log keeps them for information governance).
HISTORY_ACTIONS = {
    ("contact", "create"): "Contact received",
    ("contact", "screen"): "Screened",
    ("contact", "rerate"): "Rating changed",
    ("contact", "override_consent"): "Going ahead without consent authorised",
    ("enquiry", "create"): "MASH enquiry opened",
}
ENQUIRIES = Resource(Kind.enquiry)
DONE = {
    "screen": "You screened this contact. Its clock now runs to the deadline below.",
    "outcome": "You decided where this contact goes next.",
    "rerate": "You changed the rating. The clock now runs to the new deadline.",
    "consent": "You authorised going ahead without consent.",
    "hold": "You changed the case's legal hold.",
}


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    when: datetime
    what: str
    who: str


def contact_history(
    session: Session, principal: Principal, contact_id: uuid.UUID
) -> list[HistoryEntry]:
    """Who did what to this contact, and when, from the audit log: the actions alone, never
    the reasons written with them (those are sealed with the screening)."""
    require(principal, Action.read, Resource(Kind.contact, id=str(contact_id)))
    entries = audit_repository.search_entries(
        session, resource_id=str(contact_id), outcome="allowed"
    )
    enquiry = enquiries.enquiry_for_contact(session, contact_id)
    # The enquiry is in the record only for those who may read enquiries (not, say, an admin).
    if enquiry is not None and decision_point.may(principal, Action.read, ENQUIRIES):
        entries += audit_repository.search_entries(
            session, resource_id=str(enquiry.id), kind="enquiry", action="create"
        )
    history = []
    for entry in sorted(entries, key=lambda e: e.id):
        what = _what_happened(entry.resource_kind, entry.action, entry.reason or "")
        if what is None:
            continue
        history.append(
            HistoryEntry(entry.recorded_at, what, _who(entry.actor_sub, entry.actor_role))
        )
    return history


# The screening service's entries say what was decided, in codes; a manager's free text is
# sealed beside the log (or, in entries from before, follows a colon) and never shown here.
_RATED = re.compile(r"^threshold (?P<level>[1-4]), rated (?P<rag>red|amber|green)$")
_DECIDED = re.compile(r"^outcome (?P<outcome>[a-z_]+)$")
_RERATED = re.compile(r"^rating (?P<old>red|amber|green) -> (?P<new>red|amber|green)(:|$)")


def _what_happened(kind: str, action: str, reason: str) -> str | None:
    """What an entry records, in words, from its action and the codes at the start of it."""
    if (kind, action) == ("contact", "screen"):
        if rated := _RATED.match(reason):
            rag = RAG_NAMES[rated["rag"]]
            return f"Screened: threshold level {rated['level']}, rated {rag}"
        if decided := _DECIDED.match(reason):
            return f"Outcome decided: {OUTCOME_NAMES.get(decided['outcome'], 'recorded')}"
    if (kind, action) == ("contact", "hold") and reason.startswith("legal hold "):
        return reason.replace("legal hold", "Legal hold", 1)
    if (kind, action) == ("contact", "rerate") and (rerated := _RERATED.match(reason)):
        return f"Rating changed from {RAG_NAMES[rerated['old']]} to {RAG_NAMES[rerated['new']]}"
    return HISTORY_ACTIONS.get((kind, action))


def _who(sub: str, role: str) -> str:
    if sub == Principal.public().sub:
        return "A member of the public"
    named = ROLE_NAMES.get(role, role)
    return f"{named[:1].upper()}{named[1:]} ({sub})"


def _signed_in_principal(person: PagePerson) -> Principal:
    if person.signed_in is None:
        raise NotFound()
    return person.signed_in.principal


def contact_page(
    request: Request,
    session: Session,
    principal: Principal,
    contact_id: uuid.UUID,
    *,
    keyring: Keyring,
    calendar: WorkingHours,
    typed: Typed | None = None,
    done: str | None = None,
) -> Response:
    contact = contacts.read_contact(session, principal, contact_id, keyring=keyring)
    view = screening.screening_view(
        session, principal, contact_id, keyring=keyring, calendar=calendar, audited=False
    )
    contact_resource = Resource(Kind.contact, id=str(contact_id))
    may_read_enquiry = decision_point.may(principal, Action.read, ENQUIRIES)
    enquiry = enquiries.enquiry_for_contact(session, contact_id) if may_read_enquiry else None
    errors = typed.errors if typed else []
    return render(
        request,
        "board/contact.html",
        {
            **PRESENT,
            "title": f"Contact {contact.reference}",
            "role_names": ROLE_NAMES,
            "team_names": TEAM_NAMES,
            "contact": contact,
            "view": view,
            "history": contact_history(session, principal, contact_id),
            "may_screen": decision_point.may(principal, Action.screen, contact_resource),
            "may_rerate": decision_point.may(principal, Action.rerate, contact_resource),
            "may_override": decision_point.may(
                principal, Action.override_consent, contact_resource
            ),
            "may_open_enquiry": decision_point.may(principal, Action.create, ENQUIRIES),
            # The legal hold, for those the firewall lets place or lift it.
            "hold": (
                holds.hold_state(session, contact_id)
                if decision_point.may(principal, Action.hold, contact_resource)
                else None
            ),
            "may_read_enquiry": may_read_enquiry,
            "enquiry": enquiry,
            "typed": typed,
            "done": DONE.get(done or ""),
            "errors": {e.field_id: e.message for e in errors},
            "error_list": [{"text": e.message, "href": f"#{e.field_id}"} for e in errors],
            "sources": {**PUBLIC_SOURCES, **PROFESSIONAL_SOURCES},
            "consent_words": CONSENT,
            "sexes": SEXES,
            "ethnicities": ETHNICITIES,
            "now": utcnow(),
        },
    )


@router.get("/contacts/{contact_id}")
def contact(
    contact_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    person: PagePerson,
    keyring: KeyringDep,
    calendar: CalendarDep,
    done: str | None = None,
) -> Response:
    principal = _signed_in_principal(person)
    return contact_page(
        request, session, principal, contact_id, keyring=keyring, calendar=calendar, done=done
    )


def _checked(request: Request, person: PagePerson, csrf_token: str) -> Principal:
    """The person posting, once the form's Origin and their session's CSRF token are checked."""
    check_origin(request)
    if person.signed_in is None:
        raise NotFound()
    check_csrf(person.signed_in.csrf_token, csrf_token)
    return person.signed_in.principal


def _submitted(
    request: Request,
    session: Session,
    principal: Principal,
    contact_id: uuid.UUID,
    form: str,
    schema: type[Payload],
    sent: Mapping[str, str],
    decide: Callable[[Payload], object],
    *,
    keyring: Keyring,
    calendar: WorkingHours,
) -> Response:
    """Read the form and call the service with it; on success back to the page (post,
    redirect, get), otherwise the page again with what was typed and what stopped it."""
    payload, typed = read_form(form, schema, sent)
    if payload is not None:
        try:
            decide(payload)
        except (Conflict, Unprocessable) as refused:
            # Unprocessable: the form still stands, its answers need changing. Conflict:
            # someone got there first, and the page now shows where things stand instead.
            where = first_field(form) if isinstance(refused, Unprocessable) else "main-content"
            typed.errors = [FieldError(where, refused.detail)]
        else:
            return RedirectResponse(f"/contacts/{contact_id}?done={form}", status_code=303)
    return contact_page(
        request, session, principal, contact_id, keyring=keyring, calendar=calendar, typed=typed
    )


FormText = Annotated[str, Form(max_length=4000)]


@router.post("/contacts/{contact_id}/screening")
def screen(
    contact_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    person: PagePerson,
    keyring: KeyringDep,
    calendar: CalendarDep,
    screening_policy: ScreeningPolicyDep,
    csrf_token: FormText = "",
    threshold_level: FormText = "",
    rag: FormText = "",
    reason: FormText = "",
) -> Response:
    principal = _checked(request, person, csrf_token)
    sent = {"threshold_level": threshold_level, "rag": rag, "reason": reason}
    return _submitted(
        request,
        session,
        principal,
        contact_id,
        "screen",
        ScreeningIn,
        sent,
        lambda p: screening.screen_contact(
            session,
            principal,
            contact_id,
            p,
            keyring=keyring,
            calendar=calendar,
            rag_policy=screening_policy,
        ),
        keyring=keyring,
        calendar=calendar,
    )


@router.post("/contacts/{contact_id}/outcome")
def decide_outcome(
    contact_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    person: PagePerson,
    keyring: KeyringDep,
    calendar: CalendarDep,
    settings: SettingsDep,
    csrf_token: FormText = "",
    outcome: FormText = "",
    reason: FormText = "",
) -> Response:
    principal = _checked(request, person, csrf_token)
    return _submitted(
        request,
        session,
        principal,
        contact_id,
        "outcome",
        OutcomeIn,
        {"outcome": outcome, "reason": reason},
        lambda p: screening.decide_outcome(
            session,
            principal,
            contact_id,
            p,
            keyring=keyring,
            calendar=calendar,
            rota_start=settings.rota_start,
        ),
        keyring=keyring,
        calendar=calendar,
    )


@router.post("/contacts/{contact_id}/rating")
def rerate(
    contact_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    person: PagePerson,
    keyring: KeyringDep,
    calendar: CalendarDep,
    screening_policy: ScreeningPolicyDep,
    csrf_token: FormText = "",
    rag: FormText = "",
    reason: FormText = "",
) -> Response:
    principal = _checked(request, person, csrf_token)
    return _submitted(
        request,
        session,
        principal,
        contact_id,
        "rerate",
        RerateIn,
        {"rag": rag, "reason": reason},
        lambda p: screening.rerate(
            session,
            principal,
            contact_id,
            p,
            keyring=keyring,
            calendar=calendar,
            rag_policy=screening_policy,
        ),
        keyring=keyring,
        calendar=calendar,
    )


@router.post("/contacts/{contact_id}/consent-override")
def override_consent(
    contact_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    person: PagePerson,
    keyring: KeyringDep,
    calendar: CalendarDep,
    csrf_token: FormText = "",
    reason: FormText = "",
) -> Response:
    principal = _checked(request, person, csrf_token)
    return _submitted(
        request,
        session,
        principal,
        contact_id,
        "consent",
        ConsentOverrideIn,
        {"reason": reason},
        lambda p: screening.override_consent(
            session, principal, contact_id, p, keyring=keyring, calendar=calendar
        ),
        keyring=keyring,
        calendar=calendar,
    )


@router.post("/contacts/{contact_id}/legal-hold")
def decide_legal_hold(
    contact_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    person: PagePerson,
    keyring: KeyringDep,
    calendar: CalendarDep,
    csrf_token: FormText = "",
    decision: FormText = "",
    reason: FormText = "",
) -> Response:
    principal = _checked(request, person, csrf_token)
    return _submitted(
        request,
        session,
        principal,
        contact_id,
        "hold",
        LegalHoldIn,
        {"decision": decision, "reason": reason},
        lambda p: (holds.place_hold if p.decision == "place" else holds.lift_hold)(
            session, principal, contact_id, p.reason, keyring=keyring
        ),
        keyring=keyring,
        calendar=calendar,
    )
