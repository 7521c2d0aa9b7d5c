"""``mash-hub triage import FILE.csv``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from hub.commands.triage import triage_app
from hub.db import Database
from hub.settings import Settings, get_settings
from hub.triage.models import DaNotification
from tests.triage.conftest import CSV_COLUMNS, audit_rows, csv_row, write_csv


@pytest.fixture
def runner(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("HUB_DEV_MODE", "true")
    monkeypatch.setenv("HUB_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("HUB_KEY_DIR", str(settings.key_dir))
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def count(database: Database) -> int:
    with database.session() as session:
        return int(session.execute(select(func.count()).select_from(DaNotification)).scalar_one())


def test_a_file_with_bad_rows_imports_nothing_and_names_the_lines(
    runner: CliRunner, database: Database, tmp_path: Path
) -> None:
    rows = [
        csv_row(1),
        csv_row(2, postcode="ZZ1 1ZZZ"),
        csv_row(3, child1_date_of_birth="31/02/2016"),
        csv_row(4, risk_level="severe"),
        csv_row(5, incident_at="yesterday evening"),
        csv_row(6, child1_given_name="", child1_family_name=""),
        csv_row(7, police_reference="RT/2001/24"),  # the same incident as line 2
        csv_row(8),
    ]
    path = write_csv(tmp_path / "police.csv", rows)
    result = runner.invoke(triage_app, ["import", str(path)])
    assert result.exit_code == 1
    for expected in [
        "line 3: postcode",
        "line 4: child1_date_of_birth",
        "line 5: risk_level",
        "line 6: incident_at",
        "line 7: child1_given_name",
        "line 8: police_reference: appears more than once (first at 2)",
        "6 of 8 rows are invalid; nothing was imported",
    ]:
        assert expected in result.output, result.output
    for value in ["ZZ1", "31/02/2016", "severe", "yesterday", "RT/2001/24"]:
        assert value not in result.output
    assert count(database) == 0

    skipped = runner.invoke(triage_app, ["import", "--skip-invalid", str(path)])
    assert skipped.exit_code == 0, skipped.output
    assert "8 rows: 2 created, 0 already received, 6 skipped as invalid" in skipped.output
    assert count(database) == 2


def test_a_re_run_changes_nothing_and_every_notification_is_audited(
    runner: CliRunner, database: Database, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "police.csv", [csv_row(i) for i in range(1, 13)])
    args = ["import", "--batch", "5", "--actor", "admin-42", str(path)]
    first = runner.invoke(triage_app, args)
    again = runner.invoke(triage_app, args)
    assert first.exit_code == again.exit_code == 0, first.output
    assert "12 rows: 12 created, 0 already received, 0 skipped" in first.output
    assert "12 rows: 0 created, 12 already received, 0 skipped" in again.output
    assert count(database) == 12
    creates = [e for e in audit_rows(database) if e.action == "create"]
    # Twelve notifications, then one entry per batch of the re-run that stored nothing.
    assert len(creates) == 12 + 3
    assert {e.actor_sub for e in creates} == {"admin-42"}
    assert {e.actor_role for e in creates} == {"mash_admin"}


def test_a_file_with_an_unknown_or_missing_column_is_refused_whole(
    runner: CliRunner, database: Database, tmp_path: Path
) -> None:
    typo = [c if c != "risk_level" else "risk" for c in CSV_COLUMNS]
    rows = [{("risk" if k == "risk_level" else k): v for k, v in csv_row(1).items()}]
    path = write_csv(tmp_path / "typo.csv", rows, columns=typo)
    result = runner.invoke(triage_app, ["import", str(path)])
    assert result.exit_code == 1
    assert "lacks required columns: risk_level" in result.output
    extra = write_csv(
        tmp_path / "extra.csv",
        [{**csv_row(1), "notes": "x"}],
        columns=[*CSV_COLUMNS, "notes"],
    )
    refused = runner.invoke(triage_app, ["import", str(extra)])
    assert refused.exit_code == 1
    assert "columns the hub does not know: notes" in refused.output
    assert count(database) == 0
