"""One settings object for the whole hub, read from ``HUB_*`` environment variables.

Outside dev mode the hub refuses to start with development keys or default secrets,
and says which setting is wrong.
"""

from __future__ import annotations

import ipaddress
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from hub.kit.lawful_bases import LAWFUL_BASIS_TEXT

DEFAULT_AGENCIES = ("police", "health", "education", "housing", "probation")
DEFAULT_TEAMS = ("early_help", "duty_a", "duty_b", "duty_c", "duty_d", "ooh", "police_operational")
DEV_ISSUER = "mash-hub-dev"
DEFAULT_AUDIENCE = "mash-hub"
DEFAULT_DATABASE_URL = "sqlite:///var/hub.db"
DEV_KEYS_MARKER = "DEV-KEYS"


class StartupRefused(RuntimeError):
    """The hub will not start with these settings; the message says why."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HUB_", extra="ignore")

    dev_mode: bool = False
    database_url: str = DEFAULT_DATABASE_URL
    # PostgreSQL: migrations run as the schema owner; the app connects as a role that may
    # only INSERT and SELECT on the audit tables (see README, "Database roles").
    migration_database_url: str | None = None
    key_dir: Path = Path("keys")
    policy_dir: Path = Path(__file__).resolve().parent.parent / "policies"

    token_issuer: str = DEV_ISSUER
    token_audience: str = DEFAULT_AUDIENCE
    # An external identity provider: its issuer and its public keys (a JWKS file path or URL).
    idp_issuer: str | None = None
    idp_jwks: str | None = None
    token_leeway_seconds: int = Field(default=30, ge=0, le=300)
    token_max_bytes: int = Field(default=8192, ge=512, le=65536)
    token_max_ttl_seconds: int = Field(default=12 * 3600, ge=60)

    # Where the key-encryption key lives: a local file under key_dir, or an HSM via PKCS#11.
    kek_provider: Literal["file", "pkcs11"] = "file"
    pkcs11_library: str | None = None
    pkcs11_token_label: str | None = None
    pkcs11_user_pin: SecretStr | None = None
    pkcs11_key_label: str = "mash-hub-kek"

    # Comma-separated in the environment: HUB_AGENCIES=police,health,youth_justice
    agencies: Annotated[tuple[str, ...], NoDecode] = DEFAULT_AGENCIES
    teams: Annotated[tuple[str, ...], NoDecode] = DEFAULT_TEAMS

    # The audit log: how often the sequencer runs and when it signs a checkpoint.
    audit_sequence_interval_seconds: float = Field(default=0.5, gt=0, le=60)
    # Off where entries are sequenced by another process or by hand (the tests do).
    audit_background_sequencer: bool = True
    audit_checkpoint_every_entries: int = Field(default=1000, ge=1)
    audit_checkpoint_every_seconds: float = Field(default=60.0, gt=0)

    # The Duty & Assessment rota: four teams, one week in four, from this Monday.
    rota_start: date = date(2026, 1, 5)
    # One-off bank holidays beyond the England and Wales rules (comma-separated ISO dates).
    extra_bank_holidays: Annotated[tuple[date, ...], NoDecode] = ()

    # Screening deadlines from receipt, in hours: red (round the clock), amber and green
    # (working hours). HUB_SCREENING_HOURS=4,24,72
    screening_hours: Annotated[tuple[float, float, float], NoDecode] = (4.0, 24.0, 72.0)
    # Agency checks are due this many hours after they are asked: red (round the clock),
    # amber and green (working hours). HUB_CHECK_DUE_HOURS=2,6,24
    check_due_hours: Annotated[tuple[float, float, float], NoDecode] = (2.0, 6.0, 24.0)
    # A product sent to a team and not acknowledged (accepted or declined) within this many
    # hours, round the clock, is flagged on the hub's enquiries list. HUB_ACKNOWLEDGE_HOURS=4
    acknowledge_hours: float = Field(default=4.0, gt=0, le=24 * 14)
    # The retention schedule: how long after a case closes its content is kept before its
    # key is destroyed, by outcome, in years (a case on legal hold is never destroyed).
    # These are defaults for a council's records manager to set from its own schedule.
    # A contact that ended in no further action or signposting, at screening or after an
    # enquiry. HUB_RETENTION_NFA_YEARS=2
    retention_nfa_years: int = Field(default=2, ge=1, le=100)
    # A contact that went to early help. HUB_RETENTION_EARLY_HELP_YEARS=6
    retention_early_help_years: int = Field(default=6, ge=1, le=100)
    # A case whose product went on for a child in need (s17) or child protection (s47)
    # assessment. HUB_RETENTION_STATUTORY_YEARS=25
    retention_statutory_years: int = Field(default=25, ge=1, le=100)
    # A police domestic abuse notification, from its triage outcome (else its receipt).
    # HUB_RETENTION_DA_NOTIFICATION_YEARS=6
    retention_da_notification_years: int = Field(default=6, ge=1, le=100)
    # A missing episode, from the child's return (a child still missing is kept).
    # HUB_RETENTION_MISSING_EPISODE_YEARS=6
    retention_missing_episode_years: int = Field(default=6, ge=1, le=100)
    # Run the schedule in the service every this many seconds; 0 leaves it to
    # `mash-hub retention run` (cron). HUB_RETENTION_INTERVAL_SECONDS=0
    retention_interval_seconds: float = Field(default=0.0, ge=0)
    # Lawful bases beyond the built-in four, as code=description pairs separated by ";".
    # HUB_EXTRA_LAWFUL_BASES="children_act_1989_s47=Children Act 1989 s47: enquiries"
    extra_lawful_bases: Annotated[tuple[str, ...], NoDecode] = ()

    # Signing in through the identity provider (OIDC authorization code + PKCE), discovered
    # from HUB_IDP_ISSUER. Which claim holds roles or groups, and which value means which hub
    # role: "value=role" or "value=role:agency_or_team", separated by ";".
    # HUB_IDP_ROLE_MAP="MASH.SocialWorker=mash_social_worker;Police.MASH=agency_rep:police"
    idp_client_id: str | None = None
    idp_client_secret: SecretStr | None = None
    idp_roles_claim: str = "roles"
    idp_role_map: Annotated[tuple[str, ...], NoDecode] = ()
    idp_scopes: str = "openid profile email"

    # The web pages: who runs them, and the numbers the public form shows.
    council_name: str = "Example Council"
    daytime_phone: str = "01632 960 000"
    out_of_hours_phone: str = "01632 960 001"
    # Signed-in sessions in the browser (minutes idle, hours in all).
    session_idle_minutes: int = Field(default=30, ge=1, le=24 * 60)
    session_absolute_hours: float = Field(default=10.0, gt=0, le=24)
    # GOV.UK Frontend's assets and the built stylesheet (installed by `make` with npm).
    web_assets_dir: Path = Path(__file__).resolve().parent.parent / "node_modules"

    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    public_contacts_per_minute: int = Field(default=10, ge=1)
    # Proxies (addresses or networks, comma-separated) whose X-Forwarded-For is believed
    # when counting the public form's rate limit; nobody else's is.
    trusted_proxies: Annotated[tuple[str, ...], NoDecode] = ()
    log_level: str = "INFO"
    log_json: bool = True

    @field_validator("agencies", "teams", "trusted_proxies", mode="before")
    @classmethod
    def _split_csv(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for proxy in value:
            ipaddress.ip_network(proxy, strict=False)  # raises ValueError: a clear refusal
        return value

    @field_validator("extra_bank_holidays", mode="before")
    @classmethod
    def _split_dates(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(
                date.fromisoformat(part.strip()) for part in value.split(",") if part.strip()
            )
        return value

    @field_validator("check_due_hours", "screening_hours", mode="before")
    @classmethod
    def _split_hours(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(float(part) for part in value.split(",") if part.strip())
        return value

    @field_validator("check_due_hours", "screening_hours")
    @classmethod
    def _hours_positive(cls, value: tuple[float, float, float]) -> tuple[float, float, float]:
        if any(hours <= 0 for hours in value):
            raise ValueError("check due hours and screening hours are positive: red,amber,green")
        return value

    @field_validator("idp_role_map", mode="before")
    @classmethod
    def _split_role_map(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(";") if part.strip())
        return value

    @field_validator("extra_lawful_bases", mode="before")
    @classmethod
    def _split_bases(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(";") if part.strip())
        return value

    @field_validator("extra_lawful_bases")
    @classmethod
    def _bases_are_code_and_text(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for entry in value:
            code, _, text = entry.partition("=")
            if not code.strip() or not text.strip() or not code.strip().replace("_", "").isalnum():
                raise ValueError("each lawful basis is code=description, the code a plain word")
        return value

    def lawful_bases(self) -> dict[str, str]:
        """Every lawful basis an agency may disclose under: code -> what it says."""
        bases = {str(code): text for code, text in LAWFUL_BASIS_TEXT.items()}
        for entry in self.extra_lawful_bases:
            code, _, text = entry.partition("=")
            bases[code.strip()] = text.strip()
        return bases

    @field_validator("rota_start")
    @classmethod
    def _rota_starts_on_monday(cls, value: date) -> date:
        if value.weekday() != 0:
            raise ValueError("the rota starts on a Monday")
        return value

    @field_validator("agencies", "teams")
    @classmethod
    def _codes_are_plain(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        # Codes feed the firewall's exact-match rules: keep them to one unambiguous alphabet.
        for code in value:
            if not code.replace("_", "").isalnum() or not code.islower() or not code.isascii():
                raise ValueError("codes are lower-case ASCII letters, digits and underscores")
        if len(set(value)) != len(value):
            raise ValueError("codes must be unique")
        return value

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def check_startup(self) -> None:
        """Refuse to serve outside dev mode with development keys or default secrets."""
        if self.dev_mode:
            return
        problems: list[str] = []
        if (self.key_dir / DEV_KEYS_MARKER).exists():
            problems.append(
                f"the key directory {self.key_dir} holds development keys "
                "(generated in dev mode); generate production keys or set HUB_DEV_MODE=true"
            )
        if self.token_issuer == DEV_ISSUER and not self.idp_jwks:
            problems.append(
                "tokens would come only from the development issuer; "
                "set HUB_IDP_ISSUER and HUB_IDP_JWKS for your identity provider"
            )
        if self.idp_client_id and not (self.idp_issuer and self.idp_role_map):
            problems.append(
                "signing in through the identity provider needs HUB_IDP_ISSUER and HUB_IDP_ROLE_MAP"
            )
        if self.idp_issuer and not self.idp_issuer.startswith("https://"):
            problems.append("HUB_IDP_ISSUER must be an https URL")
        if self.idp_jwks and not self.idp_issuer:
            problems.append("HUB_IDP_JWKS is set without HUB_IDP_ISSUER")
        if self.database_url == DEFAULT_DATABASE_URL:
            problems.append(
                "the database is the default local SQLite file; set HUB_DATABASE_URL "
                "(postgresql+psycopg://...) for a real deployment"
            )
        if self.kek_provider == "pkcs11" and not (
            self.pkcs11_library and self.pkcs11_token_label and self.pkcs11_user_pin
        ):
            problems.append(
                "HUB_KEK_PROVIDER=pkcs11 needs HUB_PKCS11_LIBRARY, HUB_PKCS11_TOKEN_LABEL "
                "and HUB_PKCS11_USER_PIN"
            )
        if problems:
            raise StartupRefused("refusing to start outside dev mode: " + "; ".join(problems))


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
