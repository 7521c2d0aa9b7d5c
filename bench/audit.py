"""Audit log benchmark: appends, sequencing, verification and proofs.

    python bench/audit.py [--entries 1000000] [--appends 10000] [--pg-url URL]

Appends: each entry is recorded by ``hub.audit.service.record`` in a transaction of its
own, which commits before the next begins. The headline figure holds one connection per
writer and begins and commits a transaction per entry, so it measures the log, not the
connection pool; a second figure runs each append the way a request does (pool checkout,
ORM session, commit, return) for comparison. On PostgreSQL several processes append at
once (the log takes no lock on append). Then the bench fills a SQLite log to --entries,
sequences it into the Merkle tree (leaves and search terms), verifies it from the stored
rows, and times inclusion and consistency proofs at that size.
Final line: a JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hub.audit import service as audit
from hub.audit.evidence import database_checkpoints, database_leaves
from hub.audit.fastverify import verify_database_in_parallel
from hub.audit.merkle import verify_consistency, verify_inclusion
from hub.audit.models import AuditEntry
from hub.audit.sequencer import AuditLog
from hub.audit.service import AuditEvent, Outcome
from hub.audit.verify import verify_log
from hub.auth.principal import Principal, Role
from hub.db import Database, make_engine, transaction, utcnow
from hub.kit.crypto.signing import CheckpointSigner
from hub.kit.logging import configure_logging
from hub.migrations import upgrade

WORKER = Principal("sw-bench", Role.mash_social_worker)


def bench_event(number: int) -> AuditEvent:
    return AuditEvent(
        action="read",
        resource_kind="contact",
        outcome=Outcome.allowed,
        rule="p, mash_social_worker, contact, read, any",
        resource_id=str(uuid.UUID(int=number)),
        purpose="screening",
        subject_ids=(f"child-{number % 5000}",),
    )


def append_many(url: str, count: int, offset: int, ready: Any = None) -> tuple[float, float]:
    """One writer: ``count`` appends, each its own committed transaction.

    Returns wall-clock (start, end). With ``ready`` (a barrier) every writer connects
    first and they all start appending at the same moment.
    """
    configure_logging(level="WARNING")
    engine = make_engine(url)
    with engine.connect() as connection:
        if ready is not None:
            ready.wait()
        started = time.time()
        for number in range(offset, offset + count):
            with connection.begin():
                audit.record(connection, WORKER, bench_event(number))
        finished = time.time()
    engine.dispose()
    return started, finished


def append_many_as_requests(url: str, count: int, offset: int) -> float:
    """As requests do: a pooled connection and an ORM session per append."""
    database = Database(make_engine(url))
    started = time.perf_counter()
    for number in range(offset, offset + count):
        with transaction(database) as session:
            audit.record(session, WORKER, bench_event(number))
    elapsed = time.perf_counter() - started
    database.engine.dispose()
    return elapsed


def _append_worker(url: str, count: int, offset: int, ready: Any, times: Any) -> None:
    times.put(append_many(url, count, offset, ready))


def appends_per_second(url: str, total: int, processes: int) -> float:
    """Entries per second from the first writer's start to the last writer's end."""
    if processes == 1:
        started, finished = append_many(url, total, 0)
        return total / (finished - started)
    return _writers_per_second(_append_worker, url, total, processes)


def _writers_per_second(target: Any, url: str, total: int, processes: int) -> float:
    """Run ``target(url, count, offset, ready, times)`` in ``processes`` writers at once."""
    share = total // processes
    # A fork server: workers start from a clean process, then wait for each other, so
    # start-up is not counted and the writers really overlap.
    context = multiprocessing.get_context("forkserver")
    ready, times = context.Barrier(processes), context.Queue()
    workers = [
        context.Process(target=target, args=(url, share, n * share, ready, times))
        for n in range(processes)
    ]
    for worker in workers:
        worker.start()
    spans = [times.get() for _ in workers]
    for worker in workers:
        worker.join()
    return share * processes / (max(end for _, end in spans) - min(start for start, _ in spans))


def driver_ceiling(url: str, count: int, offset: int, ready: Any, times: Any) -> None:
    """The same INSERT and COMMIT through psycopg alone: what the machine allows."""
    import psycopg

    plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    columns = [c.name for c in AuditEntry.__table__.columns if c.name != "id"]
    sql = (
        f"INSERT INTO audit_entries ({', '.join(columns)}) "  # noqa: S608 (fixed names)
        f"VALUES ({', '.join(['%s'] * len(columns))}) RETURNING id"
    )
    with psycopg.connect(plain) as connection:
        ready.wait()
        started = time.time()
        for number in range(offset, offset + count):
            event = bench_event(number)
            values = {
                "recorded_at": utcnow(),
                "actor_sub": WORKER.sub,
                "actor_role": str(WORKER.role),
                "action": event.action,
                "resource_kind": event.resource_kind,
                "resource_id": event.resource_id,
                "outcome": str(event.outcome),
                "rule": event.rule,
                "purpose": event.purpose,
                "subject_ids": json.dumps(list(event.subject_ids), separators=(",", ":")),
            }
            connection.execute(sql, [values.get(c) for c in columns], prepare=True).fetchone()
            connection.commit()
        times.put((started, time.time()))


def driver_ceiling_per_second(url: str, total: int, processes: int) -> float:
    return _writers_per_second(driver_ceiling, url, total, processes)


def fill(database: Database, entries: int) -> None:
    """Bulk-load synthetic entries (setup, not measured)."""
    table = AuditEntry.__table__
    now = utcnow()
    batch = 50_000
    with database.engine.begin() as connection:
        for start in range(0, entries, batch):
            rows = [
                {
                    "recorded_at": now,
                    "request_id": None,
                    "actor_sub": f"user-{n % 40}",
                    "actor_role": "mash_social_worker",
                    "actor_agency": None,
                    "actor_team": None,
                    "action": "read",
                    "resource_kind": "contact",
                    "resource_id": str(uuid.UUID(int=n)),
                    "resource_owner": None,
                    "outcome": "allowed",
                    "rule": "p, mash_social_worker, contact, read, any",
                    "purpose": "screening",
                    "lawful_basis": None,
                    "consent": None,
                    "reason": None,
                    "subject_ids": f'["child-{n % 5000}"]',
                    "content_hash": None,
                }
                for n in range(start, min(entries, start + batch))
            ]
            connection.execute(insert(table), rows)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--appends", type=int, default=10_000)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--pg-url", default=os.environ.get("HUB_TEST_DATABASE_URL"))
    args = parser.parse_args()
    configure_logging(level="WARNING")
    figures: dict[str, float | int | bool | str | None] = {}
    workdir = Path(tempfile.mkdtemp(prefix="hub-bench-audit-"))

    # SQLite's one writer is at the mercy of the disk's other work (checkpoints fsync), so
    # it runs three times on fresh files and the median is the figure.
    runs = []
    for run in range(3):
        sqlite_url = f"sqlite:///{workdir / f'append-{run}.db'}"
        upgrade(sqlite_url)
        runs.append(round(appends_per_second(sqlite_url, args.appends, 1)))
    figures["sqlite_appends_per_s"] = statistics.median(runs)
    figures["sqlite_appends_runs_per_s"] = ", ".join(f"{r}" for r in runs)
    print(
        "SQLite appends (one writer, own transaction each): "
        f"median {figures['sqlite_appends_per_s']:,}/s of {runs}"
    )
    rate = args.appends / append_many_as_requests(sqlite_url, args.appends, args.appends)
    figures["sqlite_appends_as_requests_per_s"] = round(rate)
    print(f"SQLite appends as requests make them (pool + ORM session each): {rate:,.0f}/s")

    if args.pg_url:
        name = f"hub_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(
            make_url(args.pg_url).set(database="postgres"), isolation_level="AUTOCOMMIT"
        )
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        pg_url = make_url(args.pg_url).set(database=name).render_as_string(hide_password=False)
        try:
            upgrade(pg_url)
            rate = appends_per_second(pg_url, args.appends, args.processes)
            figures["postgresql_appends_per_s"] = round(rate)
            label = f"PostgreSQL appends ({args.processes} processes, own transaction each)"
            print(f"{label}: {rate:,.0f}/s")
            ceiling = driver_ceiling_per_second(pg_url, args.appends, args.processes)
            figures["postgresql_driver_ceiling_per_s"] = round(ceiling)
            print(
                f"  the same INSERT and COMMIT through psycopg alone ({args.processes} processes):"
                f" {ceiling:,.0f}/s"
            )
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    else:
        figures["postgresql_appends_per_s"] = None
        print("PostgreSQL appends: skipped (no --pg-url or HUB_TEST_DATABASE_URL)")

    big_url = f"sqlite:///{workdir / 'big.db'}"
    upgrade(big_url)
    database = Database(make_engine(big_url))
    started = time.perf_counter()
    fill(database, args.entries)
    print(f"filled {args.entries:,} entries in {time.perf_counter() - started:.1f}s (setup)")

    log = AuditLog(database, CheckpointSigner.generate(), checkpoint_every_entries=100_000)
    started = time.perf_counter()
    result = log.sequence(full_sweep=True, force_checkpoint=True)
    sequencing = time.perf_counter() - started
    figures["sequence_per_s"] = round(result.sequenced / sequencing)
    rate = figures["sequence_per_s"]
    print(f"sequenced {result.sequenced:,} entries in {sequencing:.1f}s ({rate:,}/s)")

    with transaction(database) as session:
        checkpoints = database_checkpoints(session)
    public_key = log.signer.public_key_pem()
    started = time.perf_counter()
    parallel = verify_database_in_parallel(big_url, result.tree_size, checkpoints, public_key)
    verify_seconds = time.perf_counter() - started
    assert parallel is not None, "the parallel verifier found something to look at"
    figures["verify_entries"] = parallel.tree_size
    figures["verify_s"] = round(verify_seconds, 2)
    figures["verify_intact"] = parallel.intact
    label = "verify (2 processes, as `mash-hub audit verify`)"
    print(f"{label}: {parallel.summary()} in {verify_seconds:.2f}s")
    started = time.perf_counter()
    with transaction(database) as session:
        report = verify_log(database_leaves(session), checkpoints, public_key)
    figures["verify_one_process_s"] = round(time.perf_counter() - started, 2)
    assert report.root_hash == parallel.root_hash
    print(f"verify (one process, leaf by leaf): {figures['verify_one_process_s']}s")

    with transaction(database) as session:
        tree = log.tree(session)
    size = tree.size
    root = tree.root()
    rng = random.Random(1)
    inclusion: list[float] = []
    consistency: list[float] = []
    for _ in range(2000):
        index = rng.randrange(size)
        started = time.perf_counter()
        proof = tree.inclusion_proof(index)
        inclusion.append(time.perf_counter() - started)
        old = rng.randrange(1, size)
        started = time.perf_counter()
        cproof = tree.consistency_proof(old)
        consistency.append(time.perf_counter() - started)
    with transaction(database) as session:
        stored = session.execute(
            text("SELECT leaf_hash FROM audit_leaves WHERE leaf_index = :i"), {"i": index}
        ).scalar_one()
    # The last proofs timed must also verify, or the timing means nothing.
    assert verify_inclusion(bytes.fromhex(stored), index, size, proof, root)
    assert verify_consistency(old, size, tree.root(old), root, cproof)
    figures["inclusion_proof_p50_ms"] = round(statistics.median(inclusion) * 1000, 4)
    figures["inclusion_proof_p99_ms"] = round(percentile(inclusion, 0.99) * 1000, 4)
    figures["consistency_proof_p50_ms"] = round(statistics.median(consistency) * 1000, 4)
    figures["consistency_proof_p99_ms"] = round(percentile(consistency, 0.99) * 1000, 4)
    print(
        f"proofs at {size:,} entries: inclusion p50 {figures['inclusion_proof_p50_ms']} ms, "
        f"p99 {figures['inclusion_proof_p99_ms']} ms; consistency p50 "
        f"{figures['consistency_proof_p50_ms']} ms, p99 {figures['consistency_proof_p99_ms']} ms"
    )
    database.engine.dispose()
    shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
