"""No error repeats what was sent: a detail is a fixed sentence plus the schema's field names.

Every route that takes a body (walked from the app's own OpenAPI document) is sent bodies
built from its schema with a distinctive string in every field, in several shapes: values
of the right kinds with the free text marked, marked values in every field whatever its
type, and unknown fields (marked names and values) beside the known ones at every level.
The ids in the paths are those of a real case, so the checks made after validation (an
agency that is not a partner, a field that cannot be shared) are reached too. No JSON
error body may contain the mark.
"""

from __future__ import annotations

import itertools
import uuid
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hub.kit.errors import describe_validation_errors
from tests.conftest import AuthHeaders

MARK = "Zqvortlebax"
CHILD = {"given_name": "Ada", "family_name": "Quorley", "date_of_birth": "2016-03-04"}
REASON = "A reason long enough to be kept."


class Marks:
    """Distinctive strings, each different, all carrying :data:`MARK`."""

    def __init__(self) -> None:
        self._count = itertools.count(1)

    def __call__(self) -> str:
        return f"{MARK}{next(self._count)}q"


def _resolve(schema: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = document["components"]["schemas"][name]
    return schema


def _options(schema: dict[str, Any]) -> list[dict[str, Any]]:
    options = schema.get("anyOf") or schema.get("oneOf") or schema.get("allOf") or []
    return [o for o in options if o.get("type") != "null"]


def build(schema: dict[str, Any], document: dict[str, Any], shape: str, mark: Marks) -> Any:
    """A value for ``schema``: "kinds" keeps each field's kind (enums, UUIDs, dates, numbers)
    and marks free text; "wild" marks every field; "extra" is "kinds" with unknown fields
    added to every object."""
    schema = _resolve(schema, document)
    options = _options(schema)
    if options:
        return build(options[0], document, shape, mark)
    if shape == "wild" and schema.get("type") not in ("object", "array"):
        return mark()
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        value = {
            name: build(sub, document, shape, mark)
            for name, sub in schema.get("properties", {}).items()
        }
        if isinstance(schema.get("additionalProperties"), dict) or shape == "extra":
            value[mark()] = mark()
        return value
    if kind == "array":
        return [build(schema.get("items", {}), document, shape, mark)]
    return _scalar(schema, mark)


_SCALARS: dict[str, Any] = {"integer": 3, "number": 3.5, "boolean": True}
_FORMATS: dict[str, str] = {"date": "2020-02-03", "date-time": "2020-02-03T10:00:00Z"}


def _scalar(schema: dict[str, Any], mark: Marks) -> Any:
    kind, form = schema.get("type"), schema.get("format")
    if kind in _SCALARS:
        return _SCALARS[kind]
    if form == "uuid":
        return str(uuid.uuid4())
    return _FORMATS.get(form or "") or mark()


def body_operations(app: FastAPI) -> list[tuple[str, str, dict[str, Any]]]:
    document = app.openapi()
    found = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                found.append((method.upper(), path, content["application/json"]["schema"]))
    return found


def a_case(client: TestClient, auth: AuthHeaders) -> dict[str, str]:
    """Real ids for the paths: a contact screened into an enquiry with a police check."""
    admin, worker = auth("mash_admin"), auth("mash_social_worker")
    police = auth("agency_rep", agency="police")
    record = client.post(
        "/api/v1/agencies/police/records",
        json={
            "source_ref": "N-1",
            **CHILD,
            "record_type": "note",
            "occurred_on": "2024-01-02",
            "summary": "Seen.",
        },
        headers=police,
    ).json()
    contact = client.post(
        "/api/v1/contacts",
        json={
            "children": [CHILD],
            "worries": ["neglect"],
            "concern": "x",
            "consent": {"status": "obtained"},
        },
        headers=admin,
    ).json()
    contact_id = next(
        c["id"]
        for c in client.get("/api/v1/contacts", headers=admin).json()["items"]
        if c["reference"] == contact["reference"]
    )
    screening = {"threshold_level": 3, "threshold_reason": REASON, "rag": "amber"}
    client.post(f"/api/v1/contacts/{contact_id}/screening", json=screening, headers=worker)
    outcome = {"outcome": "mash_enquiry", "reason": REASON}
    client.post(f"/api/v1/contacts/{contact_id}/outcome", json=outcome, headers=worker)
    enquiry = client.post("/api/v1/enquiries", json={"contact_id": contact_id}, headers=worker)
    [request] = client.post(
        f"/api/v1/enquiries/{enquiry.json()['id']}/checks",
        json={"agencies": ["police"], "question": "Anything?"},
        headers=worker,
    ).json()
    return {
        "agency": "police",
        "contact_id": contact_id,
        "enquiry_id": enquiry.json()["id"],
        "request_id": request["id"],
        "record_id": record["id"],
    }


def concrete(path: str, ids: dict[str, str]) -> str:
    for name, value in ids.items():
        path = path.replace("{" + name + "}", value)
    while "{" in path:
        start, end = path.index("{"), path.index("}")
        path = path[:start] + str(uuid.uuid4()) + path[end + 1 :]
    return path


def test_no_json_error_repeats_a_value_that_was_sent(
    client: TestClient, app: FastAPI, auth: AuthHeaders
) -> None:
    ids = a_case(client, auth)
    operations = body_operations(app)
    assert len(operations) > 20, "the sweep found too few routes to mean anything"
    document = app.openapi()
    people = [
        auth("mash_manager"),
        auth("mash_social_worker"),
        auth("agency_rep", agency="police"),
        auth("ig_officer"),
        {},
    ]
    mark = Marks()
    errors_seen = 0
    for (method, path, schema), shape, who in itertools.product(
        operations, ("kinds", "wild", "extra"), people
    ):
        body = build(schema, document, shape, mark)
        headers = who | {"Idempotency-Key": mark(), "X-Audit-Purpose": mark()}
        response = client.request(method, concrete(path, ids), json=body, headers=headers)
        if response.status_code < 400:
            continue
        errors_seen += 1
        assert response.headers["content-type"].startswith("application/json")
        assert MARK.lower() not in response.text.lower(), (method, path, shape, response.text)
    assert errors_seen > 200


@pytest.mark.parametrize(
    ("path", "body"),
    [
        # The two checks made after validation that used to repeat what was sent.
        ("/api/v1/enquiries/{enquiry_id}/checks", {"agencies": [MARK], "question": "Any?"}),
        (
            "/api/v1/checks/{request_id}/disclosure",
            {
                "kind": "fields",
                "records": [{"record_id": "{record_id}", "fields": ["summary", MARK]}],
                "purpose": "safeguarding enquiry",
                "lawful_basis": "uk_gdpr_6_1_e",
                "consent": "obtained",
                "proportionality": REASON,
            },
        ),
    ],
)
def test_checks_after_validation_name_the_field_not_the_value(
    client: TestClient, auth: AuthHeaders, path: str, body: dict[str, Any]
) -> None:
    ids = a_case(client, auth)
    who = auth("mash_social_worker") if "checks" in path else auth("agency_rep", agency="police")
    if "records" in body:
        body["records"][0]["record_id"] = ids["record_id"]
    response = client.post(concrete(path, ids), json=body, headers=who)
    assert response.status_code == 422, response.text
    assert MARK not in response.text
    assert response.json()["detail"].split(":")[0] in ("agencies", "records.fields")


def test_validation_messages_are_fixed_sentences() -> None:
    known = frozenset({"children", "date_of_birth", "ids"})
    errors = [
        {
            "type": "uuid_parsing",
            "loc": ("body", "ids", 0),
            "msg": f"Input should be a valid UUID, invalid character: found `{MARK}`",
            "input": MARK,
        },
        {"type": "extra_forbidden", "loc": ("body", "children", 0, MARK), "msg": "Extra"},
        {"type": "string_type", "loc": ("body", "details", MARK), "msg": f"{MARK}"},
        {
            "type": "too_long",
            "loc": ("body", "children"),
            "msg": "List should have at most 2 items after validation, not 731",
            "ctx": {"max_length": 2, "actual_length": 731},
        },
        {"type": "some_new_kind", "loc": ("query", "date_of_birth"), "msg": MARK},
    ]
    described = describe_validation_errors(errors, known)
    assert MARK not in described
    assert "731" not in described
    assert described == (
        "ids.0: must be a UUID; children.0: has a field that is not known; must be text; "
        "children: has too many items (at most 2); date_of_birth: is invalid"
    )
