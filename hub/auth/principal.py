"""Who is making a request."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    referrer = "referrer"
    mash_admin = "mash_admin"
    mash_social_worker = "mash_social_worker"
    mash_manager = "mash_manager"
    agency_rep = "agency_rep"
    operational = "operational"
    ig_officer = "ig_officer"
    sysadmin = "sysadmin"


HUB_ROLES = frozenset({Role.mash_admin, Role.mash_social_worker, Role.mash_manager})
PUBLIC_SUB = "public"


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller of a request, from a verified token (or the anonymous public referrer)."""

    sub: str
    role: Role
    agency: str | None = None
    team: str | None = None
    token_id: str | None = None

    @property
    def scope(self) -> str:
        """What "own" means for this caller: their agency, their team, or (referrers) themselves."""
        if self.role is Role.agency_rep:
            return self.agency or ""
        if self.role is Role.operational:
            return self.team or ""
        if self.role is Role.referrer and self.sub != PUBLIC_SUB:
            # The anonymous public share one sub, so they own nothing in common.
            return self.sub
        return ""

    @property
    def is_public(self) -> bool:
        return self.role is Role.referrer and self.sub == PUBLIC_SUB

    @classmethod
    def public(cls) -> Principal:
        return cls(sub=PUBLIC_SUB, role=Role.referrer)
