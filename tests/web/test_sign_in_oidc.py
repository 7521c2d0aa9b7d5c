"""Signing in through a real OpenID provider (npm oidc-provider, tests/idp/server.mjs), with
the full redirect dance in Chromium, and the ways a sign-in must be refused."""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urljoin

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey
from playwright.sync_api import Page, Route, expect
from pydantic import SecretStr
from sqlalchemy import select, update

from hub.app import create_app
from hub.audit.models import AuditEntry
from hub.auth.models import WebSession
from hub.auth.oidc import IdentityProvider, SignInFailed
from hub.db import Database
from hub.settings import Settings
from tests.web.conftest import CheckPage, LiveHub, loopback_socket, serve, url_of

pytestmark = pytest.mark.browser

T = TypeVar("T")
IDP_DIR = Path(__file__).resolve().parent.parent / "idp"
CLIENT_ID = "mash-hub"
ROLE_MAP = (
    "MASH.SocialWorker=mash_social_worker",
    "MASH.Manager=mash_manager",
    "MASH.Police=agency_rep:police",
)


class Provider:
    def __init__(self, issuer: str, key: ECKey) -> None:
        self.issuer = issuer
        self.key = key


@pytest.fixture
def idp_key() -> ECKey:
    return ECKey.generate_key(
        "P-256", parameters={"kid": "test-idp", "use": "sig", "alg": "ES256"}, private=True
    )


