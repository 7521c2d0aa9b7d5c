"""A person's record of access once one of their cases is destroyed under the retention
schedule: the destroyed case is no longer found (the person index forgot it), what the IG
officer opened from it before can no longer be opened or exported, and the rest of the
person's record carries on."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from fastapi import FastAPI

from hub.db import Database
from hub.retention.service import run
from tests.enquiries.test_end_to_end import REASON, Hub
from tests.retention.test_retention import SCHEDULE, SYSADMIN, _past_every_date

PERSON = {"given_name": "Perpetua", "family_name": "Lindqvist", "date_of_birth": "2016-02-11"}
RECORD = "/api/v1/audit/people/record"
EXPORT = "/api/v1/audit/people/record/export"


def _contact(hub: Hub, concern: str) -> str:
    receipt = hub.post(
        "/api/v1/contacts",
        hub.admin,
        {
            "children": [PERSON],
            "worries": ["neglect"],
            "concern": concern,
            "consent": {"status": "obtained"},
        },
    ).json()
    return str(
        next(
            c["id"]
            for c in hub.get("/api/v1/contacts", hub.admin).json()["items"]
            if c["reference"] == receipt["reference"]
        )
    )


def _close_with_nfa(hub: Hub, contact_id: str) -> None:
    screening = {"threshold_level": 1, "threshold_reason": REASON, "rag": "green"}
    assert hub.post(f"/api/v1/contacts/{contact_id}/screening", hub.social_worker, screening)
    decided = hub.post(
        f"/api/v1/contacts/{contact_id}/outcome",
        hub.social_worker,
        {"outcome": "nfa", "reason": REASON},
    )
    assert decided.status_code == 200, decided.text


def _exported(content: bytes) -> tuple[str, dict[str, Any]]:
    with zipfile.ZipFile(io.BytesIO(content)) as zipped:
        names = zipped.namelist()
        html = next(zipped.read(n).decode() for n in names if n.endswith(".html"))
        doc = json.loads(next(zipped.read(n) for n in names if n.endswith(".json")))
    return html, doc


def test_a_destroyed_case_leaves_the_record_and_its_opening_with_it(
    client: Any, auth: Any, app: FastAPI, database: Database
) -> None:
    hub = Hub(client, auth)
    ig = auth("ig_officer", sub="ig-1") | {"X-Audit-Purpose": "SAR-2026-0999"}
    closed = _contact(hub, "Left alone at the weekend, said a neighbour.")
    _close_with_nfa(hub, closed)
    open_case = _contact(hub, "Arrived at school without a coat in the snow.")

    record = client.post(RECORD, json=PERSON, headers=ig).json()
    assert sorted(c["contact_id"] for c in record["contacts"]) == sorted([closed, open_case])
    person_id = next(c["person_id"] for c in record["contacts"] if c["contact_id"] == closed)
    opening = f"/api/v1/audit/contacts/{closed}/opening"
    assert client.post(opening, params={"subject": person_id}, headers=ig).status_code == 200
    html, _ = _exported(client.post(EXPORT, json=PERSON, headers=ig).content)
    assert "Left alone at the weekend" in html

    done = run(database, SYSADMIN, SCHEDULE, keyring=app.state.keyring, now=_past_every_date())
    assert [str(d.id) for d in done.destroyed] == [closed]

    # The case is gone from the person's record; the open one is still there.
    record = client.post(RECORD, json=PERSON, headers=ig).json()
    assert [c["contact_id"] for c in record["contacts"]] == [open_case]
    # What was opened from it before can be opened no more, and the export leaves it out.
    again = client.post(opening, params={"subject": person_id}, headers=ig)
    assert again.status_code in (404, 410), again.text
    exported = client.post(EXPORT, json=PERSON, headers=ig)
    assert exported.status_code == 200, exported.text
    html, doc = _exported(exported.content)
    assert doc["opened_contacts"] == []
    assert "Left alone at the weekend" not in html
