"""Bulk import throughput: ``mash-hub records import`` on SQLite or PostgreSQL.

    python bench/import.py --records 1000000                 # SQLite file under var/
    python bench/import.py --records 200000 --database-url postgresql+psycopg://...
                                     # imports into a new database on that server

Generates the 8 agencies' CSVs (bench/datagen.py, not timed), migrates an empty
database, then imports each file exactly as the command does: every row checked first,
then written in batches with per-record keys, blind indexes and an audit entry per
batch. Rows are checked and prepared by two worker processes, started once for the whole
run and counted in the time (the command starts them for any file over a few MB;
``--no-workers`` does everything in one process). Prints per-agency figures; the final
line is JSON.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import resource
import sys
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from datagen import AGENCIES, write_agency_files
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from hub.agencies import importer
from hub.agencies.preparing import WorkerPool
from hub.auth.principal import Principal, Role
from hub.bootstrap import KEK_FILE, install_firewall
from hub.cli import ensure_keys
from hub.db import Database, make_engine
from hub.keys.service import Keyring
from hub.kit.crypto.providers import LocalFileKekProvider
from hub.kit.logging import configure_logging
from hub.migrations import upgrade
from hub.settings import Settings

POLICY_DIR = Path(__file__).resolve().parent.parent / "policies"


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def prepare(database_url: str | None, work: Path) -> str:
    """A fresh, migrated database: a new SQLite file, or a new database of its own on the
    PostgreSQL server ``database_url`` names (that database itself is left untouched)."""
    if database_url is None:
        path = work / "bench.db"
        path.unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        name = f"hub_bench_{uuid.uuid4().hex[:8]}"
        with _server(database_url).connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        url = make_url(database_url).set(database=name).render_as_string(hide_password=False)
        print(f"benchmark database: {name} (dropped at the end unless --keep-database)")
    upgrade(url)
    return url


def drop(url: str) -> None:
    """Drop a database :func:`prepare` created on a PostgreSQL server."""
    if url.startswith("sqlite"):
        return
    name = make_url(url).database
    with _server(url).connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _server(url: str) -> Any:
    return create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")


def run_import(
    url: str,
    key_dir: Path,
    files: dict[str, Path],
    batch: int,
    *,
    rerun: bool = True,
    pool: WorkerPool | None = None,
) -> dict[str, float]:
    install_firewall(POLICY_DIR)
    database = Database(make_engine(url))
    keyring = Keyring(LocalFileKekProvider(key_dir / KEK_FILE))
    figures: dict[str, float] = {}
    total_rows = 0
    started = time.perf_counter()
    for agency, path in files.items():
        principal = Principal(sub="bench", role=Role.agency_rep, agency=agency)
        t0 = time.perf_counter()
        plan = importer.plan_import(path, pool=pool)
        checked = time.perf_counter() - t0
        out = importer.import_file(
            database,
            keyring,
            principal,
            agency,
            path,
            plan,
            skip_invalid=True,
            batch_size=batch,
            pool=pool,
        )
        elapsed = time.perf_counter() - t0
        total_rows += out.rows
        print(
            f"{agency:14s} {out.rows:8d} rows  created {out.created:8d}  "
            f"check {checked:6.1f}s  total {elapsed:6.1f}s  {out.rows / elapsed:8.0f} rows/s"
        )
    seconds = time.perf_counter() - started
    figures["records"] = total_rows
    figures["seconds"] = round(seconds, 2)
    figures["records_per_s"] = round(total_rows / seconds)
    if not rerun:
        database.engine.dispose()
        return figures
    # A second run of the same files: nothing changes.
    t0 = time.perf_counter()
    for agency, path in files.items():
        principal = Principal(sub="bench", role=Role.agency_rep, agency=agency)
        out = importer.import_file(
            database,
            keyring,
            principal,
            agency,
            path,
            importer.plan_import(path, pool=pool),
            skip_invalid=True,
            batch_size=batch,
            pool=pool,
        )
        assert out.created == out.updated == 0, "a re-run changed records"
    figures["rerun_records_per_s"] = round(total_rows / (time.perf_counter() - t0))
    database.engine.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    parser.add_argument("--batch", type=int, default=importer.DEFAULT_BATCH)
    parser.add_argument("--work", type=Path, default=Path("var/bench"))
    parser.add_argument("--skip-rerun", action="store_true")
    parser.add_argument(
        "--keep-database",
        action="store_true",
        help="PostgreSQL: keep the benchmark's database (for bench/match.py --reuse)",
    )
    parser.add_argument(
        "--no-workers",
        action="store_true",
        help="check and prepare rows in the importing process, as for a small file",
    )
    args = parser.parse_args()
    configure_logging(level="WARNING")
    args.work.mkdir(parents=True, exist_ok=True)
    # Kept beside the database so bench/match.py --reuse can open what was imported.
    key_dir = args.work / "keys"
    key_dir.mkdir(parents=True, exist_ok=True)
    ensure_keys(Settings(dev_mode=True, key_dir=key_dir))
    files = write_agency_files(args.records, args.work / f"data-{args.records}")
    url = prepare(args.database_url, args.work)
    backend = url.split(":", 1)[0].split("+", 1)[0]
    print(f"importing {args.records} records for {len(AGENCIES)} agencies into {backend}")
    # One set of worker processes for every file, as one run of the command has for its
    # file (the time they take to start is counted).
    try:
        with contextlib.ExitStack() as stack:
            pool = (
                None if args.no_workers else stack.enter_context(WorkerPool(importer.MAX_WORKERS))
            )
            figures = run_import(
                url, key_dir, files, args.batch, rerun=not args.skip_rerun, pool=pool
            )
    finally:
        if not args.keep_database:
            drop(url)
    result = {
        "bench": "import",
        "backend": backend,
        **figures,
        "batch": args.batch,
        "workers": not args.no_workers,
        "max_rss_mib": round(rss_mib(), 1),
    }
    print(f"{figures['records_per_s']} records/s; re-run {figures.get('rerun_records_per_s')}/s")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
