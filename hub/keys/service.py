"""The keyring: find, create, cache, use, rotate, retire and shred data keys.

Unwrapped data keys are cached in memory per process, in a bounded least-recently-used
table (the KEK provider, perhaps an HSM, is then asked once per key version). Whether a
key version may still be used is read from the database once per transaction, or with
the sealed value itself in the same statement (:meth:`Keyring.open_with`), so a key
shredded or retired by another process stops being used at that process's next
transaction; shredding, retiring or rotating here drops the cached key at once.

Seal counting. Every seal is counted against the key version that made it, and a version
that reaches the ceiling refuses to seal more, so AES-GCM's random-nonce limit is never
approached. Counting each seal with an UPDATE of its ``data_keys`` row would serialise
every writer on that row (and cost a statement per seal during a bulk import), so the
keyring counts in memory per transaction and adds the counts to the rows just before the
transaction commits, in the same transaction. A rolled-back transaction counts nothing:
its ciphertexts were never stored. The ceiling check adds this transaction's pending
count to the stored count; what other processes have sealed but not yet committed is the
slack that :data:`~hub.kit.crypto.envelope.MAX_SEALS_PER_KEY` leaves below 2**32.

Record keys. A record's own data key (``record:<uuid>``) is sealed under its agency's
primary key rather than wrapped by the KEK: creating one costs a local AES-GCM operation,
not a round trip to an HSM, and rotating the agency key means re-sealing 60-byte record
keys, not the records. See :mod:`hub.agencies.service` for why records have keys of their
own.

Case keys. Each MASH case (a contact and all that grows from it), each police domestic
abuse notification and each missing episode has a data key of its own (``case:<contact
id>``, ``notification:<id>``, ``episode:<id>``), sealed under the hub key's primary and
kept in ``data_keys`` like any other key (``provider`` says ``hub``): opening a case's value
unwraps its key once (the hub key from the cache, then one AES-GCM operation) and keeps it
in the same bounded cache. Rotating the hub key re-seals the case keys, not the cases.
Destroying a case's key under the retention schedule (:meth:`Keyring.shred`) leaves what
it sealed unreadable for good, the hub key and every other case untouched.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import structlog
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hub.db import utcnow
from hub.keys import repository
from hub.keys.models import DataKeyRow
from hub.kit.crypto.blind import LinkageKey
from hub.kit.crypto.envelope import (
    MAX_SEALS_PER_KEY,
    DataKey,
    SealColumn,
    SealContext,
    Sealer,
    open_sealed,
    seal,
    sealed_key_ref,
)
from hub.kit.crypto.providers import KekProvider
from hub.kit.errors import HubError

log = structlog.get_logger()

HUB_KEY_ID = "hub"
LINKAGE_KEY_ID = "linkage"
# The key of the audit log's keyed commitments to sealed free text (HMAC-SHA256). Like the
# linkage key it is compared with, never opened with, so it is not rotated: a commitment
# in a leaf must stay checkable against the text it was made from.
AUDIT_COMMITMENT_KEY_ID = "audit-commitment"
# Keys the keyring itself neither rotates nor shreds.
_FIXED_KEYS = (LINKAGE_KEY_ID, AUDIT_COMMITMENT_KEY_ID)
AGENCY_KEY_PREFIX = "agency:"
RECORD_KEY_PREFIX = "record:"
# A record key is made once and never rotated: a record whose content changes gets a
# new record key, so each record key seals a handful of values in its life.
RECORD_KEY_VERSION = 1
# Case keys: one per MASH case (its contact's id), police notification and missing episode.
CASE_KEY_PREFIX = "case:"
NOTIFICATION_KEY_PREFIX = "notification:"
EPISODE_KEY_PREFIX = "episode:"
CASE_KEY_PREFIXES = (CASE_KEY_PREFIX, NOTIFICATION_KEY_PREFIX, EPISODE_KEY_PREFIX)
# A case key is made once and never rotated (rotating the hub key re-seals it instead).
CASE_KEY_VERSION = 1
# ``data_keys.provider`` of a key sealed under the hub key rather than wrapped by the KEK.
WRAPPED_BY_HUB_KEY = "hub"
# Warn when a key has used this share of its ceiling, so it is rotated in good time.
NEAR_CEILING_SHARE = 0.8

PRIMARY = "primary"
ACTIVE = "active"
RETIRED = "retired"
SHREDDED = "shredded"

_SESSION_INFO_KEY = "hub.keyring"
# Unwrapped key versions kept per process: the hub's, the linkage key's and each agency's
# versions are a few dozen; the bound only keeps a pathological store finite.
KEY_CACHE_SIZE = 1024


def hub_context(table: str, column: str, row_id: object) -> SealContext:
    """Where a value of the hub's own store lives: every hub-sealed value is bound to this."""
    return SealContext(owner="hub", table=table, column=column, row_id=str(row_id))


