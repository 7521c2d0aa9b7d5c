"""JWT verification refuses every known trick, with one 401 shape."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from jose import jwt

from hub.auth.principal import Role
from hub.auth.tokens import SIGNING_KEY_FILE, SIGNING_PUBLIC_FILE, issue_token, key_id_of
from hub.kit.crypto.signing import generate_es256_pem
from hub.settings import DEV_ISSUER
from tests.conftest import TokenFactory


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forged(header: dict[str, Any], claims: dict[str, Any], signature: bytes = b"") -> str:
    return ".".join(
        [b64(json.dumps(header).encode()), b64(json.dumps(claims).encode()), b64(signature)]
    )


def good_claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": "sw-1",
        "role": "mash_social_worker",
        "iss": DEV_ISSUER,
        "aud": "mash-hub",
        "iat": now,
        "exp": now + 300,
        "jti": "j-1",
    }
    claims.update(overrides)
    return claims


def me(client: TestClient, token: str) -> Any:
    return client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})


def assert_refused(response: Any) -> None:
    assert response.status_code == 401
    assert response.json()["error"] == "unauthenticated"
    assert set(response.json()) == {"error", "detail"}
    assert response.headers["www-authenticate"] == "Bearer"


def test_a_real_token_gives_the_principal(client: TestClient, token_for: TokenFactory) -> None:
    response = me(client, token_for("agency_rep", sub="rep-9", agency="health"))
    assert response.status_code == 200
    assert response.json() == {
        "sub": "rep-9",
        "role": "agency_rep",
        "agency": "health",
        "team": None,
    }


def test_alg_none_is_refused(client: TestClient) -> None:
    assert_refused(me(client, forged({"alg": "none", "typ": "JWT"}, good_claims())))


def test_hmac_with_the_public_key_as_secret_is_refused(client: TestClient, key_dir: Path) -> None:
    public_pem = (key_dir / SIGNING_PUBLIC_FILE).read_text()
    # python-jose itself refuses a PEM as an HMAC secret; sign by hand as an attacker would.
    import hashlib
    import hmac

    header = {"alg": "HS256", "typ": "JWT", "kid": key_id_of(public_pem.encode())}
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(good_claims()).encode())}"
    signature = hmac.new(public_pem.encode(), signing_input.encode(), hashlib.sha256).digest()
    assert_refused(me(client, f"{signing_input}.{b64(signature)}"))


def test_a_token_signed_by_another_key_is_refused(client: TestClient, tmp_path: Path) -> None:
    private_pem, _ = generate_es256_pem()
    token = jwt.encode(good_claims(), private_pem.decode(), algorithm="ES256")
    assert_refused(me(client, token))


@pytest.mark.parametrize(
    "claims",
    [
        {"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200},  # expired
        {"aud": "another-service"},
        {"iss": "https://evil.example"},
        {"role": "superuser"},
        {"role": "agency_rep"},  # an agency rep without an agency
        {"role": "agency_rep", "agency": "police10"},  # not a known agency
        {"role": "mash_manager", "agency": "police"},  # only reps carry an agency
        {"role": "operational", "team": "duty_z"},
        {"exp": int(time.time()) + 10 * 24 * 3600},  # lifetime far beyond the cap
        {"iat": int(time.time()) + 3600, "exp": int(time.time()) + 4000},  # from the future
    ],
)
def test_bad_claims_are_refused(client: TestClient, key_dir: Path, claims: dict[str, Any]) -> None:
    private_pem = (key_dir / SIGNING_KEY_FILE).read_text()
    kid = key_id_of((key_dir / SIGNING_PUBLIC_FILE).read_bytes())
    token = jwt.encode(good_claims(**claims), private_pem, algorithm="ES256", headers={"kid": kid})
    assert_refused(me(client, token))


@pytest.mark.parametrize("missing", ["exp", "iat", "aud", "iss", "sub", "jti", "role"])
def test_required_claims_must_be_present(client: TestClient, key_dir: Path, missing: str) -> None:
    claims = good_claims()
    del claims[missing]
    private_pem = (key_dir / SIGNING_KEY_FILE).read_text()
    assert_refused(me(client, jwt.encode(claims, private_pem, algorithm="ES256")))


@pytest.mark.parametrize(
    "token",
    [
        "garbage",
        "a.b.c",
        "",
        "....",  # five parts: a JWE shape
        "eyJhbGciOiJFUzI1NiJ9." * 3,
    ],
)
def test_garbage_is_refused(client: TestClient, token: str) -> None:
    assert_refused(client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}))


def test_a_jwe_is_refused(client: TestClient) -> None:
    header = b64(json.dumps({"alg": "RSA-OAEP", "enc": "A256GCM"}).encode())
    assert_refused(me(client, f"{header}.a.b.c.d"))


def test_an_oversized_token_is_refused(client: TestClient, key_dir: Path) -> None:
    private_pem = (key_dir / SIGNING_KEY_FILE).read_text()
    token = jwt.encode(good_claims(padding="x" * 20_000), private_pem, algorithm="ES256")
    assert_refused(me(client, token))


def test_wrong_scheme_and_no_header(client: TestClient, token_for: TokenFactory) -> None:
    assert_refused(client.get("/api/v1/me"))
    assert_refused(
        client.get("/api/v1/me", headers={"Authorization": f"Basic {token_for('sysadmin')}"})
    )


def test_a_bad_token_never_falls_back_to_the_public_form(client: TestClient) -> None:
    body = {
        "children": [{"given_name": "Kit"}],
        "worries": ["other"],
        "concern": "worried",
        "consent": {"status": "obtained"},
    }
    response = client.post("/api/v1/contacts", json=body, headers={"Authorization": "Bearer junk"})
    assert_refused(response)


def test_external_identity_provider_tokens_verify_from_a_jwks(
    tmp_path: Path, settings: Any, key_dir: Path
) -> None:
    from hub.app import create_app
    from hub.kit.crypto.signing import es256_public_jwk

    private_pem, public_pem = generate_es256_pem()
    jwks_file = tmp_path / "jwks.json"
    jwks_file.write_text(json.dumps({"keys": [es256_public_jwk(public_pem, "idp-key-1")]}))
    idp_settings = settings.model_copy(
        update={"idp_issuer": "https://idp.council.example", "idp_jwks": str(jwks_file)}
    )
    app = create_app(idp_settings)
    claims = good_claims(iss="https://idp.council.example", sub="u-77", role="ig_officer")
    token = jwt.encode(
        claims, private_pem.decode(), algorithm="ES256", headers={"kid": "idp-key-1"}
    )
    with TestClient(app) as client:
        assert me(client, token).json()["role"] == "ig_officer"
        unknown_kid = jwt.encode(
            claims, private_pem.decode(), algorithm="ES256", headers={"kid": "other"}
        )
        assert_refused(me(client, unknown_kid))


def test_issue_token_round_trips(key_dir: Path, client: TestClient) -> None:
    token = issue_token(
        key_dir,
        issuer=DEV_ISSUER,
        audience="mash-hub",
        sub="op-4",
        role=Role.operational,
        team="ooh",
    )
    assert me(client, token).json()["team"] == "ooh"
