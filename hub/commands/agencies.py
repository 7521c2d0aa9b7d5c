"""``mash-hub keys ...`` and ``mash-hub records ...``: key administration and bulk import.

Each command acts as a named person (``--actor``, by default the operating-system user)
in the role the action needs, asks the firewall like any request, and is audited.
"""

from __future__ import annotations

import getpass
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from hub.auth.principal import Principal, Role
from hub.bootstrap import Hub, standing_hub
from hub.db import transaction
from hub.kit.errors import HubError
from hub.settings import Settings

if TYPE_CHECKING:
    from hub.agencies.preparing import WorkerPool
    from hub.agencies.schemas import ImportOut

keys_app = typer.Typer(help="Data keys: rotate, rewrap, shred, status.", no_args_is_help=True)
records_app = typer.Typer(help="Agency records: bulk import.", no_args_is_help=True)

console = Console()
errors = Console(stderr=True)


@records_app.callback()
def records() -> None:
    """Agency records: bulk import."""


Actor = Annotated[
    str | None,
    typer.Option(help="Who is running this, for the audit log (default: cli:<os user>)."),
]


def _fail(message: str, code: int = 1) -> typer.Exit:
    errors.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code)


def _actor(actor: str | None) -> str:
    return actor or f"cli:{getpass.getuser()}"


def _sysadmin(actor: str | None) -> Principal:
    return Principal(sub=_actor(actor), role=Role.sysadmin)


def _check_agency(settings: Settings, agency: str) -> None:
    if agency not in settings.agencies:
        raise _fail(f"--agency must be one of: {', '.join(settings.agencies)}")


def _key_id(settings: Settings, agency: str | None, hub_store: bool) -> str:
    from hub.agencies.keys import store_key_id

    if (agency is None) == (not hub_store):
        raise _fail("give exactly one of --agency A or --hub")
    if agency is not None:
        _check_agency(settings, agency)
    return store_key_id(agency)


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )


AgencyOption = Annotated[str | None, typer.Option(help="The agency whose store key to use.")]
HubOption = Annotated[bool, typer.Option("--hub", help="The hub's own store key.")]


@keys_app.command("rotate")
def keys_rotate(
    agency: AgencyOption = None, hub_store: HubOption = False, actor: Actor = None
) -> None:
    """Make a new primary key version; older versions keep opening their data."""
    from hub.agencies import keys

    with standing_hub() as hub:
        key_id = _key_id(hub.settings, agency, hub_store)
        try:
            with transaction(hub.database) as session:
                version = keys.rotate(session, _sysadmin(actor), key_id, keyring=hub.keyring)
        except HubError as error:
            raise _fail(error.detail) from None
    console.print(f"{key_id}: version {version} is primary; run `mash-hub keys rewrap` next")


@keys_app.command("rewrap")
def keys_rewrap(
    agency: AgencyOption = None,
    hub_store: HubOption = False,
    batch: Annotated[int, typer.Option(help="Values per transaction.", min=1, max=10000)] = 500,
    retire: Annotated[
        bool, typer.Option(help="Retire older versions once nothing uses them.")
    ] = True,
    actor: Actor = None,
) -> None:
    """Re-seal what older key versions sealed, in small transactions beside live traffic."""
    from hub.agencies import keys

    principal = _sysadmin(actor)
    with standing_hub() as hub:
        key_id = _key_id(hub.settings, agency, hub_store)
        try:
            with transaction(hub.database) as session:
                waiting = keys.waiting_for_rewrap(session, principal, key_id, keyring=hub.keyring)
            cursor = keys.RewrapCursor()
            total = 0
            with _progress() as progress:
                task = progress.add_task(f"rewrapping {key_id}", total=waiting)
                while not cursor.done:
                    with transaction(hub.database) as session:
                        done = keys.rewrap_batch(
                            session, principal, key_id, cursor, keyring=hub.keyring, batch=batch
                        )
                    total += done
                    progress.advance(task, done)
            retired: list[int] = []
            if retire:
                with transaction(hub.database) as session:
                    retired = keys.retire_unused(session, principal, key_id, keyring=hub.keyring)
        except HubError as error:
            raise _fail(error.detail) from None
    console.print(f"{key_id}: rewrapped {total} sealed values")
    if retired:
        console.print(f"{key_id}: retired version(s) {', '.join(str(v) for v in retired)}")