class KeyUnavailable(RuntimeError):
    """The key needed is shredded, missing or exhausted; the message names only the key id."""


class CaseDestroyed(KeyUnavailable, HubError):
    """A case's key was destroyed: what it sealed is gone for good.

    A :class:`HubError` too, so a route that meets it answers 410 with a fixed sentence
    (and a page says so in words) rather than failing.
    """

    status, code = 410, "destroyed"
    detail = "This case's content was destroyed under the retention schedule."

    def __init__(self, key_id: str) -> None:
        RuntimeError.__init__(self, f"key {key_id} is shredded")
        self.detail = type(self).detail
        self.key_id = key_id


def case_key_id(contact_id: object) -> str:
    """The key of one MASH case: everything that grows from the contact ``contact_id``."""
    return f"{CASE_KEY_PREFIX}{contact_id}"


def notification_key_id(notification_id: object) -> str:
    return f"{NOTIFICATION_KEY_PREFIX}{notification_id}"


def episode_key_id(episode_id: object) -> str:
    return f"{EPISODE_KEY_PREFIX}{episode_id}"


def is_case_key(key_id: str) -> bool:
    """Whether ``key_id`` is a case's, notification's or episode's key (under the hub key)."""
    return key_id.startswith(CASE_KEY_PREFIXES)


def wrapped_case_key_context(key_id: str) -> SealContext:
    """Where a case key sealed under the hub key lives: its ``data_keys`` row, by key id."""
    return hub_context("data_keys", "wrapped", key_id)


_CASE_IN_HAND = "hub.case_key"


def case_in_hand(session: Session) -> str | None:
    """The case key this transaction works on, if a service said (:func:`work_on_case`)."""
    found = session.info.get(_CASE_IN_HAND)
    return found if isinstance(found, str) else None


def work_on_case(session: Session, key_id: str | None) -> None:
    """Say which case this transaction works on: free text written for its audit entries
    is then sealed under that case's key, and destroyed with the case."""
    if key_id is None:
        session.info.pop(_CASE_IN_HAND, None)
    else:
        session.info[_CASE_IN_HAND] = key_id


def agency_key_id(agency: str) -> str:
    return f"{AGENCY_KEY_PREFIX}{agency}"


def record_key_id(record_id: str) -> str:
    return f"{RECORD_KEY_PREFIX}{record_id}"


@dataclass(frozen=True, slots=True)
class StoredKeyVersion:
    """A ``data_keys`` row as read beside a sealed value (see :meth:`Keyring.open_with`)."""

    key_id: str
    version: int
    state: str
    wrapped: bytes | None


