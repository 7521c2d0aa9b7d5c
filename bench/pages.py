"""Server time of the IG and manager pages at 10,000 contacts and 100,000 audit entries.

    python bench/pages.py                        # SQLite, and PostgreSQL if reachable
    python bench/pages.py --databases sqlite --requests 10
    HUB_BENCH_PG_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres python bench/pages.py

The data, per database, in a fresh database (PostgreSQL: one created for the run and
dropped after it):

1. A few hundred real cases through the hub's own services (``hub.demo.DemoHub.case``:
   contacts recorded, screened, decided; enquiries with agency checks, disclosures and
   decisions not to share; products authorised and sent), each with its audit entries.
2. Copies of those cases written straight into their tables, one bulk INSERT per table
   per batch, until there are ``--contacts`` contacts: every id is new, every time is
   moved back by the copy's own offset (spread over the last six months), references
   are new. Each copy carries the audit entries of its case, with the ids remapped, so
   the log's disclosures point at disclosures that exist.
3. More entries to make ``--entries`` in all, in a realistic mix: reads by hub staff,
   denied attempts (operational teams and agency representatives asking for what is not
   theirs), information governance look-ups. Then the sequencer indexes the whole log
   for search, as it does behind live requests.

A copy's sealed columns are its template's bytes, bound to the template's ids, so they
do not open: none of the pages measured opens case content. The seed is fixed, so the
same arguments give the same cases, copies and mix (the real cases' ids and times come
from the services and the clock).

Then it signs in as the demo IG officer (stating a purpose) and the demo manager, as a
browser does, and asks each page ``--requests`` times through the app in-process (the
Starlette test client, which is httpx over the ASGI interface). The time measured is
the time inside the app's ASGI call: the request's whole work, including its audit
entry's group commit, and none of the client's; beside it, the process's CPU time over
the same call, which on SQLite tells the request's own work from waiting for a core on a
busy machine. Before each page's run the sequencer catches up, as the background
sequencer keeps it caught up. The final line is JSON: p95 per page per database, whether
each is under 300 ms, the CPU p95, and the load average at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
import uuid
import warnings
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Connection,
    Integer,
    MetaData,
    Table,
    Uuid,
    create_engine,
    insert,
    select,
    text,
)
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

with warnings.catch_warnings():
    # Starlette's test client is the in-process client here on purpose; its notice is noise.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient
from fresh_database import database_for  # beside this file
from starlette.types import Receive, Scope, Send

from hub.app import create_app
from hub.audit.models import AuditEntry
from hub.bootstrap import install_firewall, kek_provider_for
from hub.cli import ensure_keys
from hub.db import Base, Database, make_engine, utcnow
from hub.demo import DemoHub
from hub.keys.service import Keyring
from hub.kit.logging import configure_logging
from hub.migrations import upgrade
from hub.settings import Settings

REPO = Path(__file__).resolve().parent.parent
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
TARGET_MS = 300.0
SEED = 20261130
# The tables a case lives in, parents first. Agency stores, the person index and the
# police notifications are left out: no page measured reads them.
CASE_TABLES = (
    "contacts",
    "contact_people",
    "contact_screenings",
    "rag_changes",
    "enquiries",
    "check_requests",
    "disclosures",
    "information_products",
)
# How the top-up entries divide (the copied cases bring their own writes and reads).
TOP_UP_MIX = {"staff_read": 0.70, "denied": 0.18, "ig_lookup": 0.12}
# The copied cases' own entries (their writes, reads and disclosures): at most this share.
CASE_SHARE = 0.6
COPY_SPREAD = timedelta(days=182)
BATCH_ROWS = 5000


# --- the data ------------------------------------------------------------------------------


def settings_for(url: str, key_dir: Path) -> Settings:
    return Settings(
        dev_mode=True,
        database_url=url,
        key_dir=key_dir,
        policy_dir=REPO / "policies",
        audit_background_sequencer=False,
        audit_checkpoint_every_seconds=10 * 365 * 24 * 3600.0,
        log_level="WARNING",
    )


def real_cases(settings: Settings, cases: int, rng: random.Random) -> None:
    """Cases through the hub's services, as far as each one's stage."""
    database = Database(make_engine(settings.database_url))
    install_firewall(settings.policy_dir)
    demo = DemoHub(settings, database, Keyring(kek_provider_for(settings)))
    # Most contacts end at screening; fewer reach an enquiry, as in a real hub.
    stages = [0] * 2 + [1] * 2 + [2] * 4 + [3, 4, 5]
    for _ in range(cases):
        demo.case(rng, rng.choice(stages))
    database.engine.dispose()


def _new_id(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _tables(connection: Connection) -> dict[str, Table]:
    metadata = MetaData()
    metadata.reflect(connection, only=[*CASE_TABLES, "audit_entries"])
    # Reflected types lose the hub's own (UTC datetimes, UUIDs on SQLite): use the models'.
    return {name: Base.metadata.tables[name] for name in (*CASE_TABLES, "audit_entries")}


def _shift(value: Any, offset: timedelta) -> Any:
    return value - offset if isinstance(value, datetime) else value


class CaseCopier:
    """Copies of the template cases, and of their audit entries, with new ids and times."""

    def __init__(self, connection: Connection, rng: random.Random) -> None:
        self.connection = connection
        self.rng = rng
        self.tables = _tables(connection)
        self.rows = {
            name: [dict(r._mapping) for r in connection.execute(select(table))]
            for name, table in self.tables.items()
            if name in CASE_TABLES
        }
        entries = self.tables["audit_entries"]
        self.entries = [
            dict(r._mapping) for r in connection.execute(select(entries).order_by(entries.c.id))
        ]
        self.template_ids = {
            str(row[column.name])
            for name in CASE_TABLES
            for row in self.rows[name]
            for column in self.tables[name].primary_key.columns
            if isinstance(column.type, Uuid)
        }
        self.case_of = self._cases()

    def _cases(self) -> dict[str, str]:
        """The contact each template id belongs to (its case), by the id as text."""
        case_of = {str(row["id"]): str(row["id"]) for row in self.rows["contacts"]}
        for name in ("contact_people", "enquiries"):
            case_of |= {str(row["id"]): str(row["contact_id"]) for row in self.rows[name]}
        for name in ("check_requests", "disclosures", "information_products"):
            case_of |= {str(row["id"]): case_of[str(row["enquiry_id"])] for row in self.rows[name]}
        return case_of

    def _case_of_row(self, name: str, row: dict[str, Any]) -> str:
        key = row.get("contact_id") or row.get("enquiry_id") or row.get("id")
        return self.case_of[str(key)]

    def _case_of_entry(self, entry: dict[str, Any]) -> str | None:
        for found in (entry["resource_id"], *json.loads(entry["subject_ids"] or "[]")):
            if found in self.case_of:
                return self.case_of[found]
        return None

    @property
    def contacts(self) -> int:
        return len(self.rows["contacts"])

    def copy(self, number: int) -> tuple[dict[str, list[dict[str, Any]]], list[dict[str, Any]]]:
        """One copy of every case: each case moved back in time by its own offset, so
        the copies' contacts arrive across the whole spread, at every hour."""
        mapping = {old: str(_new_id(self.rng)) for old in self.template_ids}
        seconds = COPY_SPREAD.total_seconds()
        offsets = {
            str(row["id"]): timedelta(seconds=self.rng.uniform(0, seconds))
            for row in self.rows["contacts"]
        }
        copied: dict[str, list[dict[str, Any]]] = {}
        for name in CASE_TABLES:
            table = self.tables[name]
            rows: list[dict[str, Any]] = []
            for row in self.rows[name]:
                offset = offsets[self._case_of_row(name, row)]
                new: dict[str, Any] = {}
                for column in table.columns:
                    value = row[column.name]
                    if column.primary_key and isinstance(column.type, Integer):
                        continue  # a serial key: the database gives the copy its own
                    if isinstance(column.type, Uuid) and value is not None:
                        value = uuid.UUID(mapping.get(str(value), str(value)))
                    new[column.name] = _shift(value, offset)
                if name == "contacts":
                    new["reference"] = f"B{number:04d}-{len(rows):05d}"
                    new["idempotency_hash"] = None
                rows.append(new)
            copied[name] = rows
        entries = []
        for entry in self.entries:
            case = self._case_of_entry(entry)
            offset = offsets[case] if case else timedelta(seconds=self.rng.uniform(0, seconds))
            new_entry = {k: _shift(v, offset) for k, v in entry.items() if k != "id"}
            if new_entry["resource_id"] in mapping:
                new_entry["resource_id"] = mapping[new_entry["resource_id"]]
            subjects = json.loads(new_entry["subject_ids"] or "[]")
            new_entry["subject_ids"] = json.dumps([mapping.get(s, s) for s in subjects])
            # What a person wrote is sealed beside the template's entry; a copy has none.
            new_entry["text_commitment"] = None
            entries.append(new_entry)
        return copied, entries


