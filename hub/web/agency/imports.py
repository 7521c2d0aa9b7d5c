"""Importing a CSV file from the browser: the existing bulk import, run in the background.

A job is a plain record of progress (:class:`ImportJob`) and one function that does the
work (:func:`run_import`): check every row, then write the valid ones in batches, each in
a transaction of its own (:mod:`hub.agencies.importer`), counting as it goes. Today a
thread in this process runs it (:class:`ThreadRunner`) and the progress is kept in
memory (:class:`ImportJobs`); a job queue can take over by running ``run_import`` in a
worker and keeping the same fields in a table, without the pages changing.

A job is seen only by the person who started it: anyone else is told it does not exist.
Bad rows are reported by line and column, never with what the cell held. The uploaded
file is deleted when the job ends, whatever the outcome.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import structlog

from hub.agencies import importer
from hub.agencies.rows import RowProblem
from hub.agencies.service import ImportRefused
from hub.auth.principal import Principal
from hub.db import Database
from hub.keys.service import Keyring
from hub.kit.errors import HubError

log = structlog.get_logger()

# Rows per transaction: small enough that the bar moves on a file of a few thousand rows.
BATCH = 200
MAX_PROBLEMS_SHOWN = 200


@dataclass
class ImportJob:
    id: str
    owner: str  # the sub of the person who started it
    agency: str
    skip_invalid: bool
    # checking | importing | done | refused | failed
    state: str = "checking"
    rows_checked: int = 0
    valid_rows: int = 0
    rows_written: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    bad_lines: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    message: str = ""

    @property
    def finished(self) -> bool:
        return self.state in ("done", "refused", "failed")


class ImportJobs:
    """The jobs of this process, by id; each one visible only to its owner."""

    def __init__(self) -> None:
        self._jobs: dict[str, ImportJob] = {}
        self._lock = threading.Lock()

    def new(self, principal: Principal, *, skip_invalid: bool) -> ImportJob:
        job = ImportJob(
            id=uuid.uuid4().hex,
            owner=principal.sub,
            agency=principal.agency or "",
            skip_invalid=skip_invalid,
        )
        with self._lock:
            self._jobs[job.id] = job
        return job

    def of(self, principal: Principal, job_id: str) -> ImportJob | None:
        """The job, if it is this person's own (in their agency); otherwise None."""
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None or job.owner != principal.sub or job.agency != principal.agency:
            return None
        return job


def run_import(
    job: ImportJob, database: Database, keyring: Keyring, principal: Principal, path: Path
) -> None:
    """Check and import the file at ``path`` for ``job``, counting into it; delete the file."""
    try:
        plan = importer.plan_import(path)
        job.rows_checked = plan.report.rows
        job.valid_rows = plan.report.valid
        job.bad_lines = len(plan.report.bad_lines)
        job.problems = plan.problems[:MAX_PROBLEMS_SHOWN]
        if plan.problems and not job.skip_invalid:
            job.state = "refused"
            return
        job.state = "importing"

        def written(rows: int) -> None:
            job.rows_written += rows

        out = importer.import_file(
            database,
            keyring,
            principal,
            job.agency,
            path,
            plan,
            skip_invalid=job.skip_invalid,
            batch_size=BATCH,
            on_batch=written,
        )
        job.created, job.updated, job.unchanged = out.created, out.updated, out.unchanged
        job.state = "done"
    except ImportRefused:
        job.state = "refused"
    except HubError as error:
        # The importer's messages name lines and columns, never values.
        job.state, job.message = "failed", error.detail
    except Exception as error:  # a job that fails must say so, not hang at "importing"
        # Its type only: a message or traceback could carry a value from the file.
        log.error(
            "agency_records.import_job_failed",
            job_id=job.id,
            agency=job.agency,
            error_type=type(error).__name__,
        )
        job.state, job.message = "failed", "The import stopped because of an error."
    finally:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


Runner = Callable[[Callable[[], None]], None]


def thread_runner(work: Callable[[], None]) -> None:
    """Run a job in a thread of this process (a job queue would run it in a worker)."""
    threading.Thread(target=work, name="agency-import", daemon=True).start()


def saved_upload(content: bytes) -> Path:
    """The uploaded file on disk (readable by this user only), for the importer to read."""
    handle, name = tempfile.mkstemp(prefix="hub-import-", suffix=".csv")
    with os.fdopen(handle, "wb") as file:
        file.write(content)
    return Path(name)
