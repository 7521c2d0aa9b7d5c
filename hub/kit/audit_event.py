"""The shape of one audit event: the firewall fills it for each decision, the audit log keeps it.

It lives in the kit so that the decision point (``hub.policy``) and the log (``hub.audit``)
share it without importing each other.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum


class Outcome(StrEnum):
    allowed = "allowed"
    denied = "denied"


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """What happened, in the terms an information-governance officer needs.

    ``purpose`` and ``reason`` are kept in clear, so they hold only what the hub writes
    itself (codes, counts, fixed words). What a person wrote (a reason, a stated purpose)
    goes in ``free_text``, by name: the log keeps it sealed, with a keyed commitment to it
    in the entry's leaf (see :mod:`hub.audit.sealing`).
    """

    action: str
    resource_kind: str
    outcome: Outcome
    rule: str
    resource_id: str | None = None
    resource_owner: str | None = None
    purpose: str | None = None
    lawful_basis: str | None = None
    consent: str | None = None
    reason: str | None = None
    subject_ids: Sequence[str] = field(default_factory=tuple)
    content_hash: str | None = None
    free_text: Mapping[str, str] | None = None
