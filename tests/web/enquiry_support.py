"""What the enquiry pages' browser tests share: signing in as a demo person, and the hub's
other people (a referrer, the agencies) acting through the API as their own systems would."""

from __future__ import annotations

import uuid
from typing import Any

from playwright.sync_api import Page, expect

from hub.auth.principal import Role
from hub.auth.tokens import issue_token
from hub.settings import DEV_ISSUER
from tests.web.conftest import LiveHub

REASON = "Police callouts and school concerns together point to significant harm."
CHILD = {
    "given_name": "Wren",
    "family_name": "Castellane",
    "date_of_birth": "2015-06-21",
    "postcode": "RT3 4PX",
}
MOTHER = {"given_name": "Ilse", "family_name": "Castellane", "date_of_birth": "1989-02-11"}


def sign_in(page: Page, who: str) -> None:
    """Sign in with one click as a demo person ("Sam Okafor, MASH social worker")."""
    page.goto("/")
    sign_out = page.get_by_role("button", name="Sign out")
    if sign_out.count():
        sign_out.click()
        page.goto("/")
    page.get_by_role("button", name=f"Sign in as {who}").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


class Api:
    """The hub's API as another system calls it, with a real signed token per person."""

    def __init__(self, page: Page, hub: LiveHub) -> None:
        self.page = page
        self.hub = hub

    def headers(self, role: str, **claims: str) -> dict[str, str]:
        token = issue_token(
            self.hub.settings.key_dir,
            issuer=DEV_ISSUER,
            audience="mash-hub",
            sub=claims.get("sub", f"{role}-{uuid.uuid4().hex[:6]}"),
            role=Role(role),
            agency=claims.get("agency"),
            team=claims.get("team"),
            ttl_seconds=600,
        )
        return {"Authorization": f"Bearer {token}"}

    def post(self, path: str, body: Any, role: str, **claims: str) -> Any:
        response = self.page.request.post(
            f"/api/v1{path}", data=body, headers=self.headers(role, **claims)
        )
        assert response.ok, f"{path}: {response.status} {response.text()}"
        return response.json()

    def get(self, path: str, role: str, **claims: str) -> Any:
        response = self.page.request.get(f"/api/v1{path}", headers=self.headers(role, **claims))
        assert response.ok, f"{path}: {response.status} {response.text()}"
        return response.json()

    def record(self, agency: str, **fields: Any) -> str:
        body = {
            "source_ref": f"{agency}-{uuid.uuid4().hex[:6]}",
            **CHILD,
            "record_type": "note",
            "occurred_on": "2026-10-02",
            "summary": "Known to us.",
        } | fields
        return str(
            self.post(f"/agencies/{agency}/records", body, "agency_rep", agency=agency)["id"]
        )

    def contact_screened_for_enquiry(self, *, rag: str = "red") -> str:
        """A contact about Wren, her mother and a man known only as Dean, screened into a
        MASH enquiry; its reference."""
        sent = self.post(
            "/contacts",
            {
                "children": [CHILD],
                "adults": [MOTHER | {"relationship": "mother"}, {"given_name": "Dean"}],
                "worries": ["domestic_abuse", "neglect"],
                "concern": "Wren says there is shouting every night and she hides under the bed.",
                "consent": {"status": "obtained"},
            },
            "mash_admin",
        )
        listed = self.get("/contacts", "mash_admin")["items"]
        contact_id = next(c["id"] for c in listed if c["reference"] == sent["reference"])
        screening = {"threshold_level": 4, "threshold_reason": REASON, "rag": rag}
        self.post(f"/contacts/{contact_id}/screening", screening, "mash_social_worker")
        outcome = {"outcome": "mash_enquiry", "reason": REASON}
        self.post(f"/contacts/{contact_id}/outcome", outcome, "mash_social_worker")
        return str(sent["reference"])

    def inbox(self, agency: str) -> list[dict[str, Any]]:
        return list(self.get(f"/agencies/{agency}/checks", "agency_rep", agency=agency))

    def disclose(self, agency: str, body: dict[str, Any]) -> str:
        [request] = [r for r in self.inbox(agency) if r["status"] == "pending"]
        made = self.post(
            f"/checks/{request['id']}/disclosure",
            body,
            "agency_rep",
            agency=agency,
            sub=f"{agency}-rep",
        )
        return str(made["id"])