def _top_up_entry(
    kind: str, rng: random.Random, when: datetime, ids: list[str], agencies: list[str]
) -> dict[str, Any]:
    base: dict[str, Any] = {
        "recorded_at": when,
        "request_id": None,
        "actor_agency": None,
        "actor_team": None,
        "resource_owner": None,
        "purpose": None,
        "lawful_basis": None,
        "consent": None,
        "reason": None,
        "content_hash": None,
        "text_commitment": None,
    }
    target = rng.choice(ids)
    if kind == "staff_read":
        role = rng.choice(["mash_social_worker"] * 3 + ["mash_manager", "mash_admin"])
        return base | {
            "actor_sub": f"{role}-{rng.randrange(25)}",
            "actor_role": role,
            "action": "read",
            "resource_kind": "contact",
            "resource_id": target,
            "outcome": "allowed",
            "rule": f"p, {role}, contact, read, any",
            "subject_ids": json.dumps([target]),
        }
    if kind == "denied":
        if rng.random() < 0.5:
            team = rng.choice(["duty_a", "duty_b", "early_help", "ooh"])
            actor = {"actor_sub": f"{team}-{rng.randrange(10)}", "actor_role": "operational"}
            actor["actor_team"] = team
        else:
            agency = rng.choice(agencies)
            actor = {"actor_sub": f"{agency}-rep-{rng.randrange(5)}", "actor_role": "agency_rep"}
            actor["actor_agency"] = agency
        return (
            base
            | actor
            | {
                "action": "read",
                "resource_kind": rng.choice(["contact", "enquiry", "disclosure"]),
                "resource_id": target,
                "outcome": "denied",
                "rule": "default deny",
                "subject_ids": "[]",
            }
        )
    return base | {
        "actor_sub": f"ig-{rng.randrange(3)}",
        "actor_role": "ig_officer",
        "action": rng.choice(["list", "read"]),
        "resource_kind": rng.choice(["disclosure_register", "audit_log"]),
        "resource_id": None,
        "outcome": "allowed",
        "rule": "p, ig_officer, audit_log, list, any",
        "purpose": "subject access request",
        "subject_ids": "[]",
    }


