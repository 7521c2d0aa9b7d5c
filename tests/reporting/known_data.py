"""A small known set of contacts, screenings, checks and products in March 2026.

Contacts go in through the real API (so their details are really sealed and their people
really indexed); their times are then set to known moments, as the hub would have stamped
them had they arrived then. March 2026 is GMT until the 29th, so UTC is London time.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from hub.contacts.models import Contact
from hub.db import Database
from hub.enquiries.models import CheckRequest, Enquiry
from hub.products.models import InformationProduct
from hub.screening.models import ContactScreening
from tests.conftest import AuthHeaders

FIRST_DAY = "2026-03-02"  # a Monday
LAST_DAY = "2026-03-15"  # the Sunday a fortnight on

TAMSIN = {
    "given_name": "Tamsin",
    "family_name": "Quorley",
    "date_of_birth": "2016-05-04",
    "sex": "female",
    "ethnicity": "WBRI",
}
# Only an age: no date of birth, sex or ethnicity held.
BROTHER = {"given_name": "Idris", "family_name": "Quorley", "age_years": 7}
KOFI = {"given_name": "Kofi", "family_name": "Mensah-Abbey", "sex": "male", "ethnicity": "BAFR"}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def contact_body(children: list[dict[str, Any]], **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "channel": "web_form",
        "children": children,
        "worries": ["neglect"],
        "concern": "The children are often collected late and seem hungry.",
        "consent": {"status": "obtained"},
    }
    body.update(overrides)
    return body


@dataclass
class KnownData:
    contacts: dict[str, uuid.UUID]


# Sends a contact as the hub's admin officer would and answers with its reference.
SendContact = Callable[[dict[str, Any]], str]


def _record(send: SendContact, database: Database, body: dict[str, Any]) -> uuid.UUID:
    reference = send(body)
    with database.session() as session:
        return session.execute(
            select(Contact.id).where(Contact.reference == reference)
        ).scalar_one()


def through_test_client(client: TestClient, auth: AuthHeaders) -> SendContact:
    def send(body: dict[str, Any]) -> str:
        created = client.post("/api/v1/contacts", json=body, headers=auth("mash_admin"))
        assert created.status_code == 201, created.text
        return str(created.json()["reference"])

    return send


def _screen(
    database: Database,
    contact_id: uuid.UUID,
    *,
    received: str,
    rag: str | None = None,
    deadline: str | None = None,
    decided: str | None = None,
    outcome: str | None = None,
) -> None:
    with database.session() as session, session.begin():
        session.execute(
            update(Contact).where(Contact.id == contact_id).values(received_at=at(received))
        )
        session.execute(
            update(ContactScreening)
            .where(ContactScreening.contact_id == contact_id)
            .values(
                rag=rag,
                rag_deadline=at(deadline) if deadline else None,
                screened_at=at(received) if rag else None,
                decided_at=at(decided) if decided else None,
                outcome=outcome,
            )
        )


def load_known_data(client: TestClient, auth: AuthHeaders, database: Database) -> KnownData:
    return load_known_data_with(through_test_client(client, auth), database)


def load_known_data_with(send: SendContact, database: Database) -> KnownData:
    """Four contacts in the fortnight, one after it; see the figures the tests expect."""
    ids = {
        # Mon 2 Mar 09:00, a school (2A); red, decided in 3 hours: no further action.
        "school": _record(send, database, contact_body([TAMSIN], referrer={"source": "2A"})),
        # Mon 2 Mar 23:30 by phone, the GP (3A), two children; amber, decided 34.5 hours
        # later, after its deadline: a MASH enquiry.
        "gp": _record(
            send,
            database,
            contact_body([TAMSIN, BROTHER], channel="phone", referrer={"source": "3A"}),
        ),
        # Tue 10 Mar 10:00, a police notification; green, decided in 24 hours: early help.
        "police": _record(send, database, contact_body([KOFI], channel="police_notification")),
        # Wed 11 Mar 10:00 from the public, source not given; not yet rated.
        "public": _record(send, database, contact_body([BROTHER])),
        # Sun 29 Mar 23:30 UTC, after the window: 00:30 on Monday 30 March in London (BST).
        "later": _record(send, database, contact_body([KOFI])),
    }
    _screen(
        database,
        ids["school"],
        received="2026-03-02 09:00",
        rag="red",
        deadline="2026-03-02 13:00",
        decided="2026-03-02 12:00",
        outcome="nfa",
    )
    _screen(
        database,
        ids["gp"],
        received="2026-03-02 23:30",
        rag="amber",
        deadline="2026-03-03 23:30",
        decided="2026-03-04 10:00",
        outcome="mash_enquiry",
    )
    _screen(
        database,
        ids["police"],
        received="2026-03-10 10:00",
        rag="green",
        deadline="2026-03-13 10:00",
        decided="2026-03-11 10:00",
        outcome="early_help",
    )
    _screen(database, ids["public"], received="2026-03-11 10:00")
    _screen(
        database,
        ids["later"],
        received="2026-03-29 23:30",
        rag="red",
        deadline="2026-03-30 03:30",
        outcome=None,
    )
    _enquiry_with_checks_and_products(database, ids["gp"])
    return KnownData(contacts=ids)


def _enquiry_with_checks_and_products(database: Database, contact_id: uuid.UUID) -> None:
    """The GP's contact's enquiry: police answer on time, health late, education never;
    one check after the window; a strategy discussion authorised, a CIN draft not."""
    with database.session() as session, session.begin():
        enquiry = Enquiry(
            contact_id=contact_id,
            rag="amber",
            status="open",
            opened_by="manager-1",
            opened_at=at("2026-03-04 10:00"),
        )
        session.add(enquiry)
        session.flush()
        for agency, requested, due, answered in (
            ("police", "2026-03-04 10:30", "2026-03-04 16:30", "2026-03-04 12:00"),
            ("health", "2026-03-04 10:30", "2026-03-04 16:30", "2026-03-05 09:00"),
            ("education", "2026-03-04 10:30", "2026-03-04 16:30", None),
            ("housing", "2026-03-20 10:30", "2026-03-20 16:30", "2026-03-20 11:00"),
        ):
            session.add(
                CheckRequest(
                    enquiry_id=enquiry.id,
                    agency=agency,
                    requested_by="sw-1",
                    requested_at=at(requested),
                    due_at=at(due),
                    status="pending" if answered is None else "disclosed",
                    answered_at=at(answered) if answered else None,
                    answered_by=None if answered is None else f"{agency}-rep",
                    sealed_question=b"not read by these figures",
                )
            )
        for status, outcome in (
            ("authorised", "strategy_discussion"),
            ("draft", "child_in_need_assessment"),
        ):
            session.add(
                InformationProduct(
                    enquiry_id=enquiry.id,
                    status=status,
                    proposed_outcome=outcome,
                    disclosure_ids="[]",
                    sealed_analysis=b"not read by these figures",
                    compiled_by="sw-1",
                    compiled_at=at("2026-03-06 10:00"),
                )
            )
