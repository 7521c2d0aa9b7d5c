"""``mash-hub retention run``: destroy the keys of cases past the retention schedule."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from hub.commands.agencies import Actor, _fail, _sysadmin
from hub.kit.errors import HubError

retention_app = typer.Typer(
    help="The retention schedule: destroy closed cases' keys.", no_args_is_help=True
)


@retention_app.callback()
def retention() -> None:
    """The retention schedule: destroy closed cases' keys."""


@retention_app.command("run")
def retention_run(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="List what would be destroyed; destroy nothing.")
    ] = False,
    actor: Actor = None,
) -> None:
    """Destroy the key of every case, police notification and missing episode past its
    date (HUB_RETENTION_*), except those on legal hold. Lists ids, outcomes and dates only."""
    from hub.agencies.keys import purge_old_copies
    from hub.bootstrap import standing_hub
    from hub.retention.service import RetentionSchedule, run

    with standing_hub() as hub:
        try:
            done = run(
                hub.database,
                _sysadmin(actor),
                RetentionSchedule.from_settings(hub.settings),
                keyring=hub.keyring,
                dry_run=dry_run,
            )
        except HubError as error:
            raise _fail(error.detail) from None
        if done.destroyed:
            purge_old_copies(hub.database.engine)
    console = Console()  # made now, for the terminal's width as it is now
    destroyed = {(d.kind, d.id) for d in done.destroyed}
    table = Table("kind", "outcome", "closed", "due")
    table.add_column("what happens", no_wrap=True)
    table.add_column("id", no_wrap=True)
    for due in done.due:
        if due.held:
            happens = "kept: held"
        elif dry_run:
            happens = "would be destroyed"
        elif (due.kind, due.id) in destroyed:
            happens = "destroyed"
        else:
            happens = "already destroyed elsewhere"
        table.add_row(
            str(due.kind),
            due.outcome,
            due.closed_on.isoformat(),
            due.due_on.isoformat(),
            happens,
            str(due.id),
        )
    console.print(table)
    waiting = len(done.due) - len(done.held)
    if dry_run:
        console.print(f"{waiting} would be destroyed, {len(done.held)} held")
    else:
        console.print(f"{len(done.destroyed)} of {waiting} destroyed, {len(done.held)} held")
