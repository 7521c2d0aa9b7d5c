"""Blind indexes of police notifications: the home, the police reference, the whole notification.

Each under its own sub-key of the hub's linkage key, so none can be joined with another or
with a person index.
"""

from __future__ import annotations

from hub.kit.crypto.blind import LinkageKey, blind_index
from hub.people.address import AddressIndexer

POLICE_REFERENCE_PURPOSE = "da-police-reference"
NOTIFICATION_DIGEST_PURPOSE = "da-notification-digest"


class NotificationIndexer(AddressIndexer):
    """Blind indexes of a notification's address, police reference and content digest."""

    __slots__ = ("_digest", "_reference")

    def __init__(self, linkage: LinkageKey) -> None:
        super().__init__(linkage)
        self._reference = linkage.derive_for(POLICE_REFERENCE_PURPOSE)
        self._digest = linkage.derive_for(NOTIFICATION_DIGEST_PURPOSE)

    def police_reference(self, normalised_reference: str) -> bytes:
        return blind_index(self._reference, "police_reference", normalised_reference)

    def notification_digest(self, canonical: str) -> bytes:
        return blind_index(self._digest, "da_notification", canonical)
