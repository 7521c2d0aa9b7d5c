"""The disclosure register the IG pages show: newest first, narrowed by agency, lawful basis
and dates, paged by a keyset cursor that neither repeats nor skips a disclosure, and each
page read on the log with its purpose. On SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from hub.audit import governance
from hub.audit import service as audit
from hub.audit.ig_repository import RegisterFilters
from hub.audit.models import AuditEntry
from hub.auth.principal import Principal, Role
from hub.db import Database, transaction
from hub.kit.audit_event import AuditEvent, Outcome
from hub.kit.errors import NotFound

IG = Principal("ig-1", Role.ig_officer)
SOCIAL_WORKER = Principal("sw-1", Role.mash_social_worker)
BASES = ("dpa_2018_s35_sch8_para4", "uk_gdpr_9_2_h_dpa_sch1_para2")


def _disclosures_on_the_log(database: Database, count: int) -> list[str]:
    """``count`` disclosures, police and health in turn, as their agencies' answers log them."""
    made = []
    with transaction(database) as session:
        for n in range(count):
            agency = "police" if n % 2 == 0 else "health"
            disclosure_id = str(uuid.uuid4())
            audit.record(
                session,
                Principal(f"{agency}-rep", Role.agency_rep, agency=agency),
                AuditEvent(
                    action="create",
                    resource_kind="disclosure",
                    outcome=Outcome.allowed,
                    rule="p, agency_rep, disclosure, create, own",
                    resource_id=disclosure_id,
                    resource_owner=agency,
                    purpose="safeguarding enquiry",
                    lawful_basis=BASES[n % 2],
                ),
            )
            made.append(disclosure_id)
    return made


def _page(
    app: FastAPI,
    database: Database,
    filters: RegisterFilters,
    cursor: str | None,
    limit: int = 2,
) -> tuple[list[str], str | None]:
    keyring = app.state.keyring
    with transaction(database) as session:
        page = governance.register_page(
            session, IG, filters, keyring=keyring, purpose="SAR-7", limit=limit, cursor=cursor
        )
    return [row.disclosure.resource_id or "" for row in page.items], page.next_cursor


def test_the_register_pages_newest_first_without_repeating_or_skipping(
    app: FastAPI, database: Database
) -> None:
    made = _disclosures_on_the_log(database, 5)
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        ids, cursor = _page(app, database, RegisterFilters(), cursor)
        seen += ids
        pages += 1
        if cursor is None:
            break
    assert seen == list(reversed(made))
    assert pages == 3

    police, _ = _page(app, database, RegisterFilters(agency="police"), None, limit=10)
    assert police == [made[4], made[2], made[0]]
    health, _ = _page(app, database, RegisterFilters(lawful_basis=BASES[1]), None, limit=10)
    assert health == [made[3], made[1]]
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    later, _ = _page(app, database, RegisterFilters(since=tomorrow), None, limit=10)
    assert later == []

    with transaction(database) as session:
        looked = session.execute(
            select(AuditEntry.purpose, AuditEntry.text_commitment).where(
                AuditEntry.actor_sub == "ig-1",
                AuditEntry.resource_kind == "disclosure_register",
            )
        ).all()
    # Each page read is on the log with its purpose, sealed beside it (never in clear).
    assert len(looked) == pages + 3
    assert all(purpose is None and commitment for purpose, commitment in looked)


def test_someone_else_is_refused_the_register_as_if_it_were_not_there(
    app: FastAPI, database: Database
) -> None:
    _disclosures_on_the_log(database, 1)
    with pytest.raises(NotFound), transaction(database) as session:
        governance.register_page(
            session,
            SOCIAL_WORKER,
            RegisterFilters(),
            keyring=app.state.keyring,
            purpose="looking",
            limit=5,
            cursor=None,
        )
