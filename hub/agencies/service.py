"""Agency stores: sealed records, per-record keys, and agency checks on blind indexes.

Why every record has a key of its own. Retention means destroying one record's data for
good, and "for good" has to cover the copies a database leaves behind: old row versions
that PostgreSQL keeps until vacuum, free pages and the write-ahead log in SQLite, replicas.
Overwriting a row does not reach those copies; destroying the only key that opens them
does, for every copy at once. So each record's identifiers and content are sealed under a
record key (``record:<uuid>``, AES-256-GCM), and the record key is itself sealed under the
agency's key (``agency:<code>``), which the KEK wraps:

    KEK (file or HSM)  ->  agency key, versioned (data_keys)  ->  record key (in the row)

Shredding an agency destroys its agency key versions: every record key of the agency, in
every copy of every row, is then unreadable. Shredding a record empties its sealed key and
ciphertexts and drops its blind indexes; the hub also asks the database to overwrite freed
space (see :mod:`hub.agencies.keys`). Backups keep what they held until their own
retention ends, as with any design.

Why the record key is sealed under the agency key and not wrapped by the KEK: wrapping is
a round trip to the HSM, and a bulk import would make one per record. Sealing under the
agency key is a local AES-GCM operation, and rotating an agency key re-seals 60-byte
record keys instead of re-encrypting records. Per record that is one AES-GCM seal of 32
bytes with the agency key's schedule reused, a few microseconds against the 100-200
microseconds a record costs to import on SQLite (see ``bench/import.py``); dropping
per-record keys would not change what an import costs, and would give up record-level
crypto-shredding. In a bulk import the record key is made, and the record sealed under
it, in a worker process (:mod:`hub.agencies.preparing`); only the importing process,
which alone holds the agency key, seals the record key.

Associated data binds every ciphertext to the agency, table, column and record id, and
(through the sealed header) to the key id and version that sealed it, so a ciphertext or
sealed key moved to another row or agency fails to open.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy.orm import Session

from hub.agencies import repository
from hub.agencies.indexing import Indexer
from hub.agencies.models import AgencyRecord
from hub.agencies.preparing import (
    RECORDS_TABLE,
    PreparedRow,
    prepare_rows,
    record_columns,
)
from hub.agencies.rows import RecordRow, RowProblem, ValidationReport, check_row, checked_rows
from hub.agencies.schemas import (
    AgencyCheckOut,
    AgencyHolding,
    ImportOut,
    ImportProblem,
    PassMatch,
    RecordIn,
    RecordMatchOut,
    RecordOut,
    RecordSearchOut,
)
from hub.audit import service as audit
from hub.auth.principal import Principal
from hub.db import utcnow
from hub.keys.service import (
    RECORD_KEY_VERSION,
    Keyring,
    RecordKeyMaker,
    agency_key_id,
    record_key_id,
)
from hub.kit.crypto.envelope import DataKey, SealColumn, SealContext, Sealer, open_sealed
from hub.kit.errors import Conflict, HubError, NotFound, Unprocessable
from hub.kit.pagination import DEFAULT_PAGE_SIZE, Page, decode_time_id_cursor, encode_time_id_cursor
from hub.people.indexing import PASS_STRENGTH
from hub.people.normalise import MatchStrength, PersonIdentifiers, matching_keys
from hub.policy.decision_point import allowed_event, require
from hub.policy.firewall import Resource
from hub.policy.vocabulary import Action, Kind

log = structlog.get_logger()

SEARCH_LIMIT = 100
MAX_PROBLEMS_SHOWN = 200


class RecordShredded(HubError):
    status, code = 410, "shredded"
    detail = "This record's data has been destroyed."


def _context(agency: str, record_id: uuid.UUID | str, column: str) -> SealContext:
    return SealContext(owner=agency, table=RECORDS_TABLE, column=column, row_id=str(record_id))


# --- writing records ----------------------------------------------------------------------


@dataclass
class WriteResult:
    created: list[uuid.UUID] = field(default_factory=list)
    updated: list[uuid.UUID] = field(default_factory=list)
    unchanged: int = 0

    @property
    def changed_ids(self) -> list[str]:
        return [str(record_id) for record_id in (*self.created, *self.updated)]


def write_rows(
    session: Session,
    scope: repository.AgencyScope,
    rows: Sequence[RecordRow],
    *,
    keyring: Keyring,
    indexer: Indexer,
    written_by: str,
) -> WriteResult:
    """Create or update records by the agency's own reference; identical rows change nothing.

    The caller has checked access and records the audit entry.
    """
    return write_prepared(
        session,
        scope,
        prepare_rows(indexer, scope.agency, enumerate(rows, start=1)),
        keyring=keyring,
        written_by=written_by,
    )


def write_prepared(
    session: Session,
    scope: repository.AgencyScope,
    rows: Sequence[PreparedRow],
    *,
    keyring: Keyring,
    written_by: str,
) -> WriteResult:
    """:func:`write_rows` for rows already prepared (perhaps by worker processes).

    Each row's ``source_ref`` must be distinct. A changed record gets a new record key:
    each record key seals one version of its record.
    """
    result = WriteResult()
    if not rows:
        return result
    changed = _changed_rows(session, scope, rows, result)
    if not changed:
        return result
    batch = _WriteBatch(
        scope,
        now=utcnow(),
        record_keys=keyring.record_keys(session, agency_key_id(scope.agency), len(changed)),
        key_column=record_columns(scope.agency)[0],
    )
    for row, known in changed:
        batch.add(session, row, known, result)
    batch.write(session, written_by=written_by)
    return result


def _changed_rows(
    session: Session,
    scope: repository.AgencyScope,
    rows: Sequence[PreparedRow],
    result: WriteResult,
) -> list[tuple[PreparedRow, repository.KnownRecord | None]]:
    """The rows that are new or differ from their stored record; the rest count unchanged."""
    existing = repository.records_by_source_ref(
        session, scope, [row.source_ref_index for row in rows]
    )
    changed: list[tuple[PreparedRow, repository.KnownRecord | None]] = []
    for row in rows:
        found = existing.get(row.source_ref_index)
        if found is not None and found.row_digest == row.row_digest:
            result.unchanged += 1
        else:
            changed.append((row, found))
    return changed


@dataclass
class _WriteBatch:
    """One batch's new records, replaced records and blind indexes, written together."""

    scope: repository.AgencyScope
    now: datetime
    record_keys: RecordKeyMaker
    key_column: SealColumn
    new_records: list[tuple[Any, ...]] = field(default_factory=list)
    indexes: list[tuple[uuid.UUID, Sequence[tuple[int, bytes]]]] = field(default_factory=list)
    replaced: list[tuple[uuid.UUID, bytes | None]] = field(default_factory=list)

    def add(
        self,
        session: Session,
        row: PreparedRow,
        known: repository.KnownRecord | None,
        result: WriteResult,
    ) -> None:
        if known is None:
            record_id = row.record_id
            sealed_identifiers, sealed_content = row.sealed_identifiers, row.sealed_content
        else:
            record_id = known.id
            sealed_identifiers, sealed_content = _sealed_for(self.scope.agency, row, record_id)
        row_id = str(record_id)
        sealed_key = self.record_keys.seal(
            DataKey(record_key_id(row_id), RECORD_KEY_VERSION, row.record_key),
            self.key_column,
            row_id,
        )
        self.indexes.append((record_id, row.blinds))
        if known is None:
            self.new_records.append(
                (
                    record_id,
                    row.source_ref_index,
                    row.row_digest,
                    sealed_key,
                    self.record_keys.version,
                    sealed_identifiers,
                    sealed_content,
                    row.index_keys,
                )
            )
            result.created.append(record_id)
            return
        self.replaced.append((record_id, known.index_keys))
        repository.replace_record(
            session,
            self.scope,
            record_id,
            {
                "row_digest": row.row_digest,
                "sealed_key": sealed_key,
                "key_version": self.record_keys.version,
                "sealed_identifiers": sealed_identifiers,
                "sealed_content": sealed_content,
                "index_keys": row.index_keys,
                "updated_at": self.now,
            },
        )
        result.updated.append(record_id)

    def write(self, session: Session, *, written_by: str) -> None:
        repository.delete_indexes_of(session, self.scope, self.replaced)
        repository.insert_new_records(
            session, self.scope, created_by=written_by, now=self.now, records=self.new_records
        )
        repository.insert_blind_indexes(session, self.scope, self.indexes)


