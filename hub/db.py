"""Engine, declarative base and the one-transaction-per-request session.

Only the request's session commits (:func:`commit_request`, called by the route when the
endpoint returns and by :func:`get_session` on the way out), or hands a read's audit
entries to the one group-commit writer and waits for it. Services ``flush()``; the audit
row and the change it records commit together or not at all. A failure that must still
be recorded (a denied attempt) rolls the action back and then writes its own record in a
fresh transaction.

A transaction begins and ends in the worker thread that runs the endpoint
(:class:`TransactionalRoute`). It must never wait for a free worker thread while it holds
a connection (on SQLite, the write lock): the threads may all belong to requests waiting
for that connection, and neither would ever move.

Reads (``GET``, ``HEAD``) run in a transaction that takes no write lock; the audit entries
they record are appended by :class:`GroupCommit` in batches shared with concurrent reads,
and the response leaves only once its batch has committed.
"""

from __future__ import annotations

import functools
import inspect
import re
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Protocol, cast, get_args, get_origin

import anyio
import anyio.to_thread
from fastapi import Depends, Request, Response
from fastapi.exceptions import ResponseValidationError
from fastapi.routing import APIRoute
from sqlalchemy import (
    ColumnElement,
    DateTime,
    Engine,
    MetaData,
    Select,
    Table,
    bindparam,
    create_engine,
    event,
    exc,
    insert,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import StaticPool
from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.types import TypeDecorator

from hub.kit.errors import HubError
from hub.kit.routing import ENDPOINT_AS_WRITTEN

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
    # Named-parameter drivers (psycopg): the INSERT up to VALUES, one row's group of
    # positional placeholders, and the columns in that group's order; else None.
    many: tuple[str, str, tuple[str, ...]] | None = None

    def parameters(self, values: dict[str, Any]) -> Sequence[Any] | dict[str, Any]:
        """``values`` (by column name) converted and arranged as the driver takes them."""
        for name, processor in self.processors.items():
            values[name] = processor(values[name])
        return values if self.order is None else [values[n] for n in self.order]

    def insert_rows(self, cursor: Any, rows: Sequence[dict[str, Any]]) -> None:
        """Insert ``rows`` (by column name; converted here, in place) on ``cursor``.

        SQLite's executemany runs in C. psycopg's sends one statement per row, at some
        tens of microseconds of Python each; there the rows go as one multi-row INSERT
        per few thousand parameters.
        """
        if self.many is None:
            cursor.executemany(self.sql, [self.parameters(row) for row in rows])
            return
        head, group, names = self.many
        per_statement = max(1, _PARAMETERS_PER_STATEMENT // len(names))
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            flat: list[Any] = []
            for row in chunk:
                self.parameters(row)
                flat.extend(row[name] for name in names)
            cursor.execute(head + ", ".join([group] * len(chunk)), flat)


# Well under PostgreSQL's limit of 65535 parameters in one statement.
_PARAMETERS_PER_STATEMENT = 20_000
_NAMED_PARAMETER = re.compile(r"%\((\w+)\)s")


def _multi_row(sql: str) -> tuple[str, str, tuple[str, ...]] | None:
    """For a named-parameter INSERT, its head, one row's group with positional
    placeholders, and the columns' order in it (its RETURNING dropped: unused for many)."""
    head, found, rest = sql.partition(" VALUES ")
    if not found or not _NAMED_PARAMETER.search(rest):
        return None
    group = rest.partition(" RETURNING ")[0]
    names = tuple(_NAMED_PARAMETER.findall(group))
    return head + found, _NAMED_PARAMETER.sub("%s", group), names


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
    sql = str(compiled)
    found = DriverInsert(sql, order, processors, None if order is not None else _multi_row(sql))
    _DRIVER_INSERTS[key] = found
    return found


def insert_on_driver(
    session: Session,
    table: Table | type[Base],
    rows: Sequence[dict[str, Any]],
    columns: tuple[str, ...] | None = None,
) -> None:
    """Insert ``rows`` (each with every one of ``columns``, by default the first row's
    keys; converted in place) into ``table`` (or a model's) in the session's transaction,
    on the driver's cursor (see :class:`DriverInsert`)."""
    if not rows:
        return
    if not isinstance(table, Table):
        table = cast(Table, table.__table__)
    connection = session.connection()
    statement = driver_insert(connection.dialect, table, columns or tuple(rows[0]))
    cursor = connection.connection.cursor()
    try:
        statement.insert_rows(cursor, rows)
    finally:
        cursor.close()


@dataclass(frozen=True, slots=True)
class DriverStatement:
    """A statement compiled by SQLAlchemy for one dialect, run on the driver's own cursor.

    For the hot paths (a guarded read of one record, the statements of a contact's
    intake) where SQLAlchemy's statement and ORM machinery cost several times the query
    itself. The SQL, the parameters' bind processors and the columns' result processors
    are SQLAlchemy's, so the values are what a Core statement returns. A SELECT's rows
    are its rows; an INSERT's or UPDATE's are those of its RETURNING, if it has one.
    """

    sql: str
    order: tuple[str, ...] | None  # positional drivers: the parameters' order; else named
    fixed: dict[str, Any]  # the statement's own bound values, already converted
    processors: dict[str, Callable[[Any], Any]]  # for the caller's parameters
    # The selected columns that have a result processor, by position: most have none, and
    # a pass over every column of every row cost more than the conversions themselves.
    converting: tuple[tuple[int, Callable[[Any], Any]], ...]

    def rows(self, connection: Any, values: dict[str, Any]) -> list[tuple[Any, ...]]:
        """The rows for ``values`` (the caller's parameters, by name), converted."""
        parameters = dict(self.fixed)
        for name, value in values.items():
            processor = self.processors.get(name)
            parameters[name] = value if processor is None else processor(value)
        cursor = connection.cursor()
        try:
            cursor.execute(
                self.sql,
                parameters if self.order is None else [parameters[n] for n in self.order],
            )
            fetched = cursor.fetchall() if cursor.description is not None else []
        finally:
            cursor.close()
        converting = self.converting
        if not converting:
            return [tuple(row) for row in fetched]
        rows = []
        for row in fetched:
            columns = list(row)
            for index, convert in converting:
                value = columns[index]
                if value is not None:
                    columns[index] = convert(value)
            rows.append(tuple(columns))
        return rows


_DRIVER_STATEMENTS: dict[tuple[str, str], DriverStatement] = {}


def driver_statement(
    dialect: Dialect, name: str, build: Callable[[], Select[*tuple[Any, ...]] | UpdateBase]
) -> DriverStatement:
    """The statement ``build()`` makes, compiled once per dialect under ``name``.

    Its parameters without a value are the caller's (``bindparam("contact_id")``); those
    with one are fixed.
    """
    key = (dialect.name, name)
    found = _DRIVER_STATEMENTS.get(key)
    if found is not None:
        return found
    statement = build()
    compiled = statement.compile(dialect=dialect)
    fixed: dict[str, Any] = {}
    processors: dict[str, Callable[[Any], Any]] = {}
    for bind_name, bind in compiled.binds.items():
        processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if bind.value is None and bind.callable is None:
            if processor is not None:
                processors[bind_name] = processor
            continue
        value = bind.effective_value
        fixed[bind_name] = value if processor is None else processor(value)
    columns = (
        statement.selected_columns
        if isinstance(statement, Select)
        else statement.exported_columns  # an INSERT's or UPDATE's RETURNING, or nothing
    )
    results = (
        column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns
    )
    converting = tuple((i, f) for i, f in enumerate(results) if f is not None)
    order = tuple(compiled.positiontup or ()) if compiled.positional else None
    found = DriverStatement(str(compiled), order, fixed, processors, converting)
    _DRIVER_STATEMENTS[key] = found
    return found


# Session.info keys of a request's session.
READS_ONLY = "hub_reads_only"
AUDIT_BUFFER = "hub_audit_buffer"
GROUP_COMMIT = "hub_group_commit"
# Connection record info: this checked-out connection holds the process's write turn.
_WRITE_TURN = "hub_write_turn"
READ_METHODS = frozenset({"GET", "HEAD"})


class DeferredAppends(Protocol):
    """Appends a read's audit entries, returning once they are committed (see
    :class:`hub.audit.service.GroupCommit`)."""

    def commit(self, entries: list[dict[str, Any]]) -> None: ...

    async def run(self, work: Callable[[], tuple[Any, list[dict[str, Any]]]]) -> Any:
        """Run ``work`` (returning its result and its audit entries) in the writer, and
        return the result once the entries are committed."""
        ...


def _prepare_sqlite(engine: Engine, write_turn: threading.Lock, wait_seconds: float) -> None:
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
        # Straight to the driver: this runs once per transaction, and SQLAlchemy's
        # statement machinery would cost more than the BEGIN itself.
        driver = connection.connection.driver_connection
        if connection.get_execution_options().get(READS_ONLY):
            # A read's snapshot; WAL lets it run beside the one writer.
            driver.execute("BEGIN")
            return
        # A transaction that may write takes the write lock at the start: two deferred
        # transactions upgrading at once would fail with "locked". Writers of this
        # process queue on a lock of their own first, handed on the moment it is free,
        # where SQLite's busy handler would poll and sleep; other processes (the CLI)
        # still meet busy_timeout.
        info = connection.connection.info
        if not info.get(_WRITE_TURN) and write_turn.acquire(timeout=wait_seconds):
            info[_WRITE_TURN] = True
        driver.execute("BEGIN IMMEDIATE")

    @event.listens_for(engine, "checkin")
    def _on_checkin(_: Any, record: Any) -> None:
        # The session hands its connection back after COMMIT or ROLLBACK.
        if record.info.pop(_WRITE_TURN, False):
            write_turn.release()

    @event.listens_for(engine, "close")
    def _on_close(_: Any, record: Any) -> None:
        if record.info.pop(_WRITE_TURN, False):
            write_turn.release()


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        connect_args = {"check_same_thread": False}
        if not path or path == ":memory:":
            kwargs.setdefault("poolclass", StaticPool)
        else:
            _keep_connections(kwargs)
        engine = create_engine(url, connect_args=connect_args, **kwargs)
        _prepare_sqlite(engine, threading.Lock(), wait_seconds=10.0)
        return engine
    _keep_connections(kwargs)
    engine = create_engine(url, **kwargs)
    if "pool_pre_ping" not in kwargs:
        ping_when_idle(engine, PING_AFTER_IDLE_SECONDS)
    return engine


# A pooled connection unused for this long is pinged before it is lent (the server may
# have restarted or dropped it meanwhile); one in steady use is not, as SQLAlchemy's
# pool_pre_ping would: that is a round trip before every request's first statement.
PING_AFTER_IDLE_SECONDS = 5.0
_CHECKED_IN_AT = "hub_checked_in_at"


def ping_when_idle(engine: Engine, idle_seconds: float) -> None:
    """Ping a connection that has been idle ``idle_seconds`` before lending it."""

    @event.listens_for(engine, "checkin")
    def _on_checkin(_: Any, record: Any) -> None:
        record.info[_CHECKED_IN_AT] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _: Any) -> None:
        checked_in = record.info.get(_CHECKED_IN_AT)
        if checked_in is None or time.monotonic() - checked_in < idle_seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            # The pool drops this connection and lends another (SQLAlchemy's own recipe).
            raise exc.DisconnectionError() from error


def _keep_connections(kwargs: dict[str, Any]) -> None:
    # As many connections as SQLAlchemy's default allows at most (5 + 10 overflow), but
    # all kept open: under load the overflow ones were opened and closed again on every
    # request (a new PostgreSQL session, or SQLite's file and PRAGMAs, each time).
    kwargs.setdefault("pool_size", 15)
    kwargs.setdefault("max_overflow", 0)


class Database:
    """The engine and session factory of one running hub."""

    def __init__(self, engine: Engine, *, session_options: dict[str, Any] | None = None) -> None:
        self.engine = engine
        self.sessionmaker = sessionmaker(
            bind=engine, expire_on_commit=False, **(session_options or {})
        )
        self.read_sessionmaker = sessionmaker(
            bind=engine.execution_options(**{READS_ONLY: True}),
            expire_on_commit=False,
            **(session_options or {}),
        )
        event.listen(self.read_sessionmaker, "before_flush", _refuse_changes)
        # Set by create_app: the writer that group-commits reads' audit entries.
        self.deferred_appends: DeferredAppends | None = None
        # SQLite answers a quick read's statement in this process and commits without a
        # flush to disk, so the writer runs quick reads itself between its commits. On
        # PostgreSQL each read waits a round trip and each commit a flush to disk: the
        # reads run side by side in worker threads, their entries still committed together.
        self.quick_reads_in_writer = engine.dialect.name == "sqlite"

    def session(self) -> Session:
        session: Session = self.sessionmaker()
        return session

    def request_session(self, *, reads_only: bool) -> Session:
        """A request's session. A read's takes no write lock, and its audit entries are
        group-committed after its snapshot closes."""
        if not reads_only or self.deferred_appends is None:
            return self.session()
        session: Session = self.read_sessionmaker()
        session.info[READS_ONLY] = True
        session.info[AUDIT_BUFFER] = []
        session.info[GROUP_COMMIT] = self.deferred_appends
        return session


@contextmanager
def reading_connection(session: Session) -> Iterator[Any]:
    """The driver connection a read's statements run on (see :class:`DriverStatement`).

    In a transaction (any session that may write, or a read that has begun one) that is
    the transaction's own connection. A read request's session that has not begun one
    lends a pooled connection outside any transaction instead: each statement is then a
    consistent snapshot of its own, and the read pays for no BEGIN and no COMMIT (a read
    whose answer comes from one statement needs no more).
    """
    engine = session.get_bind()
    if (
        not session.info.get(READS_ONLY)
        or session.in_transaction()
        or not isinstance(engine, Engine)
    ):
        yield session.connection().connection.driver_connection
        return
    pooled = engine.raw_connection()
    driver: Any = pooled.driver_connection
    # PostgreSQL (psycopg): statements of their own, with no BEGIN before them. SQLite's
    # connections already leave beginning to SQLAlchemy (see _prepare_sqlite).
    flip = engine.dialect.name == "postgresql"
    try:
        if flip:
            driver.autocommit = True
        yield driver
    except BaseException as error:
        dbapi = engine.dialect.loaded_dbapi
        if isinstance(error, dbapi.Error) and engine.dialect.is_disconnect(error, driver, None):
            pooled.invalidate(error)
        raise
    finally:
        if flip and not driver.closed:
            driver.autocommit = False
        pooled.close()


def _refuse_changes(session: Session, *_: Any) -> None:
    # A read's transaction may not write (on SQLite it holds no write lock): a route
    # that changes data is a POST.
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("a read request tried to change data")


def commit_request(session: Session) -> None:
    """Commit the request's transaction; for a read, then append its audit entries in a
    shared batch and return once that batch has committed."""
    entries: list[dict[str, Any]] | None = session.info.get(AUDIT_BUFFER)
    session.commit()
    if entries:
        session.info[AUDIT_BUFFER] = []
        appends: DeferredAppends = session.info[GROUP_COMMIT]
        appends.commit(entries)


def rollback_request(session: Session) -> None:
    session.rollback()
    if AUDIT_BUFFER in session.info:
        session.info[AUDIT_BUFFER] = []


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
        commit_request(session)
    except HubError as error:
        rollback_request(session)
        if error.after_rollback is not None:
            error.after_rollback(session)
            commit_request(session)
        raise
    except BaseException:
        rollback_request(session)
        raise
    finally:
        session.close()


def transaction(database: Database) -> AbstractContextManager[Session]:
    """``with transaction(db) as session:`` for work outside a request (CLI, background)."""
    return contextmanager(run_in_transaction)(database.session())


async def get_session(request: Request) -> AsyncIterator[Session]:
    """The request's one session and transaction (a FastAPI dependency).

    Making a session does no I/O, and a sync endpoint's route has already committed or
    rolled it back in the endpoint's thread, so this usually finishes on the event loop
    with nothing to do. What is left (a denied attempt to record after the rollback, or
    an endpoint that did not finish its own) runs in a thread of its own, never waiting
    for one of the pool's while it holds a connection.
    """
    database: Database = request.app.state.database
    # Reads are GETs of the API's routes, which change nothing but the log; a page's GET
    # may (a signed-in session's last use), so pages keep an ordinary transaction.
    reads_only = request.method in READ_METHODS and isinstance(
        request.scope.get("route"), TransactionalRoute
    )
    session = database.request_session(reads_only=reads_only)
    try:
        yield session
    except BaseException as error:
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(
                _finish_failed, session, error, limiter=anyio.CapacityLimiter(1)
            )
        raise
    else:
        if session.in_transaction() or session.info.get(AUDIT_BUFFER):
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(_finish, session, limiter=anyio.CapacityLimiter(1))
        else:
            session.close()


def _finish(session: Session) -> None:
    try:
        commit_request(session)
    except BaseException:
        rollback_request(session)
        raise
    finally:
        session.close()


def _finish_failed(session: Session, error: BaseException) -> None:
    try:
        rollback_request(session)
        if isinstance(error, HubError) and error.after_rollback is not None:
            error.after_rollback(session)
            commit_request(session)
    finally:
        session.close()


# The request's session; scope="function" closes the transaction (commit or rollback)
# before the response is sent, so a client never sees success for an uncommitted change.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def _finishing_in_thread(
    endpoint: Callable[..., Any], route: list[TransactionalRoute]
) -> Callable[..., Any]:
    """``endpoint`` that renders its response and then commits (or rolls back) its
    session before it returns, in the worker thread that ran it: no connection is held
    while the response waits for the next free thread, and the response needs no thread
    of its own to be validated. The dependency's exit then finds nothing left to do,
    except record a denied attempt in a transaction of its own."""

    @functools.wraps(endpoint)
    def run(*args: Any, **kwargs: Any) -> Any:
        sessions = [value for value in kwargs.values() if isinstance(value, Session)]
        try:
            result = route[0].render(endpoint(*args, **kwargs))
            for session in sessions:
                commit_request(session)
        except BaseException:
            for session in sessions:
                rollback_request(session)
            raise
        return result

    return run


