"""Bulk import of an agency's records from CSV: check every row, then import in batches.

The whole file is checked before anything is written; a file with bad rows imports
nothing unless the caller asks to skip them. Rows are then written in batches, each in a
transaction of its own with its own audit entry, so a very large file never holds one
long transaction open, and a file interrupted half-way is finished by running it again:
rows are found by the agency's own reference (``source_ref``) and a row that is already
there, unchanged, is left alone.

What is imported is the file that was checked: a file that changes after its check (an
export still being written, say) stops the import at the next batch, and the bytes read
for the import must hash to the checked file's digest before its last batch is written.

A large file is checked and prepared (normalised, blind-indexed, sealed under a new key
per record) by worker processes, which work ahead of this process while it seals the
record keys under the agency key and writes each batch (see
:mod:`hub.agencies.preparing`); a small one is done in this process. Either way the same
rows are written, and the same problems reported by line. Into a store that already has
records, each chunk is sent with the digests stored under its rows' references; a row
that matches comes back unsealed, and its batch confirms it against the store (preparing
it in full if its record changed meanwhile), so running the same file again makes no
record keys and seals nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import structlog
from sqlalchemy.orm import Session

from hub.agencies import repository, service
from hub.agencies.indexing import Indexer
from hub.agencies.preparing import (
    KnownDigests,
    PreparedChunk,
    PreparedRow,
    UnchangedRow,
    WorkerPool,
    check_raw,
    prepare_in_process,
    prepare_raw,
)
from hub.agencies.rows import (
    RowProblem,
    RowTally,
    ValidationReport,
    clean_text,
    missing_columns,
)
from hub.agencies.schemas import ImportOut
from hub.audit import service as audit
from hub.auth.principal import Principal
from hub.db import Database, transaction
from hub.keys.service import Keyring
from hub.kit.crypto.blind import LinkageKey
from hub.kit.csvfile import CsvFileError, RawRecord, open_text_lines, read_csv, row_mapping
from hub.policy.decision_point import allowed_event, require
from hub.policy.firewall import Resource
from hub.policy.vocabulary import Action, Kind

log = structlog.get_logger()

DEFAULT_BATCH = 2000
# Rows per chunk of work handed to a worker process.
CHUNK = 1000
# Smaller files (about 10,000 rows) are checked and prepared in the importing process:
# starting workers would cost more than they save.
PARALLEL_FROM_BYTES = 2 << 20
MAX_WORKERS = 2


class FileChanged(CsvFileError):
    """The file is not the one that was checked: it changed during or after its check."""

    code = "file_changed"


@dataclass(frozen=True, slots=True)
class FileStamp:
    """A file's size and modification time: what changes when anything writes to it."""

    size: int
    mtime_ns: int

    @classmethod
    def of(cls, path: Path) -> FileStamp:
        status = path.stat()
        return cls(status.st_size, status.st_mtime_ns)


def csv_records(text_lines: Iterator[str]) -> tuple[list[str], Iterator[RawRecord]]:
    """The header, and ``(first line number, fields)`` for each CSV record after it."""
    return read_csv(text_lines, missing_columns=missing_columns)


def csv_rows(text_lines: Iterator[str]) -> Iterator[tuple[int, Mapping[str, Any]]]:
    """``(first line number, row)`` for each CSV record after the header."""
    header, records = csv_records(text_lines)
    for line, fields in records:
        yield line, row_mapping(header, fields)


def csv_text_rows(text: str) -> Iterator[tuple[int, Mapping[str, Any]]]:
    return csv_rows(iter(io.StringIO(text, newline="")))


def validate_file(
    path: Path, *, pool: WorkerPool | None = None, digest: Any = None
) -> ValidationReport:
    """Check every row; the file's bytes also go into ``digest``, if given."""
    report = ValidationReport()
    tally = RowTally(report)
    header, records = csv_records(open_text_lines(path, digest))
    outcomes = (
        check_raw(header, records)
        if pool is None
        else pool.check(header, records, chunk_size=CHUNK)
    )
    for line, outcome in outcomes:
        tally.add(line, outcome)
    return report


