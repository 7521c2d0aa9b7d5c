"""FastAPI dependencies that turn a bearer token into a Principal."""

from __future__ import annotations

from typing import Annotated

import structlog
from fastapi import Depends, Request

from hub.auth.principal import Principal
from hub.auth.tokens import TokenRefused, TokenVerifier
from hub.kit.errors import Unauthenticated


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise TokenRefused("The Authorization header must be 'Bearer <token>'.")
    return token.strip()


def _verify(request: Request, token: str) -> Principal:
    verifier: TokenVerifier = request.app.state.token_verifier
    principal = verifier.verify(token)
    structlog.contextvars.bind_contextvars(actor=principal.sub, role=str(principal.role))
    return principal


async def get_principal(request: Request) -> Principal:
    """The verified caller; 401 without a valid token."""
    token = _bearer(request)
    if token is None:
        raise Unauthenticated()
    return _verify(request, token)


async def get_principal_or_public(request: Request) -> Principal:
    """The verified caller, or the anonymous public referrer when no token is sent.

    A token that is sent but bad is still refused: it never falls back to public.
    """
    token = _bearer(request)
    if token is None:
        return Principal.public()
    return _verify(request, token)


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]
PrincipalOrPublic = Annotated[Principal, Depends(get_principal_or_public)]
