"""What the database alone costs an import: the floor under ``bench/import.py``.

    python bench/write_floor.py --records 1000000               # SQLite file under var/
    python bench/write_floor.py --records 200000 --database-url postgresql+psycopg://...

Writes records exactly as an import's batches do (the same repository calls, in the
same transactions: the source-ref lookup, the record rows, the blind-index rows sorted
by blind, the bulk-write pragmas, the commit), but with nothing to prepare: every
record's sealed blobs and blind indexes are random bytes of the sizes a real import
stores, made before each batch's clock starts. No CSV, no checking, no normalising, no
HMAC, no sealing, no worker processes.

So its records/s is the most an import could reach on this machine with this schema if
everything else cost nothing. Prints a line per tenth of the run (the cost grows as the
index does); the final line is JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import importlib

from datagen import AGENCIES

from hub.agencies import repository
from hub.agencies.importer import DEFAULT_BATCH
from hub.agencies.indexing import PASS_CODES, pack_index_keys
from hub.agencies.preparing import new_record_id
from hub.db import Database, make_engine, transaction, utcnow
from hub.kit.logging import configure_logging

bench_import = importlib.import_module("import")

# Sizes a real import stores (bench/import.py at 200k records: the averages, rounded).
IDENTIFIERS_BYTES = 270
CONTENT_BYTES = 212
SEALED_KEY_BYTES = 83
# Records with every identifier get six blind indexes; the generated files average 5.55.
BLINDS_PER_RECORD = (6, 6, 6, 6, 6, 5, 5, 6, 5, 4)


def fake_batch(rng: random.Random, size: int) -> list[tuple[tuple[Any, ...], Any]]:
    """``(new record values, (record id, blinds))`` for ``size`` records of random bytes."""
    codes = list(PASS_CODES.values())
    batch = []
    for _ in range(size):
        record_id = new_record_id()
        blinds = tuple((code, os.urandom(32)) for code in codes[: rng.choice(BLINDS_PER_RECORD)])
        record = (
            record_id,
            os.urandom(32),
            os.urandom(32),
            os.urandom(SEALED_KEY_BYTES),
            1,
            os.urandom(IDENTIFIERS_BYTES),
            os.urandom(CONTENT_BYTES),
            pack_index_keys(blinds),
        )
        batch.append((record, (record_id, blinds)))
    return batch


def write_batch(
    database: Database, agency: repository.AgencyScope, batch: list[tuple[tuple[Any, ...], Any]]
) -> None:
    """One import batch's database work, as ``service.write_prepared`` does it for new rows."""
    with transaction(database) as session:
        repository.prepare_for_bulk_writes(session)
        try:
            found = repository.records_by_source_ref(
                session, agency, [record[1] for record, _ in batch]
            )
            if found:
                raise RuntimeError("random source-ref indexes should never be found")
            repository.insert_new_records(
                session,
                agency,
                created_by="bench",
                now=utcnow(),
                records=[record for record, _ in batch],
            )
            repository.insert_blind_indexes(session, agency, [index for _, index in batch])
        finally:
            repository.end_bulk_batch(session)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    parser.add_argument("--batch", type=int, default=DEFAULT_BATCH)
    parser.add_argument("--work", type=Path, default=Path("var/bench-floor"))
    args = parser.parse_args()
    configure_logging(level="WARNING")
    args.work.mkdir(parents=True, exist_ok=True)
    url = bench_import.prepare(args.database_url, args.work)
    backend = url.split(":", 1)[0].split("+", 1)[0]
    rng = random.Random(7)
    per_agency = args.records // len(AGENCIES)
    database = Database(make_engine(url))
    print(f"writing {per_agency * len(AGENCIES)} random records into {backend}")
    timed = 0.0
    written = 0
    report_every = max(1, per_agency * len(AGENCIES) // 10)
    next_report = report_every
    window_seconds, window_rows = 0.0, 0
    try:
        for agency in AGENCIES:
            left = per_agency
            while left:
                batch = fake_batch(rng, min(args.batch, left))
                t0 = time.perf_counter()
                write_batch(database, repository.AgencyScope(agency), batch)
                elapsed = time.perf_counter() - t0
                timed += elapsed
                written += len(batch)
                left -= len(batch)
                window_seconds += elapsed
                window_rows += len(batch)
                if written >= next_report:
                    print(
                        f"{written:9d} records  {window_rows / window_seconds:8.0f} records/s "
                        f"over the last {window_rows}"
                    )
                    next_report += report_every
                    window_seconds, window_rows = 0.0, 0
        with transaction(database) as session:
            repository.finish_bulk_writes(session)
    finally:
        database.engine.dispose()
        bench_import.drop(url)
    result = {
        "bench": "write_floor",
        "backend": backend,
        "records": written,
        "seconds": round(timed, 2),
        "records_per_s": round(written / timed),
        "us_per_record": round(timed / written * 1e6, 1),
        "batch": args.batch,
        "max_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    print(f"{result['records_per_s']} records/s with nothing to prepare")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
