"""The request path's edges: what a client sees at the limits, and what the logs keep."""

from __future__ import annotations

import re
import threading
import uuid
import warnings
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from hub.app import create_app
from hub.auth.principal import Principal, Role
from hub.contacts import service
from hub.contacts.models import Contact
from hub.contacts.schemas import ContactIn
from hub.db import Database, make_engine, ping_when_idle, transaction
from hub.settings import Settings
from tests.conftest import AuthHeaders
from tests.contacts.test_contacts_api import a_contact
from tests.screening.test_screening_api import REASON, rate, submit

NUL = "\u0000"


# ---------------------------------------------------------------- idempotency


def test_two_submissions_with_one_key_at_the_same_moment_get_one_receipt(
    app: FastAPI, database: Database, database_url: str
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite runs one writer at a time; the race is PostgreSQL's")
    referrer = Principal(sub="ref-1", role=Role.referrer, token_id="t")
    payload = ContactIn.model_validate(a_contact())
    state = app.state

    def create(session: Any) -> Contact:
        return service.create_contact(
            session,
            referrer,
            payload,
            keyring=state.keyring,
            on_recorded=state.contact_recorded(state.calendar),
            idempotency_key="form-42",
        )

    # The hub's data key exists already, so the one thing the two wait on is the key.
    with transaction(database) as session:
        service.create_contact(
            session,
            referrer,
            payload,
            keyring=state.keyring,
            on_recorded=state.contact_recorded(state.calendar),
        )
    second: dict[str, Any] = {}

    def submit_second() -> None:
        try:
            with transaction(database) as session:
                second["reference"] = create(session).reference
        except Exception as error:  # reported below, not swallowed
            second["error"] = type(error).__name__

    with transaction(database) as first_session:
        first = create(first_session)
        # The second submission looked the key up before the first committed, so its
        # insert now waits on the unique index for the first transaction to end.
        thread = threading.Thread(target=submit_second)
        thread.start()
        with database.engine.connect() as probe:
            # pg_stat_activity is a snapshot per transaction: a fresh one each time.
            while not probe.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock'"
                )
            ):
                probe.rollback()
        first_reference = first.reference
    thread.join(60)

    assert second == {"reference": first_reference}
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Contact)) == 2


def test_a_different_contact_under_a_used_key_is_still_a_conflict(
    client: TestClient, auth: AuthHeaders
) -> None:
    headers = {**auth("referrer"), "Idempotency-Key": "k-1"}
    assert client.post("/api/v1/contacts", json=a_contact(), headers=headers).status_code == 201
    other = client.post(
        "/api/v1/contacts", json=a_contact(concern="Something else again."), headers=headers
    )
    assert other.status_code == 409
    assert other.json()["error"] == "idempotency_conflict"


# ---------------------------------------------------------------- NUL characters


def test_a_nul_character_in_any_text_field_is_a_422(
    client: TestClient, auth: AuthHeaders, database: Database
) -> None:
    contact_id = submit(client, auth)
    assert rate(client, auth, contact_id, "green").status_code == 200
    manager = auth("mash_manager")
    attempts = [
        (f"/api/v1/contacts/{contact_id}/rating", {"rag": "red", "reason": REASON + NUL}),
        (f"/api/v1/contacts/{contact_id}/consent-override", {"reason": NUL + REASON}),
        ("/api/v1/contacts", a_contact(concern=f"Late{NUL} again")),
        (
            "/api/v1/contacts",
            a_contact(children=[{"given_name": f"Tam{NUL}sin", "family_name": "Quorley"}]),
        ),
    ]
    for url, body in attempts:
        response = client.post(url, json=body, headers=manager)
        assert response.status_code == 422, url
        assert response.json()["error"] == "invalid"
    in_query = client.get("/api/v1/contacts?cursor=a%00b", headers=manager)
    assert in_query.status_code == 422
    # A backslash followed by "u0000" is ordinary text, not a NUL.
    fine = client.post(
        "/api/v1/contacts", json=a_contact(concern="Typed \\u0000 by hand."), headers=manager
    )
    assert fine.status_code == 201
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Contact)) == 2


