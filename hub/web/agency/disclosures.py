"""My agency's disclosures: each with every later read of it (who, when, through which
information product), and the release of a caveated one, whole or item by item."""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from hub.auth.principal import Principal
from hub.db import SessionDep
from hub.dependencies import KeyringDep
from hub.enquiries import disclosures
from hub.enquiries.schemas import (
    RESTRICTS_ONWARD_SHARING,
    DisclosureOut,
    DisclosureReadOut,
    ReleaseIn,
)
from hub.keys.service import Keyring
from hub.kit.errors import Conflict, NotFound
from hub.web.agency import wording
from hub.web.agency.common import check_form, page, representative, sign_in_first
from hub.web.agency.forms import FieldError
from hub.web.dependencies import PagePerson
from hub.web.people import ROLE_NAMES, TEAM_NAMES

router = APIRouter(include_in_schema=False)


def onward(disclosure: DisclosureOut) -> str:
    """Whether the hub may pass it on, in words."""
    if disclosure.kind in ("no_information", "decline"):
        return "Nothing was shared"
    if disclosure.caveat not in RESTRICTS_ONWARD_SHARING or disclosure.released_for_onward:
        return "May be passed on"
    if disclosure.released_items:
        return "Released in part; the rest is kept back"
    return "Kept back: the hub may not pass it on"


def read_text(read: DisclosureReadOut) -> dict[str, str]:
    role = ROLE_NAMES.get(read.reader_role, read.reader_role)
    if read.through_product is not None and read.reader_team:
        team = TEAM_NAMES.get(read.reader_team, read.reader_team)
        through = f"In the information product sent to {team}"
    elif read.through_product is not None:
        through = "In an information product, before it was sent"
    else:
        through = "In the hub's enquiry"
    return {
        "when": wording.local_time(read.read_at),
        "who": f"{read.reader} ({role})",
        "through": through,
    }


def _listed(
    session: Session, principal: Principal, keyring: Keyring
) -> list[tuple[DisclosureOut, list[DisclosureReadOut]]]:
    return disclosures.agency_disclosures(
        session, principal, principal.agency or "", keyring=keyring
    )


@router.get("/disclosures")
def disclosures_page(
    request: Request, session: SessionDep, person: PagePerson, keyring: KeyringDep
) -> Response:
    principal = representative(person)
    if principal is None:
        return sign_in_first()
    found = _listed(session, principal, keyring)
    rows = [
        {
            "id": d.id,
            "when": wording.local_time(d.disclosed_at),
            "answer": wording.ANSWERED.get(d.kind, d.kind),
            "onward": onward(d),
            "reads": len(reads),
        }
        for d, reads in reversed(found)
    ]
    return page(request, "agency/disclosures.html", "Your agency's disclosures", rows=rows)


def _one(
    session: Session, principal: Principal, disclosure_id: uuid.UUID, keyring: Keyring
) -> tuple[DisclosureOut, list[DisclosureReadOut]]:
    for disclosure, reads in _listed(session, principal, keyring):
        if disclosure.id == disclosure_id:
            return disclosure, reads
    raise NotFound()


def _releasable(disclosure: DisclosureOut) -> list[dict[str, Any]]:
    """Each shared record with the parts of it not yet released (for the release form)."""
    released = {i["record_id"]: set(i["fields"]) for i in disclosure.released_items}
    items = []
    for values in disclosure.content.get("records", []):
        rid = values["record_id"]
        parts = [f for f in wording.FIELDS if f in values and f not in released.get(rid, set())]
        done = [wording.FIELDS[f] for f in wording.FIELDS if f in released.get(rid, set())]
        items.append({"values": values, "parts": parts, "released": done})
    return items


def _record_status(disclosure: DisclosureOut) -> dict[str, str]:
    """Each shared record's state for passing on, when the disclosure is caveated."""
    if disclosure.caveat not in RESTRICTS_ONWARD_SHARING:
        return {}
    released = {i["record_id"]: set(i["fields"]) for i in disclosure.released_items}
    status = {}
    for values in disclosure.content.get("records", []):
        rid = values["record_id"]
        held = {f for f in wording.FIELDS if f in values}
        if disclosure.released_for_onward or released.get(rid, set()) >= held:
            status[rid] = "Released"
        elif released.get(rid):
            status[rid] = "Released in part"
        else:
            status[rid] = "Kept back"
    return status


