"""``mash-hub records import`` and ``mash-hub keys ...``, run as Typer apps."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from hub.agencies.models import AgencyRecord
from hub.agencies.rows import KNOWN_COLUMNS
from hub.audit.models import AuditEntry
from hub.commands.agencies import keys_app, records_app
from hub.db import Database
from hub.keys.models import DataKeyRow
from hub.settings import Settings, get_settings

# The columns an import knows, in their documented order, and one kept as details.
COLUMNS = [*KNOWN_COLUMNS, "officer"]


@pytest.fixture
def runner(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("HUB_DEV_MODE", "true")
    monkeypatch.setenv("HUB_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("HUB_KEY_DIR", str(settings.key_dir))
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def row(i: int, **changes: str) -> dict[str, str]:
    values = {
        "source_ref": f"CR-{i:04d}",
        "given_name": "Ysolde",
        "family_name": f"Marrick{'x' * (i % 5)}",
        "date_of_birth": "7 March 2014",
        "nhs_number": "",
        "postcode": "rt1 2ab",
        "address_line": "1 Mill Close",
        "record_type": "incident",
        "occurred_on": "2024-01-02",
        "summary": "Attended the address.",
        "officer": f"PC {i}",
    }
    values.update(changes)
    return values


def count_records(database: Database) -> int:
    with database.session() as session:
        return len(session.execute(select(AgencyRecord.id)).all())


def test_import_refuses_a_file_with_bad_rows_and_names_lines_not_values(
    runner: CliRunner, database: Database, tmp_path: Path
) -> None:
    rows = [row(1), row(2, nhs_number="1234567890"), row(3, date_of_birth="31/02/2014"), row(4)]
    path = write_csv(tmp_path / "police.csv", rows)
    result = runner.invoke(records_app, ["import", "--agency", "police", str(path)])
    assert result.exit_code == 1
    assert "line 3: nhs_number" in result.output
    assert "line 4: date_of_birth" in result.output
    assert "2 of 4 rows are invalid; nothing was imported" in result.output
    assert "1234567890" not in result.output
    assert count_records(database) == 0

    skipped = runner.invoke(
        records_app, ["import", "--agency", "police", "--skip-invalid", str(path)]
    )
    assert skipped.exit_code == 0, skipped.output
    assert "2 created, 0 updated, 0 unchanged, 2 skipped as invalid" in skipped.output
    assert count_records(database) == 2


def test_import_in_batches_is_idempotent_and_audited(
    runner: CliRunner, database: Database, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "police.csv", [row(i) for i in range(1, 26)])
    args = ["import", "--agency", "police", "--batch", "10", "--actor", "ops-7", str(path)]
    first = runner.invoke(records_app, args)
    again = runner.invoke(records_app, args)
    assert first.exit_code == again.exit_code == 0, first.output
    assert "25 created" in first.output
    assert "0 created, 0 updated, 25 unchanged" in again.output
    assert count_records(database) == 25
    with database.session() as session:
        entries = (
            session.execute(
                select(AuditEntry).where(AuditEntry.action == "import").order_by(AuditEntry.id)
            )
            .scalars()
            .all()
        )
    # Three batches that wrote, then a summary per run.
    assert [e.actor_sub for e in entries] == ["ops-7"] * 5
    assert [e.reason is not None for e in entries] == [False, False, False, True, True]
    assert entries[0].content_hash == entries[4].content_hash  # the same file, by its hash
    assert len({e.resource_id for e in entries[:4]}) == 1


def test_import_refuses_a_file_without_the_required_columns(
    runner: CliRunner, tmp_path: Path
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("source_ref,given_name\nX-1,Ysolde\n", encoding="utf-8")
    result = runner.invoke(records_app, ["import", "--agency", "police", str(path)])
    assert result.exit_code == 1
    assert "record_type, occurred_on, summary" in result.output
    unknown = runner.invoke(records_app, ["import", "--agency", "nowhere", str(path)])
    assert unknown.exit_code == 1
    assert "--agency must be one of" in unknown.output


def test_keys_rotate_rewrap_status_and_shred(
    runner: CliRunner, database: Database, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "police.csv", [row(i) for i in range(1, 8)])
    assert runner.invoke(records_app, ["import", "--agency", "police", str(path)]).exit_code == 0

    rotated = runner.invoke(keys_app, ["rotate", "--agency", "police"])
    assert rotated.exit_code == 0, rotated.output
    assert "agency:police: version 2 is primary" in rotated.output
    rewrapped = runner.invoke(keys_app, ["rewrap", "--agency", "police", "--batch", "3"])
    assert rewrapped.exit_code == 0, rewrapped.output
    assert "rewrapped 7 sealed values" in rewrapped.output
    assert "retired version(s) 1" in rewrapped.output

    status = runner.invoke(keys_app, ["status"])
    assert status.exit_code == 0, status.output
    assert "agency:police" in status.output
    assert "retired" in status.output

    with database.session() as session:
        record_id = session.execute(select(AgencyRecord.id).limit(1)).scalar_one()
    refused = runner.invoke(keys_app, ["shred", "--record", str(record_id)])
    assert refused.exit_code == 1
    assert "--yes" in refused.output
    shredded = runner.invoke(keys_app, ["shred", "--record", str(record_id), "--yes"])
    assert shredded.exit_code == 0, shredded.output
    whole = runner.invoke(keys_app, ["shred", "--agency", "police", "--yes"])
    assert whole.exit_code == 0, whole.output
    assert "6 record(s) destroyed" in whole.output
    with database.session() as session:
        states = set(
            session.execute(
                select(DataKeyRow.state).where(DataKeyRow.key_id == "agency:police")
            ).scalars()
        )
    assert states == {"shredded"}