class _KeyCache:
    """Unwrapped data keys by (key id, version), least recently used first out."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._keys: OrderedDict[tuple[str, int], DataKey] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._keys)

    def get(self, key_id: str, version: int) -> DataKey | None:
        with self._lock:
            key = self._keys.get((key_id, version))
            if key is not None:
                self._keys.move_to_end((key_id, version))
            return key

    def put(self, key: DataKey) -> None:
        with self._lock:
            self._keys[(key.key_id, key.version)] = key
            self._keys.move_to_end((key.key_id, key.version))
            while len(self._keys) > self._size:
                self._keys.popitem(last=False)

    def drop(self, key_id: str, version: int | None = None) -> None:
        """Forget one version of ``key_id``, or all of them."""
        with self._lock:
            if version is not None:
                self._keys.pop((key_id, version), None)
                return
            for cached in [k for k in self._keys if k[0] == key_id]:
                del self._keys[cached]


@dataclass
class _TransactionKeys:
    """What the keyring knows within one transaction of one session."""

    # key_id -> (primary version, its seal count when read)
    primaries: dict[str, tuple[int, int]] = field(default_factory=dict)
    # (key_id, version) -> the row's state when read
    states: dict[tuple[str, int], str] = field(default_factory=dict)
    # (key_id, version) -> seals made in this transaction, not yet added to the row
    pending: dict[tuple[str, int], int] = field(default_factory=dict)
    # (key_id, version) -> seals a new key's row counted when it was inserted, not made yet
    counted_ahead: dict[tuple[str, int], int] = field(default_factory=dict)
    ceiling: int = MAX_SEALS_PER_KEY


class Keyring:
    def __init__(
        self,
        provider: KekProvider,
        *,
        max_seals: int = MAX_SEALS_PER_KEY,
        cache_size: int = KEY_CACHE_SIZE,
    ) -> None:
        self._provider = provider
        self._max_seals = max_seals
        self._cache = _KeyCache(cache_size)
        self._linkage: dict[int, LinkageKey] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Keyring(provider={self._provider.name!r}, cached={len(self._cache)})"

    @property
    def provider_name(self) -> str:
        return self._provider.name

    @property
    def max_seals(self) -> int:
        return self._max_seals

    def forget(self, key_id: str) -> None:
        """Drop cached material for ``key_id`` (after shredding or rotation elsewhere)."""
        self._cache.drop(key_id)

    # --- per-transaction state ---------------------------------------------------------

    def _keys_of(self, session: Session) -> _TransactionKeys:
        keys = session.info.get(_SESSION_INFO_KEY)
        if isinstance(keys, _TransactionKeys):
            return keys
        keys = _TransactionKeys(ceiling=self._max_seals)
        session.info[_SESSION_INFO_KEY] = keys
        return keys

    def pending_seals(self, session: Session) -> dict[tuple[str, int], int]:
        """Seals made in the session's transaction and not yet counted in the database."""
        return dict(self._keys_of(session).pending)

    # --- finding keys ------------------------------------------------------------------

    def _unwrap(
        self,
        session: Session,
        row: DataKeyRow | StoredKeyVersion,
        stored: Iterable[StoredKeyVersion] = (),
    ) -> DataKey:
        if row.state in (SHREDDED, RETIRED) or row.wrapped is None:
            # Whatever this process still holds of it is dropped too.
            self._cache.drop(row.key_id, row.version)
            if is_case_key(row.key_id):
                raise CaseDestroyed(row.key_id)
            raise KeyUnavailable(f"key {row.key_id} v{row.version} is {row.state}")
        if is_case_key(row.key_id):
            return self._unwrap_case_key(session, row.key_id, row.version, row.wrapped, stored)
        cached = self._cache.get(row.key_id, row.version)
        if cached is not None:
            return cached
        key = self._provider.unwrap(row.wrapped, key_id=row.key_id, version=row.version)
        self._cache.put(key)
        return key

    def _unwrap_case_key(
        self,
        session: Session,
        key_id: str,
        version: int,
        wrapped: bytes,
        stored: Iterable[StoredKeyVersion],
    ) -> DataKey:
        """A case key, sealed under the hub key. The hub key version that sealed it must
        still be usable, even when the case key is cached (a version another process
        retired is refused as it would be for the hub's own values)."""
        hub_id, hub_version = sealed_key_ref(bytes(wrapped))
        hub_key: DataKey | None = None
        for row in stored:
            if row.key_id == hub_id and row.version == hub_version:
                hub_key = self._unwrap(session, row)
        if hub_key is None:
            hub_key = self._usable(session, hub_id, hub_version)
        cached = self._cache.get(key_id, version)
        if cached is not None:
            return cached
        material = open_sealed(hub_key, bytes(wrapped), wrapped_case_key_context(key_id))
        key = DataKey(key_id, version, material)
        self._cache.put(key)
        return key

    def _cached_key(self, key_id: str, version: int) -> DataKey | None:
        return self._cache.get(key_id, version)

    def create_version(self, session: Session, key_id: str, *, primary: bool = True) -> DataKeyRow:
        """A new key version for ``key_id``; the old primary stays active for opening."""
        version = repository.latest_version(session, key_id) + 1
        if is_case_key(key_id) and version != CASE_KEY_VERSION:
            # A destroyed case stays destroyed: nothing may seal under its name again.
            raise CaseDestroyed(key_id)
        key = DataKey.generate(key_id, version)
        if primary:
            current = repository.primary_of(session, key_id)
            if current is not None:
                current.state = ACTIVE
        if is_case_key(key_id):
            wrapped, provider = self._sealed_under_hub_key(session, key), WRAPPED_BY_HUB_KEY
        else:
            wrapped, provider = self._provider.wrap(key), self._provider.name
        row = DataKeyRow(
            key_id=key_id,
            version=version,
            state=PRIMARY if primary else ACTIVE,
            wrapped=wrapped,
            provider=provider,
            seal_count=0,
            created_at=utcnow(),
        )
        session.add(row)
        session.flush()
        self._cache.put(key)
        keys = self._keys_of(session)
        keys.primaries.pop(key_id, None)
        keys.states[(key_id, version)] = row.state
        log.info("keys.version_created", key_id=key_id, version=version)
        return row

    def _sealed_under_hub_key(self, session: Session, key: DataKey) -> bytes:
        """A case key sealed under the hub key's primary, as its ``data_keys`` row keeps it."""
        hub_key, stored_count = self._primary_version(session, HUB_KEY_ID)
        self._count_seal(session, hub_key, stored_count)
        return seal(hub_key, key.material, wrapped_case_key_context(key.key_id))

    def new_case_key(self, session: Session, key_id: str, *, seals: int = 0) -> None:
        """The first (and only) version of a new case's key, for a row just made with a
        fresh id: no look-up first, one insert. Seals under ``key_id`` in this transaction
        use it.

        ``seals`` is how many values the caller is about to seal under it in this
        transaction: the row is inserted with them already counted, and those seals add
        no ``UPDATE`` at commit. A seal beyond them is counted as any other.
        """
        if not is_case_key(key_id):
            raise ValueError("not a case key id")
        if not 0 <= seals <= self._max_seals:
            raise ValueError("a new key counts between none and its ceiling of seals ahead")
        key = DataKey.generate(key_id, CASE_KEY_VERSION)
        repository.insert_version(
            session,
            {
                "key_id": key_id,
                "version": CASE_KEY_VERSION,
                "state": PRIMARY,
                "wrapped": self._sealed_under_hub_key(session, key),
                "provider": WRAPPED_BY_HUB_KEY,
                "seal_count": seals,
                "created_at": utcnow(),
            },
        )
        self._cache.put(key)
        keys = self._keys_of(session)
        keys.primaries[key_id] = (CASE_KEY_VERSION, seals)
        keys.states[(key_id, CASE_KEY_VERSION)] = PRIMARY
        if seals:
            keys.counted_ahead[(key_id, CASE_KEY_VERSION)] = seals

    def rotate(self, session: Session, key_id: str) -> DataKeyRow:
        """Make a new primary version; data sealed under older versions still opens."""
        if key_id in _FIXED_KEYS:
            # Blind indexes and commitments are compared, not opened: a new key would make
            # every stored one unmatchable until all were recomputed from the sealed data.
            raise KeyUnavailable(f"the {key_id} key is not rotated by the keyring")
        if is_case_key(key_id):
            raise KeyUnavailable(f"a case key ({key_id}) is re-sealed with the hub key's")
        return self.create_version(session, key_id)

    def _primary_version(self, session: Session, key_id: str) -> tuple[DataKey, int]:
        keys = self._keys_of(session)
        known = keys.primaries.get(key_id)
        if known is not None:
            version, count = known
            key = self._cached_key(key_id, version)
            if key is not None:
                return key, count
        found = repository.primary_version(session, key_id)
        if found is None:
            row = self._create_first(session, key_id)
            found = (row.version, row.state, row.wrapped, row.seal_count)
        version, state, wrapped, seal_count = found
        key = self._unwrap(session, StoredKeyVersion(key_id, version, state, wrapped))
        keys.primaries[key_id] = (version, seal_count)
        keys.states[(key_id, version)] = state
        return key, seal_count

    def primary(self, session: Session, key_id: str) -> DataKey:
        return self._primary_version(session, key_id)[0]

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

    def _usable(self, session: Session, key_id: str, version: int) -> DataKey:
        keys = self._keys_of(session)
        state = keys.states.get((key_id, version))
        key = self._cached_key(key_id, version)
        if state is not None and key is not None and state in (PRIMARY, ACTIVE):
            return key
        row = repository.version_of(session, key_id, version)
        if row is None:
            raise KeyUnavailable(f"key {key_id} v{version} is not known")
        keys.states[(key_id, version)] = row.state
        return self._unwrap(session, row)

    def has_case_key(self, session: Session, key_id: str) -> bool:
        """Whether ``key_id`` (a case key) exists and may still seal: a read's transaction,
        which may not create a key, seals under it only then."""
        keys = self._keys_of(session)
        if key_id in keys.primaries:
            return True
        return repository.primary_version(session, key_id) is not None

    # --- sealing and opening -----------------------------------------------------------

    def seal(self, session: Session, key_id: str, plaintext: bytes, context: SealContext) -> bytes:
        key, stored_count = self._primary_version(session, key_id)
        self._count_seal(session, key, stored_count)
        return seal(key, plaintext, context)

    def _count_seal(self, session: Session, key: DataKey, stored_count: int) -> None:
        keys = self._keys_of(session)
        ref = (key.key_id, key.version)
        ahead = keys.counted_ahead.get(ref)
        if ahead:
            # Already in the row's count (see new_case_key): within its ceiling.
            keys.counted_ahead[ref] = ahead - 1
            return
        pending = keys.pending
        used = pending.get(ref, 0)
        if stored_count + used + 1 > self._max_seals:
            log.error("keys.ceiling_reached", key_id=key.key_id, version=key.version)
            raise KeyUnavailable(f"key {key.key_id} v{key.version} has sealed its limit; rotate it")
        pending[ref] = used + 1

    def seal_counted_later(
        self, session: Session, key_id: str, plaintext: bytes, context: SealContext
    ) -> tuple[bytes, tuple[str, int]]:
        """Seal in a transaction that may not write (a read's): the seal is checked against
        the ceiling now, and counted by whoever stores the sealed value, in the transaction
        that stores it (``repository.count_seals`` with the returned key id and version)."""
        key, stored_count = self._primary_version(session, key_id)
        used = self._keys_of(session).pending.get((key.key_id, key.version), 0)
        if stored_count + used + 1 > self._max_seals:
            log.error("keys.ceiling_reached", key_id=key.key_id, version=key.version)
            raise KeyUnavailable(f"key {key.key_id} v{key.version} has sealed its limit; rotate it")
        return seal(key, plaintext, context), (key.key_id, key.version)

    def commitment_key(self, session: Session) -> bytes:
        """The audit log's commitment key (HMAC-SHA256), separate from every sealing key."""
        return self.primary(session, AUDIT_COMMITMENT_KEY_ID).material

    def ensure(self, session: Session, *key_ids: str) -> None:
        """Make the first version of each of these keys now, where it does not exist yet
        (at start-up: a read's transaction may not create one)."""
        for key_id in key_ids:
            self.primary(session, key_id)

    def open(self, session: Session, blob: bytes, context: SealContext) -> bytes:
        key_id, version = sealed_key_ref(blob)
        return open_sealed(self._usable(session, key_id, version), blob, context)

    def open_with(
        self,
        session: Session,
        blob: bytes,
        context: SealContext,
        stored: Iterable[StoredKeyVersion],
    ) -> bytes:
        """Open ``blob`` with the key version rows ``stored``, read from the database in
        the same statement as the blob itself (so in the same snapshot): a read of one
        sealed value then costs no query of its own for its key. A version not among
        them is looked up as :meth:`open` does, and refused if it may not be used."""
        stored = tuple(stored)
        key_id, version = sealed_key_ref(blob)
        for row in stored:
            if row.key_id == key_id and row.version == version:
                return open_sealed(self._unwrap(session, row, stored), blob, context)
        return self.open(session, blob, context)

    def seal_hub_json(
        self,
        session: Session,
        table: str,
        column: str,
        row_id: object,
        value: Any,
        *,
        key_id: str = HUB_KEY_ID,
    ) -> bytes:
        """Seal a JSON value into the hub's own store, bound to its table, column and row,
        under the hub key or (``key_id``) the key of the case it belongs to."""
        return self.seal(
            session, key_id, json.dumps(value).encode(), hub_context(table, column, row_id)
        )

    def open_hub_json(
        self, session: Session, table: str, column: str, row_id: object, blob: bytes
    ) -> Any:
        return json.loads(self.open(session, blob, hub_context(table, column, row_id)))

    def linkage_key(self, session: Session) -> LinkageKey:
        """The key for blind indexes, separate from every data key."""
        key = self.primary(session, LINKAGE_KEY_ID)
        with self._lock:
            linkage = self._linkage.get(key.version)
            if linkage is None:
                linkage = LinkageKey.from_bytes(key.material)
                self._linkage[key.version] = linkage
        return linkage

    # --- record keys -------------------------------------------------------------------

    def new_record_key(
        self, session: Session, owner_key_id: str, record_id: str, context: SealContext
    ) -> tuple[DataKey, bytes, int]:
        """A fresh key for one record, and that key sealed under ``owner_key_id``'s primary.

        Returns ``(record key, sealed record key, owner key version)``; store the last two
        beside the record. ``context`` is where the sealed record key will live.
        """
        record_key = DataKey.generate(record_key_id(record_id), RECORD_KEY_VERSION)
        owner_key, stored_count = self._primary_version(session, owner_key_id)
        self._count_seal(session, owner_key, stored_count)
        return record_key, seal(owner_key, record_key.material, context), owner_key.version

    def record_keys(self, session: Session, owner_key_id: str, count: int) -> RecordKeyMaker:
        """Make up to ``count`` record keys sealed under ``owner_key_id``'s primary (a bulk write).

        Counts ``count`` seals against that version now, as ``count`` calls of
        :meth:`new_record_key` would, and refuses (counting nothing) if they would pass
        the ceiling. The maker refuses to seal more than ``count`` keys.
        """
        if count < 0:
            raise ValueError("count must not be negative")
        owner_key, stored_count = self._primary_version(session, owner_key_id)
        pending = self._keys_of(session).pending
        ref = (owner_key.key_id, owner_key.version)
        used = pending.get(ref, 0)
        if stored_count + used + count > self._max_seals:
            log.error("keys.ceiling_reached", key_id=owner_key.key_id, version=owner_key.version)
            raise KeyUnavailable(
                f"key {owner_key.key_id} v{owner_key.version} has sealed its limit; rotate it"
            )
        pending[ref] = used + count
        return RecordKeyMaker(owner_key, count)

    def open_record_key(
        self, session: Session, sealed_key: bytes, record_id: str, context: SealContext
    ) -> DataKey:
        """The record key sealed by :meth:`new_record_key`."""
        material = self.open(session, sealed_key, context)
        return DataKey(record_key_id(record_id), RECORD_KEY_VERSION, material)

    def reseal_record_key(
        self, session: Session, sealed_key: bytes, record_id: str, context: SealContext
    ) -> tuple[bytes, int]:
        """Re-seal a record key under its owner's current primary (after a rotation)."""
        owner_key_id, _ = sealed_key_ref(sealed_key)
        material = self.open(session, sealed_key, context)
        owner_key, stored_count = self._primary_version(session, owner_key_id)
        self._count_seal(session, owner_key, stored_count)
        return seal(owner_key, material, context), owner_key.version

    # --- retiring and shredding --------------------------------------------------------

    def retire(self, session: Session, key_id: str, version: int) -> None:
        """Destroy a non-primary version that no longer seals anything still stored.

        The caller has checked that nothing refers to it (see ``mash-hub keys rewrap``).
        """
        row = repository.version_of(session, key_id, version)
        if row is None:
            raise KeyUnavailable(f"key {key_id} v{version} is not known")
        if row.state != ACTIVE:
            raise KeyUnavailable(f"key {key_id} v{version} is {row.state}, not active")
        row.state = RETIRED
        row.wrapped = None
        session.flush()
        self._keys_of(session).states[(key_id, version)] = RETIRED
        self._cache.drop(key_id, version)
        log.info("keys.version_retired", key_id=key_id, version=version)

    def shred(self, session: Session, key_id: str) -> list[int]:
        """Destroy every version of ``key_id``: what it sealed can never be opened again.

        Returns the versions shredded. The rows stay (with their dates) as the record that
        the key existed and when it was destroyed.
        """
        if key_id in (*_FIXED_KEYS, HUB_KEY_ID):
            raise KeyUnavailable(f"key {key_id} is not shredded by the keyring")
        versions = repository.shred_all_versions(session, key_id, utcnow())
        keys = self._keys_of(session)
        keys.primaries.pop(key_id, None)
        for version in versions:
            keys.states[(key_id, version)] = SHREDDED
        self.forget(key_id)
        log.info("keys.shredded", key_id=key_id, versions=len(versions))
        return versions


