"""Verifying a large log on the database, quickly: several processes, raw rows.

Each worker reads one range of leaves straight from the driver (no ORM rows), rebuilds
each entry's canonical bytes on the fast path, hashes it and compares it with the stored
leaf hash; the parent builds the tree from the workers' hashes and checks the signed
checkpoints. If any worker finds anything wrong, the ordinary one-process verification
runs instead, because it names the first bad leaf and entry exactly.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import create_engine

from hub.audit.canonical import SORTED_FIELDS
from hub.audit.checkpoints import SignedCheckpoint
from hub.audit.merkle import MerkleTree
from hub.audit.verify import VerifyReport, check_checkpoints

_FIELDS = tuple(f for f in SORTED_FIELDS if f != "subject_ids")
_ID = _FIELDS.index("id")
# The database writes the timestamp in the canonical ISO form itself: cheaper than Python.
_ISO_TIMESTAMP = {
    # SQLite keeps "YYYY-MM-DD HH:MM:SS.ffffff" in UTC; Python splices it faster than SQL.
    "sqlite": "e.recorded_at",
    "postgresql": (
        "to_char(e.recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"')"
    ),
}


def _select(dialect: str, start: int, end: int) -> str:
    columns = ", ".join(
        _ISO_TIMESTAMP[dialect] if name == "recorded_at" else f"e.{name}" for name in _FIELDS
    )
    return (
        f"SELECT l.leaf_index, l.leaf_hash, {columns}, e.subject_ids "  # noqa: S608 (fixed names)
        "FROM audit_leaves l LEFT JOIN audit_entries e ON e.id = l.entry_id "
        f"WHERE l.leaf_index >= {int(start)} AND l.leaf_index < {int(end)} ORDER BY l.leaf_index"
    )


_FETCH = 50_000
# Below this many entries one process is quicker than starting workers.
PARALLEL_VERIFY_FROM = 20_000


def _compact_encoder() -> Callable[[dict[str, Any]], str]:
    """``json.dumps(value, separators=(",", ":"), ensure_ascii=False)`` without rebuilding
    the C encoder on every call (a third of the cost of a row)."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # pragma: no cover - CPython always has the C encoder
        return json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
    c_encode = make(None, None, json.encoder.encode_basestring, None, ":", ",", False, False, True)

    def encode(value: dict[str, Any]) -> str:
        return "".join(c_encode(value, 0))

    return encode


@dataclass(frozen=True, slots=True)
class RangeResult:
    start: int
    hashes: bytes
    problem: bool


def _verify_range(arguments: tuple[str, int, int]) -> RangeResult:
    url, start, end = arguments
    engine = create_engine(url)
    encode = _compact_encoder()
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
            for row in rows:
                if row[0] != expected or row[_ID + 2] is None or row[-1] is None:
                    problem = True
                    break
                document = dict(zip(_FIELDS, row[2:-1]))  # noqa: B905 (both from _FIELDS)
                moment = document["recorded_at"]
                if len(moment) == 26 and moment[10] == " ":
                    document["recorded_at"] = moment[:10] + "T" + moment[11:] + "+00:00"
                encoded = (encode(document)[:-1] + ',"subject_ids":' + row[-1] + "}").encode()
                leaf = prefixed.copy()
                leaf.update(encoded)
                digest = leaf.digest()
                if digest.hex() != row[1]:
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
