"""Engine, declarative base and the one-transaction-per-request session.

Only :func:`get_session` commits. Services ``flush()``; the audit row and the change it
records commit together or not at all. A failure that must still be recorded (a denied
attempt) rolls the action back and then writes its own record in a fresh transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import (
    ColumnElement,
    DateTime,
    Engine,
    MetaData,
    Table,
    bindparam,
    create_engine,
    event,
    insert,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import StaticPool
from sqlalchemy.types import TypeDecorator

from hub.kit.errors import HubError

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC timestamps on every backend (SQLite keeps no zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; give a timezone")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> uuid.UUID:
    return uuid.uuid4()


@dataclass(frozen=True, slots=True)
class DriverInsert:
    """An INSERT compiled by SQLAlchemy for one dialect, run on the driver's own cursor.

    For the few hot writes (audit appends, bulk imports, the sequencer) where SQLAlchemy's
    per-statement machinery costs more than the insert itself. The SQL and the column
    types' bind processors are SQLAlchemy's, so the stored rows are exactly what a Core
    insert stores.
    """

    sql: str
    order: tuple[str, ...] | None  # positional drivers: the parameters' order; else named
    processors: dict[str, Callable[[Any], Any]]

    def parameters(self, values: dict[str, Any]) -> Sequence[Any] | dict[str, Any]:
        """``values`` (by column name) converted and arranged as the driver takes them."""
        for name, processor in self.processors.items():
            values[name] = processor(values[name])
        return values if self.order is None else [values[n] for n in self.order]


_DRIVER_INSERTS: dict[tuple[str, str, tuple[str, ...], bool], DriverInsert] = {}


def driver_insert(
    dialect: Dialect,
    table: Table,
    columns: tuple[str, ...],
    *,
    returning: ColumnElement[Any] | None = None,
) -> DriverInsert:
    """The INSERT of ``columns`` into ``table`` for ``dialect``, compiled once."""
    key = (dialect.name, table.name, columns, returning is not None)
    found = _DRIVER_INSERTS.get(key)
    if found is not None:
        return found
    statement = insert(table).values({name: bindparam(name) for name in columns})
    if returning is not None:
        statement = statement.returning(returning)
    compiled = statement.compile(dialect=dialect)
    processors: dict[str, Callable[[Any], Any]] = {}
    for name in columns:
        processor = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        if processor is not None:
            processors[name] = processor
    order = tuple(compiled.positiontup or ()) if compiled.positional else None
    found = DriverInsert(str(compiled), order, processors)
    _DRIVER_INSERTS[key] = found
    return found


def _prepare_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin (see do_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _do_begin(connection: Any) -> None:
        # Nearly every request writes (reads are audited), so take the write lock at the
        # start: two deferred transactions upgrading at once would fail with "locked".
        # Straight to the driver: this runs once per transaction, and SQLAlchemy's
        # statement machinery would cost more than the BEGIN itself.
        connection.connection.driver_connection.execute("BEGIN IMMEDIATE")


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        connect_args = {"check_same_thread": False}
        if not path or path == ":memory:":
            kwargs.setdefault("poolclass", StaticPool)
        engine = create_engine(url, connect_args=connect_args, **kwargs)
        _prepare_sqlite(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


class Database:
    """The engine and session factory of one running hub."""

    def __init__(self, engine: Engine, *, session_options: dict[str, Any] | None = None) -> None:
        self.engine = engine
        self.sessionmaker = sessionmaker(
            bind=engine, expire_on_commit=False, **(session_options or {})
        )

    def session(self) -> Session:
        session: Session = self.sessionmaker()
        return session


def run_in_transaction(session: Session) -> Iterator[Session]:
    """Commit when the body finishes, roll back when it raises.

    A generator for FastAPI's dependency machinery; elsewhere use :func:`transaction`
    (a bare ``for`` over this generator would not see the body's exception, so a denied
    attempt would go unrecorded).

    A :class:`HubError` that carries an ``after_rollback`` recorder (a denied attempt)
    has it called after the rollback and committed on its own, so the attempt is on
    the record while nothing of the attempted action is.
    """
    try:
        yield session
        session.commit()
    except HubError as error:
        session.rollback()
        if error.after_rollback is not None:
            error.after_rollback(session)
            session.commit()
        raise
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def transaction(database: Database) -> AbstractContextManager[Session]:
    """``with transaction(db) as session:`` for work outside a request (CLI, background)."""
    return contextmanager(run_in_transaction)(database.session())


def get_session(request: Request) -> Iterator[Session]:
    """The request's one session and transaction (a FastAPI dependency)."""
    database: Database = request.app.state.database
    yield from run_in_transaction(database.session())


# The request's session; scope="function" closes the transaction (commit or rollback)
# before the response is sent, so a client never sees success for an uncommitted change.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
