"""A break-glass opening made for a case is that case's: its reason and the agency's review
notes are sealed under the case's key and go when the case is destroyed, while the opening
itself (who, when, which record, the verdict) stays on the agency's list and in the log."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from hub.db import Database
from hub.retention.service import run
from tests.enquiries.test_end_to_end import Hub
from tests.retention.test_retention import SCHEDULE, SYSADMIN, _nfa_contact, _past_every_date

REASON = "Child missing tonight; need the last known clinic contact."


def _health_record(hub: Hub) -> str:
    record = hub.post(
        "/api/v1/agencies/health/records",
        hub.health,
        {
            "source_ref": "EMIS-5521",
            "given_name": "Ottoline",
            "family_name": "Castellane",
            "date_of_birth": "2015-06-21",
            "record_type": "clinic_visit",
            "occurred_on": "2026-09-14",
            "summary": "Seen at clinic.",
        },
    ).json()
    return str(record["id"])


def test_a_break_glass_reason_goes_with_the_case_it_was_for(
    client: Any, auth: Any, app: FastAPI, database: Database
) -> None:
    hub = Hub(client, auth)
    case = _nfa_contact(hub)
    record_id = _health_record(hub)
    path = f"/api/v1/agencies/health/records/{record_id}/break-glass"
    for_the_case = hub.post(path, hub.manager, {"reason": REASON, "contact_id": case})
    assert for_the_case.status_code == 200, for_the_case.text
    unnamed = hub.post(path, hub.manager, {"reason": "Out of hours; no case number yet."})
    assert unnamed.status_code == 200, unnamed.text
    alerts = hub.get("/api/v1/agencies/health/break-glass", hub.health).json()
    by_case = {a["contact_id"]: a for a in alerts}
    assert by_case[case]["reason"] == REASON
    verdict = {"justified": True, "notes": "The emergency was real."}
    review = f"/api/v1/agencies/health/break-glass/{by_case[case]['id']}/review"
    assert hub.post(review, hub.health, verdict).status_code == 200

    done = run(database, SYSADMIN, SCHEDULE, keyring=app.state.keyring, now=_past_every_date())
    assert [str(d.id) for d in done.destroyed] == [case]

    alerts = hub.get("/api/v1/agencies/health/break-glass", hub.health).json()
    by_case = {a["contact_id"]: a for a in alerts}
    # The opening stays, with its verdict; its reason went with the case.
    gone = by_case[case]
    assert (gone["opened_by"], gone["reviewed_by"], gone["review_justified"]) == (
        "mgr-1",
        "hv-1",
        True,
    )
    assert gone["reason"] is None
    assert by_case[None]["reason"] == "Out of hours; no case number yet."
    # The log keeps both openings; IG can no longer open what the manager wrote for the case.
    first, second = sorted(
        (e for e in hub.audit(action="break_glass") if e["outcome"] == "allowed"),
        key=lambda e: e["id"],
    )
    destroyed = client.post(f"/api/v1/audit/entries/{first['id']}/text", headers=hub.ig)
    assert (destroyed.status_code, destroyed.json()["error"]) == (409, "text_destroyed")
    kept = client.post(f"/api/v1/audit/entries/{second['id']}/text", headers=hub.ig)
    assert kept.status_code == 200, kept.text
    assert "Out of hours" in kept.text


def test_a_break_glass_for_a_case_needs_the_case_to_exist(client: Any, auth: Any) -> None:
    hub = Hub(client, auth)
    record_id = _health_record(hub)
    path = f"/api/v1/agencies/health/records/{record_id}/break-glass"
    unknown = "00000000-0000-4000-8000-000000000000"
    refused = hub.post(path, hub.manager, {"reason": REASON, "contact_id": unknown})
    assert refused.status_code == 404
    assert hub.get("/api/v1/agencies/health/break-glass", hub.health).json() == []
