"""Keys over time: rotate, rewrap, retire and shred the keys of the stores.

- **Rotate** makes a new primary version of an agency's key (or the hub's). New data is
  sealed under it at once; data under older versions still opens, so nothing stops.
- **Rewrap** re-seals, in small transactions that run beside live traffic, whatever is
  still sealed under older versions: agency record keys (60 bytes each: the records
  themselves are not re-encrypted) and the hub store's sealed contact details.
- **Retire** destroys an older version once nothing refers to it.
- **Shred** destroys the key of one record, or every version of an agency's key, so that
  data is gone for good. The rows stay, empty, with when they were shredded; the audit
  log keeps who did it and which subject ids were affected.

Every step is checked by the firewall (``key`` resources) and audited.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import structlog
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from hub.agencies import repository
from hub.agencies.preparing import RECORDS_TABLE
from hub.audit import service as audit
from hub.auth.principal import Principal
from hub.db import utcnow
from hub.keys import repository as key_repository
from hub.keys.hub_store import SealedColumn, WrappedCaseKeys, hub_key_values
from hub.keys.service import (
    ACTIVE,
    AGENCY_KEY_PREFIX,
    HUB_KEY_ID,
    Keyring,
    agency_key_id,
    record_key_id,
)
from hub.kit.crypto.envelope import SealContext, sealed_key_ref
from hub.kit.errors import BadRequest, NotFound
from hub.policy.decision_point import allowed_event, require
from hub.policy.firewall import Resource
from hub.policy.vocabulary import Action, Kind

log = structlog.get_logger()

REWRAP_BATCH = 500


def _key_resource(key_id: str, owner: str = "") -> Resource:
    return Resource(Kind.key, owner=owner, id=key_id)


def store_key_id(agency: str | None) -> str:
    """The key of an agency's store, or of the hub's own store when ``agency`` is None."""
    return HUB_KEY_ID if agency is None else agency_key_id(agency)


def _agency_of(key_id: str) -> str | None:
    return key_id.removeprefix(AGENCY_KEY_PREFIX) if key_id.startswith(AGENCY_KEY_PREFIX) else None


def rotate(session: Session, principal: Principal, key_id: str, *, keyring: Keyring) -> int:
    """Make a new primary version of ``key_id``; return its version."""
    resource = _key_resource(key_id, _agency_of(key_id) or "")
    decision = require(principal, Action.rotate, resource)
    row = keyring.rotate(session, key_id)
    audit.record(
        session,
        principal,
        allowed_event(decision, resource, reason=f"version {row.version} is now primary"),
    )
    return row.version


def _sealed_key_context(agency: str, record_id: uuid.UUID) -> SealContext:
    return SealContext(
        owner=agency, table=RECORDS_TABLE, column="sealed_key", row_id=str(record_id)
    )


def waiting_for_rewrap(
    session: Session, principal: Principal, key_id: str, *, keyring: Keyring
) -> int:
    """How many sealed values are still under an older version of ``key_id``.

    Asked by whoever may rotate the key (the firewall decides), before and after a rewrap.
    """
    agency = _agency_of(key_id)
    resource = _key_resource(key_id, agency or "")
    decision = require(principal, Action.rotate, resource)
    primary = keyring.primary(session, key_id)
    if agency is not None:
        scope = repository.scope_granted(decision, resource)
        return repository.count_sealed_under(session, scope, list(range(1, primary.version)))
    if key_id == HUB_KEY_ID:
        return sum(
            1
            for column in hub_key_values()
            for _, sealed in _all_values(session, column)
            if _under_older_hub_key(sealed, primary.version)
        )
    raise BadRequest("Only agency keys and the hub key are rewrapped.", code="not_rewrapped")


def _under_older_hub_key(sealed: bytes, primary_version: int) -> bool:
    # A value sealed under a case's own key is the case key's business, not the hub key's.
    key_id, version = sealed_key_ref(sealed)
    return key_id == HUB_KEY_ID and version < primary_version


def _all_values(
    session: Session, column: SealedColumn | WrappedCaseKeys
) -> Iterator[tuple[Any, bytes]]:
    after: Any = None
    while True:
        page = column.page(session, after=after, limit=REWRAP_BATCH)
        yield from page
        if len(page) < REWRAP_BATCH:
            return
        after = page[-1][0]


@dataclass
class RewrapCursor:
    after: Any = None
    done: bool = False
    # For the hub key: which of hub_key_values() the cursor is in.
    column: int = 0


def rewrap_batch(
    session: Session,
    principal: Principal,
    key_id: str,
    cursor: RewrapCursor,
    *,
    keyring: Keyring,
    batch: int = REWRAP_BATCH,
) -> int:
    """Re-seal one batch under the primary version; return how many values were re-sealed.

    Run it in a transaction of its own, again and again, until ``cursor.done``.
    """
    agency = _agency_of(key_id)
    resource = _key_resource(key_id, agency or "")
    decision = require(principal, Action.rotate, resource)
    primary = keyring.primary(session, key_id)
    rewrapped: list[str] = []
    if agency is not None:
        scope = repository.scope_granted(decision, resource)
        records = repository.records_sealed_under_old_versions(
            session, scope, primary.version, after=cursor.after, limit=batch
        )
        for record in records:
            assert record.sealed_key is not None  # live records keep their sealed key
            sealed, version = keyring.reseal_record_key(
                session,
                record.sealed_key,
                str(record.id),
                _sealed_key_context(agency, record.id),
            )
            repository.replace_record(
                session, scope, record.id, {"sealed_key": sealed, "key_version": version}
            )
            rewrapped.append(str(record.id))
        cursor.after = records[-1].id if records else cursor.after
        cursor.done = len(records) < batch
    elif key_id == HUB_KEY_ID:
        # Every column the hub seals under its key, one after another, then the case keys.
        column = hub_key_values()[cursor.column]
        values = column.page(session, after=cursor.after, limit=batch)
        for row_id, sealed in values:
            if not _under_older_hub_key(sealed, primary.version):
                continue
            context = column.context(row_id)
            plaintext = keyring.open(session, sealed, context)
            column.replace(session, row_id, keyring.seal(session, HUB_KEY_ID, plaintext, context))
            rewrapped.append(str(row_id))
        if len(values) < batch:
            cursor.column += 1
            cursor.after = None
            cursor.done = cursor.column >= len(hub_key_values())
        else:
            cursor.after = values[-1][0]
    else:
        raise BadRequest("Only agency keys and the hub key are rewrapped.", code="not_rewrapped")
    if rewrapped:
        audit.record(
            session,
            principal,
            allowed_event(
                decision,
                resource,
                reason=f"rewrapped {len(rewrapped)} sealed values to version {primary.version}",
            ),
        )
    log.info("keys.rewrap_batch", key_id=key_id, rewrapped=len(rewrapped))
    return len(rewrapped)


def retire_unused(
    session: Session, principal: Principal, key_id: str, *, keyring: Keyring
) -> list[int]:
    """Retire every older version that nothing refers to any more; return the versions."""
    agency = _agency_of(key_id)
    resource = _key_resource(key_id, agency or "")
    decision = require(principal, Action.rotate, resource)
    if waiting_for_rewrap(session, principal, key_id, keyring=keyring) > 0:
        return []
    versions = [
        row.version
        for row in session.execute(key_repository.versions_in_state(key_id, ACTIVE)).scalars()
    ]
    for version in versions:
        keyring.retire(session, key_id, version)
    if versions:
        audit.record(
            session,
            principal,
            allowed_event(
                decision,
                resource,
                reason="retired version(s) " + ", ".join(str(v) for v in versions),
            ),
        )
    return versions


def shred_record(
    session: Session, principal: Principal, record_id: uuid.UUID, *, keyring: Keyring
) -> str:
    """Destroy one record's key and data; return its agency."""
    agency = repository.agency_of_record(session, record_id)
    key_id = record_key_id(str(record_id))
    resource = _key_resource(key_id, agency or "")
    decision = require(principal, Action.shred, resource)
    if agency is None:
        raise NotFound()
    zero_freed_space(session)
    repository.shred_record(
        session, repository.scope_granted(decision, resource), record_id, utcnow()
    )
    audit.record(
        session,
        principal,
        allowed_event(
            decision, resource, subject_ids=[str(record_id)], reason="record key and data destroyed"
        ),
    )
    log.info("keys.record_shredded", record_id=str(record_id), agency=agency)
    return agency


