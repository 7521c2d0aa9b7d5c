"""Signed JWTs (ES256): issue in dev, verify always, with no room for algorithm games.

Verification pins one algorithm (ES256), requires ``exp``, ``iat``, ``iss``, ``aud``,
``sub``, ``role`` and ``jti``, allows a small leeway, caps the token's size and lifetime,
refuses JWE (five-part tokens) and never accepts an HMAC algorithm, so a public key can
never be used as a shared secret. Every failure is one 401 with the standard error shape.

A token that passed is remembered by its SHA-256 (never the token itself) until its
expiry or its revocation, whichever is first, in a bounded least-recently-used table:
a client sends the same token on every request, and checking an ES256 signature again
each time would be most of the cost of authenticating it.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
import urllib.request
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jose import jwt
from jose.exceptions import JOSEError

from hub.auth.claims import ClaimsMapping, ClaimsRefused
from hub.auth.principal import Principal, Role
from hub.kit.crypto.signing import (
    KeyFileError,
    es256_public_jwk,
    generate_es256_pem,
    read_private_file,
    write_private_file,
)
from hub.kit.errors import Unauthenticated

ALGORITHM = "ES256"
SIGNING_KEY_FILE = "token-signing.pem"
SIGNING_PUBLIC_FILE = "token-signing.pub.pem"
REQUIRED_CLAIMS = ("sub", "role", "iss", "aud", "exp", "iat", "jti")
VERIFIED_CACHE_SIZE = 4096


class TokenRefused(Unauthenticated):
    """The token is not acceptable. The detail says what is wrong, never what it held."""


@dataclass(frozen=True)
class TrustedIssuer:
    issuer: str
    # key id -> public key as PEM text or JWK dict, as python-jose accepts.
    keys: dict[str, Any]
    # An identity provider's tokens carry its groups or roles, mapped to a hub role by the
    # same settings as signing in through the browser; the hub's own carry a `role` claim.
    mapping: ClaimsMapping | None = None


def ensure_signing_key(key_dir: Path) -> None:
    """Generate the hub's development signing key pair if absent (idempotent)."""
    private_path = key_dir / SIGNING_KEY_FILE
    if private_path.exists():
        return
    private_pem, public_pem = generate_es256_pem()
    write_private_file(private_path, private_pem)
    (key_dir / SIGNING_PUBLIC_FILE).write_bytes(public_pem)


def key_id_of(public_pem: bytes) -> str:
    return hashlib.sha256(public_pem).hexdigest()[:16]


def dev_issuer(key_dir: Path, issuer: str) -> TrustedIssuer:
    public_pem = (key_dir / SIGNING_PUBLIC_FILE).read_bytes()
    return TrustedIssuer(issuer, {key_id_of(public_pem): public_pem.decode()})


def load_jwks(source: str) -> dict[str, Any]:
    """Public keys from a JWKS file path or https URL, by key id. Only EC P-256 keys."""
    if source.startswith("https://"):
        with urllib.request.urlopen(source, timeout=5) as response:  # noqa: S310 (https only)
            document = json.loads(response.read(1_000_000))
    elif source.startswith("http://"):
        raise KeyFileError("a JWKS URL must use https")
    else:
        document = json.loads(Path(source).read_text(encoding="utf-8"))
    keys: dict[str, Any] = {}
    for jwk in document.get("keys", []):
        if jwk.get("kty") != "EC" or jwk.get("crv") != "P-256" or "d" in jwk:
            continue  # only public P-256 keys can verify ES256
        if not jwk.get("kid"):
            continue
        keys[str(jwk["kid"])] = jwk
    if not keys:
        raise KeyFileError("the JWKS holds no public EC P-256 key with a kid")
    return keys


def issue_token(
    key_dir: Path,
    *,
    issuer: str,
    audience: str,
    sub: str,
    role: Role,
    agency: str | None = None,
    team: str | None = None,
    ttl_seconds: int = 3600,
    now: float | None = None,
) -> str:
    """Sign a token with the hub's development key."""
    private_pem = read_private_file(key_dir / SIGNING_KEY_FILE)
    public_pem = (key_dir / SIGNING_PUBLIC_FILE).read_bytes()
    issued_at = int(now if now is not None else time.time())
    claims: dict[str, Any] = {
        "sub": sub,
        "role": str(role),
        "iss": issuer,
        "aud": audience,
        "iat": issued_at,
        "exp": issued_at + ttl_seconds,
        "jti": str(uuid.uuid4()),
    }
    if agency:
        claims["agency"] = agency
    if team:
        claims["team"] = team
    return str(
        jwt.encode(
            claims,
            private_pem.decode(),
            algorithm=ALGORITHM,
            headers={"kid": key_id_of(public_pem)},
        )
    )