@dataclass(frozen=True, slots=True)
class ImportPlan:
    """What the check of a file found, before anything is written."""

    report: ValidationReport
    digest: str
    stamp: FileStamp

    @property
    def problems(self) -> list[RowProblem]:
        return self.report.problems


def _known_digests(
    database: Database, principal: Principal, agency: str, header: list[str], indexer: Indexer
) -> Callable[[list[RawRecord]], KnownDigests]:
    """For a chunk of raw records, the digest stored under each one's reference.

    The reference is read as the row check reads it; a record whose reference is not
    valid gets None (the check reports it). Only a hint: the batch that writes a row the
    workers found unchanged confirms it against the store.
    """
    # csv.DictReader keeps the last of repeated column names.
    at = max(position for position, name in enumerate(header) if name == "source_ref")
    resource = Resource(Kind.agency_record, owner=agency)

    def known_of(chunk: list[RawRecord]) -> KnownDigests:
        refs: list[bytes | None] = []
        for _, fields in chunk:
            value = clean_text(fields[at]) if at < len(fields) else None
            refs.append(None if value is None else indexer.source_ref(agency, value))
        with transaction(database) as session:
            scope = repository.scope_granted(require(principal, Action.import_, resource), resource)
            stored = repository.records_by_source_ref(
                session, scope, [ref for ref in refs if ref is not None]
            )
        known: KnownDigests = []
        for ref in refs:
            found = None if ref is None else stored.get(ref)
            known.append(None if found is None else found.row_digest)
        return known

    return known_of


def _confirm_unchanged(
    session: Session,
    scope: repository.AgencyScope,
    items: list[PreparedRow | UnchangedRow],
    raw_of: Mapping[int, list[str]],
    prepare: Callable[[list[RawRecord]], PreparedChunk],
) -> tuple[list[PreparedRow], int]:
    """The batch's rows to write, and how many of its unchanged rows the store confirms.

    A row found unchanged whose record changed (or went) since is prepared in full here.
    """
    rows = [item for item in items if isinstance(item, PreparedRow)]
    marks = [item for item in items if isinstance(item, UnchangedRow)]
    if not marks:
        return rows, 0
    stored = repository.records_by_source_ref(
        session, scope, [mark.source_ref_index for mark in marks]
    )
    stale: list[RawRecord] = []
    for mark in marks:
        found = stored.get(mark.source_ref_index)
        if found is None or found.row_digest != mark.row_digest:
            stale.append((mark.line, raw_of[mark.line]))
    if stale:
        for row in prepare(stale).rows:
            if not isinstance(row, PreparedRow):
                raise RuntimeError("a row prepared without stored digests came back unchanged")
            rows.append(row)
    return rows, len(marks) - len(stale)


def check_access(database: Database, principal: Principal, agency: str) -> None:
    """Refuse (and audit the refusal) before reading a file the caller may not import."""
    with transaction(database):
        require(principal, Action.import_, Resource(Kind.agency_record, owner=agency))


def plan_import(path: Path, *, pool: WorkerPool | None = None) -> ImportPlan:
    """Check every row of the file (in ``pool``'s worker processes, if given)."""
    stamp = FileStamp.of(path)
    digest = hashlib.sha256()
    report = validate_file(path, pool=pool, digest=digest)
    if FileStamp.of(path) != stamp:
        raise FileChanged(
            "The file changed while it was being checked; nothing was imported. "
            "Run the import again once the file is complete."
        )
    return ImportPlan(report=report, digest=digest.hexdigest(), stamp=stamp)


@contextlib.contextmanager
def workers_for(path: Path) -> Iterator[WorkerPool | None]:
    """Worker processes for checking and importing ``path``, or None for a small file
    (starting workers would cost more than they save) or a one-core machine."""
    workers = min(MAX_WORKERS, os.cpu_count() or 1)
    if workers < 2 or path.stat().st_size < PARALLEL_FROM_BYTES:
        yield None
        return
    with WorkerPool(workers) as pool:
        yield pool


