"""Reloading the firewall policy from the administrator's page: a broken policy file is
refused with the safety check's reason and the policy in force stays; a sound change is
loaded, shown and on the audit log as the API's reload is."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hub.db import Database
from hub.policy.firewall import POLICY_FILE, Firewall
from hub.settings import Settings
from tests.conftest import AuthHeaders
from tests.web.admin.admin_support import entries, row_of, tables, text_of
from tests.web.test_sessions import _csrf, sign_in_as

UNSAFE_LINE = "p, ig_officer, contact, read, any\n"
DROPPED_LINE = "p, sysadmin, user, create, any\n"


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    """The hub's settings with a copy of the policy files this test may edit."""
    policy_dir = tmp_path / "policies"
    shutil.copytree(settings.policy_dir, policy_dir)
    return settings.model_copy(update={"policy_dir": policy_dir})


def _reload(client: TestClient) -> tuple[int, str]:
    page = client.get("/admin")
    response = client.post(
        "/admin/policy/reload",
        data={"csrf_token": _csrf(page.text)},
        headers={"Origin": str(client.base_url)},
    )
    return response.status_code, response.text


def test_a_broken_policy_is_refused_and_the_old_one_stays(
    client: TestClient, settings: Settings, auth: AuthHeaders, database: Database
) -> None:
    firewall: Firewall = client.app.state.firewall  # type: ignore[attr-defined]
    in_force = firewall.digest
    policy_file = settings.policy_dir / POLICY_FILE
    policy_file.write_text(policy_file.read_text() + UNSAFE_LINE)
    sign_in_as(client, "sysadmin")

    status, page = _reload(client)

    assert status == 422
    assert "The policy was not loaded" in text_of(page)
    assert (
        "The hub's safety check refused the policy files: the policy lets ig_officer read "
        "contact, which the hub must never allow." in text_of(page)
    )
    assert firewall.digest == in_force
    contacts = next(t for c, t in tables(page).items() if c.endswith("(contact)"))
    assert row_of(contacts, "Read")[7] == "No"
    assert client.get("/api/v1/contacts", headers=auth("ig_officer")).status_code == 404
    assert entries(database, actor_sub="demo-sysadmin", action="reload") == []


def test_a_sound_change_is_loaded_shown_and_logged(
    client: TestClient, settings: Settings, database: Database
) -> None:
    firewall: Firewall = client.app.state.firewall  # type: ignore[attr-defined]
    rules_before, digest_before = firewall.rule_count, firewall.digest
    sign_in_as(client, "sysadmin")
    status, unchanged = _reload(client)
    assert status == 200
    assert (
        f"The policy was reloaded {rules_before} rules loaded; the files had not changed"
        in text_of(unchanged)
    )
    policy_file = settings.policy_dir / POLICY_FILE
    policy_file.write_text(policy_file.read_text().replace(DROPPED_LINE, ""))

    status, page = _reload(client)

    # The hub's file watcher may have loaded the new files a moment before the button did;
    # either way the page shows the policy now in force.
    assert status == 200
    assert f"{rules_before - 1} rules loaded" in text_of(page)
    users = next(t for c, t in tables(page).items() if c.endswith("(user)"))
    assert [row[0] for row in users[1:]] == ["Read", "List", "Update"]
    reloads = entries(database, actor_sub="demo-sysadmin", action="reload")
    assert [(e.outcome, e.reason) for e in reloads] == [
        ("allowed", f"policy {digest_before[:16]} loaded"),
        ("allowed", f"policy {firewall.digest[:16]} loaded"),
    ]
    assert firewall.digest != digest_before


def test_a_reload_needs_the_sessions_token_and_the_hubs_origin(
    client: TestClient, database: Database
) -> None:
    sign_in_as(client, "sysadmin")
    csrf = _csrf(client.get("/admin").text)

    forged = client.post("/admin/policy/reload", headers={"Origin": str(client.base_url)})
    elsewhere = client.post(
        "/admin/policy/reload",
        data={"csrf_token": csrf},
        headers={"Origin": "https://evil.example"},
    )

    assert (forged.status_code, elsewhere.status_code) == (403, 403)
    assert entries(database, actor_sub="demo-sysadmin", action="reload") == []
