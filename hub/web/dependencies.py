"""The person behind a page request, from their session cookie."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import Response

from hub.db import SessionDep, utcnow
from hub.web import sessions

# While the person is at the identity provider: only ever sent back to /sign-in/...
SIGN_IN_COOKIE = "hub_sign_in"


@dataclass(frozen=True, slots=True)
class PageRequestPerson:
    signed_in: sessions.SignedIn | None
    expired: bool = False


def page_person(request: Request, session: SessionDep) -> PageRequestPerson:
    """Who is signed in, if anyone. An expired session is ended (and audited) here, and the
    page says so; the audit entry commits with the request like any other."""
    rules: sessions.SessionRules = request.app.state.session_rules
    raw_id = request.cookies.get(rules.cookie_name)
    if not raw_id:
        return PageRequestPerson(None)
    found = sessions.current(session, raw_id, rules, now=utcnow())
    if isinstance(found, sessions.Expired):
        return PageRequestPerson(None, expired=True)
    if found is not None:
        request.state.signed_in = found
    return PageRequestPerson(found)


PagePerson = Annotated[PageRequestPerson, Depends(page_person)]


def set_session_cookie(request: Request, response: Response, raw_id: str) -> None:
    rules: sessions.SessionRules = request.app.state.session_rules
    response.set_cookie(
        rules.cookie_name,
        raw_id,
        max_age=int(rules.absolute.total_seconds()),
        httponly=True,
        secure=rules.secure,
        samesite="lax",
        path="/",
    )


def clear_session_cookie(request: Request, response: Response) -> None:
    rules: sessions.SessionRules = request.app.state.session_rules
    response.delete_cookie(
        rules.cookie_name, path="/", secure=rules.secure, httponly=True, samesite="lax"
    )