def shred_agency(session: Session, principal: Principal, agency: str, *, keyring: Keyring) -> int:
    """Destroy every version of an agency's key and empty its records; return how many."""
    key_id = agency_key_id(agency)
    resource = _key_resource(key_id, agency)
    decision = require(principal, Action.shred, resource)
    zero_freed_space(session)
    versions = keyring.shred(session, key_id)
    scope = repository.scope_granted(decision, resource)
    record_ids = repository.shred_agency_records(session, scope, utcnow())
    audit.record(
        session,
        principal,
        allowed_event(
            decision,
            resource,
            subject_ids=[str(i) for i in record_ids],
            reason=(
                f"agency store destroyed: {len(versions)} key version(s), "
                f"{len(record_ids)} record(s)"
            ),
        ),
    )
    log.info("keys.agency_shredded", agency=agency, records=len(record_ids))
    return len(record_ids)


def zero_freed_space(session: Session) -> None:
    """Before a shred: on SQLite, have the pages the shred frees overwritten with zeros."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("PRAGMA secure_delete=ON")


def purge_old_copies(engine: Engine) -> None:
    """After a shred commits: drop the old copies the database still keeps.

    SQLite: checkpoint and truncate the write-ahead log, which still holds the old pages.
    PostgreSQL: VACUUM the store's tables so the dead row versions are pruned (the old
    sealed keys there are unreadable anyway once an agency key is shredded).
    """
    if engine.dialect.name == "postgresql":
        # SQLAlchemy restores the pooled connection's isolation level when it is returned.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM agency_records, agency_record_index, data_keys")
    elif engine.dialect.name == "sqlite":
        # Straight on the driver: the hub's engine opens a write transaction on every begin,
        # and a checkpoint must run outside one.
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            cursor.close()
        finally:
            raw.close()
