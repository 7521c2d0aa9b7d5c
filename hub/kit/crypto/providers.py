"""Key-encryption-key (KEK) providers: wrap and unwrap data keys.

The KEK never leaves its provider and never sits in the database; the database stores
only wrapped data keys. Both providers produce the same wrapped format::

    format version   1 byte   (currently 1)
    nonce            12 bytes, random
    ciphertext+tag   32 + 16 bytes   (AES-256-GCM of the data key material)

The associated data binds the wrapped key to its ``key_id`` and ``version``: a wrapped key
copied from one agency's row to another's (or from version 3 to version 4) fails to
unwrap, so a swap in the database cannot hand one agency's key to another's data.

Random 96-bit nonces are safe here: a KEK wraps one data key per agency or record per
rotation, many orders of magnitude below the 2**32 AES-GCM limit.
"""

from __future__ import annotations

import hmac
import os
import stat
import struct
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Protocol, Self, TypeVar, cast, runtime_checkable

import pkcs11
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pkcs11.types import DecryptMixin, EncryptMixin

from hub.kit.crypto.envelope import (
    DATA_KEY_BYTES,
    DataKey,
    DecryptionError,
    _validate_key_id,
    _validate_key_version,
)

__all__ = [
    "KEK_BYTES",
    "KekProvider",
    "KekProviderError",
    "KeyUnwrapError",
    "LocalFileKekProvider",
    "Pkcs11KekProvider",
    "close_pkcs11_sessions",
]

KEK_BYTES = 32
WRAP_FORMAT_VERSION = 1
_NONCE_BYTES = 12
_TAG_BYTES = 16
_WRAPPED_BYTES = 1 + _NONCE_BYTES + DATA_KEY_BYTES + _TAG_BYTES
_WRAP_LABEL = b"mash-hub/kek-wrap/v1"
_FIELD_LENGTH = struct.Struct(">I")
_KEY_VERSION = struct.Struct(">I")

_Result = TypeVar("_Result")


class KeyUnwrapError(DecryptionError):
    """A wrapped data key could not be unwrapped (wrong KEK, wrong key_id/version, tampered)."""


class KekProviderError(Exception):
    """A KEK provider is misconfigured or unavailable; the message never holds key bytes."""


@runtime_checkable
class KekProvider(Protocol):
    """Wraps and unwraps data keys under a KEK that stays inside the provider."""

    @property
    def name(self) -> str:
        """A stable label for the KEK, stored beside wrapped keys to pick the provider."""
        ...

    def wrap(self, key: DataKey) -> bytes:
        """Encrypt the data key's material, bound to its key_id and version."""
        ...

    def unwrap(self, wrapped: bytes, *, key_id: str, version: int) -> DataKey:
        """Recover a data key; raise :class:`KeyUnwrapError` unless it was wrapped for
        exactly this key_id and version under this KEK."""
        ...


def _binding(key_id: str, version: int) -> bytes:
    """Associated data for a wrapped key: label, key_id and version, length-prefixed."""
    # Same rules as DataKey, so a binding can never be built for a name no key could have.
    encoded_key_id = _validate_key_id(key_id)
    _validate_key_version(version)
    return b"".join(
        _FIELD_LENGTH.pack(len(field)) + field
        for field in (_WRAP_LABEL, encoded_key_id, _KEY_VERSION.pack(version))
    )


def _split_wrapped(wrapped: bytes) -> tuple[bytes, bytes]:
    """Return (nonce, ciphertext) or raise :class:`KeyUnwrapError`."""
    if not isinstance(wrapped, bytes) or len(wrapped) != _WRAPPED_BYTES:
        raise KeyUnwrapError("wrapped data key could not be unwrapped: wrong length")
    if wrapped[0] != WRAP_FORMAT_VERSION:
        raise KeyUnwrapError("wrapped data key could not be unwrapped: unsupported format")
    return wrapped[1 : 1 + _NONCE_BYTES], wrapped[1 + _NONCE_BYTES :]


def _checked_key(material: bytes, *, key_id: str, version: int) -> DataKey:
    if len(material) != DATA_KEY_BYTES:
        raise KeyUnwrapError("wrapped data key could not be unwrapped: wrong key length")
    return DataKey(key_id=key_id, version=version, material=material)


