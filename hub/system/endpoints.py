"""Liveness, readiness and the caller's own principal."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlalchemy import text

from hub.audit import service as audit
from hub.auth.dependencies import CurrentPrincipal
from hub.db import Database, SessionDep, TransactionalRoute
from hub.kit.errors import STANDARD_ERRORS, ServiceUnavailable, Unprocessable
from hub.policy.decision_point import allowed_event, require
from hub.policy.firewall import Firewall, PolicyError, Resource
from hub.policy.vocabulary import Action, Kind
from hub.system import service

# Health checks are open so load balancers and compose can probe them; they reveal nothing.
health_router = APIRouter(tags=["system"], route_class=TransactionalRoute)
router = APIRouter(tags=["system"], route_class=TransactionalRoute)


class Health(BaseModel):
    status: str


class PrincipalOut(BaseModel):
    sub: str
    role: str
    agency: str | None
    team: str | None


@health_router.get("/healthz", response_model=Health)
def healthz() -> Health:
    return Health(status="ok")


@health_router.get("/readyz", response_model=Health, responses={503: STANDARD_ERRORS[429]})
def readyz(request: Request) -> Health:
    database: Database = request.app.state.database
    try:
        with database.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:
        raise ServiceUnavailable("The database is not reachable.") from None
    return Health(status="ready")


@health_router.get("/.well-known/jwks.json")
def jwks(request: Request) -> dict[str, Any]:
    """The hub's own token-signing public key, for services that verify its tokens."""
    keys: dict[str, Any] = request.app.state.public_jwks
    return keys


@router.get("/me", response_model=PrincipalOut, responses=STANDARD_ERRORS)
def me(session: SessionDep, principal: CurrentPrincipal) -> PrincipalOut:
    resource = Resource(Kind.principal, owner=principal.scope, id=principal.sub)
    decision = require(principal, Action.read, resource)
    audit.record(session, principal, allowed_event(decision, resource))
    return PrincipalOut(
        sub=principal.sub, role=str(principal.role), agency=principal.agency, team=principal.team
    )


class PolicyOut(BaseModel):
    digest: str
    rules: int
    changed: bool


@router.post("/admin/policy/reload", response_model=PolicyOut, responses=STANDARD_ERRORS)
def reload_policy(request: Request, session: SessionDep, principal: CurrentPrincipal) -> PolicyOut:
    """Reload the firewall policy files now; an unsafe policy is refused and the old one stays."""
    firewall: Firewall = request.app.state.firewall
    try:
        reloaded = service.reload_policy(session, principal, firewall)
    except PolicyError as error:
        raise Unprocessable(f"The policy was not loaded: {error}", code="policy_refused") from None
    return PolicyOut(digest=reloaded.digest, rules=reloaded.rules, changed=reloaded.changed)
