"""A whole case, with a made-up name typed into every free-text field, leaves none in clear.

The case runs through the API as the people of a MASH would run it: agency records, a
contact (children, adults, the worry, why consent was not sought, the referrer), screening
with its reasons, a re-rating, a consent override, an enquiry and its checks, disclosures
(fields with a caveat, a summary, a decision not to share), a release, an information
product authorised and sent, break-glass and its review, and IG officers reading the log
and opening what was written. Each field gets a name of its own, unique to the run.

Then every place the hub keeps anything is searched, as bytes, for every name: the
database itself (SQLite's file, its WAL and shared memory; for PostgreSQL, ``pg_dump`` of
the database and, where this process may read it, the server's files for that database,
its WAL and its log), everything the hub logged at DEBUG, the audit export and what
``mash-hub audit verify --export`` prints. Sealed columns hold ciphertext, so no name
may be found anywhere.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from hub.app import create_app
from hub.audit.evidence import export_log
from hub.cli import app as cli
from hub.db import Database
from hub.settings import Settings
from tests.conftest import AuthHeaders, DatabaseUrls

RUN = uuid.uuid4().hex[:8]
PG_DATA = Path("/var/lib/postgresql")
PG_LOGS = Path("/var/log/postgresql")


class Names:
    """A distinctive made-up name for each field, remembered by field."""

    def __init__(self) -> None:
        self.by_field: dict[str, str] = {}

    def __call__(self, field: str) -> str:
        name = f"Quenbyx{len(self.by_field):02d}{RUN}Marchbank"
        self.by_field[field] = name
        return name

    def found_in(self, data: bytes) -> list[str]:
        lowered = data.lower()
        return [f for f, n in self.by_field.items() if n.lower().encode() in lowered]


@pytest.fixture
def debug_app(settings: Settings, database: Database) -> FastAPI:
    return create_app(settings.model_copy(update={"log_level": "DEBUG"}), database=database)


def run_the_case(client: TestClient, auth: AuthHeaders, app: FastAPI, said: Names) -> None:
    police, health = auth("agency_rep", agency="police"), auth("agency_rep", agency="health")
    housing = auth("agency_rep", agency="housing")
    worker, manager = auth("mash_social_worker"), auth("mash_manager")
    admin, referrer = auth("mash_admin"), auth("referrer", sub="teacher-1")
    child = {
        "given_name": said("child given name"),
        "family_name": said("child family name"),
        "date_of_birth": "2015-06-21",
        "postcode": "RT3 4PX",
    }

    def post(path: str, who: dict[str, str], body: Any = None) -> Any:
        response = client.post(path, json=body, headers=who)
        assert response.status_code in (200, 201), (path, response.text)
        return response.json()

    def record(agency: str, who: dict[str, str]) -> Any:
        return post(
            f"/api/v1/agencies/{agency}/records",
            who,
            {
                "source_ref": f"REF-{agency}",
                **child,
                "record_type": "note",
                "occurred_on": "2026-10-02",
                "summary": said(f"{agency} record summary"),
                "details": {"officer": said(f"{agency} record details")},
            },
        )

    police_record, _ = record("police", police), record("health", health)
    post(
        "/api/v1/contacts",
        referrer,
        {
            "channel": "email",
            "children": [child | {"school": said("school")}],
            "adults": [
                {
                    "given_name": said("adult given name"),
                    "family_name": said("adult family name"),
                    "date_of_birth": "1989-02-11",
                    "relationship": said("relationship"),
                    "address": said("address"),
                }
            ],
            "worries": ["domestic_abuse", "neglect"],
            "concern": said("concern"),
            "consent": {"status": "not_sought", "reason": said("consent reason")},
            "referrer": {
                "name": said("referrer name"),
                "organisation": said("referrer organisation"),
                "role": said("referrer role"),
                "email": f"{said('referrer email')}@example.org",
                "phone": "01632 960 123",
            },
        },
    )
    contact_id = client.get("/api/v1/contacts", headers=admin).json()["items"][0]["id"]
    contact = f"/api/v1/contacts/{contact_id}"
    screening = {"threshold_level": 4, "threshold_reason": said("threshold reason"), "rag": "red"}
    post(f"{contact}/screening", worker, screening)
    post(f"{contact}/rating", manager, {"rag": "amber", "reason": said("re-rating reason")})
    post(f"{contact}/consent-override", manager, {"reason": said("consent override reason")})
    post(f"{contact}/outcome", worker, {"outcome": "mash_enquiry", "reason": said("outcome")})
    enquiry = post("/api/v1/enquiries", worker, {"contact_id": contact_id})["id"]
    post(f"/api/v1/enquiries/{enquiry}/agency-check", worker)
    asked = post(
        f"/api/v1/enquiries/{enquiry}/checks",
        worker,
        {"agencies": ["police", "health", "housing"], "question": said("check question")},
    )
    request = {r["agency"]: r["id"] for r in asked}
    police_disclosure = post(
        f"/api/v1/checks/{request['police']}/disclosure",
        police,
        {
            "kind": "fields",
            "records": [{"record_id": police_record["id"], "fields": ["summary"]}],
            "purpose": said("police disclosure purpose"),
            "lawful_basis": "dpa_2018_s35_sch8_para4",
            "consent": "not_sought",
            "proportionality": said("police proportionality"),
            "caveat": {"code": "police_intelligence", "text": said("caveat text")},
        },
    )
    health_disclosure = post(
        f"/api/v1/checks/{request['health']}/disclosure",
        health,
        {
            "kind": "summary",
            "summary": said("health disclosure summary"),
            "purpose": said("health disclosure purpose"),
            "lawful_basis": "uk_gdpr_9_2_h_dpa_sch1_para2",
            "consent": "not_sought",
            "proportionality": said("health proportionality"),
        },
    )
    post(
        f"/api/v1/checks/{request['housing']}/disclosure",
        housing,
        {"kind": "decline", "reasons": said("reasons for not sharing")},
    )
    post(
        f"/api/v1/disclosures/{police_disclosure['id']}/release",
        police,
        {"reason": said("release reason")},
    )
    _product_returned_sent_and_declined(
        post, client, auth, enquiry, [police_disclosure["id"], health_disclosure["id"]], said
    )

    glass = f"/api/v1/agencies/police/records/{police_record['id']}/break-glass"
    post(glass, manager, {"reason": said("break-glass reason")})
    alert = client.get("/api/v1/agencies/police/break-glass", headers=police).json()[0]
    post(
        f"/api/v1/agencies/police/break-glass/{alert['id']}/review",
        police,
        {"justified": True, "notes": said("break-glass review notes")},
    )

    app.state.audit_log.sequence(force_checkpoint=True)
    ig = auth("ig_officer") | {"X-Audit-Purpose": said("IG purpose")}
    entries = client.get("/api/v1/audit/entries", params={"limit": 200}, headers=ig)
    assert entries.status_code == 200
    assert client.get("/api/v1/audit/disclosures", headers=ig).status_code == 200
    sealed = [e["id"] for e in entries.json()["items"] if e["text_sealed"]]
    assert len(sealed) >= 8
    opening = ig | {"X-Audit-Purpose": said("IG opening purpose")}
    opened = client.post(f"/api/v1/audit/entries/{sealed[0]}/text", headers=opening)
    assert opened.status_code == 200
    assert said.found_in(opened.content), "the names are there to be found where they belong"
    app.state.audit_log.sequence(force_checkpoint=True)


def _product_returned_sent_and_declined(
    post: Any, client: TestClient, auth: AuthHeaders, enquiry: str, items: list[str], said: Names
) -> None:
    """A product for another team than the rota's (with a reason), returned once (with a
    reason), authorised, sent, and declined by the team (with a reason)."""
    worker = auth("mash_social_worker")
    manager = auth("mash_manager")
    compiled = {
        "analysis": said("product analysis"),
        "proposed_outcome": "strategy_discussion",
        "disclosure_ids": items,
        # police_operational is never the rota's suggestion, so a reason is always asked.
        "receiving_team": "police_operational",
        "team_reason": said("reason for another team than the rota's"),
    }
    returned = post(f"/api/v1/enquiries/{enquiry}/products", worker, compiled)
    sent_back = {"decision": "return", "reason": said("reason for returning the product")}
    post(f"/api/v1/products/{returned['id']}/authorisation", manager, sent_back)
    product = post(f"/api/v1/enquiries/{enquiry}/products", worker, compiled)
    authorised = {"decision": "authorise", "reason": said("authorisation reason")}
    post(f"/api/v1/products/{product['id']}/authorisation", manager, authorised)
    post(f"/api/v1/products/{product['id']}/dissemination", manager)
    team = auth("operational", team="police_operational")
    assert client.get(f"/api/v1/products/{product['id']}", headers=team).is_success
    post(
        f"/api/v1/products/{product['id']}/acknowledgement",
        team,
        {"decision": "decline", "reason": said("the team's reason for declining")},
    )


def run_the_other_front_doors(client: TestClient, auth: AuthHeaders, said: Names) -> None:
    """A police domestic abuse notification through the daily triage, and a missing
    episode with its return and return interview."""
    admin, worker = auth("mash_admin"), auth("mash_social_worker")
    ago = (datetime.now(UTC) - timedelta(hours=5)).isoformat()
    notification = {
        "police_reference": "RT/1001/24",
        "incident_at": ago,
        "address": said("notification address"),
        "postcode": "S60 1AE",
        "risk_level": "high",
        "adults": [
            {
                "role": "victim",
                "given_name": said("victim given name"),
                "family_name": said("victim family name"),
            }
        ],
        "children": [
            {"given_name": said("notified child"), "family_name": "Penhallow"},
        ],
        "circumstances": said("notification circumstances"),
    }
    received = client.post(
        "/api/v1/da-notifications",
        json={"notifications": [notification]},
        headers=auth("agency_rep", agency="police"),
    )
    assert received.status_code == 201, received.text
    [item] = received.json()["items"]
    meeting = client.post("/api/v1/triage/meetings", headers=admin)
    assert meeting.status_code == 201, meeting.text
    outcome = client.put(
        f"/api/v1/triage/meetings/{meeting.json()['id']}/items/{item['id']}/outcome",
        json={"outcome": "information_sharing_letter", "reason": said("triage reason")},
        headers=worker,
    )
    assert outcome.status_code == 200, outcome.text

    episode = client.post(
        "/api/v1/missing-episodes",
        json={
            "episode_type": "from_care",
            "started_at": (datetime.now(UTC) - timedelta(days=2)).isoformat(),
            "child": {
                "given_name": said("missing child given name"),
                "family_name": said("missing child family name"),
                "date_of_birth": "2010-11-23",
            },
            "reported_by": {
                "kind": "care_provider",
                "name": said("reporter name"),
                "organisation": said("reporter organisation"),
            },
            "circumstances": said("missing circumstances"),
        },
        headers=admin,
    )
    assert episode.status_code == 201, episode.text
    url = f"/api/v1/missing-episodes/{episode.json()['id']}"
    back = {"returned_at": ago, "where_found": said("where found")}
    assert client.put(f"{url}/return", json=back, headers=worker).status_code == 200
    interview = {
        "conducted_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        "conducted_by": said("interviewer"),
        "summary": said("return interview summary"),
    }
    assert client.put(f"{url}/return-interview", json=interview, headers=worker).is_success


def sqlite_files(url: str) -> dict[str, bytes]:
    path = Path(make_url(url).database or "")
    return {
        p.name: p.read_bytes()
        for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm"))
        if p.exists()
    }


def postgresql_files(urls: DatabaseUrls, tmp_path: Path) -> dict[str, bytes]:
    admin = make_url(os.environ["HUB_TEST_DATABASE_URL"]).set(database=make_url(urls.app).database)
    libpq = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    found: dict[str, bytes] = {}
    pg_dump = shutil.which("pg_dump")
    assert pg_dump is not None, "pg_dump is on the machine (postgresql-client)"
    dump = subprocess.run(  # noqa: S603 (our own arguments)
        [pg_dump, "--no-owner", libpq], capture_output=True, check=True, timeout=120
    )
    found["pg_dump"] = dump.stdout
    assert b"audit_entries" in dump.stdout
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("CHECKPOINT"))
        oid = connection.execute(
            text("SELECT oid FROM pg_database WHERE datname = current_database()")
        ).scalar_one()
        data_dir = Path(connection.execute(text("SHOW data_directory")).scalar_one())
    engine.dispose()
    # The server's own files, where this process may read them (root in CI).
    for folder in (data_dir / "base" / str(oid), data_dir / "pg_wal", PG_LOGS):
        if folder.is_dir() and os.access(folder, os.R_OK | os.X_OK):
            for path in folder.iterdir():
                if path.is_file() and os.access(path, os.R_OK):
                    found[str(path)] = path.read_bytes()
    if os.access(data_dir / "base" / str(oid), os.R_OK | os.X_OK):
        assert any(place.startswith(str(data_dir / "base")) for place in found)
    return found


def test_a_whole_case_leaves_no_name_in_clear_anywhere(
    debug_app: FastAPI,
    auth: AuthHeaders,
    database_urls: DatabaseUrls,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    key_dir: Path,
) -> None:
    said = Names()
    with TestClient(debug_app) as client:
        run_the_other_front_doors(client, auth, said)
        run_the_case(client, auth, debug_app, said)
    assert len(said.by_field) >= 45

    places: dict[str, bytes] = {}
    database: Database = debug_app.state.database
    with database.session() as session:
        export_log(session, tmp_path / "export", debug_app.state.audit_log.signer.public_key_pem())
    for path in (tmp_path / "export").iterdir():
        places[f"export/{path.name}"] = path.read_bytes()
    monkeypatch.setenv("HUB_KEY_DIR", str(key_dir))
    verified = CliRunner().invoke(cli, ["audit", "verify", "--export", str(tmp_path / "export")])
    assert verified.exit_code == 0, verified.output
    places["audit verify --export"] = verified.output.encode()
    if database_urls.app.startswith("sqlite"):
        # The WAL as the hub left it, then the file once the WAL is checkpointed into it.
        places |= {f"open {k}": v for k, v in sqlite_files(database_urls.app).items()}
        database.engine.dispose()
        places |= sqlite_files(database_urls.app)
    else:
        places |= postgresql_files(database_urls, tmp_path)
    logged = capsys.readouterr()
    places["log"] = (logged.out + logged.err + caplog.text).encode()
    assert b"audit.recorded" in places["log"], "the hub's DEBUG log was captured"

    leaks = {place: said.found_in(data) for place, data in places.items()}
    assert {place: fields for place, fields in leaks.items() if fields} == {}
