"""The whole database holds no personal data in clear: raw SQLite files and a pg_dump."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from hub.db import Database
from tests.agencies.conftest import RecordFactory
from tests.conftest import AuthHeaders

# Distinctive enough that a hit can only be a leak.
NAMES = ["Zebulonia", "Quillfeather", "Xanthippe", "Wolstenholme-Brisk"]
NHS_NUMBERS = ["4010232137", "9434765919"]
OTHER = ["Plumtree Mews", "bruised forearm"]

PG_DUMP_CANDIDATES = ("/usr/lib/postgresql/15/bin/pg_dump", "/usr/bin/pg_dump")


def _fill(client: TestClient, auth: AuthHeaders, a_record: RecordFactory) -> None:
    rows = [
        a_record(
            given_name=NAMES[0],
            family_name=NAMES[1],
            nhs_number=NHS_NUMBERS[0],
            address_line=f"3 {OTHER[0]}",
            summary=f"Teacher saw a {OTHER[1]}.",
        ),
        a_record(given_name=NAMES[2], family_name=NAMES[3], nhs_number=NHS_NUMBERS[1]),
    ]
    for agency in ("police", "health"):
        response = client.post(
            f"/api/v1/agencies/{agency}/records/import",
            json={"rows": rows},
            headers=auth("agency_rep", agency=agency),
        )
        assert response.status_code == 200, response.text
    contact = {
        "children": [
            {"given_name": NAMES[0], "family_name": NAMES[1], "nhs_number": NHS_NUMBERS[0]}
        ],
        "worries": ["physical_abuse"],
        "concern": f"Child has a {OTHER[1]}.",
        "consent": {"status": "obtained"},
    }
    assert client.post("/api/v1/contacts", json=contact).status_code == 201
    checked = client.post(
        "/api/v1/agencies/check",
        json={"given_name": NAMES[2], "family_name": NAMES[3], "nhs_number": NHS_NUMBERS[1]},
        headers=auth("mash_social_worker"),
    )
    assert checked.json()["agencies"]


def _hits(raw: bytes) -> list[str]:
    lowered = raw.lower()

    def forms(value: str) -> list[bytes]:
        # As text, as UTF-16, and hex-encoded (how pg_dump writes bytea columns).
        return [
            value.lower().encode(),
            value.lower().encode("utf-16-le"),
            value.encode().hex().encode(),
            value.lower().encode().hex().encode(),
        ]

    return [
        value for value in (*NAMES, *NHS_NUMBERS, *OTHER) if any(f in lowered for f in forms(value))
    ]


def test_no_personal_data_in_the_database_files(
    agency_client: TestClient,
    auth: AuthHeaders,
    a_record: RecordFactory,
    database: Database,
    database_url: str,
    tmp_path: Path,
) -> None:
    _fill(agency_client, auth, a_record)
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        assert url.database is not None
        path = Path(url.database)
        files = [path, Path(f"{path}-wal")]
        # Read while the hub still has the database open (WAL not yet checkpointed) ...
        raw = b"".join(f.read_bytes() for f in files if f.exists())
        assert Path(f"{path}-wal").exists()
        assert _hits(raw) == []
        # ... and after it is closed and checkpointed into the main file.
        database.engine.dispose()
        raw = b"".join(f.read_bytes() for f in files if f.exists())
        assert _hits(raw) == []
        return
    pg_dump = next((p for p in PG_DUMP_CANDIDATES if Path(p).exists()), shutil.which("pg_dump"))
    assert pg_dump, "pg_dump is needed for the PostgreSQL half of this test"
    dump = tmp_path / "dump.sql"
    libpq_url = url.set(drivername="postgresql").render_as_string(hide_password=False)
    # A fixed binary and our own test database's URL: no untrusted input.
    subprocess.run(  # noqa: S603
        [pg_dump, "--no-owner", "--file", str(dump), libpq_url], check=True, capture_output=True
    )
    raw = dump.read_bytes()
    assert b"agency_records" in raw  # the dump really holds the store
    assert _hits(raw) == []