def _sealed_for(agency: str, row: PreparedRow, record_id: uuid.UUID) -> tuple[bytes, bytes]:
    """A changed row's identifiers and content, moved from the new id it was prepared
    (and sealed) for to the id of the record it replaces, under the same fresh key."""
    prepared_id, row_id = str(row.record_id), str(record_id)
    prepared_key = DataKey(record_key_id(prepared_id), RECORD_KEY_VERSION, row.record_key)
    sealer = Sealer(DataKey(record_key_id(row_id), RECORD_KEY_VERSION, row.record_key))
    _, identifiers_column, content_column = record_columns(agency)
    identifiers = open_sealed(
        prepared_key, row.sealed_identifiers, _context(agency, prepared_id, "sealed_identifiers")
    )
    content = open_sealed(
        prepared_key, row.sealed_content, _context(agency, prepared_id, "sealed_content")
    )
    return (
        sealer.seal_at(identifiers, identifiers_column, row_id),
        sealer.seal_at(content, content_column, row_id),
    )


def _row_from_payload(payload: RecordIn) -> RecordRow:
    raw: dict[str, Any] = payload.model_dump(exclude={"details"})
    raw.update(payload.details)
    checked = check_row(raw, 1)
    if isinstance(checked, list):
        raise Unprocessable("; ".join(f"{p.field}: {p.reason}" for p in checked[:10]))
    return checked


