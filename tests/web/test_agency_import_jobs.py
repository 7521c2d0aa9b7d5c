"""The browser's CSV import job, run as its runner runs it: real database, real keys."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from sqlalchemy import select

from hub.agencies.models import AgencyRecord
from hub.auth.principal import Principal, Role
from hub.web.agency.imports import ImportJobs, run_import, saved_upload

HEADER = "source_ref,given_name,family_name,record_type,occurred_on,summary\n"
ROWS = "".join(f"S-{n},Ada{n},Quist,visit,2026-09-01,Seen {n}.\n" for n in range(1, 6))
BAD = "S-6,Bo,Quist,visit,2026-13-45,Seen.\nS-7,,,visit,2026-09-01,Seen.\n"
HEALTH = Principal("hv-1", Role.agency_rep, agency="health")


def _records(app: FastAPI) -> int:
    with app.state.database.session() as session:
        return len(session.scalars(select(AgencyRecord)).all())


def test_a_file_with_wrong_rows_imports_nothing_and_says_which_lines(app: FastAPI) -> None:
    jobs = ImportJobs()
    job = jobs.new(HEALTH, skip_invalid=False)
    path = saved_upload((HEADER + ROWS + BAD).encode())
    run_import(job, app.state.database, app.state.keyring, HEALTH, path)
    assert job.state == "refused"
    assert (job.rows_checked, job.bad_lines, job.rows_written) == (7, 2, 0)
    assert sorted({p.line for p in job.problems}) == [7, 8]
    assert "2026-13-45" not in str([(p.field, p.reason) for p in job.problems])
    assert _records(app) == 0
    assert not Path(path).exists()


def test_skipping_wrong_rows_imports_the_rest_and_counts_them(app: FastAPI) -> None:
    job = ImportJobs().new(HEALTH, skip_invalid=True)
    path = saved_upload((HEADER + ROWS + BAD).encode())
    run_import(job, app.state.database, app.state.keyring, HEALTH, path)
    assert job.state == "done"
    assert (job.rows_checked, job.valid_rows, job.rows_written, job.created) == (7, 5, 5, 5)
    assert _records(app) == 5
    assert not Path(path).exists()

    # The same file again changes nothing.
    again = ImportJobs().new(HEALTH, skip_invalid=True)
    run_import(
        again,
        app.state.database,
        app.state.keyring,
        HEALTH,
        saved_upload((HEADER + ROWS + BAD).encode()),
    )
    assert (again.state, again.created, again.unchanged) == ("done", 0, 5)


def test_a_file_that_is_not_csv_fails_with_a_reason(app: FastAPI) -> None:
    job = ImportJobs().new(HEALTH, skip_invalid=True)
    run_import(job, app.state.database, app.state.keyring, HEALTH, saved_upload(b"name\nx\n"))
    assert job.state == "failed"
    assert "source_ref" in job.message
    assert job.finished


def test_a_job_is_seen_only_by_the_person_who_started_it() -> None:
    jobs = ImportJobs()
    job = jobs.new(HEALTH, skip_invalid=False)
    assert jobs.of(HEALTH, job.id) is job
    assert jobs.of(Principal("hv-2", Role.agency_rep, agency="health"), job.id) is None
    assert jobs.of(Principal("hv-1", Role.agency_rep, agency="police"), job.id) is None
    assert jobs.of(HEALTH, "not-a-job") is None
