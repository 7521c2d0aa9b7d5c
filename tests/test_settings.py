"""Outside dev mode the hub refuses dev keys and default secrets, and says why."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.settings import DEV_KEYS_MARKER, Settings, StartupRefused


def test_dev_mode_starts_with_defaults() -> None:
    Settings(dev_mode=True).check_startup()


def test_production_refuses_dev_keys_default_issuer_and_default_database(tmp_path: Path) -> None:
    (tmp_path / DEV_KEYS_MARKER).write_text("dev")
    with pytest.raises(StartupRefused) as refused:
        Settings(dev_mode=False, key_dir=tmp_path).check_startup()
    message = str(refused.value)
    assert "development keys" in message
    assert "HUB_IDP_ISSUER" in message
    assert "HUB_DATABASE_URL" in message


def test_production_with_real_settings_starts(tmp_path: Path) -> None:
    Settings(
        dev_mode=False,
        key_dir=tmp_path,
        database_url="postgresql+psycopg://hub@db/mash_hub",
        idp_issuer="https://idp.council.example",
        idp_jwks="/etc/hub/jwks.json",
    ).check_startup()


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