# ---------------------------------------------------------------- errors and their logs


def test_an_unhandled_error_logs_its_type_and_request_id_only(
    app: FastAPI, capfd: pytest.CaptureFixture[str]
) -> None:
    @app.get("/boom")
    def boom() -> None:
        raise IntegrityError(
            "INSERT INTO contacts (reference) VALUES (%(reference)s)",
            {"reference": "MH-SECRET-REF", "sealed": b"sealed-bytes"},
            Exception("duplicate key value violates unique constraint"),
        )

    with TestClient(app) as test_client:
        capfd.readouterr()
        response = test_client.get("/boom")

    assert response.status_code == 500
    assert response.json() == {
        "error": "internal_error",
        "detail": "Something went wrong; it has been logged.",
    }
    output = "".join(capfd.readouterr())
    assert "request.unhandled_error" in output
    assert "IntegrityError" in output
    assert response.headers["x-request-id"] in output
    for leak in ("Traceback", "MH-SECRET-REF", "sealed-bytes", "INSERT INTO", "duplicate key"):
        assert leak not in output


def test_405_keeps_its_allow_header(client: TestClient) -> None:
    response = client.delete("/healthz")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET"
    assert response.json()["error"] == "method_not_allowed"


def test_a_chunked_body_over_the_limit_is_a_413(client: TestClient, app: FastAPI) -> None:
    limit = app.state.settings.max_body_bytes

    def chunks() -> Iterator[bytes]:
        for _ in range(limit // 1024 + 2):
            yield b" " * 1024

    response = client.post(
        "/api/v1/contacts", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["error"] == "payload_too_large"


def test_a_missing_static_file_is_a_404_with_a_body(client: TestClient) -> None:
    response = client.get("/static/nothing.js")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")  # the pages' 404 page
    assert "<html" in response.text


# ---------------------------------------------------------------- the public rate limit


@pytest.fixture
def limited(settings: Settings, database: Database) -> Iterator[TestClient]:
    strict = settings.model_copy(
        update={"public_contacts_per_minute": 1, "trusted_proxies": ("10.0.0.0/8",)}
    )
    with TestClient(create_app(strict, database=database)) as test_client:
        yield test_client


def test_a_retry_of_an_accepted_submission_gets_its_receipt_not_429(
    limited: TestClient,
) -> None:
    keyed = {"Idempotency-Key": "form-7"}
    first = limited.post("/api/v1/contacts", json=a_contact(), headers=keyed)
    retry = limited.post("/api/v1/contacts", json=a_contact(), headers=keyed)
    another = limited.post("/api/v1/contacts", json=a_contact(concern="A different worry."))

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert another.status_code == 429
    assert another.json()["error"] == "rate_limited"
    assert 1 <= int(another.headers["retry-after"]) <= 60


def test_x_forwarded_for_is_believed_only_from_a_trusted_proxy(
    settings: Settings, database: Database
) -> None:
    def app_seen_from(peer: str) -> TestClient:
        strict = settings.model_copy(
            update={"public_contacts_per_minute": 1, "trusted_proxies": ("10.0.0.0/8",)}
        )
        return TestClient(create_app(strict, database=database), client=(peer, 50000))

    # A caller that is not our proxy chooses a new X-Forwarded-For each time: one client.
    with app_seen_from("127.0.0.1") as direct:
        statuses = [
            direct.post(
                "/api/v1/contacts", json=a_contact(), headers={"X-Forwarded-For": f"192.0.2.{i}"}
            ).status_code
            for i in range(2)
        ]
    assert statuses == [201, 429]

    # Through our proxy, each address it forwards is a client of its own; a forged hop
    # further left is ignored.
    with app_seen_from("10.0.0.5") as proxied:
        statuses = [
            proxied.post(
                "/api/v1/contacts",
                json=a_contact(),
                headers={"X-Forwarded-For": f"203.0.113.9, 198.51.100.{i}"},
            ).status_code
            for i in range(2)
        ]
        again = proxied.post(
            "/api/v1/contacts",
            json=a_contact(),
            headers={"X-Forwarded-For": "203.0.113.77, 198.51.100.1"},
        )
    assert statuses == [201, 201]
    assert again.status_code == 429


# ---------------------------------------------------------------- the OpenAPI document


def test_the_openapi_document_declares_the_checks_the_server_makes(client: TestClient) -> None:
    import re

    document = client.get("/openapi.json").json()
    schemas = document["components"]["schemas"]
    # Lengths count after trimming: blank text matches no declared pattern.
    reason = schemas["RerateIn"]["properties"]["reason"]
    assert reason["minLength"] == 10
    assert re.search(reason["pattern"], " " * 12) is None
    assert re.search(reason["pattern"], "  " + REASON + "  ") is not None
    name = schemas["PersonIn"]["properties"]["given_name"]["anyOf"][0]
    assert re.search(name["pattern"], "   ") is None
    # A person needs a name or an NHS number; a date of birth is not in the future.
    person = schemas["PersonIn"]
    assert [branch["required"] for branch in person["anyOf"]] == [
        ["given_name"],
        ["family_name"],
        ["nhs_number"],
    ]
    assert "future" in person["properties"]["date_of_birth"]["description"]
    # The cursor's format.
    [cursor] = [
        p
        for p in document["paths"]["/api/v1/contacts"]["get"]["parameters"]
        if p["name"] == "cursor"
    ]
    assert cursor["schema"]["pattern"] == "^[A-Za-z0-9_-]*$"
    # The 403 a route answers is declared (a social worker re-rating: see the screening tests).
    assert "403" in document["paths"]["/api/v1/contacts/{contact_id}/rating"]["post"]["responses"]


def test_every_operation_in_the_openapi_document_has_an_id_of_its_own(client: TestClient) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # FastAPI warns of a duplicate id as it builds
        document = client.app.openapi()  # type: ignore[attr-defined]
    ids = [
        operation["operationId"]
        for path in document["paths"].values()
        for operation in path.values()
        if isinstance(operation, dict) and "operationId" in operation
    ]
    assert len(ids) > 40
    assert [i for i, n in Counter(ids).items() if n > 1] == []
    assert document["paths"]["/api/v1/contacts/{contact_id}"]["get"]["operationId"] == (
        "read_contact_api_v1_contacts__contact_id__get"
    )


# ---------------------------------------------------------------- authenticated by default


def test_every_api_route_but_the_public_form_refuses_a_request_without_a_token(
    client: TestClient, app: FastAPI
) -> None:
    """The API's routes are mounted one by one on the app; each still needs a principal."""
    answered: dict[str, int] = {}
    for route in app.routes:
        if not isinstance(route, APIRoute) or not route.path.startswith("/api/v1/"):
            continue
        path = re.sub(r"\{[^}]+\}", str(uuid.uuid4()), route.path)
        for method in route.methods:
            answered[f"{method} {route.path}"] = client.request(method, path, json={}).status_code
    assert len(answered) > 40
    public = {"POST /api/v1/contacts"}
    assert {r: s for r, s in answered.items() if r not in public and s != 401} == {}
    assert answered["POST /api/v1/contacts"] == 422  # the empty form is invalid, not refused
    # A token that is sent but bad is refused on the public form too.
    refused = client.post("/api/v1/contacts", json={}, headers={"Authorization": "Bearer x.y.z"})
    assert refused.status_code == 401


# ---------------------------------------------------------------- pooled connections


def test_a_pooled_connection_the_server_dropped_while_idle_is_replaced_before_use(
    database_url: str,
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite's connections are files of this process; nothing drops them")
    engine = make_engine(database_url, pool_size=1)
    # Every checkout counts as after an idle spell (the hub waits PING_AFTER_IDLE_SECONDS).
    ping_when_idle(engine, idle_seconds=0.0)
    try:
        with engine.connect() as connection:
            pid = connection.scalar(text("SELECT pg_backend_pid()"))
        with make_engine(database_url).connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            other.commit()
        # The dropped connection is found at checkout, and the read gets a fresh one.
        with engine.connect() as connection:
            assert connection.scalar(text("SELECT pg_backend_pid()")) != pid
    finally:
        engine.dispose()
