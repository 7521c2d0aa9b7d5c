"""The bulk import's fast paths give exactly what the plain paths give.

Rows are prepared by worker processes or in process, records are written by driver-level
bulk inserts, and names are normalised once per import: each of these is checked here
against the straightforward way of doing the same thing, on real databases with real keys.
"""

from __future__ import annotations

import csv
import io
import json
import os
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, insert, select

from hub.agencies import importer, repository
from hub.agencies.indexing import PASS_CODES, PASS_OF_CODE, Indexer, pack_index_keys
from hub.agencies.models import AgencyRecord, AgencyRecordIndex
from hub.agencies.preparing import WorkerPool, new_record_id, prepare_raw
from hub.agencies.rows import KNOWN_COLUMNS, RecordRow, check_row
from hub.agencies.service import ImportRefused, record_out
from hub.audit.models import AuditEntry
from hub.auth.principal import Principal, Role
from hub.db import Database, transaction
from hub.keys.models import DataKeyRow
from hub.keys.service import Keyring, KeyUnavailable
from hub.kit.crypto.blind import LinkageKey, PassIndex, blind_index
from hub.kit.crypto.envelope import (
    DataKey,
    DecryptionError,
    SealColumn,
    SealContext,
    Sealer,
    open_sealed,
    seal,
)
from hub.kit.crypto.providers import LocalFileKekProvider

# The store these tests write to directly, as the firewall would open it for a request.
POLICE = repository.AgencyScope("police")

# The columns an import knows, in their documented order, and one kept as details.
COLUMNS = [*KNOWN_COLUMNS, "team"]

# Identifiers written the many ways agencies write them.
GIVEN = ["Zoë", "ZOE", " zoe ", "Łukasz", "Siân", "Æthelred", "--", "Ørjan", "Mo'", "Ann-Marie"]
FAMILY = [
    "O'Brien",
    "OBrien",
    "o\u2019brien",
    "Müller",
    "MUELLER",
    "Smith-Jones",
    "Straße",
    "Ng",
    "",
]
DOBS = ["07/03/2014", "2014-03-07", "7 March 2014", "20140307", "", "1.2.2019", "31/12/2020"]
NHS = ["943 476 5919", "9434765919", "", "401-023-2137"]
POSTCODES = ["sw1a 1aa", "SW1A1AA", "", "rt4 7xq", "M1 1AE"]


