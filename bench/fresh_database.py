"""A fresh database for one benchmark run: a temporary SQLite file, or a PostgreSQL database
made for the run and dropped after it (never the ``test`` database the suite uses)."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def database_for(kind: str, pg_url: str | None) -> Iterator[str]:
    if kind == "sqlite":
        directory = Path(tempfile.mkdtemp(prefix="hub-bench-"))
        try:
            yield f"sqlite:///{directory / 'hub.db'}"
        finally:
            shutil.rmtree(directory, ignore_errors=True)
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    assert pg_url
    name = f"hub_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(make_url(pg_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(pg_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
