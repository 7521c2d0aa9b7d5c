"""Checked rows made ready to write: looked-up indexes, blind indexes and the text to seal.

Preparing a row needs the linkage key and nothing else: no database, no agency key. It
checks and normalises the row, computes its blind indexes, and seals its identifiers and
content under a new record key of its own. So a bulk import prepares its batches in
worker processes while the importing process writes the batches before them (see
:class:`WorkerPool`); a single record or a JSON import prepares in the request. The one
thing a prepared row holds in clear is that record key, which
:func:`hub.agencies.service.write_prepared` seals under the agency key before anything is
stored; a prepared row is never logged: its ``repr`` shows only the line.
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import islice
from typing import NamedTuple, TypeVar

from hub.agencies.indexing import PASS_CODES, Indexer, pack_index_keys
from hub.agencies.rows import RecordRow, RowProblem, canonical_of, check_row
from hub.keys.service import RECORD_KEY_VERSION, record_key_id
from hub.kit.crypto.blind import LinkageKey
from hub.kit.crypto.envelope import DataKey, SealColumn, Sealer
from hub.kit.csvfile import RawRecord, row_mapping

RECORDS_TABLE = "agency_records"


class PreparedRow(NamedTuple):
    """One valid row, sealed under a record key of its own, ready to be written.

    The record key is in clear here: the process that writes the row seals it under the
    agency key (which never leaves that process) before anything is stored.
    """

    line: int
    source_ref_index: bytes
    row_digest: bytes
    record_id: uuid.UUID  # the id the row was sealed for (a new record's id)
    record_key: bytes  # key material, in clear: sealed under the agency key before storing
    sealed_identifiers: bytes
    sealed_content: bytes
    blinds: tuple[tuple[int, bytes], ...]  # (pass code, blind index)
    index_keys: bytes  # blinds packed, as agency_records.index_keys keeps them

    def __repr__(self) -> str:
        return f"PreparedRow(line={self.line}, <redacted>)"


class UnchangedRow(NamedTuple):
    """A valid row found to be exactly the record already stored under its reference.

    Nothing of it is sealed: the importing process confirms, in the batch's transaction,
    that the stored record still has this digest, and prepares the row in full if not.
    """

    line: int
    source_ref_index: bytes
    row_digest: bytes

    def __repr__(self) -> str:
        return f"UnchangedRow(line={self.line}, <redacted>)"


# The stored digest of each raw record's reference, where one is stored (None if not).
KnownDigests = list[bytes | None]


def new_record_id() -> uuid.UUID:
    """A time-ordered UUID (version 7, RFC 9562): 48 bits of Unix milliseconds, 74 random.

    Records written together get neighbouring ids, so a batch adds to the end of the
    id indexes instead of touching a random page of each for every record; on a store of
    a million records that is a good part of an import's database time. The time in an
    id is the record's ``created_at``, which the row holds in clear anyway.
    """
    value = (time.time_ns() // 1_000_000) << 80 | int.from_bytes(os.urandom(10)) & _RANDOM_74
    return uuid.UUID(int=value | _VERSION_7_AND_VARIANT)


_RANDOM_74 = (1 << 80) - 1 & ~(0xF << 76) & ~(0x3 << 62)
_VERSION_7_AND_VARIANT = 0x7 << 76 | 0x2 << 62


@functools.lru_cache(maxsize=64)
def record_columns(agency: str) -> tuple[SealColumn, SealColumn, SealColumn]:
    """Where an agency record's sealed key, identifiers and content live."""
    return (
        SealColumn(agency, RECORDS_TABLE, "sealed_key"),
        SealColumn(agency, RECORDS_TABLE, "sealed_identifiers"),
        SealColumn(agency, RECORDS_TABLE, "sealed_content"),
    )


def prepare_row(indexer: Indexer, agency: str, line: int, row: RecordRow) -> PreparedRow:
    identifiers = row.identifiers_json()
    content = row.content_json()
    record_id = new_record_id()
    row_id = str(record_id)
    record_key = DataKey.generate(record_key_id(row_id), RECORD_KEY_VERSION)
    sealer = Sealer(record_key)
    _, identifiers_column, content_column = record_columns(agency)
    blinds = tuple((PASS_CODES[name], blind) for name, blind in indexer.checked_row(row))
    return PreparedRow(
        line,
        indexer.source_ref(agency, row.source_ref),
        indexer.row_digest(agency, canonical_of(identifiers, content)),
        record_id,
        record_key.material,
        sealer.seal_at(identifiers.encode(), identifiers_column, row_id),
        sealer.seal_at(content.encode(), content_column, row_id),
        blinds,
        pack_index_keys(blinds),
    )


def prepare_rows(
    indexer: Indexer, agency: str, rows: Iterable[tuple[int, RecordRow]]
) -> list[PreparedRow]:
    return [prepare_row(indexer, agency, line, row) for line, row in rows]


# --- in worker processes --------------------------------------------------------------------

# A raw CSV record as the reader gave it: its first line number and its fields.


class PreparedChunk(NamedTuple):
    """What a worker made of a chunk of raw records: the valid rows, in file order, and
    every problem."""

    rows: list[PreparedRow | UnchangedRow]
    problems: list[RowProblem]


