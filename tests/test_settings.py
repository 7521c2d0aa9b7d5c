"""Outside dev mode the hub refuses dev keys and default secrets, and says why."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hub.app import create_app
from hub.auth.principal import Role
from hub.auth.tokens import ensure_signing_key, issue_token, public_jwks
from hub.cli import ensure_keys
from hub.db import Database
from hub.settings import (
    DEFAULT_AUDIENCE,
    DEFAULT_DATABASE_URL,
    DEV_ISSUER,
    DEV_KEYS_MARKER,
    Settings,
    StartupRefused,
)
from tests.conftest import POLICY_DIR

IDP_ISSUER = "https://idp.council.example"


def token(key_dir: Path, issuer: str, sub: str) -> str:
    return issue_token(
        key_dir, issuer=issuer, audience=DEFAULT_AUDIENCE, sub=sub, role=Role.mash_social_worker
    )


def me(client: TestClient, bearer: str) -> Any:
    return client.get("/api/v1/me", headers={"Authorization": f"Bearer {bearer}"})


def test_dev_mode_starts_with_defaults(tmp_path: Path, database: Database) -> None:
    settings = Settings(dev_mode=True, key_dir=tmp_path, policy_dir=POLICY_DIR)
    ensure_keys(settings)
    assert (tmp_path / DEV_KEYS_MARKER).exists()  # development keys, the default issuer
    assert settings.database_url == DEFAULT_DATABASE_URL  # and the default database

    with TestClient(create_app(settings, database=database)) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        assert me(client, token(tmp_path, DEV_ISSUER, "sw-1")).json() == {
            "sub": "sw-1",
            "role": "mash_social_worker",
            "agency": None,
            "team": None,
        }


def test_production_refuses_dev_keys_default_issuer_and_default_database(tmp_path: Path) -> None:
    (tmp_path / DEV_KEYS_MARKER).write_text("dev")
    with pytest.raises(StartupRefused) as refused:
        Settings(dev_mode=False, key_dir=tmp_path).check_startup()
    message = str(refused.value)
    assert "development keys" in message
    assert "HUB_IDP_ISSUER" in message
    assert "HUB_DATABASE_URL" in message


def test_production_with_real_settings_starts(tmp_path: Path, database: Database) -> None:
    keys, identity_provider = tmp_path / "keys", tmp_path / "idp"
    ensure_keys(Settings(dev_mode=False, key_dir=keys))  # production keys: no DEV-KEYS mark
    identity_provider.mkdir()
    ensure_signing_key(identity_provider)
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps(public_jwks(identity_provider)))
    settings = Settings(
        dev_mode=False,
        key_dir=keys,
        policy_dir=POLICY_DIR,
        # Never connected to here: the hub is handed the test's database.
        database_url="postgresql+psycopg://hub@db/mash_hub",
        idp_issuer=IDP_ISSUER,
        idp_jwks=str(jwks),
    )

    with TestClient(create_app(settings, database=database)) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        assert me(client, token(identity_provider, IDP_ISSUER, "sw-7")).json() == {
            "sub": "sw-7",
            "role": "mash_social_worker",
            "agency": None,
            "team": None,
        }
        # Outside dev mode the hub's own development issuer is not trusted.
        refused = me(client, token(keys, DEV_ISSUER, "sw-8"))
        assert refused.status_code == 401
        assert refused.json() == {
            "error": "unauthenticated",
            "detail": "The token's issuer is not trusted.",
        }


def test_pkcs11_needs_its_settings(tmp_path: Path) -> None:
    with pytest.raises(StartupRefused, match="HUB_PKCS11_LIBRARY"):
        Settings(
            dev_mode=False,
            key_dir=tmp_path,
            database_url="postgresql+psycopg://hub@db/mash_hub",
            idp_issuer="https://idp.council.example",
            idp_jwks="/etc/hub/jwks.json",
            kek_provider="pkcs11",
        ).check_startup()


@pytest.mark.parametrize("codes", ["police,Health", "police,police", "pol ice", "police*"])
def test_agency_codes_are_plain(codes: str) -> None:
    with pytest.raises(ValueError, match="codes"):
        Settings(agencies=codes)  # type: ignore[arg-type]


def test_agencies_from_a_comma_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_AGENCIES", "police, health, youth_justice")
    assert Settings().agencies == ("police", "health", "youth_justice")


def test_check_due_hours_and_extra_lawful_bases_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HUB_CHECK_DUE_HOURS", "1,4,16")
    monkeypatch.setenv(
        "HUB_EXTRA_LAWFUL_BASES", "children_act_1989_s47=Children Act 1989 s47: enquiries"
    )
    settings = Settings()
    assert settings.check_due_hours == (1.0, 4.0, 16.0)
    bases = settings.lawful_bases()
    assert bases["children_act_1989_s47"] == "Children Act 1989 s47: enquiries"
    assert "dpa_2018_s35_sch8_para4" in bases


@pytest.mark.parametrize(
    ("variable", "value"),
    [("HUB_CHECK_DUE_HOURS", "2,0,24"), ("HUB_EXTRA_LAWFUL_BASES", "no description here")],
)
def test_bad_configuration_is_refused(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValueError, match=r"check due hours|lawful basis"):
        Settings()


def test_screening_hours_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_SCREENING_HOURS", "3,24,72")
    assert Settings().screening_hours == (3.0, 24.0, 72.0)
