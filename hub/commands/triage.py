"""``mash-hub triage import FILE.csv``: police notifications in bulk.

The command acts as a named MASH admin officer (``--actor``, by default the operating-system
user), asks the firewall like any request, and is audited. Every row is checked first; a
file with bad rows imports nothing unless ``--skip-invalid``; re-running a file changes
nothing, because notifications are found again by their police reference.
"""

from __future__ import annotations

import getpass
import uuid
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from hub.auth.principal import Principal, Role
from hub.bootstrap import standing_hub
from hub.db import transaction
from hub.kit.errors import HubError

triage_app = typer.Typer(help="Domestic abuse triage: police notifications.", no_args_is_help=True)

console = Console()
errors = Console(stderr=True)
MAX_PROBLEMS_PRINTED = 50


@triage_app.callback()
def triage() -> None:
    """Domestic abuse triage: police notifications."""


def _fail(message: str, code: int = 1) -> typer.Exit:
    errors.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code)


@triage_app.command("import")
def import_notifications(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    skip_invalid: Annotated[
        bool, typer.Option("--skip-invalid", help="Import the valid rows; skip the bad ones.")
    ] = False,
    batch: Annotated[int, typer.Option(help="Rows per transaction.", min=1, max=500)] = 500,
    actor: Annotated[
        str | None,
        typer.Option(help="Who is running this, for the audit log (default: cli:<os user>)."),
    ] = None,
) -> None:
    """Import police notifications from CSV: every row is checked first."""
    from hub.policy.decision_point import require
    from hub.policy.firewall import Resource
    from hub.policy.vocabulary import Action, Kind
    from hub.triage import importer, service

    principal = Principal(sub=actor or f"cli:{getpass.getuser()}", role=Role.mash_admin)
    with standing_hub() as hub:
        try:
            with transaction(hub.database) as session:
                require(principal, Action.create, Resource(Kind.da_notification))
            with console.status("checking every row"):
                checked = importer.check_file(file)
                with transaction(hub.database) as session:
                    checked.problems.extend(
                        service.check_notifications(session, hub.keyring, checked.valid())
                    )
        except HubError as error:
            raise _fail(error.detail) from None
        problems = sorted(checked.problems, key=lambda p: p.position)
        for problem in problems[:MAX_PROBLEMS_PRINTED]:
            errors.print(f"  {problem}", highlight=False)
        if len(problems) > MAX_PROBLEMS_PRINTED:
            errors.print(
                f"  ... and {len(problems) - MAX_PROBLEMS_PRINTED} more problems", highlight=False
            )
        bad = len(checked.bad_lines)
        if problems and not skip_invalid:
            raise _fail(
                f"{bad} of {checked.rows} rows are invalid; nothing was imported "
                "(fix them, or add --skip-invalid)"
            )
        valid = checked.valid()
        created = already = 0
        batch_id = uuid.uuid4()
        try:
            with Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=console,
                transient=True,
            ) as progress:
                task = progress.add_task("importing notifications", total=len(valid))
                for start in range(0, len(valid), batch):
                    chunk = valid[start : start + batch]
                    with transaction(hub.database) as session:
                        receipt = service.receive_notifications(
                            session,
                            principal,
                            chunk,
                            keyring=hub.keyring,
                            batch_id=batch_id,
                            label="line",
                        )
                    created += receipt.created
                    already += receipt.already_received
                    progress.advance(task, len(chunk))
        except HubError as error:
            raise _fail(
                f"{error.detail} ({created} notifications were imported before this; "
                "run the import again once it is fixed)"
            ) from None
    console.print(
        f"{checked.rows} rows: {created} created, {already} already received, "
        f"{bad} skipped as invalid"
    )
