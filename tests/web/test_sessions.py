"""Signed-in sessions: the dev sign-in, cookies, CSRF and Origin, expiry, and pages that
make the same decisions and audit entries as the API."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.responses import Response
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from hub.audit.models import AuditEntry
from hub.auth.models import WebSession
from hub.contacts.models import Contact
from hub.db import Database, utcnow
from hub.web.dependencies import set_session_cookie
from hub.web.security import FormTokens
from hub.web.sessions import SessionRules
from tests.conftest import AuthHeaders

COOKIE = "hub_session"


def _form_token(html: str) -> str:
    found = re.search(r'name="form_token" value="([^"]+)"', html)
    assert found, "the page carries a form token"
    return found.group(1)


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page carries the session's CSRF token"
    return found.group(1)


def sign_in_as(client: TestClient, person: str) -> str:
    page = client.get("/")
    response = client.post(
        "/dev/sign-in",
        data={"form_token": _form_token(page.text), "person": person},
        follow_redirects=False,
    )
    assert response.status_code == 303
    return response.cookies[COOKIE]


def service_links(client: TestClient) -> set[str]:
    """The service navigation's links on the signed-in person's start page, by their text."""
    page = client.get("/").text
    nav = page.split('class="govuk-service-navigation__list"')[1].split("</ul>")[0]
    texts = re.findall(r"<a [^>]*>(.*?)</a>", nav, re.DOTALL)
    return {" ".join(re.sub(r"<[^>]+>", "", t).split()) for t in texts}


def _audit(database: Database, action: str) -> list[AuditEntry]:
    with database.session() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_the_dev_sign_in_lists_a_person_for_every_role_agency_and_team(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert "Sign in as a demo person" in page.text
    for who in (
        "MASH social worker",
        "MASH manager",
        "MASH admin officer",
        "police",
        "Duty and Assessment A",
        "information governance officer",
    ):
        assert who in page.text


def test_one_click_signs_a_social_worker_in_to_the_screening_board(
    client: TestClient, database: Database
) -> None:
    raw = sign_in_as(client, "sw")
    cookie = client.cookies.jar
    set_cookie = next(c for c in cookie if c.name == COOKIE)
    assert set_cookie.has_nonstandard_attr("HttpOnly")
    board = client.get("/")
    assert "Screening board" in board.text
    assert "Signed in as <strong>Sam Okafor</strong>, MASH social worker" in board.text
    assert "Sign out" in board.text
    # Only the hash of the cookie's id is in the database.
    with database.session() as session:
        rows = session.scalars(select(WebSession)).all()
        assert [row.id_hash for row in rows] == [hashlib.sha256(raw.encode()).hexdigest()]
        assert raw not in repr([(r.id_hash, r.csrf_token) for r in rows])
    [entry] = _audit(database, "sign_in")
    assert (entry.actor_sub, entry.actor_role, entry.outcome) == (
        "demo-sw",
        "mash_social_worker",
        "allowed",
    )


def test_the_board_page_makes_the_same_decision_and_audit_entry_as_the_api(
    client: TestClient, database: Database, auth: AuthHeaders
) -> None:
    sign_in_as(client, "sw")
    assert client.get("/").status_code == 200
    api = client.get("/api/v1/screening/queue", headers=auth("mash_social_worker"))
    assert api.status_code == 200
    with database.session() as session:
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.reason == "screening queue")
        ).all()
    page_entry, api_entry = entries
    same = ("action", "resource_kind", "outcome", "rule", "actor_role")
    assert [getattr(page_entry, f) for f in same] == [getattr(api_entry, f) for f in same]


def test_sign_out_needs_the_sessions_csrf_token_and_then_ends_the_session(
    client: TestClient, database: Database
) -> None:
    raw = sign_in_as(client, "manager")
    board = client.get("/")
    refused = client.post("/sign-out", data={}, follow_redirects=False)
    assert refused.status_code == 403
    assert "This form has expired" in refused.text
    assert "Screening board" in client.get("/").text  # still signed in

    out = client.post("/sign-out", data={"csrf_token": _csrf(board.text)}, follow_redirects=False)
    assert out.status_code == 303
    assert out.headers["location"].endswith("/signed-out")
    assert "Sign in as a demo person" in client.get("/").text
    client.cookies.set(COOKIE, raw)  # a kept copy of the cookie opens nothing
    assert "Sign in as a demo person" in client.get("/").text
    assert [e.actor_sub for e in _audit(database, "sign_out")] == ["demo-manager"]


def test_a_form_posted_from_another_site_is_refused(client: TestClient) -> None:
    page = client.get("/")
    response = client.post(
        "/dev/sign-in",
        data={"form_token": _form_token(page.text), "person": "sw"},
        headers={"Origin": "https://attacker.example"},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert COOKIE not in response.cookies


@pytest.mark.parametrize(
    ("column", "age"),
    [("last_seen_at", timedelta(minutes=31)), ("created_at", timedelta(hours=10, minutes=1))],
)
def test_an_idle_or_too_old_session_ends_and_says_so(
    client: TestClient, database: Database, column: str, age: timedelta
) -> None:
    sign_in_as(client, "sw")
    with database.session() as session, session.begin():
        session.execute(update(WebSession).values({column: utcnow() - age}))
    page = client.get("/")
    assert "Your session ended" in page.text
    assert "Screening board" not in page.text
    [entry] = _audit(database, "session_expired")
    assert entry.actor_sub == "demo-sw"
    assert entry.reason == ("idle" if column == "last_seen_at" else "absolute")
    with database.session() as session:
        assert session.scalars(select(WebSession)).all() == []


def test_outside_dev_mode_there_is_no_dev_sign_in(app: FastAPI, client: TestClient) -> None:
    app.state.settings = app.state.settings.model_copy(update={"dev_mode": False})
    assert client.get("/dev/sign-in").status_code == 404
    assert client.post("/dev/sign-in", data={"person": "sw"}).status_code == 404
    assert "Sign in as a demo person" not in client.get("/").text


def test_outside_dev_mode_the_cookie_is_host_only_and_secure() -> None:
    class State:
        session_rules = SessionRules(
            idle=timedelta(minutes=30), absolute=timedelta(hours=10), secure=True
        )

    class App:
        state = State()

    class Request:
        app = App()

    response = Response()
    set_session_cookie(Request(), response, "opaque")  # type: ignore[arg-type]
    header = response.headers["set-cookie"]
    assert header.startswith("__Host-hub_session=opaque;")
    assert "HttpOnly" in header
    assert "Secure" in header
    assert "Path=/" in header
    assert "SameSite=lax" in header
    assert "Domain" not in header


def test_the_public_form_refuses_a_missing_or_forged_form_token(client: TestClient) -> None:
    assert client.post("/refer/send", data={"concern": "x"}).status_code == 403
    forged = client.post("/refer/send", data={"form_token": "abc.def.ghi", "concern": "x"})
    assert forged.status_code == 403


def test_a_signed_in_professional_finds_their_name_filled_in_and_the_contact_is_theirs(
    client: TestClient, database: Database
) -> None:
    sign_in_as(client, "referrer")
    form = client.get("/refer")
    assert 'value="Jo Teacher"' in form.text
    answers = {
        "form_token": _form_token(form.text),
        "children_count": "1",
        "adults_count": "0",
        "source": "2A",
        "children-0-given_name": "Ava",
        "worries": "neglect",
        "concern": "Comes to school hungry every day.",
        "consent": "obtained",
        "referrer_name": "Jo Teacher",
        "referrer_organisation": "Riverton Primary",
        "referrer_email": "jo@riverton.example",
    }
    without_csrf = client.post("/refer/send", data=answers)
    assert "Check your answers, then send" in without_csrf.text  # shown again, not sent
    with database.session() as session:
        assert session.scalars(select(Contact)).all() == []
    sent = client.post("/refer/send", data={**answers, "csrf_token": _csrf(form.text)})
    assert sent.status_code == 200
    assert "We have your concern" in sent.text
    with database.session() as session:
        contact = session.scalars(select(Contact)).one()
        assert (contact.referrer_kind, contact.submitted_by) == ("professional", "demo-teacher")


def test_a_professional_whose_session_ends_mid_form_signs_in_again_and_keeps_their_answers(
    client: TestClient, database: Database
) -> None:
    sign_in_as(client, "referrer")
    form = client.get("/refer")
    answers = {
        "form_token": _form_token(form.text),
        "csrf_token": _csrf(form.text),
        "was_signed_in": "yes",
        "children_count": "1",
        "adults_count": "0",
        "source": "3B",
        "children-0-given_name": "Ruby",
        "worries": "neglect",
        "concern": "The baby has lost weight since my last visit.",
        "consent": "obtained",
        "referrer_name": "Jo Teacher",
        "referrer_organisation": "Riverton Health Visiting",
        "referrer_phone": "01632 960 123",
    }
    with database.session() as session, session.begin():
        session.execute(update(WebSession).values(last_seen_at=utcnow() - timedelta(hours=1)))

    ended = client.post("/refer/send", data=answers)
    assert "your session ended, so nothing has been sent" in ended.text
    assert "The baby has lost weight since my last visit." in ended.text  # kept on the page
    with database.session() as session:
        assert session.scalars(select(Contact)).all() == []

    # Signed in again (in another tab), the person sends the page they still have.
    sign_in_as(client, "referrer")
    again = client.post("/refer/send", data=answers)
    assert "You have signed in again" in again.text
    sent = client.post("/refer/send", data={**answers, "csrf_token": _csrf(again.text)})
    assert "We have your concern" in sent.text
    with database.session() as session:
        contact = session.scalars(select(Contact)).one()
        assert (contact.referrer_kind, contact.submitted_by) == ("professional", "demo-teacher")


def test_the_public_forms_answers_never_reach_the_logs_or_a_url(
    client: TestClient, capsys: pytest.CaptureFixture[str]
) -> None:
    form = client.get("/refer")
    answers = {
        "form_token": _form_token(form.text),
        "children_count": "1",
        "adults_count": "0",
        "source": "1A",
        "children-0-given_name": "Perpetua",
        "children-0-family_name": "Vandersloot",
        "children-0-address": "17 Quillington Mews",
        "worries": "physical_abuse",
        "concern": "Bruising on her forearms at swimming",
        "consent": "not_sought",
        "consent_reason": "Her stepfather Ozymandias would punish her",
    }
    checked = client.post("/refer", data={**answers, "action": "continue"})
    assert "Check your answers" in checked.text
    sent = client.post("/refer/send", data=answers)
    assert "We have your concern" in sent.text
    assert str(sent.url).endswith("/refer/send")
    logged = capsys.readouterr()
    for typed in ("Perpetua", "Vandersloot", "Quillington", "Bruising", "Ozymandias"):
        assert typed not in logged.out + logged.err


def test_a_form_left_open_past_its_tokens_lifetime_comes_back_with_the_answers(
    app: FastAPI, client: TestClient, database: Database
) -> None:
    form = client.get("/refer")
    # Every token is past its lifetime from the moment it is made (no clock needed).
    app.state.form_tokens = FormTokens(app.state.settings.key_dir, max_age_seconds=-1)
    answers = {
        "form_token": _form_token(form.text),
        "children_count": "1",
        "source": "1C",
        "children-0-given_name": "Kai",
        "worries": "emotional_abuse",
        "concern": "My mum's boyfriend shouts at me and says I am stupid.",
        "consent": "not_sought",
        "consent_reason": "He would be angry",
    }
    page = client.post("/refer/send", data=answers)
    assert page.status_code == 200
    assert "This page was open for a long time, so nothing has been sent" in page.text
    assert "My mum&#39;s boyfriend shouts at me" in page.text
    assert _form_token(page.text) != answers["form_token"]  # a fresh one to continue with
    with database.session() as session:
        assert session.scalars(select(Contact)).all() == []
    forged = client.post("/refer/send", data={**answers, "form_token": "x" + answers["form_token"]})
    assert forged.status_code == 403