def prepare_raw(
    indexer: Indexer,
    agency: str,
    header: Sequence[str],
    records: Sequence[RawRecord],
    known: KnownDigests | None = None,
) -> PreparedChunk:
    """Check each raw record and prepare the valid ones (repeats are the caller's to find).

    ``known`` gives, record by record, the digest stored under the record's reference (if
    any): a valid row with exactly that digest comes back as an :class:`UnchangedRow`,
    unsealed, so running an unchanged file again costs no keys and no sealing.
    """
    chunk = PreparedChunk([], [])
    for position, (line, fields) in enumerate(records):
        checked = check_row(row_mapping(header, fields), line)
        if isinstance(checked, list):
            chunk.problems.extend(checked)
            continue
        stored = None if known is None else known[position]
        if stored is not None:
            digest = indexer.row_digest(
                agency, canonical_of(checked.identifiers_json(), checked.content_json())
            )
            if digest == stored:
                source_ref_index = indexer.source_ref(agency, checked.source_ref)
                chunk.rows.append(UnchangedRow(line, source_ref_index, digest))
                continue
        chunk.rows.append(prepare_row(indexer, agency, line, checked))
    return chunk


def check_raw(
    header: Sequence[str], records: Iterable[RawRecord]
) -> list[tuple[int, str | list[RowProblem]]]:
    """Each raw record's line and its ``source_ref`` if valid, else its problems."""
    outcomes: list[tuple[int, str | list[RowProblem]]] = []
    for line, fields in records:
        checked = check_row(row_mapping(header, fields), line)
        outcomes.append((line, checked if isinstance(checked, list) else checked.source_ref))
    return outcomes


# One Indexer per worker process and linkage key, made on the first chunk that needs it.
_worker_indexers: dict[bytes, Indexer] = {}


def _prepare_in_worker(
    linkage_key: bytes,
    agency: str,
    header: Sequence[str],
    records: list[RawRecord],
    known: KnownDigests | None,
) -> PreparedChunk:
    indexer = _worker_indexers.get(linkage_key)
    if indexer is None:
        _worker_indexers.clear()
        indexer = _worker_indexers[linkage_key] = Indexer(LinkageKey.from_bytes(linkage_key))
    return prepare_raw(indexer, agency, header, records, known)


def _chunks(records: Iterable[RawRecord], size: int) -> Iterator[list[RawRecord]]:
    iterator = iter(records)
    while chunk := list(islice(iterator, size)):
        yield chunk


_Result = TypeVar("_Result")


class WorkerPool:
    """Worker processes that check or prepare chunks of raw records, in order.

    Workers start from a fork server (forking the importing process could copy a lock
    another of its threads holds) with this module already imported there. Rows, the
    linkage key and the (keyed) digests stored under the rows' references reach them, and
    prepared rows with their record keys come back, through the pool's own pipes; nothing
    is written to disk, no agency key is ever sent, and the workers end with the pool.
    """

    def __init__(self, workers: int) -> None:
        context = multiprocessing.get_context("forkserver")
        # The fork server imports the main module once (as spawn would in every worker)
        # and this one; workers forked from it start with both already imported.
        context.set_forkserver_preload(["__main__", __name__])
        self._executor = ProcessPoolExecutor(max_workers=workers, mp_context=context)
        self._workers = workers

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *_: object) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)

    def _in_order(
        self,
        work: Callable[[list[RawRecord]], Future[_Result]],
        chunks: Iterable[list[RawRecord]],
        *,
        ahead: int = 0,
    ) -> Iterator[tuple[list[RawRecord], _Result]]:
        """Each chunk with its result, in submission order, every worker kept a chunk or
        two ahead (and ``ahead`` chunks more, for a caller that takes results in bursts)."""
        pending: deque[tuple[list[RawRecord], Future[_Result]]] = deque()
        limit = 2 * self._workers + ahead
        for chunk in chunks:
            pending.append((chunk, work(chunk)))
            if len(pending) > limit:
                done, future = pending.popleft()
                yield done, future.result()
        while pending:
            done, future = pending.popleft()
            yield done, future.result()

    def check(
        self, header: Sequence[str], records: Iterable[RawRecord], *, chunk_size: int
    ) -> Iterator[tuple[int, str | list[RowProblem]]]:
        """:func:`check_raw` of every record, in order."""
        for _, outcomes in self._in_order(
            lambda chunk: self._executor.submit(check_raw, header, chunk),
            _chunks(records, chunk_size),
        ):
            yield from outcomes

    def prepare(
        self,
        linkage: LinkageKey,
        agency: str,
        header: Sequence[str],
        records: Iterable[RawRecord],
        *,
        chunk_size: int,
        ahead: int = 0,
        known_of: Callable[[list[RawRecord]], KnownDigests] | None = None,
    ) -> Iterator[tuple[list[RawRecord], PreparedChunk]]:
        """Each chunk of records with its :func:`prepare_raw`, in order; ``ahead`` more
        chunks are prepared while the caller writes a batch. ``known_of`` (called in this
        process as each chunk is sent) gives a chunk's stored digests."""
        key = linkage.to_bytes()

        def submit(chunk: list[RawRecord]) -> Future[PreparedChunk]:
            known = None if known_of is None else known_of(chunk)
            return self._executor.submit(_prepare_in_worker, key, agency, header, chunk, known)

        return self._in_order(submit, _chunks(records, chunk_size), ahead=ahead)


def prepare_in_process(
    indexer: Indexer,
    agency: str,
    header: Sequence[str],
    records: Iterable[RawRecord],
    *,
    chunk_size: int,
    known_of: Callable[[list[RawRecord]], KnownDigests] | None = None,
) -> Iterator[tuple[list[RawRecord], PreparedChunk]]:
    """What :meth:`WorkerPool.prepare` gives, worked out in this process."""
    for chunk in _chunks(records, chunk_size):
        known = None if known_of is None else known_of(chunk)
        yield chunk, prepare_raw(indexer, agency, header, chunk, known)
