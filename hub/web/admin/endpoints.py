"""``/admin``: the firewall matrix and its reload, ``/admin/keys`` and ``/admin/agencies``.

Anyone the firewall does not let read the policy, list the keys or list the agencies gets
"Page not found", and the denied attempt is on the audit log."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from sqlalchemy.orm import Session

from hub.auth.principal import Principal
from hub.db import SessionDep, utcnow
from hub.dependencies import FirewallDep, KeyringDep, SettingsDep
from hub.policy.firewall import Firewall, PolicyError
from hub.system import service
from hub.web.admin import wording
from hub.web.dependencies import PagePerson
from hub.web.desk.pages import checked_form, shell, to_sign_in
from hub.web.templating import render

router = APIRouter(prefix="/admin", include_in_schema=False)


def _matrix_page(
    request: Request,
    session: Session,
    principal: Principal,
    firewall: Firewall,
    *,
    reloaded: service.PolicyReloaded | None = None,
    refused: str | None = None,
) -> Response:
    policy = service.policy_in_force(session, principal, firewall)
    return render(
        request,
        "admin/firewall.html",
        shell(
            title="Firewall",
            policy=policy,
            reloaded=reloaded,
            refused=refused,
            **wording.context(),
        ),
        status_code=422 if refused is not None else 200,
    )


@router.get("")
def firewall_matrix(
    request: Request, session: SessionDep, person: PagePerson, firewall: FirewallDep
) -> Response:
    if person.signed_in is None:
        return to_sign_in()
    return _matrix_page(request, session, person.signed_in.principal, firewall)


def _reload(
    request: Request, session: Session, principal: Principal, firewall: Firewall
) -> Response:
    try:
        reloaded = service.reload_policy(session, principal, firewall)
    except PolicyError as error:
        return _matrix_page(request, session, principal, firewall, refused=str(error))
    return _matrix_page(request, session, principal, firewall, reloaded=reloaded)


@router.post("/policy/reload")
async def reload_policy(
    request: Request, session: SessionDep, person: PagePerson, firewall: FirewallDep
) -> Response:
    if person.signed_in is None:
        return to_sign_in()
    await checked_form(request, person.signed_in)
    return await run_in_threadpool(_reload, request, session, person.signed_in.principal, firewall)


@router.get("/keys")
def key_status(
    request: Request,
    session: SessionDep,
    person: PagePerson,
    settings: SettingsDep,
    keyring: KeyringDep,
) -> Response:
    if person.signed_in is None:
        return to_sign_in()
    status = service.key_status(
        session, person.signed_in.principal, ceiling=keyring.max_seals, agencies=settings.agencies
    )
    return render(
        request,
        "admin/keys.html",
        shell(title="Keys", status=status, **wording.context()),
    )


@router.get("/agencies")
def agencies_and_teams(
    request: Request, session: SessionDep, person: PagePerson, settings: SettingsDep
) -> Response:
    if person.signed_in is None:
        return to_sign_in()
    configured = service.configuration(
        session,
        person.signed_in.principal,
        agencies=settings.agencies,
        teams=settings.teams,
        rota_start=settings.rota_start,
        now=utcnow(),
    )
    return render(
        request,
        "admin/agencies.html",
        shell(title="Agencies and teams", configured=configured, **wording.context()),
    )
