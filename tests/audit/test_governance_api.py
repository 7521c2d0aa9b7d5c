"""The information-governance API: only IG reads the log, always saying why, always logged."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from hub.audit.merkle import verify_consistency, verify_inclusion
from hub.kit.crypto.signing import verify_ed25519
from tests.conftest import AuthHeaders
from tests.contacts.test_contacts_api import a_contact

PURPOSE = {"X-Audit-Purpose": "SAR-2026-0114"}


@pytest.fixture
def busy_hub(client: TestClient, auth: AuthHeaders, app: Any) -> dict[str, Any]:
    """A few contacts, reads and a denied attempt, all sequenced and checkpointed."""
    admin = auth("mash_admin", sub="admin-1")
    for _ in range(3):
        assert client.post("/api/v1/contacts", json=a_contact(), headers=admin).status_code == 201
    items = client.get("/api/v1/contacts", headers=admin).json()["items"]
    detail = client.get(f"/api/v1/contacts/{items[0]['id']}", headers=admin).json()
    client.get(
        f"/api/v1/contacts/{items[0]['id']}", headers=auth("operational", sub="op-1", team="duty_b")
    )
    app.state.audit_log.sequence(force_checkpoint=True)
    return {"contact_id": items[0]["id"], "child_id": detail["people"][0]["id"]}


def ig(auth: AuthHeaders) -> dict[str, str]:
    return auth("ig_officer", sub="ig-1") | PURPOSE


def test_ig_searches_by_person_and_sees_every_touch(
    client: TestClient, auth: AuthHeaders, busy_hub: dict[str, Any]
) -> None:
    response = client.get(
        "/api/v1/audit/entries", params={"subject": busy_hub["child_id"]}, headers=ig(auth)
    )
    assert response.status_code == 200
    entries = response.json()["items"]
    assert [(e["action"], e["outcome"], e["actor_sub"]) for e in entries] == [
        ("create", "allowed", "admin-1"),
        ("list", "allowed", "admin-1"),
        ("read", "allowed", "admin-1"),
    ]
    assert all(e["leaf_index"] is not None for e in entries)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"actor": "op-1"}, [("read", "denied")]),
        ({"outcome": "denied"}, [("read", "denied")]),
        ({"action": "list", "actor": "admin-1"}, [("list", "allowed")]),
        ({"since": "2000-01-01T00:00:00Z", "until": "2000-01-02T00:00:00Z"}, []),
    ],
)
def test_ig_filters(
    client: TestClient,
    auth: AuthHeaders,
    busy_hub: dict[str, Any],
    params: dict[str, str],
    expected: list[tuple[str, str]],
) -> None:
    entries = client.get("/api/v1/audit/entries", params=params, headers=ig(auth)).json()["items"]
    found = [(e["action"], e["outcome"]) for e in entries if e["resource_kind"] == "contact"]
    assert found == expected


def test_denied_attempts_name_the_rule_and_the_thing(
    client: TestClient, auth: AuthHeaders, busy_hub: dict[str, Any]
) -> None:
    [denied] = client.get("/api/v1/audit/denied", headers=ig(auth)).json()["items"]
    assert denied["actor_role"] == "operational"
    assert denied["actor_team"] == "duty_b"
    assert denied["resource_id"] == busy_hub["contact_id"]
    assert denied["rule"] == "default deny"


def test_paging_is_stable_and_complete(
    client: TestClient, auth: AuthHeaders, busy_hub: dict[str, Any]
) -> None:
    everything = client.get(
        "/api/v1/audit/entries", params={"limit": 200}, headers=ig(auth)
    ).json()["items"]
    seen: list[int] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = client.get("/api/v1/audit/entries", params=params, headers=ig(auth)).json()
        seen += [e["id"] for e in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen[: len(everything)] == [e["id"] for e in everything]
    assert seen == sorted(seen)


def test_every_ig_read_is_itself_logged_with_its_purpose(
    client: TestClient, auth: AuthHeaders, busy_hub: dict[str, Any]
) -> None:
    client.get("/api/v1/audit/entries", params={"subject": busy_hub["child_id"]}, headers=ig(auth))
    mine = client.get("/api/v1/audit/entries", params={"actor": "ig-1"}, headers=ig(auth)).json()[
        "items"
    ]
    assert mine[0]["subject_ids"] == [busy_hub["child_id"]]
    assert mine[0]["resource_kind"] == "audit_log"
    # The purpose is what the officer wrote: sealed, with the filters' values; in clear
    # only which filters were used.
    assert mine[0]["purpose"] is None
    assert mine[0]["reason"] == "search by subject_id"
    assert mine[0]["text_sealed"] is True
    opened = client.post(f"/api/v1/audit/entries/{mine[0]['id']}/text", headers=ig(auth))
    assert opened.status_code == 200, opened.text
    assert opened.json()["text"]["purpose"] == "SAR-2026-0114"
    assert busy_hub["child_id"] in opened.json()["text"]["filters"]


def test_a_purpose_is_required(
    client: TestClient, auth: AuthHeaders, busy_hub: dict[str, Any]
) -> None:
    response = client.get("/api/v1/audit/entries", headers=auth("ig_officer"))
    assert response.status_code == 400
    assert response.json()["error"] == "purpose_required"


@pytest.mark.parametrize(
    ("role", "claims"),
    [
        ("mash_manager", {}),
        ("mash_social_worker", {}),
        ("sysadmin", {}),
        ("agency_rep", {"agency": "police"}),
        ("operational", {"team": "ooh"}),
    ],
)
def test_nobody_else_reads_the_log(
    client: TestClient,
    auth: AuthHeaders,
    busy_hub: dict[str, Any],
    role: str,
    claims: dict[str, str],
) -> None:
    headers = auth(role, sub=f"{role}-x", **claims) | PURPOSE
    for path in (
        "/api/v1/audit/entries",
        "/api/v1/audit/denied",
        "/api/v1/audit/disclosures",
        "/api/v1/audit/checkpoints/latest",
    ):
        assert client.get(path, headers=headers).status_code == 404
    assert client.post("/api/v1/audit/verify", headers=headers).status_code == 404
    denied = client.get(
        "/api/v1/audit/entries", params={"actor": f"{role}-x"}, headers=ig(auth)
    ).json()["items"]
    assert len(denied) == 5
    assert {e["resource_kind"] for e in denied} == {"audit_log", "disclosure_register"}


def test_proofs_and_checkpoints_verify_on_the_client_side(
    client: TestClient, auth: AuthHeaders, busy_hub: dict[str, Any]
) -> None:
    checkpoint = client.get("/api/v1/audit/checkpoints/latest", headers=ig(auth)).json()
    from hub.audit.checkpoints import checkpoint_message

    assert verify_ed25519(
        checkpoint["public_key_pem"].encode(),
        checkpoint_message(
            checkpoint["tree_size"], checkpoint["root_hash"], checkpoint["signed_at"]
        ),
        __import__("base64").b64decode(checkpoint["signature"]),
    )
    size = checkpoint["tree_size"]
    proof = client.get(
        "/api/v1/audit/proofs/inclusion", params={"entry": 2, "size": size}, headers=ig(auth)
    ).json()
    assert proof["root_hash"] == checkpoint["root_hash"]
    assert verify_inclusion(
        bytes.fromhex(proof["leaf_hash"]),
        proof["leaf_index"],
        size,
        [bytes.fromhex(p) for p in proof["proof"]],
        bytes.fromhex(checkpoint["root_hash"]),
    )
    consistency = client.get(
        "/api/v1/audit/proofs/consistency", params={"old": 2, "new": size}, headers=ig(auth)
    ).json()
    assert verify_consistency(
        2,
        size,
        bytes.fromhex(consistency["old_root"]),
        bytes.fromhex(checkpoint["root_hash"]),
        [bytes.fromhex(p) for p in consistency["proof"]],
    )
    bad = client.get(
        "/api/v1/audit/proofs/consistency", params={"old": size + 50}, headers=ig(auth)
    )
    assert bad.status_code == 400


def test_verify_through_the_api(
    client: TestClient, auth: AuthHeaders, busy_hub: dict[str, Any]
) -> None:
    result = client.post("/api/v1/audit/verify", headers=ig(auth)).json()
    assert result["intact"] is True
    assert result["checkpoints_checked"] == 1
