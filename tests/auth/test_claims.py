"""The IdP's claims -> hub role mapping, for bearer tokens (the browser's sign-in uses the
same mapping; tests/web/test_sign_in_oidc.py)."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey

from hub.app import token_verifier_for
from hub.auth.claims import ClaimsMapping, ClaimsRefused, Refusal
from hub.auth.principal import Role
from hub.auth.tokens import TokenRefused, TokenVerifier
from hub.settings import Settings

ISSUER = "https://login.example-council.test/tenant/v2.0"
ROLE_MAP = (
    "MASH.SocialWorker=mash_social_worker;MASH.Police=agency_rep:police;DutyA=operational:duty_a"
)


@pytest.fixture
def idp_key() -> ECKey:
    return ECKey.generate_key("P-256", parameters={"kid": "idp-1"}, private=True)


@pytest.fixture
def verifier(tmp_path: Path, key_dir: Path, idp_key: ECKey) -> TokenVerifier:
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps({"keys": [idp_key.as_dict(private=False)]}))
    settings = Settings(
        dev_mode=True,
        key_dir=key_dir,
        idp_issuer=ISSUER,
        idp_jwks=str(jwks),
        idp_role_map=ROLE_MAP,  # type: ignore[arg-type]  (parsed from the environment's text)
    )
    return token_verifier_for(settings)


def token(key: ECKey, roles: list[str]) -> str:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": "mash-hub",
        "sub": "entra-object-id-1",
        "iat": now,
        "exp": now + 600,
        "jti": str(uuid.uuid4()),
        "roles": roles,
    }
    return jwt.encode({"alg": "ES256", "kid": "idp-1"}, claims, key)


def test_a_bearer_token_from_the_idp_gets_its_hub_role_from_the_mapping(
    verifier: TokenVerifier, idp_key: ECKey
) -> None:
    principal = verifier.verify(token(idp_key, ["Everyone", "MASH.Police"]))
    assert (principal.sub, principal.role, principal.agency) == (
        "entra-object-id-1",
        Role.agency_rep,
        "police",
    )
    assert verifier.verify(token(idp_key, ["DutyA"])).team == "duty_a"


@pytest.mark.parametrize("roles", [["Everyone"], ["MASH.SocialWorker", "MASH.Police"]])
def test_a_bearer_token_with_no_single_hub_role_is_refused(
    verifier: TokenVerifier, idp_key: ECKey, roles: list[str]
) -> None:
    with pytest.raises(TokenRefused, match="no single hub role"):
        verifier.verify(token(idp_key, roles))


def test_the_mapping_refuses_unknown_roles_agencies_and_teams() -> None:
    for entry in ("X=superuser", "X=agency_rep:mi5", "X=operational", "X=mash_manager:police"):
        with pytest.raises(ValueError, match=r"role map|agency|team|scope"):
            ClaimsMapping.parse("roles", [entry], agencies=["police"], teams=["duty_a"])


def test_a_groups_claim_holding_one_string_works_too() -> None:
    mapping = ClaimsMapping.parse(
        "groups", ["g-123=mash_manager"], agencies=["police"], teams=["duty_a"]
    )
    assert mapping.principal({"sub": "s", "groups": "g-123"}).role is Role.mash_manager
    with pytest.raises(ClaimsRefused) as refused:
        mapping.principal({"sub": "s"})
    assert refused.value.reason is Refusal.no_role