_QUICK_READ = "_hub_quick_read"
# Set on a dependency that only reads ``request.app.state.<name>`` (see
# hub.dependencies.from_app_state).
APP_STATE_NAME = "hub_app_state_name"


def quick_read(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a ``GET`` endpoint of a :class:`TransactionalRoute` as a quick read: a
    point read of one record, a statement or two, with nothing slow in it.

    Such an endpoint runs in the group-commit writer (see
    :class:`hub.audit.service.GroupCommit`) instead of a thread of its own: the writer
    opens its read session, runs it, renders its response, writes its audit entries
    (or, when the decision point refused it, the denied attempt's) with those of the
    reads beside it, commits, and only then hands the answer back to the event loop. A
    thread of its own, and a session dependency's exit, would cost more than the read.
    The read must stay quick: every read waiting for the same commit waits for it.
    """
    setattr(endpoint, _QUICK_READ, True)
    return endpoint


@dataclass(frozen=True, slots=True)
class _Raised:
    """A quick read's error, answered once the entries it left (a denial) are committed."""

    error: BaseException


def _is_session(annotation: Any) -> bool:
    if get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    return annotation is Session


def _app_state_name(annotation: Any) -> str | None:
    """The ``app.state`` attribute an ``Annotated[..., Depends(read)]`` parameter reads,
    when ``read`` does nothing else; else None."""
    if get_origin(annotation) is not Annotated:
        return None
    for extra in get_args(annotation)[1:]:
        name = getattr(getattr(extra, "dependency", None), APP_STATE_NAME, None)
        if isinstance(name, str):
            return name
    return None


def _reading_in_group_commit(
    endpoint: Callable[..., Any], route: list[TransactionalRoute]
) -> Callable[..., Any]:
    """A quick read's endpoint: the same parameters less its session (opened by the
    writer), plus the request; its work is done by the group-commit writer."""
    signature = inspect.signature(endpoint, eval_str=True)
    [session_name] = [n for n, p in signature.parameters.items() if _is_session(p.annotation)]
    # What the app holds (the keyring) is read from it here: through FastAPI's dependency
    # solving, each such parameter cost more than the read's own statement.
    from_state = {
        n: state
        for n, p in signature.parameters.items()
        if (state := _app_state_name(p.annotation))
    }
    request_name = "hub_quick_read_request"
    parameters = [
        p for n, p in signature.parameters.items() if n != session_name and n not in from_state
    ]
    parameters.insert(
        0, inspect.Parameter(request_name, inspect.Parameter.KEYWORD_ONLY, annotation=Request)
    )

    async def run(**kwargs: Any) -> Any:
        state = kwargs.pop(request_name).app.state
        database: Database = state.database
        for name, attribute in from_state.items():
            kwargs[name] = getattr(state, attribute)

        def work() -> tuple[Any, list[dict[str, Any]]]:
            session = database.request_session(reads_only=True)
            try:
                return _read(session, endpoint, route[0], {**kwargs, session_name: session})
            finally:
                session.close()

        appends = database.deferred_appends
        if appends is None:
            outcome, _ = await anyio.to_thread.run_sync(work)
        elif database.quick_reads_in_writer:
            outcome = await appends.run(work)
        else:
            outcome = await anyio.to_thread.run_sync(_then_committed, work, appends)
        if isinstance(outcome, _Raised):
            raise outcome.error
        return outcome

    # Named as the endpoint; no __wrapped__: FastAPI reads the parameters from here.
    for name in ("__module__", "__name__", "__qualname__", "__doc__"):
        setattr(run, name, getattr(endpoint, name))
    run.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=sorted(parameters, key=lambda p: p.kind)
    )
    return run


def _then_committed(
    work: Callable[[], tuple[Any, list[dict[str, Any]]]], appends: DeferredAppends
) -> Any:
    """A quick read run in a worker thread: its entries join the next shared commit."""
    outcome, entries = work()
    if entries:
        appends.commit(entries)
    return outcome


def _read(
    session: Session, endpoint: Callable[..., Any], route: TransactionalRoute, kwargs: Any
) -> tuple[Any, list[dict[str, Any]]]:
    """A quick read's work: its answer (or what it raised) and the entries it leaves."""
    try:
        result = route.render(endpoint(**kwargs))
        if session.in_transaction():
            session.commit()
    except HubError as error:
        rollback_request(session)
        if error.after_rollback is None:
            return _Raised(error), []
        # A denied attempt is recorded with the batch (the read's session buffers it).
        error.after_rollback(session)
        if session.in_transaction():
            session.commit()
        return _Raised(error), _taken_entries(session)
    except Exception as error:
        rollback_request(session)
        return _Raised(error), []
    return result, _taken_entries(session)


def _taken_entries(session: Session) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = session.info.get(AUDIT_BUFFER) or []
    session.info[AUDIT_BUFFER] = []
    return entries


class TransactionalRoute(APIRoute):
    """The route class of every router that opens a request session (``route_class=``)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        this: list[TransactionalRoute] = []
        # Mounted elsewhere (hub.kit.routing), the route is made again from this.
        as_written = endpoint
        if getattr(endpoint, _QUICK_READ, False):
            if set(kwargs.get("methods") or ()) - READ_METHODS or _is_coroutine(endpoint):
                raise TypeError("a quick read is a sync GET endpoint")
            endpoint = _reading_in_group_commit(endpoint, this)
        elif not _is_coroutine(endpoint):
            endpoint = _finishing_in_thread(endpoint, this)
        super().__init__(path, endpoint, **kwargs)
        setattr(self, ENDPOINT_AS_WRITTEN, as_written)
        this.append(self)

    def render(self, result: Any) -> Any:
        """The endpoint's result as the JSON response FastAPI would send, made here: in
        the endpoint's thread, and before its transaction commits, so a response that
        fails validation rolls its change back."""
        field = self.response_field
        if field is None or isinstance(result, Response):
            return result
        value, errors = field.validate(result, {}, loc=("response",))
        if errors:
            raise ResponseValidationError(errors=errors, body=result)
        content = field.serialize_json(
            value,
            include=self.response_model_include,
            exclude=self.response_model_exclude,
            by_alias=self.response_model_by_alias,
            exclude_unset=self.response_model_exclude_unset,
            exclude_defaults=self.response_model_exclude_defaults,
            exclude_none=self.response_model_exclude_none,
        )
        return Response(content, status_code=self.status_code or 200, media_type="application/json")


def _is_coroutine(function: Callable[..., Any]) -> bool:
    return inspect.iscoroutinefunction(inspect.unwrap(function))
