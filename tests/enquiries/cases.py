"""A case as the hub makes one, through the API: a contact screened red, an enquiry
opened, and check requests sent to agencies. Works with any client that can POST JSON
(FastAPI's TestClient, or a browser's request context against a live hub)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from fastapi.testclient import TestClient

Headers = Callable[..., dict[str, str]]


class Api(Protocol):
    """JSON over HTTP with bearer headers; each call gives (status, JSON body)."""

    def post(self, path: str, headers: dict[str, str], body: Any = None) -> tuple[int, Any]: ...

    def get(self, path: str, headers: dict[str, str]) -> tuple[int, Any]: ...


@dataclass(frozen=True)
class ClientApi:
    client: TestClient

    def post(self, path: str, headers: dict[str, str], body: Any = None) -> tuple[int, Any]:
        response = self.client.post(path, headers=headers, json=body)
        return response.status_code, response.json()

    def get(self, path: str, headers: dict[str, str]) -> tuple[int, Any]:
        response = self.client.get(path, headers=headers)
        return response.status_code, response.json()


CHILD = {
    "given_name": "Wren",
    "family_name": "Castellane",
    "date_of_birth": "2015-06-21",
    "postcode": "RT3 4PX",
}
MOTHER = {"given_name": "Ilse", "family_name": "Castellane", "date_of_birth": "1989-02-11"}
REASON = "Police callouts and school concerns together point to significant harm."


@dataclass(frozen=True)
class Case:
    enquiry_id: str
    # agency -> check request id
    checks: dict[str, str]


def _ok(result: tuple[int, Any], *expected: int) -> Any:
    status, body = result
    assert status in expected, (status, body)
    return body


def open_case(
    api: Api,
    auth: Headers,
    agencies: list[str],
    *,
    child: dict[str, str] | None = None,
    adults: list[dict[str, str]] | None = None,
    rag: str = "red",
    question: str = "Any involvement with Wren or her mother?",
) -> Case:
    """A contact about ``child`` screened ``rag`` into an enquiry, with checks asked of
    ``agencies``, each step by the person who does it in the hub."""
    referrer = auth("referrer", sub="teacher-17")
    social_worker = auth("mash_social_worker", sub="sw-1")
    receipt = _ok(
        api.post(
            "/api/v1/contacts",
            referrer,
            {
                "channel": "email",
                "children": [child or CHILD],
                "adults": adults if adults is not None else [MOTHER],
                "worries": ["domestic_abuse"],
                "concern": "Wren says there is shouting every night and she hides.",
                "consent": {"status": "obtained"},
            },
        ),
        201,
    )
    listed = _ok(api.get("/api/v1/contacts?limit=200", social_worker), 200)
    contact_id = next(c["id"] for c in listed["items"] if c["reference"] == receipt["reference"])
    _ok(
        api.post(
            f"/api/v1/contacts/{contact_id}/screening",
            social_worker,
            {"threshold_level": 4, "threshold_reason": REASON, "rag": rag},
        ),
        200,
    )
    _ok(
        api.post(
            f"/api/v1/contacts/{contact_id}/outcome",
            social_worker,
            {"outcome": "mash_enquiry", "reason": REASON},
        ),
        200,
    )
    enquiry = _ok(api.post("/api/v1/enquiries", social_worker, {"contact_id": contact_id}), 201)
    asked = _ok(
        api.post(
            f"/api/v1/enquiries/{enquiry['id']}/checks",
            social_worker,
            {"agencies": agencies, "question": question},
        ),
        201,
    )
    return Case(enquiry["id"], {r["agency"]: r["id"] for r in asked})


def add_record(api: Api, auth: Headers, agency: str, record: dict[str, Any]) -> str:
    """A record in ``agency``'s own store, added by its representative; its id."""
    body = _ok(
        api.post(f"/api/v1/agencies/{agency}/records", auth("agency_rep", agency=agency), record),
        201,
    )
    return str(body["id"])