def create_record(
    session: Session, principal: Principal, agency: str, payload: RecordIn, *, keyring: Keyring
) -> RecordOut:
    resource = Resource(Kind.agency_record, owner=agency)
    decision = require(principal, Action.create, resource)
    scope = repository.scope_granted(decision, resource)
    row = _row_from_payload(payload)
    indexer = Indexer(keyring.linkage_key(session))
    if repository.records_by_source_ref(
        session, scope, [indexer.source_ref(agency, row.source_ref)]
    ):
        raise Conflict(
            "A record with this source_ref already exists; import to update it.",
            code="duplicate_source_ref",
        )
    result = write_rows(
        session, scope, [row], keyring=keyring, indexer=indexer, written_by=principal.sub
    )
    [record_id] = result.created
    audit.record(
        session,
        principal,
        allowed_event(decision, resource, resource_id=str(record_id), subject_ids=[str(record_id)]),
    )
    log.info("agency_record.created", record_id=str(record_id), agency=agency)
    record = repository.record_of_agency(session, scope, record_id)
    assert record is not None  # just written in this transaction
    return _record_out(session, keyring, record)


# --- reading records ----------------------------------------------------------------------


def _open_record(
    session: Session, keyring: Keyring, record: AgencyRecord
) -> tuple[dict[str, Any], dict[str, Any]]:
    if (
        record.sealed_key is None
        or record.sealed_identifiers is None
        or record.sealed_content is None
    ):
        raise RecordShredded()
    record_key: DataKey = keyring.open_record_key(
        session, record.sealed_key, str(record.id), _context(record.agency, record.id, "sealed_key")
    )
    identifiers = json.loads(
        open_sealed(
            record_key,
            record.sealed_identifiers,
            _context(record.agency, record.id, "sealed_identifiers"),
        )
    )
    content = json.loads(
        open_sealed(
            record_key, record.sealed_content, _context(record.agency, record.id, "sealed_content")
        )
    )
    return identifiers, content


def _record_out(session: Session, keyring: Keyring, record: AgencyRecord) -> RecordOut:
    identifiers, content = _open_record(session, keyring, record)
    return RecordOut(
        id=record.id,
        agency=record.agency,
        created_at=record.created_at,
        updated_at=record.updated_at,
        **identifiers,
        **content,
    )


def read_record(
    session: Session, principal: Principal, agency: str, record_id: uuid.UUID, *, keyring: Keyring
) -> RecordOut:
    resource = Resource(Kind.agency_record, owner=agency, id=str(record_id))
    decision = require(principal, Action.read, resource)
    scope = repository.scope_granted(decision, resource)
    record = repository.record_of_agency(session, scope, record_id)
    if record is None:
        raise NotFound()
    out = _record_out(session, keyring, record)
    audit.record(
        session, principal, allowed_event(decision, resource, subject_ids=[str(record.id)])
    )
    return out


