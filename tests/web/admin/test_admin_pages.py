"""The system administrator's pages as the server answers them: the running policy's matrix,
the keys' status (record and per-case keys counted, never listed), the agencies and teams as
configured; and everyone else refused by the firewall, each refusal on the audit log."""

from __future__ import annotations

import re
import uuid

import pytest
from fastapi.testclient import TestClient

from hub.agencies import keys as agency_keys
from hub.auth.principal import Principal, Role
from hub.db import Database, utcnow
from hub.policy.firewall import Firewall
from hub.policy.matrix import matrix_rows
from hub.screening.rota import duty_team_on
from hub.settings import Settings
from hub.web.people import ROLE_NAMES, TEAM_NAMES
from tests.conftest import AuthHeaders
from tests.web.admin.admin_support import ADMIN_PAGES, entries, row_of, tables
from tests.web.enquiry_support import CHILD
from tests.web.test_sessions import _csrf, sign_in_as

SYSADMIN = Principal("demo-sysadmin", Role.sysadmin)


def _role_heading(role: str) -> str:
    name = ROLE_NAMES[role]
    return name[:1].upper() + name[1:]


def test_the_matrix_page_shows_every_cell_of_the_running_policy(client: TestClient) -> None:
    sign_in_as(client, "sysadmin")

    page = client.get("/admin")

    assert page.status_code == 200
    shown = tables(page.text)
    firewall: Firewall = client.app.state.firewall  # type: ignore[attr-defined]
    for kind, actions, roles, rows in matrix_rows(firewall):
        if not actions:
            continue
        table = next(t for caption, t in shown.items() if caption.endswith(f"({kind})"))
        assert table[0] == ["Action", *(_role_heading(r) for r in roles)]
        for action, cells in zip(actions, rows, strict=True):
            assert row_of(table, action.replace("_", " ").capitalize())[1:] == [
                c.capitalize() for c in cells
            ]
    # The cells a reader would look for first.
    records = next(t for c, t in shown.items() if c.endswith("(agency_record)"))
    assert row_of(records, "Read")[1:] == ["No", "No", "No", "No", "Own agency", "No", "No", "No"]
    policy = next(t for c, t in shown.items() if c.endswith("(policy)"))
    assert row_of(policy, "Reload")[1:] == ["No"] * 7 + ["Yes"]
    assert f"{firewall.rule_count}" in page.text


def test_keys_are_shown_per_store_and_counted_by_kind_never_listed(
    client: TestClient, auth: AuthHeaders, database: Database
) -> None:
    police = auth("agency_rep", agency="police")
    record_ids = [
        client.post(
            "/api/v1/agencies/police/records",
            headers=police,
            json={
                "source_ref": f"P-{n}",
                **CHILD,
                "record_type": "note",
                "occurred_on": "2026-10-02",
                "summary": "Known.",
            },
        ).json()["id"]
        for n in range(3)
    ]
    keyring = client.app.state.keyring  # type: ignore[attr-defined]
    case_keys = [f"case:{uuid.uuid4()}" for _ in range(3)]
    unknown_kind = f"widget:{uuid.uuid4()}"
    with database.session() as session, session.begin():
        for key_id in (*case_keys, unknown_kind):
            keyring.create_version(session, key_id)
        keyring.shred(session, case_keys[0])
        agency_keys.shred_record(session, SYSADMIN, uuid.UUID(record_ids[0]), keyring=keyring)
        agency_keys.rotate(session, SYSADMIN, "agency:police", keyring=keyring)
    sign_in_as(client, "sysadmin")

    page = client.get("/admin/keys")

    assert page.status_code == 200
    shown = tables(page.text)
    police_key = row_of(shown["Agency stores"], "Police")
    # Version 2 in use, its seals counted; version 1 still opens the records sealed before.
    assert police_key[1:4] == ["agency:police", "2", "0"]
    assert police_key[5:] == ["Not due", "1 opening older data"]
    assert row_of(shown["Agency stores"], "Education")[1:3] == ["agency:education", "None"]
    assert row_of(shown["The hub's own keys"], "Hub store")[1:3] == ["hub", "1"]
    records = shown["Agency records' own keys, by agency"]
    assert row_of(records, "Police") == ["Police", "2", "1"]
    others = shown["Other keys, by kind"]
    assert row_of(others, "Per-case keys") == ["Per-case keys", "case:", "2", "1"]
    assert row_of(others, "Other keys") == ["Other keys", "widget:", "1", "0"]
    # No key or record is named one by one, and nothing a person wrote is on the page.
    for named in (*case_keys, unknown_kind, *record_ids):
        assert named.split(":")[-1] not in page.text
    assert "Castellane" not in page.text
    assert "Wren" not in page.text
    listed = entries(database, actor_sub="demo-sysadmin", resource_kind="key", action="list")
    assert [e.outcome for e in listed] == ["allowed"]


