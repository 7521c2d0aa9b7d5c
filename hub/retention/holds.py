"""Legal hold: a case a manager or IG officer holds is never destroyed under the schedule.

Placing and lifting each need a reason, sealed under the case's key (the hold's reason on
the contact, and the audit entry's text beside the log); the firewall's ``hold`` action
decides who may. Both are conditional updates of the contact, as claiming a case for
destruction is, so a hold and the retention schedule cannot both win.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hub.audit import service as audit
from hub.auth.principal import Principal
from hub.contacts.models import Contact
from hub.db import utcnow
from hub.keys.service import CaseDestroyed, Keyring, case_key_id, work_on_case
from hub.kit.errors import Conflict, NotFound
from hub.policy.decision_point import allowed_event, require
from hub.policy.firewall import Decision, Resource
from hub.policy.vocabulary import Action, Kind
from hub.retention.schemas import LegalHoldOut

_TABLE = "contacts"


def _resource(contact_id: uuid.UUID) -> Resource:
    return Resource(Kind.contact, id=str(contact_id))


def _contact(session: Session, contact_id: uuid.UUID) -> Contact:
    contact = session.execute(select(Contact).where(Contact.id == contact_id)).scalar_one_or_none()
    if contact is None:
        raise NotFound()
    if contact.destroyed_at is not None:
        raise CaseDestroyed(case_key_id(contact_id))
    return contact


def _out(contact: Contact) -> LegalHoldOut:
    return LegalHoldOut(
        held=contact.held_since is not None,
        held_since=contact.held_since,
        held_by=contact.held_by,
    )


def hold_state(session: Session, contact_id: uuid.UUID) -> LegalHoldOut:
    """The hold as the contact page shows it (the page's read is already on the record)."""
    return _out(_contact(session, contact_id))


def legal_hold(session: Session, principal: Principal, contact_id: uuid.UUID) -> LegalHoldOut:
    """Whether the case is held, since when and by whom (never the reason)."""
    decision = require(principal, Action.hold, _resource(contact_id))
    contact = _contact(session, contact_id)
    audit.record(
        session, principal, allowed_event(decision, _resource(contact_id), reason="hold status")
    )
    return _out(contact)


def place_hold(
    session: Session, principal: Principal, contact_id: uuid.UUID, reason: str, *, keyring: Keyring
) -> LegalHoldOut:
    decision = require(principal, Action.hold, _resource(contact_id))
    contact = _contact(session, contact_id)
    key_id = case_key_id(contact_id)
    work_on_case(session, key_id)
    now = utcnow()
    placed = session.execute(
        update(Contact)
        .where(
            Contact.id == contact_id, Contact.destroyed_at.is_(None), Contact.held_since.is_(None)
        )
        .values(
            held_since=now,
            held_by=principal.sub,
            sealed_hold_reason=keyring.seal_hub_json(
                session, _TABLE, "sealed_hold_reason", contact_id, reason, key_id=key_id
            ),
        )
        .execution_options(synchronize_session=False)
    )
    if getattr(placed, "rowcount", 0) != 1:
        raise Conflict("This case is already on legal hold.", code="already_held")
    return _recorded(session, principal, decision, contact, "placed", reason, keyring=keyring)


def lift_hold(
    session: Session, principal: Principal, contact_id: uuid.UUID, reason: str, *, keyring: Keyring
) -> LegalHoldOut:
    decision = require(principal, Action.hold, _resource(contact_id))
    contact = _contact(session, contact_id)
    work_on_case(session, case_key_id(contact_id))
    lifted = session.execute(
        update(Contact)
        .where(Contact.id == contact_id, Contact.held_since.is_not(None))
        .values(held_since=None, held_by=None, sealed_hold_reason=None)
        .execution_options(synchronize_session=False)
    )
    if getattr(lifted, "rowcount", 0) != 1:
        raise Conflict("This case is not on legal hold.", code="not_held")
    return _recorded(session, principal, decision, contact, "lifted", reason, keyring=keyring)


def _recorded(
    session: Session,
    principal: Principal,
    decision: Decision,
    contact: Contact,
    done: str,
    reason: str,
    *,
    keyring: Keyring,
) -> LegalHoldOut:
    """The change's audit entry (the reason sealed beside it), and the hold as it now is."""
    audit.record(
        session,
        principal,
        allowed_event(
            decision,
            _resource(contact.id),
            reason=f"legal hold {done}",
            free_text={"reason": reason},
        ),
        keyring=keyring,
    )
    session.refresh(contact)
    return _out(contact)
