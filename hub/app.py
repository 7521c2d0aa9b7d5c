"""create_app(): wiring only."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import Depends, FastAPI
from sqlalchemy.exc import SQLAlchemyError

from hub.access import endpoints as access
from hub.agencies import endpoints as agencies
from hub.audit import endpoints as audit
from hub.audit import service as audit_service
from hub.audit.sequencer import AuditLog
from hub.audit.service import GroupCommit
from hub.auth.claims import ClaimsMapping
from hub.auth.dependencies import get_principal
from hub.auth.tokens import TokenVerifier, TrustedIssuer, dev_issuer, load_jwks, public_jwks
from hub.bootstrap import (
    audit_log_for,
    check_policy_for,
    kek_provider_for,
    rag_policy_from,
    working_calendar,
)
from hub.contacts import endpoints as contacts
from hub.db import Database, make_engine, transaction
from hub.enquiries import endpoints as enquiries
from hub.keys.service import AUDIT_COMMITMENT_KEY_ID, HUB_KEY_ID, Keyring
from hub.kit.errors import install_error_handlers
from hub.kit.logging import configure_logging
from hub.kit.middleware import BodySizeLimitMiddleware, RequestContextMiddleware
from hub.kit.openapi import install_openapi
from hub.kit.ratelimit import RateLimiter, trusted_networks
from hub.kit.routing import mount_routes
from hub.missing import endpoints as missing
from hub.policy import decision_point
from hub.policy.firewall import Firewall
from hub.products import endpoints as products
from hub.reporting import endpoints as reporting
from hub.retention import endpoints as retention_routes
from hub.retention import service as retention
from hub.screening import endpoints as screening
from hub.screening import service as screening_service
from hub.settings import DEV_ISSUER, Settings, get_settings
from hub.system import endpoints as system
from hub.triage import endpoints as triage
from hub.web import setup as web

log = structlog.get_logger()

POLICY_WATCH_SECONDS = 2.0


def claims_mapping_for(settings: Settings) -> ClaimsMapping:
    return ClaimsMapping.parse(
        settings.idp_roles_claim,
        settings.idp_role_map,
        agencies=settings.agencies,
        teams=settings.teams,
    )


def token_verifier_for(settings: Settings) -> TokenVerifier:
    issuers: list[TrustedIssuer] = []
    if settings.dev_mode or settings.token_issuer != DEV_ISSUER:
        issuers.append(dev_issuer(settings.key_dir, settings.token_issuer))
    if settings.idp_jwks and settings.idp_issuer:
        issuers.append(
            TrustedIssuer(
                settings.idp_issuer,
                load_jwks(settings.idp_jwks),
                mapping=claims_mapping_for(settings) if settings.idp_role_map else None,
            )
        )
    return TokenVerifier(
        issuers,
        audience=settings.token_audience,
        agencies=settings.agencies,
        teams=settings.teams,
        leeway_seconds=settings.token_leeway_seconds,
        max_bytes=settings.token_max_bytes,
        max_ttl_seconds=settings.token_max_ttl_seconds,
    )


def _watch_policy(firewall: Firewall, stop: threading.Event) -> None:
    while not stop.wait(POLICY_WATCH_SECONDS):
        firewall.reload_if_changed()


def _run_sequencer(audit_log: AuditLog, interval: float, stop: threading.Event) -> None:
    while not stop.wait(interval):
        try:
            audit_log.sequence()
        except Exception as error:
            log.error("audit.sequencer_failed", error_type=type(error).__name__)


def _background_workers(
    settings: Settings, firewall: Firewall, audit_log: AuditLog, stop: threading.Event
) -> list[threading.Thread]:
    """The policy watcher, and the audit sequencer unless another process sequences."""
    workers = [
        threading.Thread(target=_watch_policy, args=(firewall, stop), daemon=True, name="policy")
    ]
    if settings.audit_background_sequencer:
        workers.append(
            threading.Thread(
                target=_run_sequencer,
                args=(audit_log, settings.audit_sequence_interval_seconds, stop),
                daemon=True,
                name="audit-sequencer",
            )
        )
    return workers


def _ensure_audit_keys(database: Database, keyring: Keyring) -> None:
    """The keys a read's audit entry seals and commits under exist before any read: a read's
    transaction may not create them."""
    try:
        with transaction(database) as session:
            keyring.ensure(session, HUB_KEY_ID, AUDIT_COMMITMENT_KEY_ID)
    except SQLAlchemyError as error:
        # Not migrated yet, or the database is down: readiness says so; the first write
        # that needs each key makes it.
        log.warning("keys.not_ensured", error=type(error).__name__)


def _mount_api(app: FastAPI) -> None:
    """Authenticated by default: everything under /api/v1 needs a verified principal,
    except the public referral form, which is mounted on its own and says so.

    Each route is mounted on the app itself, the principal first among its dependencies
    (see :mod:`hub.kit.routing`: a nested router is walked on every request)."""
    mount_routes(app.router, contacts.public_router, prefix="/api/v1")
    for domain in (
        system,
        contacts,
        retention_routes,
        agencies,
        audit,
        access,
        screening,
        enquiries,
        products,
        triage,
        missing,
        reporting,
    ):
        mount_routes(
            app.router, domain.router, prefix="/api/v1", dependencies=[Depends(get_principal)]
        )


def create_app(settings: Settings | None = None, *, database: Database | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(level=settings.log_level, json=settings.log_json)
    settings.check_startup()

    firewall = Firewall(settings.policy_dir)
    decision_point.install(firewall, record_denial=audit_service.record)
    database = database or Database(make_engine(settings.database_url))
    audit_log = audit_log_for(settings, database)
    database.deferred_appends = GroupCommit(database)
    stop_background = threading.Event()

    @asynccontextmanager
    async def lifespan(running: FastAPI) -> AsyncIterator[None]:
        _ensure_audit_keys(database, running.state.keyring)
        workers = _background_workers(settings, firewall, audit_log, stop_background)
        workers += retention.background_worker(
            settings, database, running.state.keyring, stop_background
        )
        for worker in workers:
            worker.start()
        log.info("hub.started", policy=firewall.digest[:16], dev_mode=settings.dev_mode)
        yield
        stop_background.set()
        for worker in workers:
            worker.join(timeout=5)

    app = FastAPI(
        title="MASH Hub",
        version="0.1.0",
        summary="Multi-Agency Safeguarding Hub",
        lifespan=lifespan,
        # /docs is served by hub.web from an installed copy of Swagger UI (works offline).
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.database = database
    app.state.audit_log = audit_log
    app.state.firewall = firewall
    app.state.keyring = Keyring(kek_provider_for(settings))
    app.state.calendar = working_calendar(settings)
    app.state.contact_recorded = screening_service.screening_starter
    app.state.check_policy = check_policy_for(settings)
    app.state.screening_policy = rag_policy_from(settings.screening_hours)
    app.state.lawful_bases = settings.lawful_bases()
    app.state.token_verifier = token_verifier_for(settings)
    app.state.public_jwks = (
        public_jwks(settings.key_dir)
        if (settings.key_dir / "token-signing.pub.pem").exists()
        else {"keys": []}
    )
    app.state.public_rate_limiter = RateLimiter(per_minute=settings.public_contacts_per_minute)
    app.state.trusted_proxies = trusted_networks(settings.trusted_proxies)

    install_error_handlers(app)

    _mount_api(app)
    app.include_router(system.health_router)
    web.install(app, settings)
    install_openapi(app)  # after the pages, whose document it completes

    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestContextMiddleware)
    return app