class LocalFileKekProvider:
    """A 32-byte KEK in a local file readable by its owner only (mode 0600 or stricter).

    Suitable for development and small installations; a council with an HSM uses
    :class:`Pkcs11KekProvider`. The key bytes live only inside an ``AESGCM`` object.
    """

    name = "local-file"

    def __init__(self, path: Path) -> None:
        self._path = Path(path)
        self._aead = AESGCM(self._read_kek(self._path))

    @classmethod
    def create(cls, path: Path) -> Self:
        """Write a new random KEK to ``path`` (mode 0600) and return its provider.

        Refuses to overwrite an existing file: replacing a KEK would orphan every data key
        wrapped under it.
        """
        path = Path(path)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
        try:
            # Created 0600 from the start, so it is never readable by others, even briefly.
            descriptor = os.open(path, flags, 0o600)
        except FileExistsError:
            raise KekProviderError(f"refusing to overwrite existing KEK file {path}") from None
        try:
            with os.fdopen(descriptor, "wb") as kek_file:
                kek_file.write(AESGCM.generate_key(bit_length=256))
                kek_file.flush()
                os.fsync(kek_file.fileno())
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return cls(path)

    @staticmethod
    def _read_kek(path: Path) -> bytes:
        try:
            descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        except FileNotFoundError:
            raise KekProviderError(f"KEK file {path} does not exist") from None
        with os.fdopen(descriptor, "rb") as kek_file:
            # fstat on the open file, not stat on the path, so the file checked is the
            # file read even if the path is swapped in between.
            status = os.fstat(kek_file.fileno())
            if not stat.S_ISREG(status.st_mode):
                raise KekProviderError(f"KEK file {path} is not a regular file")
            if status.st_mode & 0o077:
                raise KekProviderError(
                    f"KEK file {path} is accessible to group or others "
                    f"(mode {stat.S_IMODE(status.st_mode):04o}); run: chmod 600 {path}"
                )
            kek = kek_file.read(KEK_BYTES + 1)
        if len(kek) != KEK_BYTES:
            raise KekProviderError(f"KEK file {path} must hold exactly {KEK_BYTES} bytes")
        return kek

    def wrap(self, key: DataKey) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        ciphertext = self._aead.encrypt(nonce, key.material, _binding(key.key_id, key.version))
        return bytes([WRAP_FORMAT_VERSION]) + nonce + ciphertext

    def unwrap(self, wrapped: bytes, *, key_id: str, version: int) -> DataKey:
        nonce, ciphertext = _split_wrapped(wrapped)
        try:
            material = self._aead.decrypt(nonce, ciphertext, _binding(key_id, version))
        except InvalidTag:
            raise KeyUnwrapError(
                "wrapped data key could not be unwrapped: wrong KEK, key_id or version, "
                "or the wrapped key was altered"
            ) from None
        return _checked_key(material, key_id=key_id, version=version)

    def __repr__(self) -> str:
        return f"LocalFileKekProvider(path={str(self._path)!r})"


# --- PKCS#11 -------------------------------------------------------------------------------
#
# Mechanism choice. The KEK is an AES-256 secret key generated inside the token, sensitive
# and non-extractable, with only the ENCRYPT and DECRYPT capabilities. Wrapping is
# CKM_AES_GCM encryption of the data key material *inside the token*, with the key_id and
# version as GCM associated data. We use encrypt/decrypt rather than C_WrapKey because
# the data key is generated and used in this process anyway (sealing happens here), so
# importing it into the token first would add nothing but a temporary object; and GCM
# gives the key_id/version binding natively, which CKM_AES_KEY_WRAP_PAD cannot (it has no
# associated data, and SoftHSM2 mislabels its KWP mechanism). SoftHSM2 2.6 supports
# CKM_AES_GCM through python-pkcs11's GCMParams (a failed tag check surfaces as
# CKR_GENERAL_ERROR); check a production HSM's mechanism list for CKM_AES_GCM.
#
# Sessions. PKCS#11 login state belongs to the whole process per token: a second C_Login
# fails with "already logged in", and C_Logout on any session logs out every session. So
# all providers for one (library, token) share one logged-in session, guarded by a lock,
# because a PKCS#11 session must not run two operations at once.


