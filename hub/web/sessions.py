"""Server-side sessions for the browser.

The cookie holds an opaque random id; the database holds only its SHA-256, the person's
hub role and a per-session CSRF token. A session ends when the person signs out, after
``idle`` without a request, or ``absolute`` after it began, whichever comes first. Signing
in, signing out, a refused sign-in and an expired session are each one audit entry, so an
IG officer sees who was in the hub and when. No token from the identity provider ever
reaches the browser.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import structlog
from sqlalchemy.orm import Session

from hub.audit import service as audit
from hub.audit.service import AuditEvent, Outcome
from hub.auth.claims import Refusal as ClaimsRefusal
from hub.auth.models import WebSession
from hub.auth.oidc import SIGN_IN_FAILURES
from hub.auth.principal import Principal, Role
from hub.web import repository

log = structlog.get_logger()

DEV_COOKIE = "hub_session"
# Outside dev mode: only ever set over HTTPS, for this host, for the whole site.
SECURE_COOKIE = "__Host-hub_session"
SIGN_IN_LIFETIME = timedelta(minutes=15)
SESSION_KIND = "session"


class Stage(StrEnum):
    signing_in = "signing_in"
    active = "active"


class SessionEvent(StrEnum):
    sign_in = "sign_in"
    sign_out = "sign_out"
    sign_in_refused = "sign_in_refused"
    expired = "session_expired"


@dataclass(frozen=True, slots=True)
class SessionRules:
    idle: timedelta
    absolute: timedelta
    secure: bool

    @property
    def cookie_name(self) -> str:
        return SECURE_COOKIE if self.secure else DEV_COOKIE


@dataclass(frozen=True, slots=True)
class SignedIn:
    """The person behind a browser session."""

    principal: Principal
    display_name: str
    csrf_token: str
    id_token: str | None


@dataclass(frozen=True, slots=True)
class Expired:
    """The cookie named a session that has run out; it is gone now."""


# Why a sign-in may be refused, in the hub's words: the provider's answer, the claims, or
# a callback with no sign-in in progress.
REFUSAL_CODES = frozenset(
    {*SIGN_IN_FAILURES, *(str(r) for r in ClaimsRefusal), "no_sign_in_in_progress"}
)


def _hash(raw_id: str) -> str:
    return hashlib.sha256(raw_id.encode()).hexdigest()


def _record(session: Session, principal: Principal, event: SessionEvent, **fields: Any) -> None:
    audit.record(
        session,
        principal,
        AuditEvent(
            action=str(event),
            resource_kind=SESSION_KIND,
            outcome=Outcome.denied if event is SessionEvent.sign_in_refused else Outcome.allowed,
            rule=f"sessions.{event}",
            **fields,
        ),
    )


def begin_sign_in(session: Session, details: dict[str, str], *, now: datetime) -> str:
    """Hold what the identity provider's answer must match (state, nonce, PKCE verifier)."""
    repository.delete_unused_since(session, now - timedelta(days=1))
    raw_id = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            id_hash=_hash(raw_id),
            stage=str(Stage.signing_in),
            created_at=now,
            last_seen_at=now,
            csrf_token=secrets.token_urlsafe(32),
            sign_in=json.dumps(details),
        )
    )
    session.flush()
    return raw_id


def take_sign_in(session: Session, raw_id: str, *, now: datetime) -> dict[str, str] | None:
    """The sign-in held for this browser, used once: a second answer finds nothing."""
    row = repository.session_by_hash(session, _hash(raw_id))
    if row is None or row.stage != Stage.signing_in or row.sign_in is None:
        return None
    session.delete(row)
    session.flush()
    if now - row.created_at > SIGN_IN_LIFETIME:
        return None
    details: dict[str, str] = json.loads(row.sign_in)
    return details


def start(
    session: Session,
    principal: Principal,
    *,
    display_name: str,
    now: datetime,
    id_token: str | None = None,
) -> str:
    """A new signed-in session (always a new id: nothing from before signing in carries over)."""
    raw_id = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            id_hash=_hash(raw_id),
            stage=str(Stage.active),
            created_at=now,
            last_seen_at=now,
            csrf_token=secrets.token_urlsafe(32),
            sub=principal.sub,
            role=str(principal.role),
            agency=principal.agency,
            team=principal.team,
            display_name=display_name,
            id_token=id_token,
        )
    )
    session.flush()
    _record(session, principal, SessionEvent.sign_in)
    log.info("session.started", role=str(principal.role))
    return raw_id


def _principal_of(row: WebSession) -> Principal:
    return Principal(
        sub=row.sub or "",
        role=Role(row.role or Role.referrer),
        agency=row.agency,
        team=row.team,
        token_id=f"session:{row.id_hash[:16]}",
    )


def current(
    session: Session, raw_id: str, rules: SessionRules, *, now: datetime
) -> SignedIn | Expired | None:
    """The person signed in with this cookie, or Expired (and the session ended), or None."""
    row = repository.session_by_hash(session, _hash(raw_id))
    if row is None or row.stage != Stage.active:
        return None
    principal = _principal_of(row)
    if now - row.last_seen_at > rules.idle or now - row.created_at > rules.absolute:
        session.delete(row)
        session.flush()
        why = "idle" if now - row.created_at <= rules.absolute else "absolute"
        _record(session, principal, SessionEvent.expired, reason=why)
        log.info("session.expired", role=str(principal.role), why=why)
        return Expired()
    row.last_seen_at = now
    session.flush()
    return SignedIn(
        principal=principal,
        display_name=row.display_name or principal.sub,
        csrf_token=row.csrf_token,
        id_token=row.id_token,
    )


def end(session: Session, raw_id: str) -> SignedIn | None:
    """Sign out: the session row goes, so the cookie opens nothing even if it is kept."""
    row = repository.session_by_hash(session, _hash(raw_id))
    if row is None or row.stage != Stage.active:
        return None
    principal = _principal_of(row)
    signed_in = SignedIn(principal, row.display_name or "", row.csrf_token, row.id_token)
    session.delete(row)
    session.flush()
    _record(session, principal, SessionEvent.sign_out)
    log.info("session.ended", role=str(principal.role))
    return signed_in


def refusal_code(reason: str) -> str:
    """What is kept of why a sign-in was refused: a code of the hub's own vocabulary, so
    nothing the identity provider wrote is stored."""
    return reason if reason in REFUSAL_CODES else "refused"


def record_refused(session: Session, subject: str | None, reason: str) -> None:
    """A sign-in the hub turned away. The person has no hub role, so they are recorded with
    the least one (referrer) and the IdP's subject, if the IdP said who they were."""
    reason = refusal_code(reason)
    _record(
        session,
        Principal(sub=subject or "unknown", role=Role.referrer),
        SessionEvent.sign_in_refused,
        reason=reason,
    )
    log.info("session.refused", reason=reason)
