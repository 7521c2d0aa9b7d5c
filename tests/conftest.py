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


def _admin_engine(url: str) -> Engine:
    admin_url = make_url(url).set(database="postgres")
    return create_engine(admin_url, isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A migrated template database on the PostgreSQL server, dropped at the end."""
    base_url = os.environ.get(PG_URL_ENV)
    if not base_url:
        pytest.skip(PG_SKIP_REASON)
    name = f"hub_tmpl_{uuid.uuid4().hex[:10]}"
    admin = _admin_engine(base_url)
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(base_url).set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database for one test."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "hub.db"
        shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
        return
    template_url: str = request.getfixturevalue("pg_template")
    template_name = make_url(template_url).database
    name = f"hub_test_{uuid.uuid4().hex[:10]}"
    admin = _admin_engine(template_url)
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"'))
    yield make_url(template_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def settings(database_url: str, key_dir: Path) -> Settings:
    return Settings(
        dev_mode=True,
        database_url=database_url,
        key_dir=key_dir,
        policy_dir=POLICY_DIR,
        public_contacts_per_minute=1000,
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