def list_records(
    session: Session,
    principal: Principal,
    agency: str,
    *,
    keyring: Keyring,
    cursor: str | None,
    limit: int = DEFAULT_PAGE_SIZE,
) -> Page[RecordOut]:
    resource = Resource(Kind.agency_record, owner=agency)
    decision = require(principal, Action.list, resource)
    scope = repository.scope_granted(decision, resource)
    after = decode_time_id_cursor(cursor)
    records = repository.page_of_records(session, scope, after=after, limit=limit + 1)
    more = len(records) > limit
    records = records[:limit]
    items = [_record_out(session, keyring, record) for record in records]
    audit.record(
        session,
        principal,
        allowed_event(decision, resource, subject_ids=[str(r.id) for r in records]),
    )
    next_cursor = (
        encode_time_id_cursor(records[-1].created_at, records[-1].id) if more and records else None
    )
    return Page[RecordOut](items=items, next_cursor=next_cursor)


def _blinds_for(
    session: Session, keyring: Keyring, person: PersonIdentifiers
) -> tuple[dict[bytes, str], list[str]]:
    if not matching_keys(person):
        raise Unprocessable(
            "Give enough identifiers to match on: an NHS number, or a family name and date of "
            "birth, or names with a date of birth or postcode.",
            code="not_enough_identifiers",
        )
    indexes = Indexer(keyring.linkage_key(session)).person(person)
    return {index.blind: index.pass_name for index in indexes}, [i.pass_name for i in indexes]


def search_records(
    session: Session,
    principal: Principal,
    agency: str,
    person: PersonIdentifiers,
    *,
    keyring: Keyring,
) -> RecordSearchOut:
    """An agency's own records on a person, found through the blind indexes."""
    resource = Resource(Kind.agency_record, owner=agency)
    decision = require(principal, Action.list, resource)
    scope = repository.scope_granted(decision, resource)
    blinds, passes_tried = _blinds_for(session, keyring, person)
    passes_of: dict[uuid.UUID, list[str]] = defaultdict(list)
    records: dict[uuid.UUID, AgencyRecord] = {}
    for record, pass_name in repository.matching_records_of_agency(
        session, scope, blinds, limit=SEARCH_LIMIT * len(blinds)
    ):
        records.setdefault(record.id, record)
        passes_of[record.id].append(pass_name)
    chosen = list(records.values())[:SEARCH_LIMIT]
    items = [
        RecordMatchOut(
            **_record_out(session, keyring, record).model_dump(),
            passes=sorted(passes_of[record.id], key=list(PASS_STRENGTH).index),
        )
        for record in chosen
    ]
    audit.record(
        session,
        principal,
        allowed_event(decision, resource, subject_ids=[str(r.id) for r in chosen]),
    )
    return RecordSearchOut(items=items, passes_tried=passes_tried)


# --- the agency check ---------------------------------------------------------------------


def _holding_strength(passes: set[str]) -> MatchStrength:
    """Strong when an identifying pass matched; twins share family name and date of birth,
    so that pass alone is only medium until a given-name pass agrees."""
    if passes & {"nhs", "given_family_dob"}:
        return "strong"
    if "family_dob" in passes and passes & {"phonetic_given_family_dob", "given_dob_district"}:
        return "strong"
    return "medium"