def _disclosure_page(
    request: Request,
    disclosure: DisclosureOut,
    reads: list[DisclosureReadOut],
    *,
    sent: bool = False,
    chosen: list[str] | None = None,
    reason: str = "",
    errors: list[FieldError] | None = None,
) -> Response:
    may_release = (
        disclosure.caveat in RESTRICTS_ONWARD_SHARING
        and not disclosure.released_for_onward
        and disclosure.kind not in ("no_information", "decline")
    )
    return page(
        request,
        "agency/disclosure.html",
        "A disclosure and who has read it",
        disclosure=disclosure,
        when=wording.local_time(disclosure.disclosed_at),
        answer=wording.ANSWERED.get(disclosure.kind, disclosure.kind),
        onward=onward(disclosure),
        reads=[read_text(r) for r in reads],
        may_release=may_release,
        releasable=_releasable(disclosure),
        record_status=_record_status(disclosure),
        chosen=chosen or [],
        reason=reason,
        sent=sent,
        consent_names=wording.CONSENT,
        caveat_names=wording.CAVEATS,
        field_names=wording.FIELDS,
        local_date=wording.local_date,
        errors=errors,
    )


@router.get("/disclosures/{disclosure_id}")
def disclosure_page(
    request: Request,
    disclosure_id: uuid.UUID,
    session: SessionDep,
    person: PagePerson,
    keyring: KeyringDep,
    sent: str | None = None,
) -> Response:
    principal = representative(person)
    if principal is None:
        return sign_in_first()
    disclosure, reads = _one(session, principal, disclosure_id, keyring)
    return _disclosure_page(request, disclosure, reads, sent=sent == "1")


@router.post("/disclosures/{disclosure_id}/release")
async def release(
    request: Request,
    disclosure_id: uuid.UUID,
    session: SessionDep,
    person: PagePerson,
    keyring: KeyringDep,
) -> Response:
    """Release the chosen items of a caveated disclosure; the rest stays kept back."""
    principal = representative(person)
    if principal is None:
        return sign_in_first()
    form = await request.form()
    check_form(request, person, form)
    return await run_in_threadpool(
        _release, request, disclosure_id, session, principal, form, keyring
    )


def _release_in(
    disclosure: DisclosureOut, form: FormData
) -> tuple[ReleaseIn | None, list[str], str, list[FieldError]]:
    chosen = [c for c in form.getlist("release") if isinstance(c, str)]
    reason_value = form.get("reason")
    reason = reason_value.strip()[:4000] if isinstance(reason_value, str) else ""
    errors = []
    whole = "records" not in disclosure.content
    if not whole and not chosen:
        errors.append(FieldError("release", "Select what to release"))
    if len(reason) < 10:
        errors.append(
            FieldError("reason", "Say why it may now be passed on, in a sentence or more")
        )
    if errors:
        return None, chosen, reason, errors
    by_record: dict[str, list[str]] = defaultdict(list)
    for choice in chosen:
        record_id, _, part = choice.partition(":")
        by_record[record_id].append(part)
    items = None if whole else [{"record_id": k, "fields": v} for k, v in by_record.items()]
    try:
        return ReleaseIn.model_validate({"reason": reason, "items": items}), chosen, reason, []
    except ValidationError:
        return None, chosen, reason, [FieldError("release", "Select what to release")]


def _release(
    request: Request,
    disclosure_id: uuid.UUID,
    session: Session,
    principal: Principal,
    form: FormData,
    keyring: Keyring,
) -> Response:
    disclosure, reads = _one(session, principal, disclosure_id, keyring)
    payload, chosen, reason, errors = _release_in(disclosure, form)
    if payload is not None:
        try:
            disclosures.release_disclosure(
                session, principal, disclosure_id, payload, keyring=keyring
            )
        except Conflict:
            return RedirectResponse(f"/disclosures/{disclosure_id}", status_code=303)
        return RedirectResponse(f"/disclosures/{disclosure_id}", status_code=303)
    return _disclosure_page(request, disclosure, reads, chosen=chosen, reason=reason, errors=errors)
