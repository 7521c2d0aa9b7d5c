"""The ``mash-hub`` command."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from hub.audit.sequencer import AuditLog
from hub.auth.principal import Role
from hub.commands.agencies import keys_app, records_app
from hub.commands.retention import retention_app
from hub.commands.triage import triage_app
from hub.settings import DEV_KEYS_MARKER, Settings, StartupRefused, get_settings

if TYPE_CHECKING:
    from hub.policy.firewall import Firewall

app = typer.Typer(
    name="mash-hub",
    help="MASH Hub: the Multi-Agency Safeguarding Hub service.",
    no_args_is_help=True,
    add_completion=False,
)
token_app = typer.Typer(help="Development tokens (dev mode only).", no_args_is_help=True)
policy_app = typer.Typer(help="The Casbin firewall.", no_args_is_help=True)
audit_app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)
db_app = typer.Typer(help="Database roles and migrations.", no_args_is_help=True)
app.add_typer(token_app, name="token")
app.add_typer(policy_app, name="policy")
app.add_typer(audit_app, name="audit")
app.add_typer(db_app, name="db")
app.add_typer(keys_app, name="keys")
app.add_typer(records_app, name="records")
app.add_typer(triage_app, name="triage")
app.add_typer(retention_app, name="retention")

console = Console()
errors = Console(stderr=True)


def _fail(message: str, code: int = 1) -> typer.Exit:
    errors.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code)


def ensure_keys(settings: Settings) -> list[str]:
    """Create whatever local keys are missing; return the names of those created."""
    from hub.auth.tokens import SIGNING_KEY_FILE, ensure_signing_key
    from hub.bootstrap import CHECKPOINT_KEY_FILE, KEK_FILE
    from hub.kit.crypto.providers import LocalFileKekProvider
    from hub.kit.crypto.signing import CheckpointSigner

    created: list[str] = []
    key_dir = settings.key_dir
    key_dir.mkdir(parents=True, exist_ok=True)
    if settings.kek_provider == "file" and not (key_dir / KEK_FILE).exists():
        LocalFileKekProvider.create(key_dir / KEK_FILE)
        created.append(KEK_FILE)
    if not (key_dir / SIGNING_KEY_FILE).exists():
        ensure_signing_key(key_dir)
        created.append(SIGNING_KEY_FILE)
    if not (key_dir / CHECKPOINT_KEY_FILE).exists():
        CheckpointSigner.generate().save(key_dir / CHECKPOINT_KEY_FILE)
        created.append(CHECKPOINT_KEY_FILE)
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
    upgrade(settings.migration_database_url or settings.database_url)
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
    # The client address is the peer's; X-Forwarded-For is read only from the proxies
    # named in HUB_TRUSTED_PROXIES (hub.kit.ratelimit.client_address), never by uvicorn.
    uvicorn.run(
        application, host=host, port=port, access_log=False, log_config=None, proxy_headers=False
    )


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


def _load_firewall(policy_dir: Path | None) -> Firewall:
    from hub.kit.logging import configure_logging
    from hub.policy.firewall import Firewall, PolicyError

    # Log lines go to stderr, so what these commands print is only what they mean to.
    configure_logging()
    try:
        return Firewall(policy_dir or get_settings().policy_dir)
    except PolicyError as error:
        raise _fail(str(error)) from None


@policy_app.command("check")
def policy_check(
    policy_dir: Annotated[
        Path | None, typer.Option(help="Folder with model.conf and policy.csv.")
    ] = None,
) -> None:
    """Load the policy, refuse it if unsafe, and print the firewall matrix."""
    from hub.policy.matrix import matrix_rows

    firewall = _load_firewall(policy_dir)
    for kind, actions, roles, cells in matrix_rows(firewall):
        table = Table(title=kind, title_justify="left", show_lines=False)
        table.add_column("action")
        for role in roles:
            table.add_column(role)
        for action, row in zip(actions, cells, strict=True):
            table.add_row(action, *row)
        console.print(table)
    console.print(f"policy {firewall.digest[:16]}: {firewall.rule_count} rules, default deny")


@policy_app.command("matrix")
def policy_matrix(
    policy_dir: Annotated[
        Path | None, typer.Option(help="Folder with model.conf and policy.csv.")
    ] = None,
    write: Annotated[
        bool, typer.Option("--write", help="Rewrite the matrix in FIREWALL.md beside the policy.")
    ] = False,
) -> None:
    """Print the firewall matrix in Markdown, or write it into FIREWALL.md (--write)."""
    from hub.policy.matrix import MATRIX_HEADING, PAGE_FILE, as_markdown, page_with_matrix

    firewall = _load_firewall(policy_dir)
    if not write:
        sys.stdout.write(as_markdown(firewall))
        return
    page = (policy_dir or get_settings().policy_dir) / PAGE_FILE
    try:
        page.write_text(
            page_with_matrix(page.read_text(encoding="utf-8"), firewall), encoding="utf-8"
        )
    except (OSError, ValueError) as error:
        raise _fail(f"{page}: {error}") from None
    console.print(f"{page}: {MATRIX_HEADING!r} rewritten from policy {firewall.digest[:16]}")


@app.command()
def demo(
    contacts: Annotated[int, typer.Option(help="How many contacts to seed.", min=1)] = 200,
    if_empty: Annotated[bool, typer.Option("--if-empty", help="Seed only an empty hub.")] = False,
    seed: Annotated[int, typer.Option(help="Random seed, for repeatable data.")] = 7,
) -> None:
    """Seed realistic synthetic data (never real people)."""
    from hub.demo import seed_demo
    from hub.kit.logging import configure_logging

    settings = get_settings()
    if not settings.dev_mode:
        raise _fail("demo data is only seeded in dev mode (HUB_DEV_MODE=true)")
    configure_logging(level="WARNING", json=settings.log_json)
    seeded = seed_demo(settings, contacts=contacts, if_empty=if_empty, seed=seed, console=console)
    console.print(f"demo: {seeded} contacts seeded" if seeded else "demo: hub already has data")


def _audit_log(settings: Settings) -> AuditLog:
    from hub.bootstrap import audit_log_for
    from hub.db import Database, make_engine

    return audit_log_for(settings, Database(make_engine(settings.database_url)))


@audit_app.command("verify")
def audit_verify(
    export: Annotated[
        Path | None,
        typer.Option(help="Verify an export folder instead: needs no database and no private key."),
    ] = None,
    workers: Annotated[
        int, typer.Option(help="Processes to verify a large log with.", min=1, max=32)
    ] = 2,
) -> None:
    """Recompute the tree, check every signed checkpoint; exit 1 naming the first bad entry."""
    from hub.audit.evidence import (
        ExportError,
        clear_text_in_export,
        database_checkpoints,
        database_leaves,
        load_export,
    )
    from hub.audit.fastverify import PARALLEL_VERIFY_FROM, verify_database_in_parallel
    from hub.audit.repository import count_clear_text_entries, count_unsequenced, tree_size
    from hub.audit.verify import verify_log
    from hub.db import transaction

    if export is not None:
        try:
            leaves, checkpoints, public_key = load_export(export)
            report = verify_log(leaves, checkpoints, public_key)
            clear_text = clear_text_in_export(export)
        except ExportError as error:
            raise _fail(str(error), code=2) from None
        pending = 0
    else:
        settings = get_settings()
        audit_log = _audit_log(settings)
        public_key = audit_log.signer.public_key_pem()
        with transaction(audit_log.database) as session:
            checkpoints = database_checkpoints(session)
            size = tree_size(session)
            pending = count_unsequenced(session)
            clear_text = count_clear_text_entries(session)
        parallel = None
        if workers > 1 and size >= PARALLEL_VERIFY_FROM:
            parallel = verify_database_in_parallel(
                settings.database_url, size, checkpoints, public_key, workers=workers
            )
        if parallel is not None:
            report = parallel
        else:
            # Small logs, or something to name exactly: one process, leaf by leaf.
            with transaction(audit_log.database) as session:
                report = verify_log(database_leaves(session), checkpoints, public_key)
    if not report.intact:
        raise _fail(report.summary())
    console.print(report.summary())
    console.print(_clear_text_line(clear_text))
    if pending:
        console.print(f"{pending} newer entries are not yet in the tree (the sequencer adds them)")


def _clear_text_line(count: int | None) -> str:
    if count is None:
        return "entries with a reason or purpose in clear: not known (an export made before 0013)"
    if count == 0:
        return "no entry holds a reason or purpose in clear"
    return (
        f"{count} entries written before free text was sealed hold a reason or purpose in "
        "clear (they may name people); the log is append-only, so they stay as written"
    )


@audit_app.command("export")
def audit_export(
    out: Annotated[Path, typer.Option(help="Folder to write the export into.")],
) -> None:
    """Write entries (JSON Lines), signed checkpoints and the public key to a folder."""
    from rich.progress import Progress

    from hub.audit.evidence import export_log
    from hub.audit.repository import tree_size
    from hub.db import transaction

    settings = get_settings()
    audit_log = _audit_log(settings)
    audit_log.sequence(force_checkpoint=True, full_sweep=True)
    with (
        transaction(audit_log.database) as session,
        Progress(console=console, transient=True) as bar,
    ):
        task = bar.add_task("exporting entries", total=tree_size(session))
        summary = export_log(
            session,
            out,
            audit_log.signer.public_key_pem(),
            progress=lambda n: bar.advance(task, n),
        )
    console.print(
        f"exported {summary.entries} entries and {summary.checkpoints} checkpoints to {out}; "
        f"verify with: mash-hub audit verify --export {out}"
    )


@audit_app.command("proof")
def audit_proof(
    entry: Annotated[int, typer.Option(help="The entry id (as shown by the IG search).")],
) -> None:
    """Print an inclusion proof for one entry against the current tree, as JSON."""
    import json

    from hub.audit.merkle import verify_inclusion
    from hub.audit.repository import leaf_of_entry
    from hub.db import transaction

    settings = get_settings()
    audit_log = _audit_log(settings)
    audit_log.sequence()
    with transaction(audit_log.database) as session:
        leaf = leaf_of_entry(session, entry)
        if leaf is None:
            raise _fail(f"entry {entry} is not in the tree")
        tree = audit_log.tree(session)
        proof = tree.inclusion_proof(leaf.leaf_index)
        root = tree.root()
    print(
        json.dumps(
            {
                "entry_id": entry,
                "leaf_index": leaf.leaf_index,
                "leaf_hash": leaf.leaf_hash,
                "tree_size": tree.size,
                "root_hash": root.hex(),
                "proof": [p.hex() for p in proof],
                "verified": verify_inclusion(
                    bytes.fromhex(leaf.leaf_hash), leaf.leaf_index, tree.size, proof, root
                ),
            },
            indent=2,
        )
    )


@audit_app.command("checkpoint")
def audit_checkpoint() -> None:
    """Sequence pending entries and sign a checkpoint now."""
    result = _audit_log(get_settings()).sequence(force_checkpoint=True, full_sweep=True)
    if result.checkpoint is None:
        console.print(f"tree size {result.tree_size}: already checkpointed")
    else:
        console.print(
            f"signed checkpoint at size {result.checkpoint.tree_size}, "
            f"root {result.checkpoint.root_hash}"
        )


@audit_app.command("public-key")
def audit_public_key() -> None:
    """Print the checkpoint-signing public key (PEM) for verifiers."""
    from hub.bootstrap import CHECKPOINT_KEY_FILE
    from hub.kit.crypto.signing import CheckpointSigner

    signer = CheckpointSigner.load(get_settings().key_dir / CHECKPOINT_KEY_FILE)
    print(signer.public_key_pem().decode(), end="")


@db_app.command("grant")
def db_grant(
    app_role: Annotated[str, typer.Argument(help="The PostgreSQL role the hub connects as.")],
) -> None:
    """Give the app role what it needs and no more (run as the owner, after migrating)."""
    from sqlalchemy import create_engine

    from hub.db_roles import grant_app_role

    settings = get_settings()
    if settings.is_sqlite:
        raise _fail("roles apply to PostgreSQL; SQLite's walls are its triggers")
    engine = create_engine(settings.migration_database_url or settings.database_url)
    with engine.begin() as connection:
        grant_app_role(connection, app_role)
    console.print(f"granted {app_role}: INSERT and SELECT only on the audit tables")


def main() -> None:
    try:
        app()
    except StartupRefused as refused:
        errors.print(f"[bold red]error:[/] {refused}")
        sys.exit(1)
