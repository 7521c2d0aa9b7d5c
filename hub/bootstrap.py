"""Standing the hub up: keys, the audit log, the calendar, the firewall.

``create_app`` wires these into the web app; the command line, the demo and the
benchmarks use :func:`standing_hub` for the same parts without a web server.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import hub.models  # noqa: F401  (every table: the hub key's sealed columns are read from them)
from hub.audit import service as audit
from hub.audit.sequencer import AuditLog
from hub.db import Database, make_engine, utcnow
from hub.keys.service import Keyring
from hub.kit.crypto.providers import KekProvider, LocalFileKekProvider, Pkcs11KekProvider
from hub.kit.crypto.signing import CheckpointSigner
from hub.kit.working_time import RagClock, RagPolicy, WorkingHours
from hub.policy import decision_point
from hub.policy.firewall import Firewall
from hub.settings import Settings, get_settings

KEK_FILE = "kek.bin"
CHECKPOINT_KEY_FILE = "audit-checkpoint.pem"


def kek_provider_for(settings: Settings) -> KekProvider:
    if settings.kek_provider == "pkcs11":
        assert settings.pkcs11_library
        assert settings.pkcs11_token_label
        assert settings.pkcs11_user_pin is not None
        return Pkcs11KekProvider(
            settings.pkcs11_library,
            settings.pkcs11_token_label,
            settings.pkcs11_user_pin.get_secret_value(),
            settings.pkcs11_key_label,
        )
    return LocalFileKekProvider(settings.key_dir / KEK_FILE)


def audit_log_for(settings: Settings, database: Database) -> AuditLog:
    return AuditLog(
        database,
        CheckpointSigner.load(settings.key_dir / CHECKPOINT_KEY_FILE),
        checkpoint_every_entries=settings.audit_checkpoint_every_entries,
        checkpoint_every_seconds=settings.audit_checkpoint_every_seconds,
    )


def working_calendar(settings: Settings) -> WorkingHours:
    """Working hours with bank holidays for every year a deadline set now can fall in."""
    this_year = utcnow().year
    return WorkingHours.england_and_wales(
        range(this_year - 1, this_year + 3), extra_bank_holidays=settings.extra_bank_holidays
    )


def rag_policy_from(hours: tuple[float, float, float]) -> RagPolicy:
    """Red runs round the clock; amber and green count working hours."""
    red, amber, green = hours
    return RagPolicy(
        red=RagClock(timedelta(hours=red), runs_round_the_clock=True),
        amber=RagClock(timedelta(hours=amber), runs_round_the_clock=False),
        green=RagClock(timedelta(hours=green), runs_round_the_clock=False),
    )


def check_policy_for(settings: Settings) -> RagPolicy:
    """When agency checks are due."""
    return rag_policy_from(settings.check_due_hours)


def install_firewall(policy_dir: Path) -> Firewall:
    """Load the policy and make it this process's decision point; denials go to the log."""
    firewall = Firewall(policy_dir)
    decision_point.install(firewall, record_denial=audit.record)
    return firewall


@dataclass
class Hub:
    settings: Settings
    database: Database
    keyring: Keyring


@contextmanager
def standing_hub(settings: Settings | None = None) -> Iterator[Hub]:
    """The hub's parts outside a web request (commands, the demo), disposed of after."""
    settings = settings or get_settings()
    install_firewall(settings.policy_dir)
    database = Database(make_engine(settings.database_url))
    try:
        yield Hub(settings, database, Keyring(kek_provider_for(settings)))
    finally:
        database.engine.dispose()
