"""What a person wrote for an audit entry: sealed beside the log, committed to in it.

The log is append-only and its entries are evidence for ever, so nothing a person wrote
(a reason, a stated purpose) is kept in an entry in clear. The text is sealed (AES-256-GCM,
:mod:`hub.kit.crypto.envelope`) into ``audit_texts``, under the key of the case the
transaction works on (:func:`hub.keys.service.work_on_case`), so that it is destroyed with
the case under the retention schedule, or else under the hub key; and the entry
keeps only a keyed commitment to it: HMAC-SHA256 under the audit commitment key (a hub key
of its own, never a sealing key) over a random nonce and the text. The commitment is in
the entry's leaf, so

- whoever opens the text can check it is what was logged (:func:`open_text` does);
- without the commitment key a guessed text cannot be tested against a commitment, as it
  could against a plain hash, and the nonce makes equal texts give unlike commitments;
- the tree verifies without either key, and still does once the text or its key is
  destroyed (the commitment then binds to nothing anyone can recover).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import struct
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.orm import Session

from hub.keys.service import HUB_KEY_ID, CaseDestroyed, Keyring, case_in_hand, hub_context
from hub.kit.crypto.envelope import SealContext, sealed_key_ref

TEXTS_TABLE = "audit_texts"
_LABEL = b"mash-hub/audit-text/v1"
_NONCE_BYTES = 16
_LENGTH = struct.Struct(">I")


class TextUnavailable(Exception):
    """The sealed text is gone, cannot be opened, or is not what the entry committed to."""


class TextDestroyed(TextUnavailable):
    """The text was sealed under a case's key, destroyed under the retention schedule."""


@dataclass(frozen=True, slots=True)
class SealedText:
    commitment: str
    sealed: bytes
    # Sealed in a read's transaction: the key version whose seal the storing one counts.
    count_later: tuple[str, int] | None = None


def _context(commitment: str) -> SealContext:
    return hub_context(TEXTS_TABLE, "sealed_text", commitment)


def _commit(key: bytes, nonce: bytes, text: Mapping[str, str]) -> str:
    body = json.dumps(dict(text), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    message = b"".join(_LENGTH.pack(len(part)) + part for part in (_LABEL, nonce, body.encode()))
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def seal_text(
    session: Session, keyring: Keyring, text: Mapping[str, str], *, in_read: bool
) -> SealedText:
    """Seal ``text`` (name -> what was written) and commit to it."""
    nonce = os.urandom(_NONCE_BYTES)
    commitment = _commit(keyring.commitment_key(session), nonce, text)
    payload = json.dumps({"nonce": nonce.hex(), "text": dict(text)}).encode()
    key_id = case_in_hand(session) or HUB_KEY_ID
    if in_read:
        # A read's transaction may not make a key: a case recorded before cases had keys
        # of their own has none, and its reads' texts are sealed under the hub key.
        if key_id != HUB_KEY_ID and not keyring.has_case_key(session, key_id):
            key_id = HUB_KEY_ID
        sealed, key = keyring.seal_counted_later(session, key_id, payload, _context(commitment))
        return SealedText(commitment, sealed, key)
    try:
        return SealedText(commitment, keyring.seal(session, key_id, payload, _context(commitment)))
    except CaseDestroyed:
        # Written about a case already destroyed (an IG officer opening one of its
        # entries, say): the hub key seals it.
        return SealedText(
            commitment, keyring.seal(session, HUB_KEY_ID, payload, _context(commitment))
        )


def sealed_under(sealed: bytes) -> str:
    """The key id a sealed text's header names (a case's, or the hub's)."""
    return sealed_key_ref(sealed)[0]


def open_text(session: Session, keyring: Keyring, commitment: str, sealed: bytes) -> dict[str, str]:
    """The text an entry committed to; raises :class:`TextUnavailable` if it cannot be had."""
    try:
        payload = json.loads(keyring.open(session, sealed, _context(commitment)))
        text = {str(k): str(v) for k, v in payload["text"].items()}
        nonce = bytes.fromhex(payload["nonce"])
    except CaseDestroyed:
        raise TextDestroyed("the case's key was destroyed") from None
    except Exception:  # a destroyed key, a damaged value: the caller learns only that
        raise TextUnavailable("the sealed text cannot be opened") from None
    if not hmac.compare_digest(_commit(keyring.commitment_key(session), nonce, text), commitment):
        raise TextUnavailable("the sealed text is not what the entry committed to")
    return text
