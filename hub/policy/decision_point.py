"""The one place the code asks whether something is allowed.

``require(principal, action, resource)`` returns the decision when allowed. When not,
it raises a 404 if the caller may not even see the resource (a 403 would reveal that
it exists) and a 403 otherwise; either way the denied attempt is written to the audit
log after the request's transaction is rolled back, through the recorder given to
:func:`install` (the audit log's ``record``), so the firewall never imports the log.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from sqlalchemy.orm import Session

from hub.auth.principal import Principal
from hub.kit.audit_event import AuditEvent, Outcome
from hub.kit.errors import Forbidden, HubError, NotFound
from hub.policy.firewall import Decision, Firewall, Resource
from hub.policy.vocabulary import Action

# Writes a denied attempt to the audit log, in the transaction it is given.
DenialRecorder = Callable[[Session, Principal, AuditEvent], object]

_active: Firewall | None = None
_record_denial: DenialRecorder | None = None


def install(firewall: Firewall, *, record_denial: DenialRecorder) -> None:
    """Make ``firewall`` the decision point of this process (done by ``create_app``)."""
    global _active, _record_denial
    _active = firewall
    _record_denial = record_denial


def active_firewall() -> Firewall:
    if _active is None:
        raise RuntimeError("no firewall is installed; the app was not created")
    return _active


def may(principal: Principal, action: Action, resource: Resource) -> bool:
    """Whether ``principal`` may do this: for choosing what a page offers, not for doing it.

    Nothing is audited and nothing is raised; the action itself still goes through
    :func:`require` when it is done.
    """
    return active_firewall().allows(principal, action, resource)


def _visible(firewall: Firewall, principal: Principal, action: Action, resource: Resource) -> bool:
    """May the caller know this resource exists? Only if they may read (or list) it."""
    if resource.id is None:
        return firewall.allows(principal, Action.list, resource) or firewall.allows(
            principal, Action.read, resource
        )
    return action is not Action.read and firewall.allows(principal, Action.read, resource)


def require(
    principal: Principal,
    action: Action,
    resource: Resource,
    *,
    subject_ids: Sequence[str] = (),
    purpose: str | None = None,
) -> Decision:
    firewall = active_firewall()
    decision = firewall.decide(principal, action, resource)
    if decision.allowed:
        return decision
    error: HubError
    error = Forbidden() if _visible(firewall, principal, action, resource) else NotFound()
    denial = AuditEvent(
        action=str(action),
        resource_kind=str(resource.kind),
        resource_id=resource.id,
        resource_owner=resource.owner or None,
        outcome=Outcome.denied,
        rule=decision.rule,
        purpose=purpose,
        subject_ids=tuple(subject_ids),
    )

    recorder = _record_denial
    if recorder is None:
        raise RuntimeError("no denial recorder is installed; the app was not created")

    def record_denial(session: Session) -> None:
        recorder(session, principal, denial)

    error.after_rollback = record_denial
    raise error


def allowed_event(
    decision: Decision,
    resource: Resource,
    *,
    resource_id: str | None = None,
    subject_ids: Sequence[str] = (),
    purpose: str | None = None,
    lawful_basis: str | None = None,
    consent: str | None = None,
    reason: str | None = None,
    content_hash: str | None = None,
    free_text: Mapping[str, str] | None = None,
) -> AuditEvent:
    """The audit event for an allowed action, carrying the rule that allowed it."""
    return AuditEvent(
        action=str(decision.action),
        resource_kind=str(decision.kind),
        outcome=Outcome.allowed,
        rule=decision.rule,
        resource_id=resource_id or resource.id,
        resource_owner=resource.owner or None,
        purpose=purpose,
        lawful_basis=lawful_basis,
        consent=consent,
        reason=reason,
        subject_ids=tuple(subject_ids),
        content_hash=content_hash,
        free_text={k: v for k, v in (free_text or {}).items() if v} or None,
    )
