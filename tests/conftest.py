"""Shared fixtures: real databases, real keys, real signed tokens.

Every test that touches a database runs twice, on SQLite and on PostgreSQL, each time
on a fresh database copied from a migrated template, so tests never share state and
every commit is a real commit. PostgreSQL is the server named by HUB_TEST_DATABASE_URL;
without it those runs are skipped, with the reason shown in the summary.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from hub.app import create_app
from hub.auth.principal import Role
from hub.auth.tokens import issue_token
from hub.cli import ensure_keys
from hub.db import Database, make_engine
from hub.db_roles import grant_app_role
from hub.migrations import upgrade
from hub.settings import DEV_ISSUER, Settings

REPO_ROOT = Path(__file__).resolve().parent.parent
POLICY_DIR = REPO_ROOT / "policies"
PG_URL_ENV = "HUB_TEST_DATABASE_URL"
PG_SKIP_REASON = f"PostgreSQL tests need {PG_URL_ENV} (make test in CI sets it)"


@pytest.fixture(scope="session")
def key_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("keys")
    ensure_keys(Settings(dev_mode=True, key_dir=directory))
    return directory


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


# PostgreSQL runs the way a council deploys it: migrations as the schema owner, the app as
# a role with only INSERT and SELECT on the audit tables (README, "Database roles").
PG_OWNER_ROLE = "hub_test_owner"
PG_APP_ROLE = "hub_test_app"
PG_ROLES_LOCK = 0x6875625F726F6C65  # "hub_role"


def _admin_engine(url: str) -> Engine:
    admin_url = make_url(url).set(database="postgres")
    return create_engine(admin_url, isolation_level="AUTOCOMMIT")


def _as(url: str, *, user: str, database: str | None = None) -> str:
    changed = make_url(url).set(username=user)
    if database is not None:
        changed = changed.set(database=database)
    return changed.render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A migrated template database on the PostgreSQL server, dropped at the end."""
    base_url = os.environ.get(PG_URL_ENV)
    if not base_url:
        pytest.skip(PG_SKIP_REASON)
    name = f"hub_tmpl_{uuid.uuid4().hex[:10]}"
    admin = _admin_engine(base_url)
    with admin.connect() as connection:
        # Parallel test workers share the server's roles: one creates them at a time.
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": PG_ROLES_LOCK})
        for role in (PG_OWNER_ROLE, PG_APP_ROLE):
            exists = connection.execute(
                text("SELECT 1 FROM pg_roles WHERE rolname = :role"), {"role": role}
            ).first()
            if not exists:
                connection.execute(text(f'CREATE ROLE "{role}" LOGIN'))
        connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": PG_ROLES_LOCK})
        connection.execute(text(f'CREATE DATABASE "{name}" OWNER "{PG_OWNER_ROLE}"'))
    owner_url = _as(base_url, user=PG_OWNER_ROLE, database=name)
    upgrade(owner_url)
    owner = create_engine(owner_url)
    with owner.begin() as connection:
        grant_app_role(connection, PG_APP_ROLE)
    owner.dispose()
    yield _as(base_url, user=make_url(base_url).username or "postgres", database=name)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@dataclass(frozen=True)
class DatabaseUrls:
    app: str
    owner: str


@pytest.fixture(params=["sqlite", "postgresql"])
def database_urls(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[DatabaseUrls]:
    """A fresh, migrated database for one test: the app's URL and the owner's."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "hub.db"
        shutil.copyfile(template, path)
        yield DatabaseUrls(f"sqlite:///{path}", f"sqlite:///{path}")
        return
    template_url: str = request.getfixturevalue("pg_template")
    template_name = make_url(template_url).database
    name = f"hub_test_{uuid.uuid4().hex[:10]}"
    admin = _admin_engine(template_url)
    with admin.connect() as connection:
        connection.execute(
            text(f'CREATE DATABASE "{name}" TEMPLATE "{template_name}" OWNER "{PG_OWNER_ROLE}"')
        )
    yield DatabaseUrls(
        _as(template_url, user=PG_APP_ROLE, database=name),
        _as(template_url, user=PG_OWNER_ROLE, database=name),
    )
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def database_url(database_urls: DatabaseUrls) -> str:
    return database_urls.app


# A test's audit entries are sequenced, and its checkpoints signed, when the test asks
# (``audit_log.sequence(...)``), never by the clock. Left running, the app's background
# sequencer made a pass part-way through a test on a busy machine and signed a first
# checkpoint of its own, so the test counted two. So the test app runs no background
# sequencer, and no checkpoint falls due with time.
NEVER_SECONDS = 10 * 365 * 24 * 3600.0


@pytest.fixture
def settings(database_url: str, database_urls: DatabaseUrls, key_dir: Path) -> Settings:
    return Settings(
        dev_mode=True,
        database_url=database_url,
        migration_database_url=database_urls.owner,
        key_dir=key_dir,
        policy_dir=POLICY_DIR,
        public_contacts_per_minute=1000,
        audit_background_sequencer=False,
        audit_checkpoint_every_seconds=NEVER_SECONDS,
    )


@pytest.fixture
def database(settings: Settings) -> Iterator[Database]:
    db = Database(make_engine(settings.database_url))
    yield db
    db.engine.dispose()


@pytest.fixture
def app(settings: Settings, database: Database) -> FastAPI:
    return create_app(settings, database=database)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


TokenFactory = Callable[..., str]


@pytest.fixture
def token_for(key_dir: Path) -> TokenFactory:
    """A real ES256 token from the dev issuer: ``token_for("agency_rep", agency="police")``."""

    def make(
        role: str,
        *,
        sub: str | None = None,
        agency: str | None = None,
        team: str | None = None,
        ttl_seconds: int = 600,
    ) -> str:
        return issue_token(
            key_dir,
            issuer=DEV_ISSUER,
            audience="mash-hub",
            sub=sub or f"{role}-{uuid.uuid4().hex[:6]}",
            role=Role(role),
            agency=agency,
            team=team,
            ttl_seconds=ttl_seconds,
        )

    return make


AuthHeaders = Callable[..., dict[str, str]]


@pytest.fixture
def auth(token_for: TokenFactory) -> AuthHeaders:
    """Authorization headers for a role: ``auth("operational", team="duty_a")``."""

    def headers(role: str, **claims: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token_for(role, **claims)}"}

    return headers
