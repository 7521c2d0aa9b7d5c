"""The ``mash-hub`` command."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from hub.auth.principal import Role
from hub.settings import DEV_KEYS_MARKER, Settings, StartupRefused, get_settings

app = typer.Typer(
    name="mash-hub",
    help="MASH Hub: the Multi-Agency Safeguarding Hub service.",
    no_args_is_help=True,
    add_completion=False,
)
token_app = typer.Typer(help="Development tokens (dev mode only).", no_args_is_help=True)
policy_app = typer.Typer(help="The Casbin firewall.", no_args_is_help=True)
app.add_typer(token_app, name="token")
app.add_typer(policy_app, name="policy")

console = Console()
errors = Console(stderr=True)


def _fail(message: str, code: int = 1) -> typer.Exit:
    errors.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code)


def ensure_keys(settings: Settings) -> list[str]:
    """Create whatever local keys are missing; return the names of those created."""
    from hub.app import KEK_FILE
    from hub.auth.tokens import SIGNING_KEY_FILE, ensure_signing_key
    from hub.kit.crypto.providers import LocalFileKekProvider

    created: list[str] = []
    key_dir = settings.key_dir
    key_dir.mkdir(parents=True, exist_ok=True)
    if settings.kek_provider == "file" and not (key_dir / KEK_FILE).exists():
        LocalFileKekProvider.create(key_dir / KEK_FILE)
        created.append(KEK_FILE)
    if not (key_dir / SIGNING_KEY_FILE).exists():
        ensure_signing_key(key_dir)
        created.append(SIGNING_KEY_FILE)
    if created and settings.dev_mode:
        (key_dir / DEV_KEYS_MARKER).write_text(
            "Keys in this directory were generated in dev mode. The hub refuses to start\n"
            "with them outside dev mode.\n"
        )
    return created


@app.command()
def init() -> None:
    """Create local keys (if absent) and migrate the database. Safe to run again."""
    from hub.migrations import upgrade

    settings = get_settings()
    created = ensure_keys(settings)
    console.print(
        f"keys: {', '.join(created) if created else 'already present'} in {settings.key_dir}"
    )
    upgrade(settings.database_url)
    console.print("database: migrated to the latest revision")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", envvar="HUB_PORT")] = 8000,
) -> None:
    """Serve the hub over HTTP."""
    import uvicorn

    from hub.app import create_app

    try:
        application = create_app(get_settings())
    except StartupRefused as refused:
        raise _fail(str(refused)) from None
    console.print(f"MASH Hub on http://{host}:{port}  (API docs at /docs)")
    uvicorn.run(application, host=host, port=port, access_log=False, log_config=None)


@token_app.command("issue")
def token_issue(
    sub: Annotated[str, typer.Option(help="The user's id (no names: an id).")],
    role: Annotated[Role, typer.Option(help="The user's role.")],
    agency: Annotated[str | None, typer.Option(help="Agency, for agency_rep.")] = None,
    team: Annotated[str | None, typer.Option(help="Team, for operational.")] = None,
    ttl: Annotated[int, typer.Option(help="Lifetime in seconds.", min=60)] = 3600,
) -> None:
    """Print a signed development token. Refused outside dev mode."""
    from hub.auth.tokens import issue_token

    settings = get_settings()
    if not settings.dev_mode:
        raise _fail(
            "tokens are issued here only in dev mode (HUB_DEV_MODE=true); "
            "outside it, your identity provider issues them"
        )
    if ttl > settings.token_max_ttl_seconds:
        raise _fail(f"--ttl is longer than the allowed {settings.token_max_ttl_seconds} seconds")
    if role is Role.agency_rep and agency not in settings.agencies:
        raise _fail(f"--agency must be one of: {', '.join(settings.agencies)}")
    if role is Role.operational and team not in settings.teams:
        raise _fail(f"--team must be one of: {', '.join(settings.teams)}")
    if role is not Role.agency_rep and agency:
        raise _fail("--agency goes only with --role agency_rep")
    if role is not Role.operational and team:
        raise _fail("--team goes only with --role operational")
    ensure_keys(settings)
    print(
        issue_token(
            settings.key_dir,
            issuer=settings.token_issuer,
            audience=settings.token_audience,
            sub=sub,
            role=role,
            agency=agency,
            team=team,
            ttl_seconds=ttl,
        )
    )


@policy_app.command("check")
def policy_check(
    policy_dir: Annotated[
        Path | None, typer.Option(help="Folder with model.conf and policy.csv.")
    ] = None,
) -> None:
    """Load the policy, refuse it if unsafe, and print the firewall matrix."""
    from hub.policy.firewall import Firewall, PolicyError
    from hub.policy.matrix import matrix_rows

    try:
        firewall = Firewall(policy_dir or get_settings().policy_dir)
    except PolicyError as error:
        raise _fail(str(error)) from None
    for kind, actions, roles, cells in matrix_rows(firewall):
        table = Table(title=kind, title_justify="left", show_lines=False)
        table.add_column("action")
        for role in roles:
            table.add_column(role)
        for action, row in zip(actions, cells, strict=True):
            table.add_row(action, *row)
        console.print(table)
    console.print(f"policy {firewall.digest[:16]}: {firewall.rule_count} rules, default deny")


@app.command()
def demo(
    contacts: Annotated[int, typer.Option(help="How many contacts to seed.", min=1)] = 300,
    if_empty: Annotated[bool, typer.Option("--if-empty", help="Seed only an empty hub.")] = False,
    seed: Annotated[int, typer.Option(help="Random seed, for repeatable data.")] = 7,
) -> None:
    """Seed realistic synthetic data (never real people)."""
    from hub.demo import seed_demo

    settings = get_settings()
    if not settings.dev_mode:
        raise _fail("demo data is only seeded in dev mode (HUB_DEV_MODE=true)")
    seeded = seed_demo(settings, contacts=contacts, if_empty=if_empty, seed=seed, console=console)
    console.print(f"demo: {seeded} contacts seeded" if seeded else "demo: hub already has data")


def main() -> None:
    try:
        app()
    except StartupRefused as refused:
        errors.print(f"[bold red]error:[/] {refused}")
        sys.exit(1)
