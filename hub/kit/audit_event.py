"""The shape of one audit event: the firewall fills it for each decision, the audit log keeps it.

It lives in the kit so that the decision point (``hub.policy``) and the log (``hub.audit``)
share it without importing each other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum


class Outcome(StrEnum):
    allowed = "allowed"
    denied = "denied"


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """What happened, in the terms an information-governance officer needs."""

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