@pytest.fixture
def live_hub(
    settings: Settings, database: Database, tmp_path: Path, idp_key: ECKey
) -> Iterator[LiveHub]:
    """The hub on a loopback port, signing in through its own oidc-provider."""
    if not (IDP_DIR / "node_modules" / "oidc-provider").exists():
        pytest.fail("the test OpenID provider is not installed: cd tests/idp && npm ci (make does)")
    sock = loopback_socket()
    hub_url = url_of(sock)
    config = {
        "client": {
            "client_id": CLIENT_ID,
            "client_secret": "a-test-client-secret-of-reasonable-length",
            "redirect_uris": [f"{hub_url}/sign-in/callback"],
            "post_logout_redirect_uris": [f"{hub_url}/signed-out"],
        },
        "jwks": {"keys": [idp_key.as_dict(private=True)]},
        "users": json.loads((IDP_DIR / "users.json").read_text()),
    }
    config_path = tmp_path / "idp.json"
    config_path.write_text(json.dumps(config))
    node = subprocess.Popen(  # noqa: S603 (a fixed command line, our own script)
        ["node", str(IDP_DIR / "server.mjs"), str(config_path)],  # noqa: S607
        cwd=IDP_DIR,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert node.stdout is not None
        issuer = json.loads(node.stdout.readline())["issuer"]
        oidc_settings = settings.model_copy(
            update={
                "idp_issuer": issuer,
                "idp_client_id": CLIENT_ID,
                "idp_client_secret": SecretStr(config["client"]["client_secret"]),  # type: ignore[index]
                "idp_role_map": ROLE_MAP,
                "idp_scopes": "openid profile roles",
            }
        )
        app = create_app(oidc_settings, database=database)
        app.state.test_issuer = issuer
        for url in serve(app, sock):
            yield LiveHub(url, app, oidc_settings, database)
    finally:
        node.terminate()
        node.wait(timeout=10)


def sign_in_at_the_provider(page: Page, login: str) -> None:
    page.get_by_placeholder("Enter any login").fill(login)
    page.get_by_placeholder("and password").fill("any password")
    page.get_by_role("button", name="Sign-in").click()


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to the end on a thread of its own (Playwright's loop owns this one)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _audit(database: Database, action: str) -> list[AuditEntry]:
    with database.session() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_a_social_worker_signs_in_through_the_councils_provider_and_out_again(
    page: Page, live_hub: LiveHub, check_page: CheckPage
) -> None:
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto("/")
    page.get_by_role("link", name="Sign in with your work account").click()
    authorize = next(u for u in requests if "/auth?" in u)
    assert "code_challenge_method=S256" in authorize
    assert "nonce=" in authorize
    sign_in_at_the_provider(page, "alice")

    expect(page.get_by_role("heading", level=1)).to_have_text("Screening board")
    expect(page.get_by_text("Signed in as Alice Adeyemi, MASH social worker")).to_be_visible()
    check_page(page, "signed in through the provider")
    # Nothing from the provider is kept in the browser: one opaque session cookie. (Cookies
    # do not keep ports apart, so the test provider's own, named "_...", show here too.)
    cookies = {c["name"]: c for c in page.context.cookies(live_hub.url)}
    assert {name for name in cookies if not name.startswith("_")} == {"hub_session"}
    assert cookies["hub_session"]["httpOnly"]
    assert cookies["hub_session"]["sameSite"] == "Lax"
    [entry] = _audit(live_hub.database, "sign_in")
    assert (entry.actor_sub, entry.actor_role) == ("alice", "mash_social_worker")

    page.get_by_role("button", name="Sign out").click()
    # The provider ends its own session too (RP-initiated logout), then sends us back.
    page.get_by_role("button", name="Yes, sign me out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You have signed out")
    assert [e.actor_sub for e in _audit(live_hub.database, "sign_out")] == ["alice"]


@pytest.mark.parametrize(
    ("login", "reason", "says"),
    [
        ("nina", "no_role", "does not give you a role"),
        ("carl", "conflicting_roles", "more than one role"),
    ],
)
def test_a_person_whose_claims_give_no_single_hub_role_is_refused_with_a_page(
    page: Page, live_hub: LiveHub, check_page: CheckPage, login: str, reason: str, says: str
) -> None:
    page.goto("/sign-in")
    sign_in_at_the_provider(page, login)
    expect(page.get_by_role("heading", level=1)).to_have_text("You cannot sign in")
    expect(page.get_by_text(says)).to_be_visible()
    check_page(page, f"sign-in refused ({reason})", status=403)
    [entry] = _audit(live_hub.database, "sign_in_refused")
    assert (entry.actor_sub, entry.reason, entry.outcome) == (login, reason, "denied")
    assert "hub_session" not in {c["name"] for c in page.context.cookies(live_hub.url)}


def _tamper_callback(page: Page, first: str, change: Callable[[str], str]) -> None:
    """Change the provider's answer (its redirect back to the hub) with ``change(url)``.

    Playwright routes only the first request of a redirect chain, so the chain that starts
    at ``first`` is followed here, with the browser's own cookies, up to the redirect to
    the hub's callback, which the browser then gets changed."""

    changed: list[str] = []

    def handle(route: Route) -> None:
        if changed or (first.endswith("interaction/*") and route.request.method != "POST"):
            route.continue_()
            return
        response = route.fetch(max_redirects=0)
        location = response.headers.get("location", "")
        while location and "/sign-in/callback?" not in location:
            target = urljoin(response.url, location)
            response = page.request.get(target, max_redirects=0)
            location = response.headers.get("location", "")
        changed.append(location)
        route.fulfill(status=303, headers={"location": change(location)})

    page.route(first, handle)


def _refused_for(live_hub: LiveHub, reason_starts: str) -> None:
    entries = _audit(live_hub.database, "sign_in_refused")
    assert [e.reason or "" for e in entries][-1].startswith(reason_starts)
    with live_hub.database.session() as session:
        assert session.scalars(select(WebSession).where(WebSession.stage == "active")).all() == []


def test_an_answer_with_the_wrong_state_is_refused(page: Page, live_hub: LiveHub) -> None:
    _tamper_callback(page, "**/interaction/*", lambda u: u.replace("state=", "state=x"))
    page.goto("/sign-in")
    sign_in_at_the_provider(page, "alice")
    expect(page.get_by_role("heading", level=1)).to_have_text("You cannot sign in")
    _refused_for(live_hub, "state_mismatch")


def test_a_replayed_code_is_refused(page: Page, live_hub: LiveHub) -> None:
    first_answers: list[str] = []
    page.on(
        "request",
        lambda r: first_answers.append(r.url) if "/sign-in/callback?" in r.url else None,
    )
    page.goto("/sign-in")
    sign_in_at_the_provider(page, "alice")
    expect(page.get_by_role("heading", level=1)).to_have_text("Screening board")
    used_code = first_answers[0].split("code=")[1].split("&")[0]

    # A second sign-in in the same browser; its answer carries the first, used, code.
    def old_code(url: str) -> str:
        fresh = url.split("code=")[1].split("&")[0]
        return url.replace(fresh, used_code)

    _tamper_callback(page, "**/sign-in", old_code)
    page.goto("/sign-in")
    expect(page.get_by_role("heading", level=1)).to_have_text("You cannot sign in")
    entries = _audit(live_hub.database, "sign_in_refused")
    assert entries[-1].reason == "token_refused:invalid_grant"


def test_an_id_token_with_the_wrong_nonce_is_refused(page: Page, live_hub: LiveHub) -> None:
    def forget_nonce(url: str) -> str:
        # The hub's held sign-in expects another nonce than the one the provider put in the
        # ID token, as when a token is injected from another sign-in.
        with live_hub.database.session() as session, session.begin():
            for row in session.scalars(select(WebSession)):
                held = json.loads(row.sign_in or "{}")
                held["nonce"] = "a-different-nonce"
                session.execute(
                    update(WebSession)
                    .where(WebSession.id_hash == row.id_hash)
                    .values(sign_in=json.dumps(held))
                )
        return url

    _tamper_callback(page, "**/interaction/*", forget_nonce)
    page.goto("/sign-in")
    sign_in_at_the_provider(page, "alice")
    expect(page.get_by_role("heading", level=1)).to_have_text("You cannot sign in")
    _refused_for(live_hub, "id_token_refused")


def test_an_id_token_for_another_audience_is_refused(live_hub: LiveHub, idp_key: ECKey) -> None:
    """Signed by the provider's own key, right issuer and nonce, but for another client."""
    provider = IdentityProvider(live_hub.settings)
    now = int(time.time())

    def id_token(audience: str) -> dict[str, str]:
        claims = {
            "iss": live_hub.app.state.test_issuer,
            "sub": "alice",
            "aud": audience,
            "iat": now,
            "exp": now + 300,
            "nonce": "n-123",
            "roles": ["MASH.SocialWorker"],
        }
        header = {"alg": "ES256", "kid": "test-idp"}
        return {"id_token": jwt.encode(header, claims, idp_key)}

    accepted = run_async(provider.verify_id_token(id_token(CLIENT_ID), nonce="n-123"))
    assert accepted.claims["sub"] == "alice"
    with pytest.raises(SignInFailed) as refused:
        run_async(provider.verify_id_token(id_token("another-client"), nonce="n-123"))
    assert refused.value.reason.startswith("id_token_refused")
