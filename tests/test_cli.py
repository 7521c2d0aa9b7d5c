"""The mash-hub command, as an operator or IG officer would run it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from hub.cli import app as cli
from hub.settings import get_settings
from tests.conftest import POLICY_DIR, AuthHeaders, DatabaseUrls
from tests.contacts.test_contacts_api import a_contact

runner = CliRunner()


@pytest.fixture
def environment(
    monkeypatch: pytest.MonkeyPatch, database_urls: DatabaseUrls, key_dir: Path
) -> Iterator[None]:
    monkeypatch.setenv("HUB_DEV_MODE", "true")
    monkeypatch.setenv("HUB_DATABASE_URL", database_urls.app)
    monkeypatch.setenv("HUB_MIGRATION_DATABASE_URL", database_urls.owner)
    monkeypatch.setenv("HUB_KEY_DIR", str(key_dir))
    monkeypatch.setenv("HUB_POLICY_DIR", str(POLICY_DIR))
    monkeypatch.setenv("HUB_LOG_LEVEL", "WARNING")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_help_reads_well() -> None:
    result = runner.invoke(cli, ["--help"])
    assert result.exit_code == 0
    for command in ("init", "serve", "token", "demo", "policy", "audit"):
        assert command in result.output


def test_init_is_idempotent(environment: None) -> None:
    first = runner.invoke(cli, ["init"])
    second = runner.invoke(cli, ["init"])
    assert first.exit_code == second.exit_code == 0, first.output + second.output
    assert "already present" in second.output


def test_init_makes_private_keys_0600(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_DEV_MODE", "true")
    monkeypatch.setenv("HUB_KEY_DIR", str(tmp_path / "keys"))
    monkeypatch.setenv("HUB_DATABASE_URL", f"sqlite:///{tmp_path / 'hub.db'}")
    get_settings.cache_clear()
    result = runner.invoke(cli, ["init"])
    get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    for name in ("kek.bin", "token-signing.pem", "audit-checkpoint.pem"):
        assert (tmp_path / "keys" / name).stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "keys" / "DEV-KEYS").exists()


def test_token_issue_gives_a_working_token(environment: None, client: TestClient) -> None:
    result = runner.invoke(
        cli, ["token", "issue", "--sub", "rep-5", "--role", "agency_rep", "--agency", "housing"]
    )
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me == {"sub": "rep-5", "role": "agency_rep", "agency": "housing", "team": None}


@pytest.mark.parametrize(
    "arguments",
    [
        ["--role", "agency_rep", "--agency", "mi5"],
        ["--role", "operational"],
        ["--role", "mash_manager", "--team", "ooh"],
    ],
)
def test_token_issue_refuses_bad_claims(environment: None, arguments: list[str]) -> None:
    result = runner.invoke(cli, ["token", "issue", "--sub", "x", *arguments])
    assert result.exit_code == 1
    assert "error" in result.output


def test_token_issue_refuses_outside_dev_mode(
    environment: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUB_DEV_MODE", "false")
    get_settings.cache_clear()
    result = runner.invoke(cli, ["token", "issue", "--sub", "x", "--role", "sysadmin"])
    assert result.exit_code == 1
    assert "dev mode" in result.output


def test_policy_check_prints_the_matrix() -> None:
    result = runner.invoke(
        cli, ["policy", "check", "--policy-dir", str(POLICY_DIR)], terminal_width=250
    )
    assert result.exit_code == 0, result.output
    assert "agency_record" in result.output
    assert "own" in result.output
    assert "default deny" in result.output


def test_policy_check_refuses_an_unsafe_policy(tmp_path: Path) -> None:
    import shutil

    shutil.copytree(POLICY_DIR, tmp_path / "p")
    with (tmp_path / "p" / "policy.csv").open("a") as policy:
        policy.write("p, operational, enquiry, read, any\n")
    result = runner.invoke(cli, ["policy", "check", "--policy-dir", str(tmp_path / "p")])
    assert result.exit_code == 1
    assert "must never" in result.output


def test_audit_verify_export_and_proof(
    environment: None, client: TestClient, auth: AuthHeaders, tmp_path: Path
) -> None:
    for _ in range(4):
        client.post("/api/v1/contacts", json=a_contact(), headers=auth("mash_admin"))
    assert runner.invoke(cli, ["audit", "checkpoint"]).exit_code == 0
    verified = runner.invoke(cli, ["audit", "verify"])
    assert verified.exit_code == 0, verified.output
    assert "intact: 4 entries" in verified.output
    assert "no entry holds a reason or purpose in clear" in verified.output

    out = tmp_path / "evidence"
    exported = runner.invoke(cli, ["audit", "export", "--out", str(out)])
    assert exported.exit_code == 0, exported.output
    offline = runner.invoke(cli, ["audit", "verify", "--export", str(out)])
    assert offline.exit_code == 0, offline.output
    assert "intact" in offline.output
    assert "no entry holds a reason or purpose in clear" in offline.output

    proof = runner.invoke(cli, ["audit", "proof", "--entry", "3"])
    assert proof.exit_code == 0, proof.output
    assert json.loads(proof.output)["verified"] is True

    assert (
        runner.invoke(cli, ["audit", "verify", "--export", str(tmp_path / "nowhere")]).exit_code
        == 2
    )


def test_audit_verify_exits_non_zero_naming_the_entry(
    environment: None, client: TestClient, auth: AuthHeaders, database_urls: DatabaseUrls
) -> None:
    for _ in range(3):
        client.post("/api/v1/contacts", json=a_contact(), headers=auth("mash_admin"))
    assert runner.invoke(cli, ["audit", "checkpoint"]).exit_code == 0
    engine = create_engine(database_urls.owner)
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.execute(text("DROP TRIGGER audit_entries_no_update"))
        else:
            connection.execute(text("ALTER TABLE audit_entries DISABLE TRIGGER USER"))
        connection.execute(text("UPDATE audit_entries SET actor_sub = 'nobody' WHERE id = 2"))
    engine.dispose()
    result = runner.invoke(cli, ["audit", "verify"], terminal_width=200)
    assert result.exit_code == 1
    assert "leaf 1, entry 2" in result.output


def test_demo_seeds_an_empty_hub_once(environment: None) -> None:
    first = runner.invoke(cli, ["demo", "--contacts", "5", "--if-empty"])
    second = runner.invoke(cli, ["demo", "--contacts", "5", "--if-empty"])
    assert first.exit_code == second.exit_code == 0, first.output
    assert "5 contacts seeded" in first.output
    assert "already has data" in second.output


def test_keys_status_lists_store_keys_and_only_counts_case_and_record_keys(
    environment: None, client: TestClient, auth: AuthHeaders
) -> None:
    for name in ("Ada", "Bo", "Cy"):
        sent = client.post(
            "/api/v1/contacts",
            json={
                "children": [{"given_name": name, "family_name": "Quill"}],
                "worries": ["neglect"],
                "concern": "Often hungry at school.",
                "consent": {"status": "obtained"},
            },
            headers=auth("mash_admin"),
        )
        assert sent.status_code == 201, sent.text
    result = runner.invoke(cli, ["keys", "status"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    rows = [
        [cell.strip() for cell in line.replace("┃", "│").split("│") if cell.strip()]
        for line in result.output.splitlines()
    ]
    assert ["hub", "1", "primary"] in [row[:3] for row in rows], result.output
    # Three cases, each with a key of its own: one row counts them, no row names one.
    assert not any(row and row[0].startswith("case:") and row[0] != "case:" for row in rows)
    assert ["case:", "3", "0"] in rows, result.output