def messy_row(i: int, **changes: str) -> dict[str, str]:
    values = {
        "source_ref": f"BULK-{i:05d}",
        "given_name": GIVEN[i % len(GIVEN)],
        "family_name": FAMILY[(i // 3) % len(FAMILY)],
        "date_of_birth": DOBS[(i // 2) % len(DOBS)],
        "nhs_number": NHS[i % len(NHS)],
        "postcode": POSTCODES[(i // 5) % len(POSTCODES)],
        "address_line": f"{i} Kiln Street, Riverton",
        "record_type": "incident",
        "occurred_on": "2024-02-11",
        "summary": f"Attended the address ({i}).",
        "team": f"team-{i % 4}",
    }
    values.update(changes)
    return values


def checked(raw: dict[str, str]) -> RecordRow:
    row = check_row(raw, 2)
    assert isinstance(row, RecordRow)
    return row


# --- the recipes the import uses -------------------------------------------------------------

CONTEXT = SealContext(owner="police", table="agency_records", column="sealed_content", row_id="r1")


def test_a_sealer_seals_what_seal_seals() -> None:
    key = DataKey.generate("record:r1", 1)
    sealer = Sealer(key)
    for plaintext in (b"", b"x", "Zoë O'Brien".encode(), b"y" * 5000):
        blob = sealer.seal(plaintext, CONTEXT)
        reference = seal(key, plaintext, CONTEXT)
        # Same header, same length; different random nonces.
        assert len(blob) == len(reference)
        assert blob[: -len(plaintext) - 28] == reference[: -len(plaintext) - 28]
        assert blob != reference
        assert open_sealed(key, blob, CONTEXT) == plaintext
        moved = SealContext("health", "agency_records", "sealed_content", "r1")
        with pytest.raises(DecryptionError):
            open_sealed(key, blob, moved)
    assert key.material.hex() not in repr(sealer)


def test_a_column_context_seals_as_the_whole_context_does() -> None:
    key = DataKey.generate("record:r1", 1)
    column = SealColumn("police", "agency_records", "sealed_content")
    assert column.encode_row("r1") == CONTEXT.encode()
    assert (
        column.encode_row("Zoë-1")
        == SealContext("police", "agency_records", "sealed_content", "Zoë-1").encode()
    )
    blob = Sealer(key).seal_at(b"summary", column, "r1")
    assert open_sealed(key, blob, CONTEXT) == b"summary"
    with pytest.raises(DecryptionError):
        open_sealed(key, blob, SealContext("police", "agency_records", "sealed_content", "r2"))
    with pytest.raises(ValueError, match="row_id"):
        column.encode_row("")
    with pytest.raises(ValueError, match="table"):
        SealColumn("police", "", "sealed_content")


def test_a_record_key_made_by_a_worker_is_sealed_for_its_own_record_and_counted(
    database: Database, keyring: Keyring
) -> None:
    column = SealColumn("police", "agency_records", "sealed_key")
    record_key = DataKey.generate("record:r1", 1)
    with transaction(database) as session:
        maker = keyring.record_keys(session, "agency:police", 1)
        with pytest.raises(ValueError, match="named after"):
            maker.seal(record_key, column, "r2")
        sealed = maker.seal(record_key, column, "r1")
        with pytest.raises(KeyUnavailable, match="counted"):
            maker.seal(record_key, column, "r1")
        opened = keyring.open_record_key(
            session,
            sealed,
            "r1",
            SealContext("police", "agency_records", "sealed_key", "r1"),
        )
    assert opened.material == record_key.material


def test_a_pass_index_is_the_blind_index() -> None:
    key = LinkageKey.generate()
    for pass_name in ("nhs", "family_dob", "police"):
        index = PassIndex(key, pass_name)
        for value in ("9434765919", "obrien\x1f2014-03-07", "zoë", "x" * 300):
            assert index(value) == blind_index(key, pass_name, value)
        with pytest.raises(ValueError, match="non-empty"):
            index("")


def test_a_checked_rows_indexes_are_the_persons_indexes() -> None:
    indexer = Indexer(LinkageKey.generate())
    rows = [
        checked(messy_row(i))
        for i in range(200)
        if not isinstance(check_row(messy_row(i), 2), list)
    ]
    assert len(rows) > 100
    for row in rows:
        expected = [(index.pass_name, index.blind) for index in indexer.person(row.person())]
        assert indexer.checked_row(row) == expected
    # Every pass is exercised somewhere in the sample.
    passes = {name for row in rows for name, _ in indexer.checked_row(row)}
    assert len(passes) == 6


def test_the_canonical_text_is_the_whole_record_as_stable_json() -> None:
    row = checked(messy_row(3, summary="Zoë said «enough»", team="é", zeta="z", alpha="a"))
    whole = json.dumps(
        {"identifiers": row.identifiers(), "content": row.content()},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    assert row.canonical() == whole
    assert json.loads(row.identifiers_json()) == row.identifiers()
    assert json.loads(row.content_json()) == row.content()


def dict_reader_rows(text: str) -> list[tuple[int, dict[Any, Any]]]:
    """How the import numbered and read CSV rows before (csv.DictReader)."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    assert reader.fieldnames
    rows = []
    previous_end = reader.line_num
    for row in reader:
        rows.append((previous_end + 1, row))
        previous_end = reader.line_num
    return rows


def test_csv_records_are_read_and_numbered_as_before() -> None:
    text = (
        "source_ref,given_name,record_type,occurred_on,summary\n"
        "A-1,Zoë,incident,2024-01-02,plain\n"
        "\n"
        'A-2,Ann,incident,2024-01-02,"two\nlines"\n'
        "A-3,Bo,incident,2024-01-02,extra,fields,here\n"
        "A-4,Cy\n"
        "\n"
        "\n"
        'A-5,Di,incident,2024-01-02,"quoted, comma"\n'
    )
    assert list(importer.csv_text_rows(text)) == dict_reader_rows(text)


def test_record_ids_are_time_ordered_uuid7() -> None:
    before = int(datetime.now(UTC).timestamp() * 1000)
    ids = [new_record_id() for _ in range(1000)]
    after = int(datetime.now(UTC).timestamp() * 1000)
    assert all(record_id.version == 7 and record_id.variant == uuid.RFC_4122 for record_id in ids)
    assert len(set(ids)) == len(ids)
    millis = [record_id.int >> 80 for record_id in ids]
    assert millis == sorted(millis)
    # Each id carries the millisecond it was made in: between the readings either side.
    assert before <= millis[0]
    assert millis[-1] <= after


# --- writing ---------------------------------------------------------------------------------


def raw_rows(
    database: Database, agency: str
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The rows as the driver returns them: no SQLAlchemy type conversions."""
    with database.session() as session:
        connection = session.connection()
        records = connection.exec_driver_sql(
            "SELECT id, agency, source_ref_index, row_digest, sealed_key, key_version, "
            "sealed_identifiers, sealed_content, index_keys, created_by, created_at, updated_at, "
            "shredded_at "
            f"FROM agency_records WHERE agency = '{agency}' ORDER BY source_ref_index"
        ).all()
        indexes = connection.exec_driver_sql(
            "SELECT agency, blind, record_id, pass_code FROM agency_record_index "
            f"WHERE agency = '{agency}' ORDER BY blind"
        ).all()
    return [tuple(r) for r in records], [tuple(r) for r in indexes]


def test_bulk_inserts_store_exactly_what_core_inserts_store(database: Database) -> None:
    now = datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=UTC)
    records = [
        (
            uuid.uuid4(),
            bytes([i]) * 32,
            bytes([i + 1]) * 32,
            b"k" * 60 + bytes([i]),
            3,
            "Zoë".encode() + bytes(range(256)),
            bytes([i]) * 200,
            pack_index_keys(
                [
                    (PASS_CODES["nhs"], bytes([i, 0]) * 16),
                    (PASS_CODES["family_dob"], bytes([i, 1]) * 16),
                ]
            ),
        )
        for i in range(5)
    ]
    indexes = [
        (bytes([i, j]) * 16, record[0], code)
        for i, record in enumerate(records)
        for j, code in enumerate((PASS_CODES["nhs"], PASS_CODES["family_dob"]))
    ]

    with transaction(database) as session:
        session.execute(
            insert(AgencyRecord),
            [
                {
                    **dict(zip(repository.NEW_RECORD_FIELDS, record, strict=True)),
                    "agency": "police",
                    "created_by": "ops-1",
                    "created_at": now,
                    "updated_at": now,
                    "shredded_at": None,
                }
                for record in records
            ],
        )
        session.execute(
            insert(AgencyRecordIndex),
            [
                {"agency": "police", "blind": blind, "record_id": record_id, "pass_code": code}
                for blind, record_id, code in indexes
            ],
        )
    through_core = raw_rows(database, "police")
    with transaction(database) as session:
        session.execute(delete(AgencyRecordIndex))
        session.execute(delete(AgencyRecord))
    with transaction(database) as session:
        repository.insert_new_records(session, POLICE, created_by="ops-1", now=now, records=records)
        repository.insert_blind_indexes(
            session,
            POLICE,
            [
                (record[0], [(code, blind) for blind, rid, code in indexes if rid == record[0]])
                for record in records
            ],
        )
    through_bulk = raw_rows(database, "police")

    assert (len(through_core[0]), len(through_core[1])) == (5, 10)
    assert through_bulk == through_core
    # And the ORM reads them back as it wrote them.
    with database.session() as session:
        stored = (
            session.execute(select(AgencyRecord).order_by(AgencyRecord.source_ref_index))
            .scalars()
            .all()
        )
        assert [r.id for r in stored] == [record[0] for record in records]
        assert {r.created_at for r in stored} == {now}
        assert [r.sealed_identifiers for r in stored] == [record[5] for record in records]


# --- importing a file ------------------------------------------------------------------------


@pytest.fixture
def keyring(key_dir: Path) -> Keyring:
    return Keyring(LocalFileKekProvider(key_dir / "kek.bin"))


@pytest.fixture
def pool() -> Iterator[WorkerPool]:
    with WorkerPool(2) as workers:
        yield workers


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def import_csv(
    database: Database,
    keyring: Keyring,
    agency: str,
    path: Path,
    *,
    pool: WorkerPool | None,
    batch_size: int = 7,
    plan: importer.ImportPlan | None = None,
    skip_invalid: bool = True,
    on_batch: Callable[[int], None] | None = None,
) -> Any:
    """Import ``path`` as the agency's representative (checking it first unless ``plan``)."""
    principal = Principal(sub="ops-1", role=Role.agency_rep, agency=agency)
    return importer.import_file(
        database,
        keyring,
        principal,
        agency,
        path,
        plan or importer.plan_import(path, pool=pool),
        skip_invalid=skip_invalid,
        batch_size=batch_size,
        on_batch=on_batch,
        pool=pool,
    )


def stored_records(database: Database, keyring: Keyring, agency: str) -> dict[str, dict[str, Any]]:
    """Each record of ``agency`` opened, by its own reference, with its blind indexes."""
    with database.session() as session:
        records = (
            session.execute(select(AgencyRecord).where(AgencyRecord.agency == agency))
            .scalars()
            .all()
        )
        blinds: dict[uuid.UUID, set[tuple[str, bytes]]] = {}
        for index in session.execute(
            select(AgencyRecordIndex).where(AgencyRecordIndex.agency == agency)
        ).scalars():
            blinds.setdefault(index.record_id, set()).add(
                (PASS_OF_CODE[index.pass_code], index.blind)
            )
        opened = {}
        for record in records:
            out = record_out(session, keyring, record).model_dump(
                exclude={"id", "agency", "created_at", "updated_at"}
            )
            opened[out["source_ref"]] = {**out, "blinds": blinds.get(record.id, set())}
    return opened


def many_rows() -> list[dict[str, str]]:
    rows = [messy_row(i) for i in range(60)]
    rows[10] = messy_row(10, nhs_number="1234567890")  # a bad check digit
    rows[20] = messy_row(20, source_ref=rows[5]["source_ref"])  # repeats an earlier row
    rows[30] = messy_row(30, occurred_on="not a date")
    return rows


@pytest.mark.usefixtures("app")
def test_workers_import_what_one_process_imports(
    database: Database, keyring: Keyring, pool: WorkerPool, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "records.csv", many_rows())
    by_workers = import_csv(database, keyring, "police", path, pool=pool)
    in_process = import_csv(database, keyring, "health", path, pool=None)

    assert by_workers == in_process
    assert by_workers.skipped_invalid >= 3
    assert by_workers.created == by_workers.rows - by_workers.skipped_invalid
    police = stored_records(database, keyring, "police")
    health = stored_records(database, keyring, "health")
    assert police == health
    assert len(police) == by_workers.created
    # The first of two rows with one reference is the one imported.
    assert police[many_rows()[5]["source_ref"]]["summary"] == "Attended the address (5)."
    assert sum(1 for record in police.values() if record["blinds"]) > len(police) // 2


@pytest.mark.usefixtures("app")
def test_a_workers_import_runs_again_unchanged_and_updates_what_changed(
    database: Database, keyring: Keyring, pool: WorkerPool, tmp_path: Path
) -> None:
    rows = [messy_row(i) for i in range(40) if not isinstance(check_row(messy_row(i), 2), list)]
    path = write_csv(tmp_path / "records.csv", rows)
    first = import_csv(database, keyring, "police", path, pool=pool)
    again = import_csv(database, keyring, "police", path, pool=pool)
    assert (first.created, first.updated, first.unchanged) == (len(rows), 0, 0)
    assert (again.created, again.updated, again.unchanged) == (0, 0, len(rows))
    before = stored_records(database, keyring, "police")

    rows[3] = {**rows[3], "summary": "A second visit.", "given_name": "Oskar"}
    changed = import_csv(database, keyring, "police", write_csv(path, rows), pool=pool)
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, len(rows) - 1)
    after = stored_records(database, keyring, "police")
    ref = rows[3]["source_ref"]
    assert (after[ref]["summary"], after[ref]["given_name"]) == ("A second visit.", "Oskar")
    assert after[ref]["blinds"] != before[ref]["blinds"]
    assert {k: v for k, v in after.items() if k != ref} == {
        k: v for k, v in before.items() if k != ref
    }

    # One seal of the agency key per record key made: 40 created, then 1 updated.
    with database.session() as session:
        counts = {
            (row.key_id, row.version): row.seal_count
            for row in session.execute(select(DataKeyRow)).scalars()
        }
    assert counts[("agency:police", 1)] == len(rows) + 1


@pytest.mark.usefixtures("app")
def test_an_import_stops_at_the_key_ceiling_without_writing_past_it(
    database: Database, key_dir: Path, pool: WorkerPool, tmp_path: Path
) -> None:
    keyring = Keyring(LocalFileKekProvider(key_dir / "kek.bin"), max_seals=10)
    rows = [messy_row(i) for i in range(40) if not isinstance(check_row(messy_row(i), 2), list)]
    path = write_csv(tmp_path / "records.csv", rows)
    with pytest.raises(KeyUnavailable, match="limit"):
        import_csv(database, keyring, "police", path, pool=pool, batch_size=4)
    # Two batches of four fit under the ceiling of ten; the third would not, and wrote nothing.
    with database.session() as session:
        assert len(session.execute(select(AgencyRecord.id)).all()) == 8
        key = session.execute(
            select(DataKeyRow).where(DataKeyRow.key_id == "agency:police")
        ).scalar_one()
        assert key.seal_count == 8


@pytest.mark.usefixtures("app")
def test_a_file_with_bad_rows_imports_nothing_with_or_without_workers(
    database: Database, keyring: Keyring, pool: WorkerPool, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "records.csv", many_rows())
    for workers in (pool, None):
        plan = importer.plan_import(path, pool=workers)
        assert plan.report.bad_lines == {12, 22, 32}
        assert [p.line for p in plan.problems] == [12, 22, 32]
        assert "repeats line 7" in str(plan.problems[1])
        with pytest.raises(ImportRefused):
            import_csv(
                database, keyring, "police", path, pool=workers, plan=plan, skip_invalid=False
            )
    with database.session() as session:
        assert session.execute(select(AgencyRecord.id)).first() is None


def test_a_batch_gives_back_its_page_cache_before_it_commits(database: Database) -> None:
    with transaction(database) as session:
        connection = session.connection()
        if connection.dialect.name != "sqlite":
            # Nothing to give back on PostgreSQL: its buffers are the server's.
            repository.prepare_for_bulk_writes(session)
            assert not connection.info
            repository.end_bulk_batch(session)
            return
        usual = connection.exec_driver_sql("PRAGMA cache_size").scalar_one()
        repository.prepare_for_bulk_writes(session)
        assert connection.exec_driver_sql("PRAGMA cache_size").scalar_one() == -(
            repository.BULK_CACHE_KIB
        )
        repository.end_bulk_batch(session)
        assert connection.exec_driver_sql("PRAGMA cache_size").scalar_one() == usual
        repository.finish_bulk_writes(session)


# --- the file imported is the file checked ----------------------------------------------------


def valid_rows(count: int) -> list[dict[str, str]]:
    return [messy_row(i) for i in range(count) if not isinstance(check_row(messy_row(i), 2), list)]


def append_row(path: Path, row: dict[str, str]) -> None:
    with path.open("a", newline="", encoding="utf-8") as handle:
        csv.DictWriter(handle, fieldnames=COLUMNS, extrasaction="ignore").writerow(row)


def police_records(database: Database) -> int:
    with database.session() as session:
        return len(
            session.execute(select(AgencyRecord.id).where(AgencyRecord.agency == "police")).all()
        )


@pytest.mark.usefixtures("app")
def test_a_file_changed_after_its_check_imports_nothing(
    database: Database, keyring: Keyring, pool: WorkerPool, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "records.csv", valid_rows(20))
    for workers in (pool, None):
        plan = importer.plan_import(path, pool=workers)
        append_row(path, messy_row(900, summary="Added after the check."))
        with pytest.raises(importer.FileChanged, match="changed after it was checked"):
            import_csv(
                database, keyring, "police", path, pool=workers, plan=plan, skip_invalid=False
            )
    assert police_records(database) == 0


@pytest.mark.usefixtures("app")
def test_a_file_changed_during_its_import_stops_at_the_next_batch_and_says_so(
    database: Database, keyring: Keyring, pool: WorkerPool, tmp_path: Path
) -> None:
    rows = valid_rows(40)
    path = write_csv(tmp_path / "records.csv", rows)

    def after_a_batch(_: int) -> None:
        append_row(path, messy_row(901))

    with pytest.raises(importer.FileChanged, match="5 records were written") as stopped:
        import_csv(
            database,
            keyring,
            "police",
            path,
            pool=pool,
            batch_size=5,
            skip_invalid=False,
            on_batch=after_a_batch,
        )
    assert "Run the import again" in stopped.value.detail
    assert police_records(database) == 5
    with database.session() as session:
        entries = (
            session.execute(
                select(AuditEntry).where(AuditEntry.action == "import").order_by(AuditEntry.id)
            )
            .scalars()
            .all()
        )
    assert [entry.reason for entry in entries] == [
        None,
        "import stopped, the file changed after its check: created 5, updated 0, unchanged 0",
    ]
    assert len(json.loads(entries[0].subject_ids)) == 5

    # Run again on the finished file: the rest is written, the five are left as they are.
    out = import_csv(database, keyring, "police", path, pool=pool, batch_size=5)
    assert (out.created, out.unchanged) == (len(rows) + 1 - 5, 5)


@pytest.mark.usefixtures("app")
def test_a_file_rewritten_to_the_same_size_and_time_is_caught_by_its_digest(
    database: Database, keyring: Keyring, tmp_path: Path
) -> None:
    rows = valid_rows(20)
    path = write_csv(tmp_path / "records.csv", rows)
    plan = importer.plan_import(path)
    status = path.stat()
    # The same length, a different summary, and the old modification time put back.
    original = path.read_bytes()
    path.write_bytes(original.replace(b"Attended the address (3).", b"Attended the address (4)."))
    os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns))
    assert path.read_bytes() != original
    assert importer.FileStamp.of(path) == plan.stamp

    with pytest.raises(importer.FileChanged, match="not the file that was checked"):
        import_csv(
            database,
            keyring,
            "police",
            path,
            pool=None,
            batch_size=len(rows) + 1,
            plan=plan,
            skip_invalid=False,
        )
    assert police_records(database) == 0


# --- running an unchanged file again -----------------------------------------------------------


def test_rows_with_the_stored_digest_come_back_unsealed_and_the_rest_in_full() -> None:
    indexer = Indexer(LinkageKey.generate())
    header = list(COLUMNS)
    raw_rows = valid_rows(6)
    records = [(i + 2, [row[name] for name in COLUMNS]) for i, row in enumerate(raw_rows)]
    full = prepare_raw(indexer, "police", header, records)
    stored = [row.row_digest for row in full.rows]
    stored[1] = b"\0" * 32  # this record was stored with other content
    stored[4] = None  # and this one not at all

    again = prepare_raw(indexer, "police", header, records, stored)
    kinds = [type(row).__name__ for row in again.rows]
    assert kinds == [
        "UnchangedRow",
        "PreparedRow",
        "UnchangedRow",
        "UnchangedRow",
        "PreparedRow",
        "UnchangedRow",
    ]
    for before, after in zip(full.rows, again.rows, strict=True):
        assert (after.line, after.source_ref_index, after.row_digest) == (
            before.line,
            before.source_ref_index,
            before.row_digest,
        )
    assert "Kiln" not in repr(again.rows)


@pytest.mark.usefixtures("app")
def test_a_row_found_unchanged_whose_record_changed_meanwhile_is_written_in_full(
    database: Database, keyring: Keyring, pool: WorkerPool, tmp_path: Path
) -> None:
    rows = valid_rows(40)
    path = write_csv(tmp_path / "records.csv", rows)
    import_csv(database, keyring, "police", path, pool=pool, batch_size=5)
    target = rows[8]["source_ref"]  # in the second batch: sent to the workers before the first
    other = write_csv(tmp_path / "other.csv", [{**rows[8], "summary": "Changed meanwhile."}])
    changes: list[Any] = []

    def meanwhile(_: int) -> None:
        if not changes:
            changes.append(import_csv(database, keyring, "police", other, pool=None))

    out = import_csv(
        database,
        keyring,
        "police",
        path,
        pool=pool,
        batch_size=5,
        skip_invalid=False,
        on_batch=meanwhile,
    )
    assert changes[0].updated == 1
    assert (out.created, out.updated, out.unchanged) == (0, 1, len(rows) - 1)
    assert stored_records(database, keyring, "police")[target]["summary"] == rows[8]["summary"]
