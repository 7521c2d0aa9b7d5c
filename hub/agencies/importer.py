"""Bulk import of an agency's records from CSV: check every row, then import in batches.

The whole file is checked before anything is written; a file with bad rows imports
nothing unless the caller asks to skip them. Rows are then written in batches, each in a
transaction of its own with its own audit entry, so a very large file never holds one
long transaction open, and a file interrupted half-way is finished by running it again:
rows are found by the agency's own reference (``source_ref``) and a row that is already
there, unchanged, is left alone.
"""

from __future__ import annotations

import csv
import hashlib
import io
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import structlog

from hub.agencies import service
from hub.agencies.indexing import Indexer
from hub.agencies.rows import RecordRow, RowProblem, ValidationReport, checked_rows, missing_columns
from hub.agencies.schemas import ImportOut
from hub.audit import service as audit
from hub.auth.principal import Principal
from hub.db import Database, transaction
from hub.keys.service import Keyring
from hub.kit.errors import Unprocessable
from hub.policy.decision_point import allowed_event, require
from hub.policy.firewall import Resource
from hub.policy.vocabulary import Action, Kind

log = structlog.get_logger()

DEFAULT_BATCH = 2000


class ImportFileError(Unprocessable):
    """The file as a whole cannot be read (not UTF-8, no header, missing columns)."""

    code = "invalid_file"


def csv_rows(text_lines: Iterator[str]) -> Iterator[tuple[int, Mapping[str, Any]]]:
    """``(first line number, row)`` for each CSV record after the header."""
    reader = csv.DictReader(text_lines)
    try:
        header = reader.fieldnames
    except (csv.Error, UnicodeDecodeError):
        raise ImportFileError("The file's header could not be read as UTF-8 CSV.") from None
    if not header:
        raise ImportFileError("The file is empty: it needs a header line.")
    missing = missing_columns(header)
    if missing:
        raise ImportFileError(f"The header lacks required columns: {', '.join(missing)}.")
    previous_end = reader.line_num
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error:
            raise ImportFileError(
                f"line {previous_end + 1}: the CSV is malformed (an unclosed quote?)."
            ) from None
        except UnicodeDecodeError:
            raise ImportFileError(f"line {previous_end + 1}: the file is not UTF-8 text.") from None
        start = previous_end + 1
        previous_end = reader.line_num
        yield start, row


def _open_lines(path: Path) -> Iterator[str]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        yield from handle


def csv_text_rows(text: str) -> Iterator[tuple[int, Mapping[str, Any]]]:
    return csv_rows(iter(io.StringIO(text, newline="")))


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def validate_file(path: Path) -> ValidationReport:
    report = ValidationReport()
    for _ in checked_rows(csv_rows(_open_lines(path)), report):
        pass
    return report


@dataclass(frozen=True, slots=True)
class ImportPlan:
    """What the check of a file found, before anything is written."""

    report: ValidationReport
    digest: str

    @property
    def problems(self) -> list[RowProblem]:
        return self.report.problems


def check_access(database: Database, principal: Principal, agency: str) -> None:
    """Refuse (and audit the refusal) before reading a file the caller may not import."""
    with transaction(database):
        require(principal, Action.import_, Resource(Kind.agency_record, owner=agency))


def plan_import(path: Path) -> ImportPlan:
    return ImportPlan(report=validate_file(path), digest=file_digest(path))


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
) -> ImportOut:
    """Write the valid rows of a checked file in batches; return the counts."""
    if plan.problems and not skip_invalid:
        raise service.ImportRefused(plan.problems)
    import_id = str(uuid.uuid4())
    resource = Resource(Kind.agency_record, owner=agency)
    created = updated = unchanged = 0
    second_look = ValidationReport()
    batch: list[RecordRow] = []

    def write(rows: list[RecordRow]) -> None:
        nonlocal created, updated, unchanged
        with transaction(database) as session:
            decision = require(principal, Action.import_, resource)
            indexer = Indexer(keyring.linkage_key(session))
            result = service.write_rows(
                session, agency, rows, keyring=keyring, indexer=indexer, written_by=principal.sub
            )
            if result.created or result.updated:
                audit.record(
                    session,
                    principal,
                    allowed_event(
                        decision,
                        resource,
                        resource_id=import_id,
                        subject_ids=result.changed_ids,
                        content_hash=plan.digest,
                    ),
                )
        created += len(result.created)
        updated += len(result.updated)
        unchanged += result.unchanged
        if on_batch is not None:
            on_batch(len(rows))

    for _, row in checked_rows(csv_rows(_open_lines(path)), second_look):
        batch.append(row)
        if len(batch) >= batch_size:
            write(batch)
            batch = []
    if batch:
        write(batch)

    out = ImportOut(
        rows=plan.report.rows,
        created=created,
        updated=updated,
        unchanged=unchanged,
        skipped_invalid=len(plan.report.bad_lines),
        problems=service.problems_out(plan.problems),
    )
    with transaction(database) as session:
        decision = require(principal, Action.import_, resource)
        audit.record(
            session,
            principal,
            allowed_event(
                decision,
                resource,
                resource_id=import_id,
                content_hash=plan.digest,
                reason=service.import_summary(out),
            ),
        )
    log.info(
        "agency_records.imported",
        agency=agency,
        import_id=import_id,
        created=created,
        updated=updated,
        unchanged=unchanged,
        skipped=out.skipped_invalid,
    )
    return out