class RecordKeyMaker:
    """New record keys sealed under one owner key version, as many as were counted."""

    __slots__ = ("_left", "_sealer", "version")

    def __init__(self, owner_key: DataKey, count: int) -> None:
        self._sealer = Sealer(owner_key)
        self._left = count
        self.version = owner_key.version

    def __repr__(self) -> str:
        return f"RecordKeyMaker(version={self.version}, left={self._left})"

    def new(self, record_id: str, context: SealContext) -> tuple[DataKey, bytes]:
        """A fresh key for one record and that key sealed, as :meth:`Keyring.new_record_key`."""
        self._count_one()
        record_key = DataKey.generate(record_key_id(record_id), RECORD_KEY_VERSION)
        return record_key, self._sealer.seal(record_key.material, context)

    def seal(self, record_key: DataKey, column: SealColumn, record_id: str) -> bytes:
        """Seal a record key made elsewhere (a bulk import's worker process, which never
        holds the owner key) for the record ``record_id`` in ``column``."""
        if record_key.key_id != record_key_id(record_id):
            raise ValueError("a record key is sealed for the record it is named after")
        self._count_one()
        return self._sealer.seal_at(record_key.material, column, record_id)

    def _count_one(self) -> None:
        if self._left <= 0:
            raise KeyUnavailable("more record keys than were counted")
        self._left -= 1


def _flush_seal_counts(session: Session) -> None:
    keys = session.info.get(_SESSION_INFO_KEY)
    if not isinstance(keys, _TransactionKeys) or not keys.pending:
        return
    pending, keys.pending = keys.pending, {}
    for (key_id, version), count in sorted(pending.items()):
        repository.count_seals(session, key_id, version, count)
        known = keys.primaries.get(key_id)
        if known is not None and known[0] == version:
            total = known[1] + count
            keys.primaries[key_id] = (version, total)
            if total >= NEAR_CEILING_SHARE * keys.ceiling:
                log.warning("keys.near_ceiling", key_id=key_id, version=version)


def _reset_transaction_keys(session: Session) -> None:
    keys = session.info.get(_SESSION_INFO_KEY)
    if isinstance(keys, _TransactionKeys):
        keys.primaries.clear()
        keys.states.clear()
        keys.pending.clear()
        keys.counted_ahead.clear()


# Every session's, once: listening on each session the keyring meets cost more than a
# seal. A session the keyring never used has nothing in its info and returns at once.
event.listen(Session, "before_commit", _flush_seal_counts)
event.listen(Session, "after_commit", _reset_transaction_keys)
event.listen(Session, "after_rollback", _reset_transaction_keys)
