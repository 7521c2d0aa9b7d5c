"""The services behind the board and the contact page, as the API and the pages call them."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from hub.audit.models import AuditEntry
from hub.auth.principal import Principal, Role
from hub.contacts.models import ContactPerson
from hub.db import Database, transaction, utcnow
from hub.screening.board import BoardFilters, Whose, screening_board
from tests.conftest import AuthHeaders

SOCIAL_WORKER = Principal("sw-board", Role.mash_social_worker)


def a_contact(given: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "children": [{"given_name": given, "family_name": "Quorley", "age_years": 9}],
        "worries": ["neglect"],
        "concern": "Often collected late and seems hungry.",
        "consent": {"status": "obtained"},
    }
    body.update(overrides)
    return body


def test_the_api_gives_back_what_the_referrer_said_of_each_person(
    client: TestClient, auth: AuthHeaders
) -> None:
    body = a_contact(
        "Tamsin",
        adults=[{"given_name": "Dean", "relationship": "dad", "age_years": 38}],
    )
    body["children"][0].update(school="Riverton Primary", sex="female")
    created = client.post("/api/v1/contacts", json=body, headers=auth("mash_admin"))
    assert created.status_code == 201
    listing = client.get("/api/v1/contacts", headers=auth("mash_social_worker")).json()
    contact_id = listing["items"][0]["id"]
    read = client.get(f"/api/v1/contacts/{contact_id}", headers=auth("mash_social_worker"))
    child, adult = read.json()["people"]
    assert (child["age_years"], child["school"], child["sex"]) == (9, "Riverton Primary", "female")
    assert (adult["relationship"], adult["age_years"]) == ("dad", 38)


def board_entries(database: Database) -> list[AuditEntry]:
    with database.session() as session:
        return list(
            session.scalars(
                select(AuditEntry)
                .where(AuditEntry.actor_sub == SOCIAL_WORKER.sub)
                .order_by(AuditEntry.id)
            )
        )


def test_the_board_is_one_list_entry_naming_the_people_on_its_cards_and_then_only_changes(
    app: FastAPI, client: TestClient, auth: AuthHeaders, database: Database
) -> None:
    keyring = app.state.keyring
    tamsin = client.post("/api/v1/contacts", json=a_contact("Tamsin"))
    assert tamsin.status_code == 201
    with transaction(database) as session:
        board = screening_board(session, SOCIAL_WORKER, keyring=keyring)
        drawn_at = board.drawn_at
        [card] = board.cards
        people = [str(p) for p in session.scalars(select(ContactPerson.id))]
    assert [c.name for c in card.children] == ["Tamsin Quorley"]
    assert card.rag == "unrated"
    [entry] = board_entries(database)
    assert (entry.action, entry.resource_kind, entry.outcome) == ("list", "contact", "allowed")
    assert sorted(json.loads(entry.subject_ids)) == sorted(people)

    # Rated by a colleague, and a new contact: the next look since then has both; a look
    # from long after has neither (its margin aside).
    rated = client.post(
        f"/api/v1/contacts/{card.contact_id}/screening",
        json={"threshold_level": 2, "threshold_reason": "Early help would do.", "rag": "green"},
        headers=auth("mash_social_worker"),
    )
    assert rated.status_code == 200
    assert client.post("/api/v1/contacts", json=a_contact("Owen")).status_code == 201
    with transaction(database) as session:
        changes = screening_board(session, SOCIAL_WORKER, keyring=keyring, since=drawn_at)
        later = screening_board(
            session, SOCIAL_WORKER, keyring=keyring, since=utcnow() + timedelta(hours=1)
        )
        mine = screening_board(
            session, SOCIAL_WORKER, keyring=keyring, filters=BoardFilters(whose=Whose.mine)
        )
        reds = screening_board(
            session, SOCIAL_WORKER, keyring=keyring, filters=BoardFilters(rags=frozenset({"red"}))
        )
    assert sorted(c.children[0].name or "" for c in changes.cards) == [
        "Owen Quorley",
        "Tamsin Quorley",
    ]
    assert {c.rag for c in changes.cards} == {"green", "unrated"}
    assert later.cards == []
    assert mine.cards == []  # a colleague screened it
    assert reds.cards == []
    assert len(board_entries(database)) == 5
    assert all(e.outcome == "allowed" for e in board_entries(database))

    # Once screening ends, a board drawn before is told to take the card away.
    decided = client.post(
        f"/api/v1/contacts/{card.contact_id}/outcome",
        json={"outcome": "early_help", "reason": "Early help will visit."},
        headers=auth("mash_social_worker"),
    )
    assert decided.status_code == 200
    with transaction(database) as session:
        after = screening_board(session, SOCIAL_WORKER, keyring=keyring, since=drawn_at)
    assert after.removed == [card.contact_id]
    assert [c.children[0].name for c in after.cards] == ["Owen Quorley"]
