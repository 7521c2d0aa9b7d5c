"""Verifying a large log on the database, quickly: several processes, raw rows.

Each worker reads one range of leaves straight from the driver (no ORM rows), with each
entry's canonical JSON written by the database, hashes it and compares it with the
stored leaf hash; the parent builds the tree from the workers' hashes and checks the signed
checkpoints. If any worker finds anything wrong, the ordinary one-process verification
runs instead, because it names the first bad leaf and entry exactly.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import create_engine

from hub.audit.canonical import OPTIONAL_FIELDS, SORTED_FIELDS, optional_tail
from hub.audit.checkpoints import SignedCheckpoint
from hub.audit.merkle import MerkleTree
from hub.audit.verify import VerifyReport, check_checkpoints

# The database writes each entry's canonical JSON itself (sorted keys, no spaces, strings
# escaped as Python's json module escapes them with ensure_ascii=False), all but the
# already-canonical ``subject_ids``, which is spliced in; a worker only joins two texts
# and hashes them. A value the database would write differently from Python only fails
# the comparison and sends the log to the exact verifier; it can never make a changed
# entry pass, because each is a faithful JSON encoding of the stored values.
_SQLITE_TIMESTAMP = (
    # SQLite keeps UTC as "YYYY-MM-DD HH:MM:SS.ffffff"; any other shape gives null here,
    # which matches no leaf, and so a closer look.
    "CASE WHEN length(e.recorded_at) = 26 AND substr(e.recorded_at, 11, 1) = ' ' "
    "THEN substr(e.recorded_at, 1, 10) || 'T' || substr(e.recorded_at, 12) || '+00:00' END"
)
_POSTGRESQL_TIMESTAMP = (
    "'\"' || to_char(e.recorded_at AT TIME ZONE 'UTC', "
    '\'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"\') || \'"\''
)
_HEAD_FIELDS = tuple(name for name in SORTED_FIELDS if name != "subject_ids")
assert SORTED_FIELDS[-1] == "subject_ids"


def _head_sql(dialect: str) -> str:
    """SQL for an entry's canonical JSON without ``subject_ids``."""
    if dialect == "sqlite":
        # json_object writes compact JSON in the order given, in one C call.
        pairs = (
            f"'{name}', " + (_SQLITE_TIMESTAMP if name == "recorded_at" else f"e.{name}")
            for name in _HEAD_FIELDS
        )
        return f"json_object({', '.join(pairs)})"
    parts = [
        f"'{json.dumps(name)}:' || "
        + (
            _POSTGRESQL_TIMESTAMP
            if name == "recorded_at"
            else f"coalesce(to_json(e.{name})::text, 'null')"
        )
        for name in _HEAD_FIELDS
    ]
    return "'{' || " + " || ',' || ".join(parts) + " || '}'"


def _select(dialect: str, start: int, end: int) -> str:
    return (
        f"SELECT l.leaf_index, l.leaf_hash, {_head_sql(dialect)}, e.subject_ids, "
        + ", ".join(f"e.{name}" for name in OPTIONAL_FIELDS)
        + " "
        "FROM audit_leaves l LEFT JOIN audit_entries e ON e.id = l.entry_id "
        f"WHERE l.leaf_index >= {int(start)} AND l.leaf_index < {int(end)} ORDER BY l.leaf_index"
    )


_FETCH = 50_000
# Below this many entries one process is quicker than starting workers.
PARALLEL_VERIFY_FROM = 20_000


@dataclass(frozen=True, slots=True)
class RangeResult:
    start: int
    hashes: bytes
    problem: bool


def _verify_range(arguments: tuple[str, int, int]) -> RangeResult:
    url, start, end = arguments
    engine = create_engine(url)
    prefixed = hashlib.sha256(b"\x00")  # RFC 6962 leaf prefix, absorbed once
    hashes = bytearray()
    expected = start
    problem = False
    connection: Any = engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute(_select(engine.dialect.name, start, end))
        while not problem:
            rows = cursor.fetchmany(_FETCH)
            if not rows:
                break
            for index, stored, head, subject_ids, *optional in rows:
                if index != expected or head is None or subject_ids is None:
                    problem = True
                    break
                tail = optional_tail(dict(zip(OPTIONAL_FIELDS, optional, strict=True)))
                leaf = prefixed.copy()
                leaf.update(f'{head[:-1]},"subject_ids":{subject_ids}{tail}}}'.encode())
                digest = leaf.digest()
                if digest.hex() != stored:
                    problem = True
                    break
                hashes += digest
                expected += 1
        if expected != end:
            problem = True
    finally:
        connection.close()
        engine.dispose()
    return RangeResult(start, bytes(hashes), problem)


def verify_database_in_parallel(
    url: str,
    tree_size: int,
    checkpoints: Sequence[SignedCheckpoint],
    public_key_pem: bytes,
    *,
    workers: int = 2,
) -> VerifyReport | None:
    """Verify the stored log with ``workers`` processes; None if a leaf needs a closer look
    (the caller then runs :func:`hub.audit.verify.verify_log` for the exact report)."""
    step = max(1, -(-tree_size // workers))
    ranges = [(url, lo, min(tree_size, lo + step)) for lo in range(0, tree_size, step)]
    # A fork server: workers fork from a clean single-threaded process (forking this one
    # could copy a lock another thread holds), with this module already imported there.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    with context.Pool(len(ranges) or 1) as pool:
        results = pool.map(_verify_range, ranges)
    if any(result.problem for result in results):
        return None
    tree = MerkleTree()
    for result in sorted(results, key=lambda r: r.start):
        tree.extend_packed(result.hashes)
    return check_checkpoints(tree, checkpoints, public_key_pem)
