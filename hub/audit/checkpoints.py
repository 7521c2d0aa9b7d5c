"""Signed checkpoints: what a tree head says and how its signature is checked."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import datetime

from hub.kit.crypto.signing import CheckpointSigner, verify_ed25519

CHECKPOINT_LABEL = "mash-hub audit checkpoint v1"


@dataclass(frozen=True, slots=True)
class SignedCheckpoint:
    tree_size: int
    root_hash: str
    signed_at: str  # ISO 8601, UTC
    key_id: str
    signature: str  # base64

    def message(self) -> bytes:
        return checkpoint_message(self.tree_size, self.root_hash, self.signed_at)

    def as_json(self) -> dict[str, object]:
        return {
            "tree_size": self.tree_size,
            "root_hash": self.root_hash,
            "signed_at": self.signed_at,
            "key_id": self.key_id,
            "signature": self.signature,
        }


def checkpoint_message(tree_size: int, root_hash: str, signed_at: str) -> bytes:
    """The exact bytes signed: a label, the size, the root and the time, one per line."""
    return f"{CHECKPOINT_LABEL}\n{tree_size}\n{root_hash}\n{signed_at}\n".encode()


def key_id_for(public_key_pem: bytes) -> str:
    return hashlib.sha256(public_key_pem).hexdigest()[:16]


def sign_checkpoint(
    signer: CheckpointSigner, tree_size: int, root_hash: str, signed_at: datetime
) -> SignedCheckpoint:
    when = signed_at.isoformat(timespec="microseconds")
    signature = signer.sign(checkpoint_message(tree_size, root_hash, when))
    return SignedCheckpoint(
        tree_size=tree_size,
        root_hash=root_hash,
        signed_at=when,
        key_id=key_id_for(signer.public_key_pem()),
        signature=base64.b64encode(signature).decode(),
    )


def signature_valid(checkpoint: SignedCheckpoint, public_key_pem: bytes) -> bool:
    try:
        signature = base64.b64decode(checkpoint.signature, validate=True)
    except ValueError:
        return False
    return verify_ed25519(public_key_pem, checkpoint.message(), signature)