def _insert(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), BATCH_ROWS):
        connection.execute(insert(table), rows[start : start + BATCH_ROWS])


def bulk_copies(
    database: Database, contacts: int, entries: int, rng: random.Random, agencies: list[str]
) -> dict[str, int]:
    """Copies of the real cases up to ``contacts``, then entries up to ``entries``."""
    now = utcnow()
    with database.engine.begin() as connection:
        copier = CaseCopier(connection, rng)
        copies = max(0, -(-(contacts - copier.contacts) // copier.contacts))
        log: list[dict[str, Any]] = []
        for number in range(1, copies + 1):
            rows, copied_entries = copier.copy(number)
            room = contacts - copier.contacts * number
            if room < copier.contacts:
                # The last copy: only as many contacts as are still wanted.
                kept = {row["id"] for row in rows["contacts"][:room]}
                rows = _only_contacts(rows, kept)
            for name in CASE_TABLES:
                _insert(connection, copier.tables[name], rows[name])
            log.extend(copied_entries)
        contact_ids = [
            str(i) for i in connection.execute(select(copier.tables["contacts"].c.id)).scalars()
        ]
        # The cases' own entries are at most this share of the log; a sample of them is
        # kept when the copies bring more, so reads, denials and look-ups have their room.
        budget = max(0, int(entries * CASE_SHARE) - len(copier.entries))
        if len(log) > budget:
            log = rng.sample(log, budget)
        top_up = max(0, entries - len(copier.entries) - len(log))
        kinds = rng.choices(list(TOP_UP_MIX), weights=list(TOP_UP_MIX.values()), k=top_up)
        for kind in kinds:
            when = now - timedelta(seconds=rng.uniform(60, COPY_SPREAD.total_seconds()))
            log.append(_top_up_entry(kind, rng, when, contact_ids, agencies))
        # The log is in time order, as requests wrote it.
        log.sort(key=lambda e: e["recorded_at"])
        _insert(connection, copier.tables["audit_entries"], log)
    with database.engine.connect() as connection:
        counted = {
            name: int(connection.execute(text(f"SELECT count(*) FROM {name}")).scalar_one())  # noqa: S608 (fixed names)
            for name in (
                "contacts",
                "enquiries",
                "disclosures",
                "information_products",
                "audit_entries",
            )
        }
    return counted


def _only_contacts(
    rows: dict[str, list[dict[str, Any]]], kept: set[uuid.UUID]
) -> dict[str, list[dict[str, Any]]]:
    """A copy cut down to some of its contacts (and whatever hangs from them)."""
    out = {"contacts": [r for r in rows["contacts"] if r["id"] in kept]}
    out["contact_people"] = [r for r in rows["contact_people"] if r["contact_id"] in kept]
    out["contact_screenings"] = [r for r in rows["contact_screenings"] if r["contact_id"] in kept]
    out["rag_changes"] = [r for r in rows["rag_changes"] if r["contact_id"] in kept]
    out["enquiries"] = [r for r in rows["enquiries"] if r["contact_id"] in kept]
    enquiries = {r["id"] for r in out["enquiries"]}
    for name in ("check_requests", "disclosures", "information_products"):
        out[name] = [r for r in rows[name] if r["enquiry_id"] in enquiries]
    return out


def entry_mix(database: Database) -> dict[str, int]:
    """How the log divides, as the report gives it."""
    with database.engine.connect() as connection:
        rows = connection.execute(
            select(
                AuditEntry.resource_kind,
                AuditEntry.action,
                AuditEntry.outcome,
                AuditEntry.actor_role,
            )
        ).all()
    mix: Counter[str] = Counter()
    for kind, action, outcome, role in rows:
        if outcome == "denied":
            mix["denied"] += 1
        elif role == "ig_officer":
            mix["ig_lookups"] += 1
        elif kind == "disclosure" and action == "create":
            mix["disclosures"] += 1
        elif action in ("read", "list"):
            mix["reads"] += 1
        else:
            mix["other_writes"] += 1
    return dict(mix)


# --- the measuring -----------------------------------------------------------------------


class ServerTimed:
    """The app, timing each ASGI call: the request's whole work inside the app.

    Also the process's CPU time over the call: nothing else runs in this process while a
    request is in the app (no background sequencer, the client waiting), so it is the
    request's own work in Python and, on SQLite, in the database too; there the gap
    between the two is time spent waiting for a core on a busy machine. PostgreSQL's work
    is in its own server, so on PostgreSQL the gap also holds the queries.
    """

    def __init__(self, app: Any) -> None:
        self.app = app
        self.last_seconds = 0.0
        self.last_cpu_seconds = 0.0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started, cpu_started = time.perf_counter(), time.process_time()
        try:
            await self.app(scope, receive, send)
        finally:
            if scope["type"] == "http":
                self.last_seconds = time.perf_counter() - started
                self.last_cpu_seconds = time.process_time() - cpu_started


def _hidden(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]+)"', page)
    if found is None:
        raise RuntimeError(f"the page has no {name}")
    return found.group(1)


def sign_in(client: TestClient, person: str) -> None:
    client.cookies.clear()
    page = client.get("/").text
    response = client.post(
        "/dev/sign-in",
        data={"form_token": _hidden(page, "form_token"), "person": person},
        headers={"Origin": str(client.base_url)},
        follow_redirects=False,
    )
    if response.status_code != 303:
        raise RuntimeError(f"sign-in as {person}: {response.status_code}")


def state_purpose(client: TestClient) -> None:
    page = client.get("/governance").text
    response = client.post(
        "/governance/purpose",
        data={
            "csrf_token": _hidden(page, "csrf_token"),
            "purpose": "Quarterly review of disclosures",
            "next": "/governance",
        },
        headers={"Origin": str(client.base_url)},
        follow_redirects=False,
    )
    if response.status_code != 303:
        raise RuntimeError(f"stating a purpose: {response.status_code}")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round((len(ordered) - 1) * fraction))]


