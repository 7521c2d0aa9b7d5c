"""Opening an enquiry from a page: the form must carry the session's CSRF token and come
from the hub's own origin; it opens one enquiry, however often it is sent."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import AuthHeaders
from tests.enquiries.test_end_to_end import CHILD, REASON
from tests.web.test_sessions import _csrf, sign_in_as


def screened_contact(
    client: TestClient, auth: AuthHeaders, *, outcome: str, rag: str = "red"
) -> str:
    admin = auth("mash_admin")
    sent = client.post(
        "/api/v1/contacts",
        headers=admin,
        json={
            "children": [CHILD],
            "worries": ["neglect"],
            "concern": "Hungry at school.",
            "consent": {"status": "obtained"},
        },
    ).json()
    listed = client.get("/api/v1/contacts", headers=admin).json()["items"]
    contact_id = str(next(c["id"] for c in listed if c["reference"] == sent["reference"]))
    sw = auth("mash_social_worker")
    screening = {"threshold_level": 4, "threshold_reason": REASON, "rag": rag}
    client.post(f"/api/v1/contacts/{contact_id}/screening", headers=sw, json=screening)
    decided = {"outcome": outcome, "reason": REASON}
    client.post(f"/api/v1/contacts/{contact_id}/outcome", headers=sw, json=decided)
    return contact_id


def test_a_social_worker_opens_one_enquiry_with_a_genuine_form(
    client: TestClient, auth: AuthHeaders
) -> None:
    contact_id = screened_contact(client, auth, outcome="mash_enquiry")
    sign_in_as(client, "sw")
    csrf = _csrf(client.get("/enquiries").text)
    origin = {"Origin": str(client.base_url)}

    forged = client.post(
        "/enquiries", data={"contact_id": contact_id}, headers=origin, follow_redirects=False
    )
    elsewhere = client.post(
        "/enquiries",
        data={"contact_id": contact_id, "csrf_token": csrf},
        headers={"Origin": "https://evil.example"},
        follow_redirects=False,
    )
    assert (forged.status_code, elsewhere.status_code) == (403, 403)
    assert "Open enquiry" in client.get("/enquiries").text

    opened = client.post(
        "/enquiries",
        data={"contact_id": contact_id, "csrf_token": csrf},
        headers=origin,
        follow_redirects=False,
    )
    again = client.post(
        "/enquiries",
        data={"contact_id": contact_id, "csrf_token": csrf},
        headers=origin,
        follow_redirects=False,
    )

    assert opened.status_code == 303
    assert opened.headers["location"].startswith("/enquiries/")
    assert again.headers["location"] == opened.headers["location"]
    workspace = client.get(opened.headers["location"])
    assert workspace.status_code == 200
    assert "Wren Castellane" in workspace.text
    assert "Open enquiry" not in client.get("/enquiries").text


def test_a_contact_screening_did_not_send_to_an_enquiry_is_refused(
    client: TestClient, auth: AuthHeaders
) -> None:
    contact_id = screened_contact(client, auth, outcome="early_help")
    sign_in_as(client, "sw")
    csrf = _csrf(client.get("/enquiries").text)

    refused = client.post(
        "/enquiries",
        data={"contact_id": contact_id, "csrf_token": csrf},
        headers={"Origin": str(client.base_url)},
        follow_redirects=False,
    )

    assert refused.status_code == 409
    assert "not ready for an enquiry" in refused.text