class _SharedTokenSession:
    """One logged-in read-write session per (library, token), used under a lock."""

    def __init__(self, library_path: str, token_label: str, user_pin: str) -> None:
        self.library_path = library_path
        self.token_label = token_label
        self._user_pin = user_pin
        self._lock = threading.Lock()
        self._session: pkcs11.Session | None = None

    def pin_matches(self, user_pin: str) -> bool:
        return hmac.compare_digest(self._user_pin.encode("utf-8"), user_pin.encode("utf-8"))

    def _open(self) -> pkcs11.Session:
        try:
            token = pkcs11.lib(self.library_path).get_token(token_label=self.token_label)
        except (pkcs11.PKCS11Error, RuntimeError) as error:
            raise KekProviderError(
                f"PKCS#11 token {self.token_label!r} is not available ({type(error).__name__})"
            ) from None
        try:
            return token.open(rw=True, user_pin=self._user_pin)
        except pkcs11.UserAlreadyLoggedIn:
            # Another part of this process logged in to the token; a session opened
            # without a PIN shares that login.
            return token.open(rw=True)
        except pkcs11.PKCS11Error as error:
            raise KekProviderError(
                f"could not log in to PKCS#11 token {self.token_label!r} ({type(error).__name__})"
            ) from None

    def run(self, operation: Callable[[pkcs11.Session], _Result]) -> _Result:
        """Run ``operation(session)`` under the lock, reopening a lost session once."""
        with self._lock:
            if self._session is None:
                self._session = self._open()
            try:
                return operation(self._session)
            except (pkcs11.SessionClosed, pkcs11.SessionHandleInvalid, pkcs11.UserNotLoggedIn):
                # The token restarted, or something else in this process logged out.
                self._session = None
                self._session = self._open()
                return operation(self._session)

    def close(self) -> None:
        with self._lock:
            if self._session is not None:
                session, self._session = self._session, None
                session.close()


_shared_sessions: dict[tuple[str, str], _SharedTokenSession] = {}
_shared_sessions_lock = threading.Lock()


def _shared_session(library_path: str, token_label: str, user_pin: str) -> _SharedTokenSession:
    with _shared_sessions_lock:
        shared = _shared_sessions.get((library_path, token_label))
        if shared is None:
            shared = _SharedTokenSession(library_path, token_label, user_pin)
            _shared_sessions[(library_path, token_label)] = shared
        elif not shared.pin_matches(user_pin):
            raise KekProviderError(
                f"PKCS#11 token {token_label!r} is already in use in this process "
                "with a different PIN"
            )
        return shared


def close_pkcs11_sessions() -> None:
    """Close every shared PKCS#11 session (at shutdown, or between tests)."""
    with _shared_sessions_lock:
        sessions = list(_shared_sessions.values())
        _shared_sessions.clear()
    for shared in sessions:
        shared.close()


class _TokenKek(EncryptMixin, DecryptMixin):
    """Type of a key object that can both encrypt and decrypt (for narrowing only)."""


def _find_kek(session: pkcs11.Session, key_label: str) -> pkcs11.Key:
    return session.get_key(
        key_type=pkcs11.KeyType.AES,
        object_class=pkcs11.ObjectClass.SECRET_KEY,
        label=key_label,
    )