def measure(
    client: TestClient, timed: ServerTimed, path: str, requests: int
) -> tuple[list[float], list[float]]:
    """Server milliseconds, and CPU milliseconds, of ``requests`` GETs of ``path`` (after
    one unmeasured warm-up)."""
    times, cpu_times = [], []
    for number in range(requests + 1):
        response = client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"{path}: {response.status_code}")
        if number:
            times.append(timed.last_seconds * 1000)
            cpu_times.append(timed.last_cpu_seconds * 1000)
    return times, cpu_times


def busiest(database: Database) -> tuple[str, str]:
    """The police disclosures' most used lawful basis, and the busiest social worker."""
    with database.engine.connect() as connection:
        basis = connection.execute(
            select(AuditEntry.lawful_basis)
            .where(
                AuditEntry.resource_kind == "disclosure",
                AuditEntry.action == "create",
                AuditEntry.resource_owner == "police",
            )
            .group_by(AuditEntry.lawful_basis)
            .order_by(text("count(*) DESC"))
            .limit(1)
        ).scalar_one()
        actor = connection.execute(
            select(AuditEntry.actor_sub)
            .where(AuditEntry.actor_role == "mash_social_worker")
            .group_by(AuditEntry.actor_sub)
            .order_by(text("count(*) DESC"))
            .limit(1)
        ).scalar_one()
    return str(basis), str(actor)