class TokenVerifier:
    """Verifies bearer tokens against the trusted issuers."""

    def __init__(
        self,
        issuers: list[TrustedIssuer],
        *,
        audience: str,
        agencies: tuple[str, ...],
        teams: tuple[str, ...],
        leeway_seconds: int = 30,
        max_bytes: int = 8192,
        max_ttl_seconds: int = 12 * 3600,
        cache_size: int = VERIFIED_CACHE_SIZE,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._issuers = {trusted.issuer: trusted for trusted in issuers}
        self._audience = audience
        self._agencies = frozenset(agencies)
        self._teams = frozenset(teams)
        self._leeway = leeway_seconds
        self._max_bytes = max_bytes
        self._max_ttl = max_ttl_seconds
        self._clock = clock
        self._cache_size = cache_size
        # SHA-256 of a verified token -> (its principal, the moment it stops being good).
        self._verified: OrderedDict[bytes, tuple[Principal, float]] = OrderedDict()
        # Revoked token ids -> the moment their tokens would have expired anyway.
        self._revoked: dict[str, float] = {}
        self._lock = threading.Lock()

    def revoke(self, token_id: str, *, until: float) -> None:
        """Refuse the token with this ``jti`` from now on (``until``: its expiry, after
        which it would be refused anyway and is forgotten)."""
        with self._lock:
            now = self._clock()
            self._revoked = {jti: end for jti, end in self._revoked.items() if end > now}
            self._revoked[token_id] = until
            for digest, (principal, _) in list(self._verified.items()):
                if principal.token_id == token_id:
                    del self._verified[digest]

    def verify(self, token: str) -> Principal:
        if len(token) > self._max_bytes:
            raise TokenRefused("The token is too large.")
        digest = hashlib.sha256(token.encode()).digest()
        now = self._clock()
        with self._lock:
            remembered = self._verified.get(digest)
            if remembered is not None:
                principal, good_until = remembered
                if now < good_until:
                    self._verified.move_to_end(digest)
                    return principal
                del self._verified[digest]
        principal, expires_at = self._verify_signed(token)
        good_until = expires_at + self._leeway
        if now >= good_until:
            raise TokenRefused("The token has expired.")
        with self._lock:
            if principal.token_id in self._revoked:
                raise TokenRefused("The token has been revoked.")
            self._verified[digest] = (principal, good_until)
            if len(self._verified) > self._cache_size:
                self._verified.popitem(last=False)
        return principal

    def _verify_signed(self, token: str) -> tuple[Principal, float]:
        if token.count(".") != 2:
            # Five parts would be JWE; anything else is not a JWS at all.
            raise TokenRefused("The token is not a signed JWT.")
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.get_unverified_claims(token)
        except JOSEError:
            raise TokenRefused("The token is malformed.") from None
        if header.get("alg") != ALGORITHM:
            raise TokenRefused("The token's algorithm is not accepted.")
        if any(name in header for name in ("jku", "x5u", "jwk", "crit", "enc")):
            raise TokenRefused("The token's header is not accepted.")
        issuer = self._issuers.get(str(unverified.get("iss")))
        if issuer is None:
            raise TokenRefused("The token's issuer is not trusted.")
        key = issuer.keys.get(str(header.get("kid"))) if header.get("kid") else None
        if key is None:
            if len(issuer.keys) != 1 or header.get("kid"):
                raise TokenRefused("The token's signing key is not known.")
            key = next(iter(issuer.keys.values()))
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=self._audience,
                issuer=issuer.issuer,
                options={
                    "require_exp": True,
                    "require_iat": True,
                    "require_aud": True,
                    "require_iss": True,
                    "require_sub": True,
                    "require_jti": True,
                    "leeway": self._leeway,
                },
            )
        except jwt.ExpiredSignatureError:
            raise TokenRefused("The token has expired.") from None
        except jwt.JWTClaimsError:
            raise TokenRefused("The token's claims are not accepted.") from None
        except JOSEError:
            raise TokenRefused("The token's signature is not valid.") from None
        return self._principal_for(issuer, claims), float(claims["exp"])

    def _principal_for(self, issuer: TrustedIssuer, claims: dict[str, Any]) -> Principal:
        if issuer.mapping is not None:
            return self._mapped_principal(issuer.mapping, claims)
        return self._principal_from(claims)

    def _mapped_principal(self, mapping: ClaimsMapping, claims: dict[str, Any]) -> Principal:
        for name in REQUIRED_CLAIMS:
            if name != "role" and claims.get(name) in (None, ""):
                raise TokenRefused(f"The token has no {name} claim.")
        try:
            return mapping.principal(claims, token_id=str(claims["jti"]))
        except ClaimsRefused as refused:
            raise TokenRefused(f"The token's claims give no single hub role ({refused}).") from None

    def _principal_from(self, claims: dict[str, Any]) -> Principal:
        for name in REQUIRED_CLAIMS:
            if claims.get(name) in (None, ""):
                raise TokenRefused(f"The token has no {name} claim.")
        now = self._clock()
        if float(claims["iat"]) > now + self._leeway:
            raise TokenRefused("The token was issued in the future.")
        if float(claims["exp"]) - float(claims["iat"]) > self._max_ttl:
            raise TokenRefused("The token's lifetime is longer than allowed.")
        try:
            role = Role(str(claims["role"]))
        except ValueError:
            raise TokenRefused("The token's role is not known.") from None
        agency = claims.get("agency")
        team = claims.get("team")
        if role is Role.agency_rep:
            if agency not in self._agencies:
                raise TokenRefused("An agency representative's token must name a known agency.")
        elif agency is not None:
            raise TokenRefused("Only agency representatives carry an agency claim.")
        if role is Role.operational:
            if team not in self._teams:
                raise TokenRefused("An operational token must name a known team.")
        elif team is not None:
            raise TokenRefused("Only operational practitioners carry a team claim.")
        return Principal(
            sub=str(claims["sub"]),
            role=role,
            agency=str(agency) if agency else None,
            team=str(team) if team else None,
            token_id=str(claims["jti"]),
        )


def public_jwks(key_dir: Path) -> dict[str, Any]:
    public_pem = (key_dir / SIGNING_PUBLIC_FILE).read_bytes()
    return {"keys": [es256_public_jwk(public_pem, key_id_of(public_pem))]}