def import_file(
    database: Database,
    keyring: Keyring,
    principal: Principal,
    agency: str,
    path: Path,
    plan: ImportPlan,
    *,
    skip_invalid: bool,
    batch_size: int = DEFAULT_BATCH,
    on_batch: Callable[[int], None] | None = None,
    pool: WorkerPool | None = None,
) -> ImportOut:
    """Write the valid rows of a checked file in batches; return the counts.

    Rows are checked again as they are read and prepared (in ``pool``'s worker processes,
    if given, while this process seals and writes the batches before them).
    """
    if plan.problems and not skip_invalid:
        raise service.ImportRefused(plan.problems)
    if FileStamp.of(path) != plan.stamp:
        raise FileChanged(
            "The file changed after it was checked; nothing was imported. Run the import again."
        )
    resource = Resource(Kind.agency_record, owner=agency)
    linkage, any_stored = _open_store(database, keyring, principal, resource)
    indexer = Indexer(linkage)
    read = hashlib.sha256()
    header, records = csv_records(open_text_lines(path, read))
    known_of = _known_digests(database, principal, agency, header, indexer) if any_stored else None
    chunk_size = min(CHUNK, batch_size)
    chunks = (
        prepare_in_process(
            indexer, agency, header, records, chunk_size=chunk_size, known_of=known_of
        )
        if pool is None
        else pool.prepare(
            linkage,
            agency,
            header,
            records,
            chunk_size=chunk_size,
            # The workers prepare the next batch while this process writes one.
            ahead=-(-batch_size // chunk_size),
            known_of=known_of,
        )
    )
    run = _ImportRun(database, keyring, principal, resource, path, plan, indexer, header, on_batch)
    for batch, raw_of in run.batches(chunks, batch_size, whole_file_read=read):
        run.write(batch, raw_of)
    return run.finished()


def _open_store(
    database: Database, keyring: Keyring, principal: Principal, resource: Resource
) -> tuple[LinkageKey, bool]:
    """The linkage key, and whether the agency's store holds any records yet."""
    with transaction(database) as session:
        scope = repository.scope_granted(require(principal, Action.import_, resource), resource)
        # Into a store with records already, rows are sent with the digests stored under
        # their references, and an unchanged row comes back unsealed.
        return keyring.linkage_key(session), repository.has_records(session, scope)


class _ImportRun:
    """One import of a checked file: the counts so far, and how a batch is written, the
    import finished, or stopped when the file turns out not to be the one checked."""

    def __init__(
        self,
        database: Database,
        keyring: Keyring,
        principal: Principal,
        resource: Resource,
        path: Path,
        plan: ImportPlan,
        indexer: Indexer,
        header: list[str],
        on_batch: Callable[[int], None] | None,
    ) -> None:
        self.database = database
        self.keyring = keyring
        self.principal = principal
        self.resource = resource
        self.agency = resource.owner
        self.path = path
        self.plan = plan
        self.indexer = indexer
        self.header = header
        self.on_batch = on_batch
        self.import_id = str(uuid.uuid4())
        self.created = self.updated = self.unchanged = 0

    def batches(
        self,
        chunks: Iterable[tuple[list[RawRecord], PreparedChunk]],
        batch_size: int,
        *,
        whole_file_read: Any,
    ) -> Iterator[tuple[list[PreparedRow | UnchangedRow], dict[int, list[str]]]]:
        """Each batch of prepared rows, with the raw fields of its unchanged rows (to
        prepare any that changed meanwhile). The last batch comes only once the bytes read
        (into ``whole_file_read``, a hashlib object) are known to be the file checked."""
        # Source-ref indexes already in this import: a later row with the same reference is
        # a repeat, which the check reported, and is skipped.
        seen: set[bytes] = set()
        batch: list[PreparedRow | UnchangedRow] = []
        raw_of: dict[int, list[str]] = {}
        for raw, chunk in chunks:
            if any(problem.line not in self.plan.report.bad_lines for problem in chunk.problems):
                self.stop("The file changed while it was being imported.")
            fields_at: dict[int, list[str]] | None = None
            for row in chunk.rows:
                if row.source_ref_index in seen:
                    continue
                seen.add(row.source_ref_index)
                batch.append(row)
                if isinstance(row, UnchangedRow):
                    fields_at = dict(raw) if fields_at is None else fields_at
                    raw_of[row.line] = fields_at[row.line]
                if len(batch) >= batch_size:
                    yield batch, raw_of
                    batch, raw_of = [], {}
        if whole_file_read.hexdigest() != self.plan.digest:
            self.stop("The file read for the import is not the file that was checked.")
        if batch:
            yield batch, raw_of

    def write(
        self, items: list[PreparedRow | UnchangedRow], raw_of: Mapping[int, list[str]]
    ) -> None:
        """Write one batch in its own transaction, with its audit entry if it changed anything."""
        if FileStamp.of(self.path) != self.plan.stamp:
            self.stop("The file changed while it was being imported.")
        with transaction(self.database) as session:
            decision = require(self.principal, Action.import_, self.resource)
            scope = repository.scope_granted(decision, self.resource)
            repository.prepare_for_bulk_writes(session)
            try:
                rows, confirmed = _confirm_unchanged(
                    session,
                    scope,
                    items,
                    raw_of,
                    lambda stale: prepare_raw(self.indexer, self.agency, self.header, stale),
                )
                result = service.write_prepared(
                    session, scope, rows, keyring=self.keyring, written_by=self.principal.sub
                )
                result.unchanged += confirmed
            finally:
                repository.end_bulk_batch(session)
            if result.created or result.updated:
                audit.record(
                    session,
                    self.principal,
                    allowed_event(
                        decision,
                        self.resource,
                        resource_id=self.import_id,
                        subject_ids=result.changed_ids,
                        content_hash=self.plan.digest,
                    ),
                )
        self.created += len(result.created)
        self.updated += len(result.updated)
        self.unchanged += result.unchanged
        if self.on_batch is not None:
            self.on_batch(len(items))

    def finish(self, reason: str) -> None:
        """End the import: the usual checkpoints back, and its closing audit entry."""
        with transaction(self.database) as session:
            decision = require(self.principal, Action.import_, self.resource)
            repository.finish_bulk_writes(session)
            audit.record(
                session,
                self.principal,
                allowed_event(
                    decision,
                    self.resource,
                    resource_id=self.import_id,
                    content_hash=self.plan.digest,
                    reason=reason,
                ),
            )

    def stop(self, why: str) -> NoReturn:
        """Stop a changed file's import: audit what was written, and say so."""
        self.finish(
            f"import stopped, the file changed after its check: created {self.created}, "
            f"updated {self.updated}, unchanged {self.unchanged}"
        )
        log.warning("agency_records.import_stopped", agency=self.agency, import_id=self.import_id)
        raise FileChanged(
            f"{why} {self.created + self.updated} records were written before it was noticed, "
            "each from a valid row; nothing after. Run the import again on the finished file."
        )

    def finished(self) -> ImportOut:
        """The counts, after the closing audit entry and log line."""
        out = ImportOut(
            rows=self.plan.report.rows,
            created=self.created,
            updated=self.updated,
            unchanged=self.unchanged,
            skipped_invalid=len(self.plan.report.bad_lines),
            problems=service.problems_out(self.plan.problems),
        )
        self.finish(service.import_summary(out))
        log.info(
            "agency_records.imported",
            agency=self.agency,
            import_id=self.import_id,
            created=self.created,
            updated=self.updated,
            unchanged=self.unchanged,
            skipped=out.skipped_invalid,
        )
        return out
