"""The keyring: find, create, cache and use data keys.

Unwrapped data keys are cached in memory per process (the KEK provider, perhaps an HSM,
is then asked once per key version). Every seal is counted against its key, and a key
that reaches the ceiling refuses to seal more, so AES-GCM's random-nonce limit is never
approached.
"""

from __future__ import annotations

import threading

import structlog
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hub.db import utcnow
from hub.keys import repository
from hub.keys.models import DataKeyRow
from hub.kit.crypto.blind import LinkageKey
from hub.kit.crypto.envelope import (
    MAX_SEALS_PER_KEY,
    DataKey,
    SealContext,
    open_sealed,
    seal,
    sealed_key_ref,
)
from hub.kit.crypto.providers import KekProvider

log = structlog.get_logger()

HUB_KEY_ID = "hub"
LINKAGE_KEY_ID = "linkage"


class KeyUnavailable(RuntimeError):
    """The key needed is shredded, missing or exhausted; the message names only the key id."""


class Keyring:
    def __init__(self, provider: KekProvider, *, max_seals: int = MAX_SEALS_PER_KEY) -> None:
        self._provider = provider
        self._max_seals = max_seals
        self._cache: dict[tuple[str, int], DataKey] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Keyring(provider={self._provider.name!r}, cached={len(self._cache)})"

    @property
    def provider_name(self) -> str:
        return self._provider.name

    def forget(self, key_id: str) -> None:
        """Drop cached material for ``key_id`` (after shredding or rotation elsewhere)."""
        with self._lock:
            for cached in [k for k in self._cache if k[0] == key_id]:
                del self._cache[cached]

    def _unwrap(self, row: DataKeyRow) -> DataKey:
        if row.state == "shredded" or row.wrapped is None:
            raise KeyUnavailable(f"key {row.key_id} v{row.version} has been shredded")
        cache_key = (row.key_id, row.version)
        with self._lock:
            cached = self._cache.get(cache_key)
        if cached is not None:
            return cached
        key = self._provider.unwrap(row.wrapped, key_id=row.key_id, version=row.version)
        with self._lock:
            self._cache[cache_key] = key
        return key

    def create_version(self, session: Session, key_id: str, *, primary: bool = True) -> DataKeyRow:
        """A new key version for ``key_id``; the old primary stays active for opening."""
        version = repository.latest_version(session, key_id) + 1
        key = DataKey.generate(key_id, version)
        if primary:
            current = repository.primary_of(session, key_id)
            if current is not None:
                current.state = "active"
        row = DataKeyRow(
            key_id=key_id,
            version=version,
            state="primary" if primary else "active",
            wrapped=self._provider.wrap(key),
            provider=self._provider.name,
            seal_count=0,
            created_at=utcnow(),
        )
        session.add(row)
        session.flush()
        with self._lock:
            self._cache[(key_id, version)] = key
        log.info("keys.version_created", key_id=key_id, version=version)
        return row

    def primary(self, session: Session, key_id: str) -> DataKey:
        row = repository.primary_of(session, key_id)
        if row is None:
            row = self._create_first(session, key_id)
        return self._unwrap(row)

    def _create_first(self, session: Session, key_id: str) -> DataKeyRow:
        # Two requests may race to create the first key; the unique constraint picks one.
        try:
            with session.begin_nested():
                return self.create_version(session, key_id)
        except IntegrityError:
            row = repository.primary_of(session, key_id)
            if row is None:
                raise
            return row

    def seal(self, session: Session, key_id: str, plaintext: bytes, context: SealContext) -> bytes:
        key = self.primary(session, key_id)
        row = repository.version_of(session, key_id, key.version)
        if row is not None and row.seal_count >= self._max_seals:
            raise KeyUnavailable(f"key {key_id} v{key.version} has sealed its limit; rotate it")
        repository.count_seals(session, key_id, key.version, 1)
        return seal(key, plaintext, context)

    def open(self, session: Session, blob: bytes, context: SealContext) -> bytes:
        key_id, version = sealed_key_ref(blob)
        row = repository.version_of(session, key_id, version)
        if row is None:
            raise KeyUnavailable(f"key {key_id} v{version} is not known")
        return open_sealed(self._unwrap(row), blob, context)

    def linkage_key(self, session: Session) -> LinkageKey:
        """The key for blind indexes, separate from every data key."""
        return LinkageKey.from_bytes(self.primary(session, LINKAGE_KEY_ID).material)
