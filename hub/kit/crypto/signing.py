"""Signing recipes: the hub's ES256 token keys and Ed25519 checkpoint keys.

Key files are written with mode 0600 from the first byte and never printed.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519


class KeyFileError(RuntimeError):
    """A key file is missing, unreadable or too widely readable."""


def write_private_file(path: Path, data: bytes) -> None:
    """Create ``path`` with mode 0600 and write ``data``; never overwrite an existing key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def read_private_file(path: Path) -> bytes:
    if not path.exists():
        raise KeyFileError(f"key file {path} does not exist; run `mash-hub init`")
    if path.stat().st_mode & 0o077:
        raise KeyFileError(f"key file {path} is readable by others; chmod 600 it")
    return path.read_bytes()


def generate_es256_pem() -> tuple[bytes, bytes]:
    """A new P-256 key pair as (private PKCS#8 PEM, public SubjectPublicKeyInfo PEM)."""
    private_key = ec.generate_private_key(ec.SECP256R1())
    private_pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public_pem = private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private_pem, public_pem


class CheckpointSigner:
    """Ed25519 signer for audit checkpoints. Its repr never shows the key."""

    def __init__(self, private_key: ed25519.Ed25519PrivateKey) -> None:
        self._private_key = private_key

    def __repr__(self) -> str:
        return "CheckpointSigner(<private key hidden>)"

    @classmethod
    def generate(cls) -> CheckpointSigner:
        return cls(ed25519.Ed25519PrivateKey.generate())

    @classmethod
    def load(cls, path: Path) -> CheckpointSigner:
        raw = read_private_file(path)
        key = serialization.load_pem_private_key(raw, password=None)
        if not isinstance(key, ed25519.Ed25519PrivateKey):
            raise KeyFileError(f"key file {path} is not an Ed25519 private key")
        return cls(key)

    def save(self, path: Path) -> None:
        write_private_file(
            path,
            self._private_key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
        )

    def sign(self, message: bytes) -> bytes:
        return self._private_key.sign(message)

    def public_key_pem(self) -> bytes:
        return self._private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )


def verify_ed25519(public_key_pem: bytes, message: bytes, signature: bytes) -> bool:
    """True when ``signature`` is a valid Ed25519 signature of ``message``."""
    key = serialization.load_pem_public_key(public_key_pem)
    if not isinstance(key, ed25519.Ed25519PublicKey):
        return False
    try:
        key.verify(signature, message)
    except InvalidSignature:
        return False
    return True


def es256_public_jwk(public_pem: bytes, kid: str) -> dict[str, str]:
    """The JWK form of an ES256 public key, for publishing a JWKS."""
    import base64

    key = serialization.load_pem_public_key(public_pem)
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise KeyFileError("not an elliptic-curve public key")
    numbers = key.public_numbers()

    def b64(value: int) -> str:
        return base64.urlsafe_b64encode(value.to_bytes(32, "big")).rstrip(b"=").decode()

    return {
        "kty": "EC",
        "crv": "P-256",
        "x": b64(numbers.x),
        "y": b64(numbers.y),
        "use": "sig",
        "alg": "ES256",
        "kid": kid,
    }