def bench_pages(settings: Settings, requests: int) -> dict[str, dict[str, float]]:
    database = Database(make_engine(settings.database_url))
    basis, actor = busiest(database)
    app = create_app(settings, database=database)
    timed = ServerTimed(app)
    audit_log = app.state.audit_log
    today = utcnow().date()
    four_weeks_ago = today - timedelta(days=28)
    pages = {
        "ig_register_first_page": ("ig", "/governance/disclosures"),
        "ig_register_filtered": ("ig", f"/governance/disclosures?agency=police&basis={basis}"),
        "ig_home_charts": ("ig", "/governance"),
        "ig_audit_search": (
            "ig",
            f"/governance/audit?actor={actor}&from={four_weeks_ago:%d/%m/%Y}&to={today:%d/%m/%Y}",
        ),
        "manager_reports": ("manager", "/reports"),
    }
    figures: dict[str, dict[str, float]] = {}
    with TestClient(timed, base_url="http://hub.bench") as client:
        signed_in = None
        for name, (person, path) in pages.items():
            if person != signed_in:
                sign_in(client, person)
                if person == "ig":
                    state_purpose(client)
                signed_in = person
            audit_log.sequence(full_sweep=True)
            times, cpu_times = measure(client, timed, path, requests)
            p50, p95 = statistics.median(times), percentile(times, 0.95)
            cpu_p50, cpu_p95 = statistics.median(cpu_times), percentile(cpu_times, 0.95)
            figures[name] = {
                "p50_ms": round(p50, 1),
                "p95_ms": round(p95, 1),
                "under_300ms": p95 < TARGET_MS,
                "cpu_p50_ms": round(cpu_p50, 1),
                "cpu_p95_ms": round(cpu_p95, 1),
            }
            print(
                f"  {name:<24} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms"
                f"  (CPU p50 {cpu_p50:5.1f} ms, p95 {cpu_p95:5.1f} ms)  {path}"
            )
    database.engine.dispose()
    return figures


