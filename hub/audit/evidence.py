"""The log as evidence: read it for verification, export it, load an export."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.audit import repository
from hub.audit.canonical import canonical_bytes_from_raw, canonical_document
from hub.audit.checkpoints import SignedCheckpoint
from hub.audit.models import AuditSealing
from hub.audit.verify import LeafRecord
from hub.db import utcnow

ENTRIES_FILE = "entries.jsonl"
CHECKPOINTS_FILE = "checkpoints.json"
PUBLIC_KEY_FILE = "audit-public-key.pem"
MANIFEST_FILE = "MANIFEST.json"
READ_BATCH = 20_000


def database_leaves(session: Session, *, documents: bool = False) -> Iterator[LeafRecord]:
    """Every leaf in index order with its entry.

    With ``documents`` each record carries the entry's canonical document (for export);
    without, only its canonical bytes, computed on the fast path (for verifying).
    """
    start = 0
    while True:
        rows = repository.raw_leaves_with_entries(session, start=start, limit=READ_BATCH)
        if not rows:
            return
        for row in rows:
            mapping = row._mapping
            if mapping["id"] is None:
                yield LeafRecord(row.leaf_index, row.leaf_hash, row.leaf_entry_id, None)
            elif documents:
                document = canonical_document(mapping)
                yield LeafRecord(row.leaf_index, row.leaf_hash, row.leaf_entry_id, document)
            else:
                leaf = canonical_bytes_from_raw(mapping)
                yield LeafRecord(row.leaf_index, row.leaf_hash, row.leaf_entry_id, None, leaf)
        start = rows[-1].leaf_index + 1


def database_checkpoints(session: Session) -> list[SignedCheckpoint]:
    return [
        SignedCheckpoint(
            tree_size=c.tree_size,
            root_hash=c.root_hash,
            signed_at=c.signed_at.isoformat(timespec="microseconds"),
            key_id=c.key_id,
            signature=c.signature,
        )
        for c in session.execute(repository.checkpoints()).scalars()
    ]


@dataclass(frozen=True, slots=True)
class ExportSummary:
    entries: int
    checkpoints: int
    directory: Path


def export_log(
    session: Session,
    out_dir: Path,
    public_key_pem: bytes,
    *,
    progress: Callable[[int], None] | None = None,
) -> ExportSummary:
    """Write entries (JSON Lines), checkpoints and the public key to ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    count = 0
    with (out_dir / ENTRIES_FILE).open("w", encoding="utf-8") as entries:
        for record in database_leaves(session, documents=True):
            line = {
                "leaf_index": record.leaf_index,
                "leaf_hash": record.stored_hash,
                "entry_id": record.entry_id,
                "entry": record.document,
            }
            entries.write(json.dumps(line, sort_keys=True, ensure_ascii=False) + "\n")
            count += 1
            if progress is not None and count % 10_000 == 0:
                progress(10_000)
    checkpoints = database_checkpoints(session)
    (out_dir / CHECKPOINTS_FILE).write_text(
        json.dumps([c.as_json() for c in checkpoints], indent=1), encoding="utf-8"
    )
    (out_dir / PUBLIC_KEY_FILE).write_bytes(public_key_pem)
    (out_dir / MANIFEST_FILE).write_text(
        json.dumps(
            {
                "format": "mash-hub audit export v1",
                "exported_at": utcnow().isoformat(),
                "entries": count,
                "checkpoints": len(checkpoints),
                "latest_checkpoint": checkpoints[-1].as_json() if checkpoints else None,
                "verify_with": "mash-hub audit verify --export <this folder>",
                "leaf_hash": "SHA-256(0x00 || canonical JSON of entry: sorted keys, "
                "separators (',', ':'), UTF-8)",
                "node_hash": "SHA-256(0x01 || left || right), RFC 9162",
                # Entries before this one were written with their reasons and purposes in
                # clear; from it on, what a person wrote is sealed and only committed to.
                "first_sealed_entry": first_sealed_entry(session),
            },
            indent=1,
        ),
        encoding="utf-8",
    )
    return ExportSummary(count, len(checkpoints), out_dir)


def first_sealed_entry(session: Session) -> int:
    value = session.execute(select(func.min(AuditSealing.first_entry_id))).scalar_one()
    return int(value or 0)


def clear_text_in_export(directory: Path) -> int | None:
    """How many exported entries hold a reason or purpose in clear (written before free
    text was sealed); None for an export that does not say where sealing began."""
    try:
        manifest = json.loads((directory / MANIFEST_FILE).read_text(encoding="utf-8"))
        first = manifest.get("first_sealed_entry")
    except (OSError, ValueError):
        return None
    if not isinstance(first, int):
        return None
    count = 0
    with (directory / ENTRIES_FILE).open(encoding="utf-8") as lines:
        for line in lines:
            entry = json.loads(line).get("entry") or {}
            if int(entry.get("id") or 0) < first and (entry.get("reason") or entry.get("purpose")):
                count += 1
    return count


class ExportError(ValueError):
    """The export folder is incomplete or malformed; the message says which file."""


def load_export(directory: Path) -> tuple[Iterator[LeafRecord], list[SignedCheckpoint], bytes]:
    for name in (ENTRIES_FILE, CHECKPOINTS_FILE, PUBLIC_KEY_FILE):
        if not (directory / name).is_file():
            raise ExportError(f"{directory / name} is missing")
    try:
        raw_checkpoints = json.loads((directory / CHECKPOINTS_FILE).read_text(encoding="utf-8"))
        checkpoints = [SignedCheckpoint(**c) for c in raw_checkpoints]
    except (ValueError, TypeError) as error:
        raise ExportError(f"{CHECKPOINTS_FILE} is malformed: {type(error).__name__}") from None

    def leaves() -> Iterator[LeafRecord]:
        with (directory / ENTRIES_FILE).open(encoding="utf-8") as lines:
            for number, line in enumerate(lines, start=1):
                try:
                    item = json.loads(line)
                    yield LeafRecord(
                        int(item["leaf_index"]),
                        item.get("leaf_hash"),
                        item.get("entry_id"),
                        item["entry"],
                    )
                except (ValueError, KeyError, TypeError):
                    raise ExportError(f"{ENTRIES_FILE} line {number} is malformed") from None

    return leaves(), checkpoints, (directory / PUBLIC_KEY_FILE).read_bytes()
