"""Health, readiness, and reloading the policy on command."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import AuthHeaders


def test_health_and_readiness_need_no_token(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready"}
    assert client.get("/openapi.json").status_code == 200


def test_only_a_system_administrator_reloads_the_policy(
    client: TestClient, auth: AuthHeaders
) -> None:
    response = client.post("/api/v1/admin/policy/reload", headers=auth("sysadmin"))
    assert response.status_code == 200
    assert response.json()["changed"] is False
    assert len(response.json()["digest"]) == 64
    for role, claims in (
        ("mash_manager", {}),
        ("ig_officer", {}),
        ("agency_rep", {"agency": "police"}),
    ):
        assert (
            client.post("/api/v1/admin/policy/reload", headers=auth(role, **claims)).status_code
            == 404
        )
