"""The keyring: seal counting per transaction, the ceiling, retiring, shredding, PKCS#11."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from hub.db import Database
from hub.keys.models import DataKeyRow
from hub.keys.service import (
    HUB_KEY_ID,
    CaseDestroyed,
    Keyring,
    KeyUnavailable,
    StoredKeyVersion,
    case_key_id,
    hub_context,
)
from hub.kit.crypto.envelope import DataKey, SealContext, sealed_key_ref
from hub.kit.crypto.providers import LocalFileKekProvider, Pkcs11KekProvider
from tests.kit.conftest import SoftHsmToken

CONTEXT = SealContext(owner="police", table="agency_records", column="x", row_id="1")


@pytest.fixture
def keyring(key_dir: Path) -> Keyring:
    return Keyring(LocalFileKekProvider(key_dir / "kek.bin"))


def seal_counts(database: Database) -> dict[tuple[str, int], int]:
    with database.session() as session:
        rows = session.execute(select(DataKeyRow)).scalars()
        return {(r.key_id, r.version): r.seal_count for r in rows}


def test_seals_are_counted_at_commit_and_not_when_rolled_back(
    database: Database, keyring: Keyring
) -> None:
    with database.session() as session:
        for _ in range(5):
            keyring.seal(session, "agency:police", b"x", CONTEXT)
        assert keyring.pending_seals(session) == {("agency:police", 1): 5}
        session.commit()
    assert seal_counts(database) == {("agency:police", 1): 5}
    with database.session() as session:
        keyring.seal(session, "agency:police", b"x", CONTEXT)
        session.rollback()
        assert keyring.pending_seals(session) == {}
    with database.session() as session:
        keyring.seal(session, "agency:police", b"x", CONTEXT)
        session.commit()
    assert seal_counts(database) == {("agency:police", 1): 6}


def test_a_key_at_its_ceiling_refuses_to_seal_until_rotated(
    database: Database, key_dir: Path
) -> None:
    keyring = Keyring(LocalFileKekProvider(key_dir / "kek.bin"), max_seals=3)
    with database.session() as session:
        for _ in range(3):
            keyring.seal(session, "agency:police", b"x", CONTEXT)
        with pytest.raises(KeyUnavailable, match="limit"):
            keyring.seal(session, "agency:police", b"x", CONTEXT)
        session.commit()
    # Another transaction (or process) sees the stored count and refuses too.
    with database.session() as session:
        with pytest.raises(KeyUnavailable, match="limit"):
            keyring.seal(session, "agency:police", b"x", CONTEXT)
        keyring.rotate(session, "agency:police")
        blob = keyring.seal(session, "agency:police", b"x", CONTEXT)
        session.commit()
    with database.session() as session:
        assert keyring.open(session, blob, CONTEXT) == b"x"
    assert seal_counts(database) == {("agency:police", 1): 3, ("agency:police", 2): 1}


def test_shredded_key_stops_opening_in_every_keyring(database: Database, key_dir: Path) -> None:
    first = Keyring(LocalFileKekProvider(key_dir / "kek.bin"))
    second = Keyring(LocalFileKekProvider(key_dir / "kek.bin"))  # another process
    with database.session() as session:
        blob = first.seal(session, "agency:health", b"GP note", CONTEXT)
        session.commit()
    with database.session() as session:
        assert second.open(session, blob, CONTEXT) == b"GP note"
    with database.session() as session:
        assert first.shred(session, "agency:health") == [1]
        session.commit()
    for keyring in (first, second):
        with database.session() as session, pytest.raises(KeyUnavailable, match="shredded"):
            keyring.open(session, blob, CONTEXT)
    with database.session() as session:
        [row] = session.execute(select(DataKeyRow)).scalars()
    assert (row.state, row.wrapped) == ("shredded", None)
    assert row.shredded_at is not None


def test_the_linkage_and_hub_keys_are_not_shredded_or_rotated_by_mistake(
    database: Database, keyring: Keyring
) -> None:
    with database.session() as session:
        with pytest.raises(KeyUnavailable):
            keyring.shred(session, "linkage")
        with pytest.raises(KeyUnavailable):
            keyring.shred(session, "hub")
        with pytest.raises(KeyUnavailable):
            keyring.rotate(session, "linkage")


def test_record_keys_are_sealed_under_the_agency_key_and_bound_to_their_row(
    database: Database, keyring: Keyring
) -> None:
    where = SealContext(owner="police", table="agency_records", column="sealed_key", row_id="r1")
    with database.session() as session:
        record_key, sealed, version = keyring.new_record_key(session, "agency:police", "r1", where)
        assert version == 1
        assert record_key.material not in sealed
        assert keyring.open_record_key(session, sealed, "r1", where) == record_key
        elsewhere = SealContext("police", "agency_records", "sealed_key", "r2")
        with pytest.raises(Exception, match="authentication failed"):
            keyring.open_record_key(session, sealed, "r2", elsewhere)
    assert "material" not in repr(keyring)


def test_agency_store_keys_through_pkcs11(database: Database, softhsm_token: SoftHsmToken) -> None:
    provider = Pkcs11KekProvider.ensure_key(
        softhsm_token.library_path,
        softhsm_token.token_label,
        softhsm_token.user_pin,
        key_label="kek-keyring-tests",
    )
    keyring = Keyring(provider)
    where = SealContext(owner="police", table="agency_records", column="sealed_key", row_id="r9")
    with database.session() as session:
        record_key, sealed, _ = keyring.new_record_key(session, "agency:police", "r9", where)
        session.commit()
    fresh = Keyring(provider)  # nothing cached: the agency key is unwrapped in the HSM
    with database.session() as session:
        assert fresh.open_record_key(session, sealed, "r9", where) == record_key
        [row] = session.execute(select(DataKeyRow)).scalars()
        assert row.provider == provider.name


class _CountingProvider(LocalFileKekProvider):
    """The file KEK provider, counting the data keys it is asked to unwrap."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.unwrapped: list[tuple[str, int]] = []

    def unwrap(self, wrapped: bytes, *, key_id: str, version: int) -> DataKey:
        self.unwrapped.append((key_id, version))
        return super().unwrap(wrapped, key_id=key_id, version=version)


