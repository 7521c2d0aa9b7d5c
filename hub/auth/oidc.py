"""Signing in through the council's identity provider: OpenID Connect, authorization code
with PKCE (S256), by authlib's Starlette client.

The provider is discovered from ``HUB_IDP_ISSUER`` (the same issuer whose bearer tokens the
API accepts). What the provider's answer must match (``state``, ``nonce``, the PKCE
verifier) is held in a server-side sign-in session, never in the browser. authlib checks
the ID token's signature against the provider's JWKS, its issuer, audience (our client
id), expiry and nonce; the hub role comes from the claims through the settings' mapping.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from authlib.integrations.base_client import OAuthError
from joserfc.errors import JoseError

from hub.settings import Settings

if TYPE_CHECKING:
    from authlib.integrations.starlette_client import StarletteOAuth2App

DISCOVERY_PATH = "/.well-known/openid-configuration"


# The provider's token endpoint answers an error code (RFC 6749 section 5.2). It is the
# provider's text, so only these known codes are kept; any other is "other".
TOKEN_ERRORS = frozenset(
    {
        "invalid_request",
        "invalid_client",
        "invalid_grant",
        "unauthorized_client",
        "unsupported_grant_type",
        "invalid_scope",
    }
)
# Every reason a sign-in is refused for here, in the hub's own words.
SIGN_IN_FAILURES = frozenset(
    {
        "state_mismatch",
        "no_code",
        "no_id_token",
        "id_token_refused",
        "token_refused:other",
        *(f"token_refused:{code}" for code in TOKEN_ERRORS),
    }
)


def token_refused(provider_code: object) -> str:
    """The refusal code for the provider's token error: ours, never the provider's text."""
    code = provider_code if isinstance(provider_code, str) else ""
    return f"token_refused:{code}" if code in TOKEN_ERRORS else "token_refused:other"


class SignInFailed(Exception):
    """The provider's answer is not acceptable. ``reason`` is one of :data:`SIGN_IN_FAILURES`,
    never a token, a claim or anything the provider wrote."""

    def __init__(self, reason: str) -> None:
        if reason not in SIGN_IN_FAILURES:
            raise ValueError("not a sign-in failure the hub names")
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Started:
    url: str
    held: dict[str, str]  # what the answer must match; kept server-side


@dataclass(frozen=True, slots=True)
class Answered:
    claims: dict[str, Any]
    id_token: str


class IdentityProvider:
    """One OIDC client for the configured provider."""

    def __init__(self, settings: Settings) -> None:
        if not (settings.idp_issuer and settings.idp_client_id):
            raise ValueError("the identity provider needs HUB_IDP_ISSUER and HUB_IDP_CLIENT_ID")
        # Imported here: a hub with no identity provider never loads the OAuth client (which
        # warns, on import, that it would prefer httpx2 to httpx).
        from authlib.integrations.starlette_client import OAuth

        self.issuer = settings.idp_issuer.rstrip("/")
        registry = OAuth()
        secret = settings.idp_client_secret
        self._client: StarletteOAuth2App = registry.register(
            "idp",
            client_id=settings.idp_client_id,
            client_secret=secret.get_secret_value() if secret else None,
            server_metadata_url=self.issuer + DISCOVERY_PATH,
            client_kwargs={"scope": settings.idp_scopes, "code_challenge_method": "S256"},
        )

    async def start(self, redirect_uri: str) -> Started:
        """The provider's authorization URL, with a fresh state, nonce and PKCE challenge."""
        answer = await self._client.create_authorization_url(redirect_uri)
        held = {
            "state": str(answer["state"]),
            "nonce": str(answer["nonce"]),
            "code_verifier": str(answer["code_verifier"]),
            "redirect_uri": redirect_uri,
        }
        return Started(str(answer["url"]), held)

    async def finish(
        self, held: dict[str, str], *, state: str | None, code: str | None
    ) -> Answered:
        """Exchange the code (with the PKCE verifier) and verify the ID token."""
        if not state or state != held.get("state"):
            raise SignInFailed("state_mismatch")
        if not code:
            raise SignInFailed("no_code")
        try:
            token = await self._client.fetch_access_token(
                redirect_uri=held["redirect_uri"],
                code=code,
                code_verifier=held["code_verifier"],
            )
        except OAuthError as error:
            raise SignInFailed(token_refused(error.error)) from None
        return await self.verify_id_token(token, nonce=held["nonce"])

    async def verify_id_token(self, token: dict[str, Any], *, nonce: str) -> Answered:
        """The ID token's signature, issuer, audience, expiry and nonce, checked by authlib."""
        if "id_token" not in token:
            raise SignInFailed("no_id_token")
        try:
            userinfo = await self._client.parse_id_token(token, nonce=nonce, leeway=30)
        except JoseError:
            # Which check failed (signature, issuer, audience, expiry, nonce) is not kept.
            raise SignInFailed("id_token_refused") from None
        return Answered(dict(userinfo), str(token["id_token"]))

    async def end_session_url(self, *, id_token: str | None, after: str) -> str | None:
        """Where to send the browser to end the provider's session, if it offers that."""
        metadata = await self._client.load_server_metadata()
        if not metadata.get("end_session_endpoint"):
            return None
        answer = await self._client.create_logout_url(
            post_logout_redirect_uri=after, id_token_hint=id_token
        )
        return str(answer["url"])