def test_agencies_and_teams_are_shown_as_configured(
    client: TestClient, auth: AuthHeaders, settings: Settings
) -> None:
    client.post(
        "/api/v1/agencies/health/records",
        headers=auth("agency_rep", agency="health"),
        json={
            "source_ref": "H-1",
            **CHILD,
            "record_type": "note",
            "occurred_on": "2026-10-02",
            "summary": "Known.",
        },
    )
    sign_in_as(client, "sysadmin")

    page = client.get("/admin/agencies")

    assert page.status_code == 200
    shown = tables(page.text)
    assert [row[:2] for row in shown["Agencies"][1:]] == [
        ["Police", "police"],
        ["Health", "health"],
        ["Education", "education"],
        ["Housing", "housing"],
        ["Probation", "probation"],
    ]
    assert row_of(shown["Agencies"], "Health")[2:] == ["Yes", "1", "0"]
    assert row_of(shown["Agencies"], "Probation")[2:] == ["No key yet", "0", "0"]
    teams = shown["Teams"]
    assert [row[1] for row in teams[1:]] == [
        "early_help",
        "duty_a",
        "duty_b",
        "duty_c",
        "duty_d",
        "ooh",
        "police_operational",
    ]
    assert row_of(teams, "Out of hours")[2:] == ["Out of hours", "Yes"]
    on_duty = [row[0] for row in teams if "On duty this week" in row[2]]
    assert on_duty == [TEAM_NAMES[duty_team_on(utcnow(), settings.rota_start)]]
    assert f"This week it is {on_duty[0]}." in " ".join(page.text.split())


@pytest.mark.parametrize(
    ("person", "sub"),
    [("sw", "demo-sw"), ("ig", "demo-ig"), ("rep-police", "demo-police-rep")],
)
def test_everyone_else_gets_the_firewalls_answer_and_is_logged(
    client: TestClient, database: Database, person: str, sub: str
) -> None:
    sign_in_as(client, person)
    home = client.get("/")
    assert "/admin" not in home.text
    csrf = _csrf(home.text)

    answers = [client.get(path).status_code for path in ADMIN_PAGES]
    reload = client.post(
        "/admin/policy/reload",
        data={"csrf_token": csrf},
        headers={"Origin": str(client.base_url)},
    )

    assert answers == [404, 404, 404]
    assert reload.status_code == 404
    assert "Page not found" in reload.text
    denied = entries(database, actor_sub=sub, outcome="denied")
    assert [(e.action, e.resource_kind) for e in denied] == [
        ("read", "policy"),
        ("list", "key"),
        ("list", "agency"),
        ("reload", "policy"),
    ]


def test_only_the_system_administrator_is_offered_the_pages(client: TestClient) -> None:
    sign_in_as(client, "sysadmin")
    home = client.get("/")
    nav = home.text.split('class="govuk-service-navigation__list"')[1].split("</ul>")[0]
    assert re.findall(r'<a [^>]*href="(/[^"]*)"', nav) == ["/admin"]