class Pkcs11KekProvider:
    """A KEK held in a PKCS#11 token (an HSM, or SoftHSM2 in tests).

    Wrap and unwrap run inside the token; the KEK's bytes are never in this process.
    Safe to share between threads.
    """

    name: str

    def __init__(self, library_path: str, token_label: str, user_pin: str, key_label: str) -> None:
        self._shared = _shared_session(library_path, token_label, user_pin)
        self._key_label = key_label
        self.name = f"pkcs11:{token_label}/{key_label}"
        # Fail at start-up, not at the first wrap, if the KEK is missing or unsafe.
        self._shared.run(self._kek)

    @classmethod
    def ensure_key(cls, library_path: str, token_label: str, user_pin: str, key_label: str) -> Self:
        """Generate the KEK in the token unless a key has ``key_label``; return the provider."""

        def find_or_generate(session: pkcs11.Session) -> None:
            try:
                _find_kek(session, key_label)
            except pkcs11.NoSuchKey:
                session.generate_key(
                    pkcs11.KeyType.AES,
                    KEK_BYTES * 8,
                    label=key_label,
                    store=True,
                    capabilities=pkcs11.MechanismFlag.ENCRYPT | pkcs11.MechanismFlag.DECRYPT,
                    template={
                        pkcs11.Attribute.TOKEN: True,
                        pkcs11.Attribute.PRIVATE: True,
                        pkcs11.Attribute.SENSITIVE: True,
                        pkcs11.Attribute.EXTRACTABLE: False,
                        pkcs11.Attribute.WRAP: False,
                        pkcs11.Attribute.UNWRAP: False,
                    },
                )

        _shared_session(library_path, token_label, user_pin).run(find_or_generate)
        return cls(library_path, token_label, user_pin, key_label)

    def _kek(self, session: pkcs11.Session) -> _TokenKek:
        try:
            kek = _find_kek(session, self._key_label)
        except pkcs11.NoSuchKey:
            raise KekProviderError(
                f"no AES key labelled {self._key_label!r} in PKCS#11 token "
                f"{self._shared.token_label!r}"
            ) from None
        except pkcs11.MultipleObjectsReturned:
            raise KekProviderError(
                f"more than one AES key labelled {self._key_label!r} in PKCS#11 token "
                f"{self._shared.token_label!r}"
            ) from None
        if not (isinstance(kek, EncryptMixin) and isinstance(kek, DecryptMixin)):
            raise KekProviderError(f"PKCS#11 key {self._key_label!r} cannot encrypt and decrypt")
        # A KEK that can be read out of the token is no better than a key file.
        if not kek[pkcs11.Attribute.SENSITIVE] or kek[pkcs11.Attribute.EXTRACTABLE]:
            raise KekProviderError(
                f"PKCS#11 key {self._key_label!r} is extractable or not sensitive; "
                "refusing to use it as a KEK"
            )
        return cast(_TokenKek, kek)

    def wrap(self, key: DataKey) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        parameters = pkcs11.GCMParams(nonce, _binding(key.key_id, key.version), _TAG_BYTES * 8)

        def encrypt(session: pkcs11.Session) -> bytes:
            ciphertext = self._kek(session).encrypt(
                key.material, mechanism=pkcs11.Mechanism.AES_GCM, mechanism_param=parameters
            )
            if not isinstance(ciphertext, bytes):
                raise KekProviderError("PKCS#11 token returned a stream for a one-shot encrypt")
            return ciphertext

        return bytes([WRAP_FORMAT_VERSION]) + nonce + self._shared.run(encrypt)

    def unwrap(self, wrapped: bytes, *, key_id: str, version: int) -> DataKey:
        nonce, ciphertext = _split_wrapped(wrapped)
        parameters = pkcs11.GCMParams(nonce, _binding(key_id, version), _TAG_BYTES * 8)

        def decrypt(session: pkcs11.Session) -> bytes:
            kek = self._kek(session)
            try:
                material = kek.decrypt(
                    ciphertext, mechanism=pkcs11.Mechanism.AES_GCM, mechanism_param=parameters
                )
            except (pkcs11.GeneralError, pkcs11.EncryptedDataInvalid) as error:
                # SoftHSM2 reports a failed GCM tag check as CKR_GENERAL_ERROR; HSMs
                # commonly use CKR_ENCRYPTED_DATA_INVALID.
                raise KeyUnwrapError(
                    "wrapped data key could not be unwrapped: wrong KEK, key_id or "
                    f"version, or the wrapped key was altered ({type(error).__name__})"
                ) from None
            if not isinstance(material, bytes):
                raise KekProviderError("PKCS#11 token returned a stream for a one-shot decrypt")
            return material

        return _checked_key(self._shared.run(decrypt), key_id=key_id, version=version)

    def __repr__(self) -> str:
        return f"Pkcs11KekProvider(name={self.name!r})"
