"""KEK providers: a local key file, and a PKCS#11 token (real SoftHSM2)."""

from __future__ import annotations

import os
import stat
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from hub.kit.crypto.envelope import DataKey, DecryptionError, SealContext, open_sealed, seal
from hub.kit.crypto.providers import (
    KekProvider,
    KekProviderError,
    KeyUnwrapError,
    LocalFileKekProvider,
    Pkcs11KekProvider,
)
from tests.kit.conftest import SoftHsmToken

# --- behaviour every provider shares --------------------------------------------------------


@pytest.fixture
def local_provider(tmp_path: Path) -> LocalFileKekProvider:
    return LocalFileKekProvider.create(tmp_path / "kek.bin")


@pytest.fixture
def pkcs11_provider(softhsm_token: SoftHsmToken) -> Pkcs11KekProvider:
    return Pkcs11KekProvider.ensure_key(
        softhsm_token.library_path,
        softhsm_token.token_label,
        softhsm_token.user_pin,
        key_label="kek-shared-tests",
    )


@pytest.fixture(params=["local-file", "pkcs11"])
def provider(request: pytest.FixtureRequest) -> KekProvider:
    fixture_name = {"local-file": "local_provider", "pkcs11": "pkcs11_provider"}[request.param]
    kek_provider: KekProvider = request.getfixturevalue(fixture_name)
    return kek_provider


def test_provider_satisfies_the_protocol(provider: KekProvider) -> None:
    assert isinstance(provider, KekProvider)


def test_wrap_unwrap_round_trip(provider: KekProvider) -> None:
    key = DataKey.generate("agency:police", 3)

    wrapped = provider.wrap(key)

    assert key.material not in wrapped
    assert provider.unwrap(wrapped, key_id="agency:police", version=3) == key


def test_unwrapped_key_opens_what_the_original_sealed(provider: KekProvider) -> None:
    key = DataKey.generate("agency:health", 1)
    context = SealContext(owner="health", table="agency_records", column="notes", row_id="42")
    blob = seal(key, b"GP note", context)

    unwrapped = provider.unwrap(provider.wrap(key), key_id="agency:health", version=1)

    assert open_sealed(unwrapped, blob, context) == b"GP note"


def test_wrapped_key_swapped_to_another_agency_does_not_unwrap(provider: KekProvider) -> None:
    police_wrapped = provider.wrap(DataKey.generate("agency:police", 1))

    with pytest.raises(KeyUnwrapError):
        provider.unwrap(police_wrapped, key_id="agency:health", version=1)


def test_wrapped_key_relabelled_to_another_version_does_not_unwrap(
    provider: KekProvider,
) -> None:
    wrapped = provider.wrap(DataKey.generate("agency:police", 1))

    with pytest.raises(KeyUnwrapError):
        provider.unwrap(wrapped, key_id="agency:police", version=2)


def test_every_tampered_byte_is_detected(provider: KekProvider) -> None:
    wrapped = provider.wrap(DataKey.generate("agency:police", 1))

    for position in range(len(wrapped)):
        tampered = bytearray(wrapped)
        tampered[position] ^= 0x01
        with pytest.raises(KeyUnwrapError):
            provider.unwrap(bytes(tampered), key_id="agency:police", version=1)


def test_truncated_wrapped_key_is_refused(provider: KekProvider) -> None:
    wrapped = provider.wrap(DataKey.generate("agency:police", 1))

    with pytest.raises(KeyUnwrapError):
        provider.unwrap(wrapped[:-1], key_id="agency:police", version=1)


def test_unwrap_failure_is_a_decryption_error_without_secrets(provider: KekProvider) -> None:
    key = DataKey.generate("agency:police", 1)
    wrapped = provider.wrap(key)

    with pytest.raises(DecryptionError) as failure:
        provider.unwrap(wrapped, key_id="agency:education", version=1)

    message = str(failure.value)
    assert key.material.hex() not in message
    assert wrapped.hex() not in message
    assert failure.value.__cause__ is None


# --- local key file ---------------------------------------------------------------------------


def test_created_key_file_is_owner_only_and_32_bytes(tmp_path: Path) -> None:
    path = tmp_path / "kek.bin"

    LocalFileKekProvider.create(path)

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.stat().st_size == 32


def test_create_ignores_a_permissive_umask(tmp_path: Path) -> None:
    previous = os.umask(0)
    try:
        LocalFileKekProvider.create(tmp_path / "kek.bin")
    finally:
        os.umask(previous)

    assert stat.S_IMODE((tmp_path / "kek.bin").stat().st_mode) == 0o600


def test_create_refuses_to_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "kek.bin"
    LocalFileKekProvider.create(path)
    original = path.read_bytes()

    with pytest.raises(KekProviderError, match="refusing to overwrite"):
        LocalFileKekProvider.create(path)

    assert path.read_bytes() == original


def test_reloaded_provider_unwraps_what_the_first_wrapped(tmp_path: Path) -> None:
    path = tmp_path / "kek.bin"
    key = DataKey.generate("agency:police", 1)
    wrapped = LocalFileKekProvider.create(path).wrap(key)

    assert LocalFileKekProvider(path).unwrap(wrapped, key_id="agency:police", version=1) == key


