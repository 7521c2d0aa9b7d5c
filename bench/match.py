"""Agency check latency: one person against every agency's store, in process.

    python bench/match.py --records 1000000            # imports first (SQLite), then checks
    python bench/match.py --records 1000000 --reuse    # checks the database bench/import.py left

Each check is what ``POST /agencies/check`` does: firewall decision, blind indexes of
the person's identifiers, the index lookup, and the audit entry, in its own committed
transaction. The lookup alone is timed as well. Final line: JSON with p50/p95/p99 in ms
and the process's peak RSS.

On SQLite the checks run twice. First cold: the database file's pages are dropped from
the operating system's cache (``posix_fadvise(DONTNEED)``), so each check reads the
index pages it needs from disk, as after a quiet spell on a host that reclaims idle file
pages. Then warm: the file is read through once, so every page is in memory, as on a
host whose memory holds the database. The ``check_ms_*`` figures are the warm run's, the
``cold_check_ms_*`` the cold run's.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import importlib

from datagen import population_for, write_agency_files

from hub.agencies import repository, service
from hub.agencies.indexing import Indexer
from hub.auth.principal import Principal, Role
from hub.bootstrap import KEK_FILE, install_firewall
from hub.cli import ensure_keys
from hub.db import Database, make_engine, run_in_transaction
from hub.keys.service import Keyring
from hub.kit.crypto.providers import LocalFileKekProvider
from hub.kit.logging import configure_logging
from hub.people.normalise import PersonIdentifiers
from hub.settings import Settings

bench_import = importlib.import_module("import")
transaction = contextmanager(run_in_transaction)


def sqlite_files(url: str) -> list[Path]:
    path = Path(url.split("///", 1)[1])
    return [p for p in (path, Path(f"{path}-wal")) if p.exists()]


def drop_from_os_cache(files: list[Path]) -> None:
    """Written back, then dropped from the page cache: the next reads go to disk."""
    for path in files:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def read_through(files: list[Path]) -> None:
    for path in files:
        with path.open("rb") as handle:
            while handle.read(1 << 24):
                pass


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--checks", type=int, default=2000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--work", type=Path, default=Path("var/bench"))
    parser.add_argument("--key-dir", type=Path, default=None)
    parser.add_argument("--reuse", action="store_true", help="check an already imported database")
    args = parser.parse_args()
    configure_logging(level="WARNING")
    args.work.mkdir(parents=True, exist_ok=True)
    key_dir = args.key_dir or args.work / "keys"
    if not (key_dir / KEK_FILE).exists():
        key_dir.mkdir(parents=True, exist_ok=True)
        ensure_keys(Settings(dev_mode=True, key_dir=key_dir))
    url = args.database_url or f"sqlite:///{args.work / 'bench.db'}"
    install_firewall(bench_import.POLICY_DIR)
    if not args.reuse:
        files = write_agency_files(args.records, args.work / f"data-{args.records}")
        url = bench_import.prepare(args.database_url, args.work)
        t0 = time.perf_counter()
        bench_import.run_import(url, key_dir, files, 2000, rerun=False)
        print(f"imported {args.records} records in {time.perf_counter() - t0:.0f}s")

    database = Database(make_engine(url))
    keyring = Keyring(LocalFileKekProvider(key_dir / KEK_FILE))
    worker = Principal(sub="bench-sw", role=Role.mash_social_worker)
    rng = random.Random(7)
    people = rng.sample(population_for(args.records), min(args.checks, args.records // 3))
    queries = [
        PersonIdentifiers(
            given_name=p.given,
            family_name=p.family,
            date_of_birth=p.dob,
            nhs_number=p.nhs,
            postcode=p.postcode,
        )
        for p in people
    ]
    with transaction(database.session()) as session:
        stored = repository.count_live_records(session, "police")
    print(f"checking {len(queries)} people against {args.records} records (police: {stored})")

    def run_checks() -> tuple[list[float], int]:
        times: list[float] = []
        found = 0
        for query in queries:
            t0 = time.perf_counter()
            with transaction(database.session()) as session:
                result = service.agency_check(session, worker, query, keyring=keyring)
            times.append((time.perf_counter() - t0) * 1000)
            found += bool(result.agencies)
        return times, found

    cold: list[float] = []
    if url.startswith("sqlite"):
        database.engine.dispose()  # no connection keeps pages in its own cache
        drop_from_os_cache(sqlite_files(url))
        cold, _ = run_checks()
        read_through(sqlite_files(url))
    full, found = run_checks()

    lookup: list[float] = []
    with transaction(database.session()) as session:
        indexer = Indexer(keyring.linkage_key(session))
        for query in queries:
            t0 = time.perf_counter()
            blinds = [index.blind for index in indexer.person(query)]
            repository.index_matches(session, blinds)
            lookup.append((time.perf_counter() - t0) * 1000)
    database.engine.dispose()
    if not args.reuse:
        bench_import.drop(url)

    result_line = {
        "bench": "match",
        "backend": url.split(":", 1)[0].split("+", 1)[0],
        "records": args.records,
        "checks": len(queries),
        "found_share": round(found / len(queries), 3),
        "check_ms_p50": round(statistics.median(full), 3),
        "check_ms_p95": round(percentile(full, 0.95), 3),
        "check_ms_p99": round(percentile(full, 0.99), 3),
        "lookup_ms_p50": round(statistics.median(lookup), 3),
        "lookup_ms_p95": round(percentile(lookup, 0.95), 3),
        "max_rss_mib": round(bench_import.rss_mib(), 1),
    }
    if cold:
        result_line.update(
            {
                "cold_check_ms_p50": round(statistics.median(cold), 3),
                "cold_check_ms_p95": round(percentile(cold, 0.95), 3),
                "cold_check_ms_p99": round(percentile(cold, 0.99), 3),
            }
        )
        print(
            f"cold (file pages dropped first): agency check p50 "
            f"{result_line['cold_check_ms_p50']} ms, p95 {result_line['cold_check_ms_p95']} ms"
        )
    print(
        f"agency check p50 {result_line['check_ms_p50']} ms, p95 {result_line['check_ms_p95']} ms "
        f"(lookup alone p95 {result_line['lookup_ms_p95']} ms); peak RSS "
        f"{result_line['max_rss_mib']} MiB"
    )
    print(json.dumps(result_line))


if __name__ == "__main__":
    main()