def agency_check(
    session: Session,
    principal: Principal,
    person: PersonIdentifiers,
    *,
    keyring: Keyring,
    subject_ids: Sequence[str] = (),
    purpose: str = "existing_involvement",
) -> AgencyCheckOut:
    """Which agencies hold records on ``person``, from blind indexes only. No content."""
    resource = Resource(Kind.agency_match)
    decision = require(principal, Action.run, resource, subject_ids=subject_ids, purpose=purpose)
    blinds, passes_tried = _blinds_for(session, keyring, person)
    records_by_agency: dict[str, set[uuid.UUID]] = defaultdict(set)
    records_by_pass: dict[tuple[str, str], set[uuid.UUID]] = defaultdict(set)
    for agency, pass_name, record_id in repository.index_matches(session, blinds):
        records_by_agency[agency].add(record_id)
        records_by_pass[(agency, pass_name)].add(record_id)
    holdings: list[AgencyHolding] = []
    for agency in sorted(records_by_agency):
        matched = {p for (a, p) in records_by_pass if a == agency}
        holdings.append(
            AgencyHolding(
                agency=agency,
                records=len(records_by_agency[agency]),
                strength=_holding_strength(matched),
                passes=[
                    PassMatch(
                        pass_name=pass_name,
                        strength=PASS_STRENGTH[pass_name],
                        records=len(records_by_pass[(agency, pass_name)]),
                    )
                    for pass_name in PASS_STRENGTH
                    if pass_name in matched
                ],
            )
        )
    matched_ids = sorted(str(i) for ids in records_by_agency.values() for i in ids)
    audit.record(
        session,
        principal,
        allowed_event(
            decision,
            resource,
            subject_ids=[*subject_ids, *matched_ids],
            purpose=purpose,
            content_hash=hashlib.sha256(
                json.dumps([h.model_dump() for h in holdings], sort_keys=True).encode()
            ).hexdigest(),
        ),
    )
    log.info("agency_check.run", agencies=len(holdings), passes=len(passes_tried))
    return AgencyCheckOut(agencies=holdings, passes_tried=passes_tried)


# --- importing through the API ------------------------------------------------------------


def problems_out(problems: Sequence[RowProblem]) -> list[ImportProblem]:
    return [
        ImportProblem(line=p.line, field=p.field, reason=p.reason)
        for p in problems[:MAX_PROBLEMS_SHOWN]
    ]


def import_rows(
    session: Session,
    principal: Principal,
    agency: str,
    rows: Sequence[dict[str, Any]],
    *,
    keyring: Keyring,
    skip_invalid: bool,
) -> ImportOut:
    """Import rows from an agency's own system in one transaction (row numbers from 1)."""
    resource = Resource(Kind.agency_record, owner=agency)
    decision = require(principal, Action.import_, resource)
    scope = repository.scope_granted(decision, resource)
    report = ValidationReport()
    valid = [row for _, row in checked_rows(enumerate(rows, start=1), report)]
    if report.problems and not skip_invalid:
        raise ImportRefused(report.problems)
    indexer = Indexer(keyring.linkage_key(session))
    result = write_rows(
        session, scope, valid, keyring=keyring, indexer=indexer, written_by=principal.sub
    )
    out = ImportOut(
        rows=report.rows,
        created=len(result.created),
        updated=len(result.updated),
        unchanged=result.unchanged,
        skipped_invalid=len(report.bad_lines),
        problems=problems_out(report.problems),
    )
    audit.record(
        session,
        principal,
        allowed_event(
            decision,
            resource,
            resource_id=str(uuid.uuid4()),
            subject_ids=result.changed_ids,
            reason=import_summary(out),
        ),
    )
    log.info(
        "agency_records.imported",
        agency=agency,
        created=out.created,
        updated=out.updated,
        unchanged=out.unchanged,
        skipped=out.skipped_invalid,
    )
    return out


def import_summary(out: ImportOut) -> str:
    return (
        f"import of {out.rows} rows: created {out.created}, updated {out.updated}, "
        f"unchanged {out.unchanged}, skipped invalid {out.skipped_invalid}"
    )


class ImportRefused(Unprocessable):
    """Rows are invalid and the caller did not ask to skip them: nothing was imported."""

    code = "invalid_rows"

    def __init__(self, problems: Sequence[RowProblem]) -> None:
        shown = "; ".join(str(p) for p in problems[:20])
        more = f" (and {len(problems) - 20} more)" if len(problems) > 20 else ""
        super().__init__(
            f"Nothing was imported: {len(problems)} problem(s): {shown}{more}. "
            "Fix the rows, or skip invalid rows."
        )
        self.problems = list(problems)


def record_out(session: Session, keyring: Keyring, record: AgencyRecord) -> RecordOut:
    """Open a record for a caller that has already passed the firewall (break-glass)."""
    return _record_out(session, keyring, record)