def test_another_kek_cannot_unwrap(tmp_path: Path) -> None:
    wrapped = LocalFileKekProvider.create(tmp_path / "a.bin").wrap(
        DataKey.generate("agency:police", 1)
    )

    with pytest.raises(KeyUnwrapError):
        LocalFileKekProvider.create(tmp_path / "b.bin").unwrap(
            wrapped, key_id="agency:police", version=1
        )


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660, 0o602])
def test_key_file_open_to_group_or_others_is_refused(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "kek.bin"
    LocalFileKekProvider.create(path)
    key_bytes = path.read_bytes()
    path.chmod(mode)

    with pytest.raises(KekProviderError, match="group or others") as failure:
        LocalFileKekProvider(path)

    assert str(path) in str(failure.value)
    assert key_bytes.hex() not in str(failure.value)


def test_owner_read_only_key_file_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "kek.bin"
    key = DataKey.generate("agency:police", 1)
    wrapped = LocalFileKekProvider.create(path).wrap(key)
    path.chmod(0o400)

    provider = LocalFileKekProvider(path)

    assert provider.unwrap(wrapped, key_id="agency:police", version=1) == key
    assert provider.unwrap(provider.wrap(key), key_id="agency:police", version=1) == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o400  # left as the operator set it


@pytest.mark.parametrize("length", [0, 16, 31, 33, 64])
def test_key_file_of_the_wrong_length_is_refused(tmp_path: Path, length: int) -> None:
    path = tmp_path / "kek.bin"
    path.write_bytes(b"k" * length)
    path.chmod(0o600)

    with pytest.raises(KekProviderError, match="exactly 32 bytes") as failure:
        LocalFileKekProvider(path)

    assert str(path) in str(failure.value)


def test_missing_key_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(KekProviderError, match="does not exist"):
        LocalFileKekProvider(tmp_path / "absent.bin")


def test_local_provider_repr_shows_no_key_bytes(tmp_path: Path) -> None:
    path = tmp_path / "kek.bin"
    provider = LocalFileKekProvider.create(path)

    assert path.read_bytes().hex() not in repr(provider)
    assert repr(path.read_bytes()) not in repr(provider)
    assert str(path) in repr(provider)


# --- PKCS#11 (SoftHSM2) -----------------------------------------------------------------------


def test_ensure_key_creates_a_non_extractable_sensitive_kek(softhsm_token: SoftHsmToken) -> None:
    import pkcs11

    label = f"kek-{uuid.uuid4()}"
    Pkcs11KekProvider.ensure_key(
        softhsm_token.library_path, softhsm_token.token_label, softhsm_token.user_pin, label
    )

    token = pkcs11.lib(softhsm_token.library_path).get_token(token_label=softhsm_token.token_label)
    # The provider holds the process's login; a PIN-less session shares it.
    with token.open() as session:
        kek = session.get_key(label=label)
        assert kek[pkcs11.Attribute.SENSITIVE] is True
        assert kek[pkcs11.Attribute.EXTRACTABLE] is False
        assert kek[pkcs11.Attribute.TOKEN] is True
        with pytest.raises(pkcs11.PKCS11Error):
            kek[pkcs11.Attribute.VALUE]


def test_ensure_key_keeps_an_existing_kek(softhsm_token: SoftHsmToken) -> None:
    label = f"kek-{uuid.uuid4()}"
    arguments = (softhsm_token.library_path, softhsm_token.token_label, softhsm_token.user_pin)
    first = Pkcs11KekProvider.ensure_key(*arguments, label)
    key = DataKey.generate("agency:police", 1)
    wrapped = first.wrap(key)

    second = Pkcs11KekProvider.ensure_key(*arguments, label)

    assert second.unwrap(wrapped, key_id="agency:police", version=1) == key


def test_different_token_keys_cannot_unwrap_each_other(softhsm_token: SoftHsmToken) -> None:
    arguments = (softhsm_token.library_path, softhsm_token.token_label, softhsm_token.user_pin)
    first = Pkcs11KekProvider.ensure_key(*arguments, f"kek-{uuid.uuid4()}")
    second = Pkcs11KekProvider.ensure_key(*arguments, f"kek-{uuid.uuid4()}")

    with pytest.raises(KeyUnwrapError):
        second.unwrap(
            first.wrap(DataKey.generate("agency:police", 1)), key_id="agency:police", version=1
        )


def test_missing_token_key_is_reported_at_construction(softhsm_token: SoftHsmToken) -> None:
    with pytest.raises(KekProviderError, match="no AES key labelled"):
        Pkcs11KekProvider(
            softhsm_token.library_path,
            softhsm_token.token_label,
            softhsm_token.user_pin,
            key_label="never-created",
        )


def test_second_pin_for_the_same_token_is_refused(
    softhsm_token: SoftHsmToken, pkcs11_provider: Pkcs11KekProvider
) -> None:
    with pytest.raises(KekProviderError, match="different PIN") as failure:
        Pkcs11KekProvider(
            softhsm_token.library_path, softhsm_token.token_label, "9999", "kek-shared-tests"
        )

    assert "9999" not in str(failure.value)


def test_unknown_token_is_reported(softhsm_token: SoftHsmToken) -> None:
    with pytest.raises(KekProviderError, match="not available"):
        Pkcs11KekProvider(softhsm_token.library_path, "no-such-token", "1234", "kek")


def test_concurrent_wraps_and_unwraps_from_many_threads(
    pkcs11_provider: Pkcs11KekProvider,
) -> None:
    keys = [DataKey.generate(f"record:{index}", 1) for index in range(64)]

    def round_trip(key: DataKey) -> DataKey:
        return pkcs11_provider.unwrap(pkcs11_provider.wrap(key), key_id=key.key_id, version=1)

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(round_trip, keys))

    assert results == keys


def test_pkcs11_provider_repr_shows_no_pin(
    softhsm_token: SoftHsmToken, pkcs11_provider: Pkcs11KekProvider
) -> None:
    assert softhsm_token.user_pin not in repr(pkcs11_provider)
    assert pkcs11_provider.name == f"pkcs11:{softhsm_token.token_label}/kek-shared-tests"