@keys_app.command("shred")
def keys_shred(
    record: Annotated[
        uuid.UUID | None, typer.Option(help="Destroy the key and data of this record.")
    ] = None,
    agency: Annotated[
        str | None, typer.Option(help="Destroy every key and record of this agency's store.")
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", help="Confirm: this cannot be undone.")] = False,
    actor: Actor = None,
) -> None:
    """Destroy a record's or an agency's keys: the data is gone for good, the audit stays."""
    from hub.agencies import keys

    if (record is None) == (agency is None):
        raise _fail("give exactly one of --record ID or --agency A")
    if not yes:
        raise _fail("shredding cannot be undone; add --yes to confirm")
    principal = _sysadmin(actor)
    with standing_hub() as hub:
        try:
            with transaction(hub.database) as session:
                if record is not None:
                    owner = keys.shred_record(session, principal, record, keyring=hub.keyring)
                    message = f"record {record} of {owner}: key and data destroyed"
                else:
                    assert agency is not None
                    _check_agency(hub.settings, agency)
                    count = keys.shred_agency(session, principal, agency, keyring=hub.keyring)
                    message = f"agency {agency}: every key version and {count} record(s) destroyed"
        except HubError as error:
            raise _fail(error.detail) from None
        keys.purge_old_copies(hub.database.engine)
    console.print(message)


@keys_app.command("status")
def keys_status(actor: Actor = None) -> None:
    """Each store key's versions, state and use of its seal ceiling; record and case keys
    counted by kind, never listed (a hub holds one for every record and every case)."""
    from hub.system import service as system

    with standing_hub() as hub:
        try:
            with transaction(hub.database) as session:
                status = system.key_status(
                    session,
                    _sysadmin(actor),
                    ceiling=hub.keyring.max_seals,
                    agencies=hub.settings.agencies,
                )
        except HubError as error:
            raise _fail(error.detail) from None
    stores = [*status.hub_keys, *status.agency_keys]
    table = Table(title="store keys", title_justify="left")
    table.add_column("key", no_wrap=True, min_width=max((len(k.key_id) for k in stores), default=3))
    for column in ("version", "state", "seals", "of ceiling", "created"):
        table.add_column(column)
    for key in stores:
        if not key.versions:
            table.add_row(key.key_id, "-", "no key yet", "-", "-", "-")
        for version in key.versions:
            table.add_row(
                key.key_id,
                str(version.version),
                version.state,
                str(version.seal_count),
                f"{version.seal_count / status.ceiling:.4%}",
                version.created_at.strftime("%Y-%m-%d %H:%M"),
            )
    console.print(table)
    counted = Table(title="keys counted, not listed", title_justify="left")
    for column in ("kind", "live", "destroyed"):
        counted.add_column(column)
    for records in status.record_keys:
        counted.add_row(f"record: ({records.agency})", str(records.live), str(records.destroyed))
    for group in status.other_keys:
        counted.add_row(f"{group.prefix}:", str(group.live), str(group.destroyed))
    console.print(counted)


@records_app.command("import")
def records_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    agency: Annotated[str, typer.Option(help="The agency whose store receives the records.")],
    skip_invalid: Annotated[
        bool, typer.Option("--skip-invalid", help="Import the valid rows; skip the bad ones.")
    ] = False,
    batch: Annotated[int, typer.Option(help="Rows per transaction.", min=1, max=20000)] = 2000,
    actor: Actor = None,
) -> None:
    """Import an agency's CSV: every row is checked first; re-running changes nothing."""
    from hub.agencies import importer

    principal = Principal(sub=_actor(actor), role=Role.agency_rep, agency=agency)
    with standing_hub() as hub:
        _check_agency(hub.settings, agency)
        try:
            importer.check_access(hub.database, principal, agency)
        except HubError as error:
            raise _fail(error.detail) from None
        with importer.workers_for(file) as pool:
            out = _import_checked(hub, principal, agency, file, skip_invalid, batch, pool)
    console.print(
        f"{agency}: {out.rows} rows: {out.created} created, {out.updated} updated, "
        f"{out.unchanged} unchanged, {out.skipped_invalid} skipped as invalid"
    )


def _import_checked(
    hub: Hub,
    principal: Principal,
    agency: str,
    file: Path,
    skip_invalid: bool,
    batch: int,
    pool: WorkerPool | None,
) -> ImportOut:
    from hub.agencies import importer
    from hub.agencies.service import ImportRefused

    try:
        with console.status("checking every row"):
            plan = importer.plan_import(file, pool=pool)
    except HubError as error:
        raise _fail(error.detail) from None
    for problem in plan.problems[:50]:
        errors.print(f"  {problem}", highlight=False)
    if len(plan.problems) > 50:
        errors.print(f"  ... and {len(plan.problems) - 50} more problems", highlight=False)
    if plan.problems and not skip_invalid:
        raise _fail(
            f"{len(plan.report.bad_lines)} of {plan.report.rows} rows are invalid; nothing was "
            "imported (fix them, or add --skip-invalid)"
        )
    try:
        with _progress() as progress:
            task = progress.add_task(f"importing into {agency}", total=plan.report.valid)
            return importer.import_file(
                hub.database,
                hub.keyring,
                principal,
                agency,
                file,
                plan,
                skip_invalid=skip_invalid,
                batch_size=batch,
                on_batch=lambda n: progress.advance(task, n),
                pool=pool,
            )
    except ImportRefused as refused:
        raise _fail(refused.detail) from None
    except HubError as error:
        raise _fail(error.detail) from None
