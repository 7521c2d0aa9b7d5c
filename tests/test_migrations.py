"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

import hub.models  # noqa: F401 (every table on the metadata)
from hub.db import Base
from tests.conftest import DatabaseUrls


def test_migrated_schema_matches_the_models(database_urls: DatabaseUrls) -> None:
    engine = create_engine(database_urls.owner)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert differences == []