# --- the databases -----------------------------------------------------------------------


def reachable(pg_url: str) -> bool:
    try:
        engine = create_engine(make_url(pg_url).set(database="postgres"))
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception:
        return False
    return True


def run_database(kind: str, args: argparse.Namespace, key_dir: Path) -> dict[str, Any]:
    with database_for(kind, args.pg_url) as url:
        upgrade(url)
        settings = settings_for(url, key_dir)
        rng = random.Random(SEED)
        started = time.perf_counter()
        real_cases(settings, args.cases, rng)
        real_seconds = time.perf_counter() - started
        started = time.perf_counter()
        database = Database(make_engine(url))
        counted = bulk_copies(database, args.contacts, args.entries, rng, list(settings.agencies))
        copy_seconds = time.perf_counter() - started
        started = time.perf_counter()
        app = create_app(settings, database=database)
        app.state.audit_log.sequence(full_sweep=True)
        sequence_seconds = time.perf_counter() - started
        mix = entry_mix(database)
        database.engine.dispose()
        print(
            f"{kind}: {args.cases} real cases in {real_seconds:.1f}s; copies to "
            f"{counted['contacts']:,} contacts, {counted['enquiries']:,} enquiries, "
            f"{counted['disclosures']:,} disclosures and {counted['audit_entries']:,} entries "
            f"in {copy_seconds:.1f}s; sequenced in {sequence_seconds:.1f}s"
        )
        print(f"  the log: {', '.join(f'{k} {v:,}' for k, v in sorted(mix.items()))}")
        pages = bench_pages(settings, args.requests)
    return {"data": counted, "mix": mix, "pages": pages}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--pg-url", default=os.environ.get("HUB_BENCH_PG_URL", DEFAULT_PG_URL))
    args = parser.parse_args()
    configure_logging(level="WARNING")
    workdir = Path(tempfile.mkdtemp(prefix="hub-bench-pages-"))
    key_dir = workdir / "keys"
    ensure_keys(Settings(dev_mode=True, key_dir=key_dir))
    results: dict[str, Any] = {}
    try:
        for kind in args.databases.split(","):
            if kind == "postgresql" and not reachable(args.pg_url):
                print("postgresql: skipped (not reachable at HUB_BENCH_PG_URL)")
                results[kind] = None
                continue
            results[kind] = run_database(kind, args, key_dir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    summary = {
        kind: None
        if found is None
        else {page: figures["p95_ms"] for page, figures in found["pages"].items()}
        for kind, found in results.items()
    }
    under = {
        kind: None
        if found is None
        else {page: figures["under_300ms"] for page, figures in found["pages"].items()}
        for kind, found in results.items()
    }
    cpu = {
        kind: None
        if found is None
        else {page: figures["cpu_p95_ms"] for page, figures in found["pages"].items()}
        for kind, found in results.items()
    }
    print(
        json.dumps(
            {
                "p95_ms": summary,
                "under_300ms": under,
                "cpu_p95_ms": cpu,
                "requests": args.requests,
                "load_average": round(os.getloadavg()[0], 1),
            }
        )
    )


if __name__ == "__main__":
    main()
