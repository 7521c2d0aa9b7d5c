"""Appending to the audit log.

Every allowed or denied action calls :func:`record` inside the request's transaction, so
the entry commits with the action or not at all. Appending is one INSERT into a table
with no index but its primary key, and takes no lock, so concurrent requests never queue
on the log. Placing entries in the Merkle tree, indexing them for search and signing
checkpoints happen just behind, in :mod:`hub.audit.sequencer`.

The INSERT is compiled once per database dialect by SQLAlchemy and then run on the
transaction's own driver cursor, with SQLAlchemy's own type conversions: the stored row
is exactly what a Core insert would store, without the statement machinery that would
otherwise cost more than the insert itself.

A read request changes nothing but the log, so its entries need not hold a write
transaction open while it works: they wait in its session (see :mod:`hub.db`) and, once
its snapshot is closed, :class:`GroupCommit` appends them together with the entries of
the reads running beside it, in one transaction and one commit. The request returns only
after that commit. Besides the request's own session, this writer is the one committer
of request work.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import json
import threading
from collections.abc import Callable
from typing import Any

import structlog
from sqlalchemy import Connection, Table, insert
from sqlalchemy.orm import Session

from hub.audit import sealing
from hub.audit.models import AuditEntry, AuditText
from hub.auth.principal import Principal
from hub.db import AUDIT_BUFFER, Database, driver_insert, utcnow
from hub.keys import repository as keys_repository
from hub.keys.service import Keyring
from hub.kit.audit_event import AuditEvent as AuditEvent
from hub.kit.audit_event import Outcome as Outcome

log = structlog.get_logger()


# Declarative tables are Tables; mypy sees only FromClause.
_ENTRIES: Table = AuditEntry.__table__  # type: ignore[assignment]
_COLUMNS = tuple(c.name for c in _ENTRIES.columns if c.name != "id")


# json.dumps(value, separators=(",", ":")), without building an encoder on every call.
_compact_json = json.JSONEncoder(separators=(",", ":")).encode


# The sealed text that goes with an entry's values (not a column of the entry).
_TEXT = "hub.audit.sealed_text"


def record(
    session: Session | Connection,
    principal: Principal,
    event: AuditEvent,
    *,
    keyring: Keyring | None = None,
) -> int | None:
    """Append one entry for ``event`` in the session's transaction and return its id; or,
    in a read request's session, keep it for the group commit and return None.

    An event with ``free_text`` needs the ``keyring``: the text is sealed beside the log and
    the entry keeps a keyed commitment to it (:mod:`hub.audit.sealing`), never the text.
    """
    values = _entry_values(principal, event)
    deferred: list[dict[str, Any]] | None = (
        session.info.get(AUDIT_BUFFER) if isinstance(session, Session) else None
    )
    if event.free_text:
        if keyring is None or not isinstance(session, Session):
            raise RuntimeError("free text in an audit entry is sealed: record it with a keyring")
        text = sealing.seal_text(session, keyring, event.free_text, in_read=deferred is not None)
        values["text_commitment"] = text.commitment
        values[_TEXT] = text
    if deferred is not None:
        deferred.append(values)
        _log_recorded(None, event)
        return None
    connection = session.connection() if isinstance(session, Session) else session
    entry_id = _insert(connection, values)
    _log_recorded(entry_id, event)
    return entry_id


def _entry_values(principal: Principal, event: AuditEvent) -> dict[str, Any]:
    return {
        "recorded_at": utcnow(),
        "request_id": _current_request_id(),
        "actor_sub": principal.sub,
        "actor_role": str(principal.role),
        "actor_agency": principal.agency,
        "actor_team": principal.team,
        "action": event.action,
        "resource_kind": event.resource_kind,
        "resource_id": event.resource_id,
        "resource_owner": event.resource_owner or None,
        "outcome": str(event.outcome),
        "rule": event.rule,
        "purpose": event.purpose,
        "lawful_basis": event.lawful_basis,
        "consent": event.consent,
        "reason": event.reason,
        "subject_ids": _compact_json(sorted(set(event.subject_ids))),
        "content_hash": event.content_hash,
        "text_commitment": None,
    }


def _insert(connection: Connection, values: dict[str, Any]) -> int:
    text: sealing.SealedText | None = values.pop(_TEXT, None)
    entry_id = _insert_entry(connection, values)
    if text is not None:
        _insert_text(connection, text)
    return entry_id


def _insert_text(connection: Connection, text: sealing.SealedText) -> None:
    """What a person wrote, sealed beside the entry that commits to it; a seal made
    during a read is counted against its key here, with the batch."""
    connection.execute(
        insert(AuditText).values(commitment=text.commitment, sealed_text=text.sealed)
    )
    if text.count_later is not None:
        key_id, version = text.count_later
        keys_repository.count_seals(connection, key_id, version, 1)


def _insert_entry(connection: Connection, values: dict[str, Any]) -> int:
    # PostgreSQL returns the new id; SQLite's driver gives it as lastrowid.
    returning = connection.dialect.name != "sqlite"
    compiled = driver_insert(
        connection.dialect, _ENTRIES, _COLUMNS, returning=_ENTRIES.c.id if returning else None
    )
    cursor = connection.connection.cursor()
    try:
        cursor.execute(compiled.sql, compiled.parameters(values))
        if returning:
            returned = cursor.fetchone()
            if returned is None:
                raise RuntimeError("the audit INSERT returned no id")
            entry_id = int(returned[0])
        else:
            entry_id = int(cursor.lastrowid)
    finally:
        cursor.close()
    return entry_id


def _insert_many(connection: Connection, entries: list[dict[str, Any]]) -> None:
    # The batch together (one multi-row INSERT on PostgreSQL, one executemany on SQLite),
    # where an INSERT each, returning its id, would be one round trip per entry.
    compiled = driver_insert(connection.dialect, _ENTRIES, _COLUMNS)
    rows = [dict(v) for v in entries]
    texts = [text for row in rows if (text := row.pop(_TEXT, None)) is not None]
    cursor = connection.connection.cursor()
    try:
        compiled.insert_rows(cursor, rows)
    finally:
        cursor.close()
    for text in texts:
        _insert_text(connection, text)


def _log_recorded(entry_id: int | None, event: AuditEvent) -> None:
    # Debug only: the entry itself is the record, and a second copy of every read in the
    # application log cost a twentieth of a guarded read.
    log.debug(
        "audit.recorded",
        entry_id=entry_id,
        action=event.action,
        kind=event.resource_kind,
        outcome=str(event.outcome),
    )


class _Ticket:
    __slots__ = ("done", "entries", "error", "future", "loop", "result", "work")

    def __init__(
        self,
        entries: list[dict[str, Any]],
        work: Callable[[], tuple[Any, list[dict[str, Any]]]] | None = None,
    ) -> None:
        self.entries = entries
        self.work = work
        self.loop: asyncio.AbstractEventLoop | None = None
        self.future: asyncio.Future[Any] | None = None
        self.result: Any = None
        self.error: BaseException | None = None
        self.done = False


class GroupCommit:
    """Appends the entries of concurrent reads in shared transactions.

    A caller queues its entries and waits. Whichever waiting caller finds no batch being
    written becomes the writer: it takes everything queued (up to ``max_batch`` callers),
    inserts it in one transaction, commits once and wakes the batch; entries queued
    meanwhile form the next batch. So one read pays for a whole commit, and thirty-two
    concurrent reads share one. If a batch fails, its callers are written again one at a
    time, so a caller whose entries cannot be stored fails alone.

    A quick read (:func:`hub.db.quick_read`) hands over its whole work instead, from the
    event loop (:meth:`run`): the writer runs it, then writes its entries with the batch,
    and the read's answer goes back to the loop once they are committed. Such a read
    costs no thread of its own and no hand-off of its own: a batch of them costs one
    wake-up of the writer and one call back to the loop. When no caller is waiting to
    write, a writer thread of this object's own does (it ends after a moment idle).

    ``before_commit``, when set, is called with the batch's size after its INSERTs and
    before its COMMIT: a point to inject faults at (a test stops the process there).
    """

    def __init__(
        self, database: Database, *, max_batch: int = 256, idle_seconds: float = 5.0
    ) -> None:
        self.database = database
        self.max_batch = max_batch
        self.idle_seconds = idle_seconds
        self.before_commit: Callable[[int], None] | None = None
        self._queue: list[_Ticket] = []
        self._writing = False
        self._writer: threading.Thread | None = None
        self._changed = threading.Condition(threading.Lock())

    def commit(self, entries: list[dict[str, Any]]) -> None:
        """Return once ``entries`` are committed; raise if they could not be."""
        ticket = _Ticket(entries)
        with self._changed:
            self._queue.append(ticket)
            while not ticket.done:
                if self._writing:
                    self._changed.wait()
                    continue
                self._write_next()
        if ticket.error is not None:
            raise ticket.error

    async def run(self, work: Callable[[], tuple[Any, list[dict[str, Any]]]]) -> Any:
        """Run ``work`` in the writer and return its result once the entries it returns
        are committed; raise what it raised (its entries are then not written), or an
        error if its entries could not be committed."""
        # The work runs in the request's context (its request id, for its entries and logs).
        ticket = _Ticket([], functools.partial(contextvars.copy_context().run, work))
        ticket.loop = asyncio.get_running_loop()
        ticket.future = ticket.loop.create_future()
        with self._changed:
            self._queue.append(ticket)
            if self._writer is None:
                self._writer = threading.Thread(
                    target=self._write_while_asked, daemon=True, name="audit-group-commit"
                )
                self._writer.start()
            self._changed.notify_all()
        assert ticket.future is not None
        return await ticket.future

    def _write_while_asked(self) -> None:
        with self._changed:
            while True:
                if self._queue and not self._writing:
                    self._write_next()
                elif not self._changed.wait(self.idle_seconds) and not self._queue:
                    self._writer = None
                    return

    def _write_next(self) -> None:
        # Called holding the lock, with no batch being written; returns holding it.
        self._writing = True
        batch = self._queue[: self.max_batch]
        del self._queue[: len(batch)]
        self._changed.release()
        try:
            self._write(batch)
        finally:
            self._changed.acquire()
            self._writing = False
            self._changed.notify_all()
        _answer_loops(batch)

    def _write(self, batch: list[_Ticket]) -> None:
        for ticket in batch:
            if ticket.work is not None:
                try:
                    ticket.result, ticket.entries = ticket.work()
                except BaseException as error:  # answered to its caller, not raised here
                    ticket.error = error
        writing = [t for t in batch if t.error is None]
        try:
            if any(t.entries for t in writing):
                self._write_together(writing)
        except Exception:
            if len(writing) == 1:
                writing[0].error = _failed()
            else:
                for ticket in writing:
                    try:
                        self._write_together([ticket])
                    except Exception:
                        ticket.error = _failed()
        for ticket in batch:
            ticket.done = True

    def _write_together(self, batch: list[_Ticket]) -> None:
        with self.database.engine.begin() as connection:
            _insert_many(connection, [values for ticket in batch for values in ticket.entries])
            if self.before_commit is not None:
                self.before_commit(len(batch))


def _answer_loops(batch: list[_Ticket]) -> None:
    """Hand the answers of a batch's quick reads back to their event loops, one call each."""
    by_loop: dict[asyncio.AbstractEventLoop, list[_Ticket]] = {}
    for ticket in batch:
        if ticket.loop is not None:
            by_loop.setdefault(ticket.loop, []).append(ticket)
    for loop, tickets in by_loop.items():
        # A loop that has closed has nobody waiting any more.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(_answer, tickets)


def _answer(tickets: list[_Ticket]) -> None:
    for ticket in tickets:
        future = ticket.future
        if future is None or future.done():
            continue
        if ticket.error is not None:
            future.set_exception(ticket.error)
        else:
            future.set_result(ticket.result)


def _failed() -> RuntimeError:
    # The database error's text carries the parameters; callers get its type only.
    return RuntimeError("the audit entries could not be committed")


def _current_request_id() -> str | None:
    value = structlog.contextvars.get_contextvars().get("request_id")
    return str(value) if value is not None else None