def test_unwrapped_keys_are_kept_in_a_bounded_cache(database: Database, key_dir: Path) -> None:
    sealer = Keyring(LocalFileKekProvider(key_dir / "kek.bin"))
    blobs = {}
    with database.session() as session:
        for agency in ("police", "health", "education"):
            where = SealContext(agency, "agency_records", "x", "1")
            blobs[agency] = (sealer.seal(session, f"agency:{agency}", b"x", where), where)
        session.commit()
    provider = _CountingProvider(key_dir / "kek.bin")
    reader = Keyring(provider, cache_size=2)
    for agency in ("police", "health", "police", "education", "police", "health"):
        with database.session() as session:
            blob, where = blobs[agency]
            assert reader.open(session, blob, where) == b"x"
    # police stays (used again before education pushed one out); health went and came back.
    assert provider.unwrapped == [
        ("agency:police", 1),
        ("agency:health", 1),
        ("agency:education", 1),
        ("agency:health", 1),
    ]
    assert "cached=2" in repr(reader)


def test_a_key_version_read_with_the_value_decides_over_the_cache(
    database: Database, keyring: Keyring
) -> None:
    with database.session() as session:
        blob = keyring.seal(session, "agency:police", b"x", CONTEXT)
        session.commit()
    usable = StoredKeyVersion("agency:police", 1, "primary", b"not read: the key is cached")
    with database.session() as session:
        assert keyring.open_with(session, blob, CONTEXT, [usable]) == b"x"
        # Another process retired or shredded it: the state read beside the value refuses
        # the cached key, and drops it.
        for state in ("retired", "shredded"):
            gone = StoredKeyVersion("agency:police", 1, state, None)
            with pytest.raises(KeyUnavailable, match=state):
                keyring.open_with(session, blob, CONTEXT, [gone])
        assert "cached=0" in repr(keyring)
        # A version the statement did not return is looked up, as open() does.
        assert keyring.open_with(session, blob, CONTEXT, []) == b"x"


def test_a_case_key_is_sealed_under_the_hub_key_and_unwrapped_once_per_process(
    database: Database, key_dir: Path
) -> None:
    writer = Keyring(LocalFileKekProvider(key_dir / "kek.bin"))
    cases = [case_key_id(f"0000000{n}-0000-4000-8000-000000000000") for n in (1, 2)]
    where = hub_context("contacts", "sealed_details", "1")
    with database.session() as session:
        for key_id in cases:
            writer.new_case_key(session, key_id)
        blobs = {key_id: writer.seal(session, key_id, b"x", where) for key_id in cases}
        session.commit()
        row = session.scalars(select(DataKeyRow).where(DataKeyRow.key_id == cases[0])).one()
        # The case key's row holds it sealed under the hub key, never wrapped by the KEK.
        assert row.provider == "hub"
        assert row.wrapped is not None
        assert sealed_key_ref(row.wrapped) == (HUB_KEY_ID, 1)
    provider = _CountingProvider(key_dir / "kek.bin")
    reader = Keyring(provider, cache_size=2)
    for key_id in (cases[0], cases[0], cases[1], cases[0]):
        with database.session() as session:
            assert reader.open(session, blobs[key_id], where) == b"x"
    # The KEK unwrapped the hub key once; the second case pushed the first out of a cache
    # of two (hub, case), and it came back by one AES-GCM opening under the cached hub key.
    assert provider.unwrapped == [(HUB_KEY_ID, 1)]
    assert "cached=2" in repr(reader)
    with database.session() as session:
        assert writer.shred(session, cases[0]) == [1]
        session.commit()
    with database.session() as session, pytest.raises(CaseDestroyed):
        reader.open(session, blobs[cases[0]], where)
    with database.session() as session:
        # A destroyed case's key is never made again under its name.
        with pytest.raises(CaseDestroyed):
            reader.seal(session, cases[0], b"y", where)
        assert reader.open(session, blobs[cases[1]], where) == b"x"
