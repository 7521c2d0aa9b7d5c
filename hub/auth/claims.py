"""Who a person is in the hub, from their identity provider's claims.

A council's IdP says which groups or app roles a person holds (Entra ID sends ``roles`` or
``groups``); the hub's settings say which of those values means which hub role, and for
agency representatives and operational practitioners which agency or team. A person whose
claims map to no hub role, or to more than one, is refused: the hub never guesses.

The same mapping serves the browser's sign-in and bearer tokens from the same IdP, so a
person is the same ``Principal`` whichever way they come in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from hub.auth.principal import Principal, Role


class Refusal(StrEnum):
    no_role = "no_role"
    conflicting_roles = "conflicting_roles"
    no_subject = "no_subject"


class ClaimsRefused(Exception):
    """The claims give no single hub role. ``reason`` says which way, never the values."""

    def __init__(self, reason: Refusal) -> None:
        super().__init__(str(reason))
        self.reason = reason


@dataclass(frozen=True, slots=True)
class HubRole:
    role: Role
    agency: str | None = None
    team: str | None = None


@dataclass(frozen=True)
class ClaimsMapping:
    claim: str
    roles: Mapping[str, HubRole]

    @classmethod
    def parse(
        cls,
        claim: str,
        entries: Iterable[str],
        *,
        agencies: Iterable[str],
        teams: Iterable[str],
    ) -> ClaimsMapping:
        """``value=role`` or ``value=role:agency_or_team`` entries, as in HUB_IDP_ROLE_MAP."""
        known_agencies, known_teams = frozenset(agencies), frozenset(teams)
        roles: dict[str, HubRole] = {}
        for entry in entries:
            value, _, target = entry.partition("=")
            role_name, _, scope = target.strip().partition(":")
            value, scope = value.strip(), scope.strip()
            if not value or not role_name:
                raise ValueError("each role map entry is value=role or value=role:scope")
            try:
                role = Role(role_name.strip())
            except ValueError:
                raise ValueError(f"the role map names an unknown role: {role_name}") from None
            if role is Role.agency_rep:
                if scope not in known_agencies:
                    raise ValueError("an agency representative's entry names a known agency")
                roles[value] = HubRole(role, agency=scope)
            elif role is Role.operational:
                if scope not in known_teams:
                    raise ValueError("an operational practitioner's entry names a known team")
                roles[value] = HubRole(role, team=scope)
            elif scope:
                raise ValueError("only agency representatives and operational teams have a scope")
            else:
                roles[value] = HubRole(role)
        return cls(claim, roles)

    def hub_role(self, claims: Mapping[str, Any]) -> HubRole:
        held = claims.get(self.claim)
        values = [held] if isinstance(held, str) else list(held) if isinstance(held, list) else []
        found = {
            self.roles[value] for value in values if isinstance(value, str) and value in self.roles
        }
        if not found:
            raise ClaimsRefused(Refusal.no_role)
        if len(found) > 1:
            raise ClaimsRefused(Refusal.conflicting_roles)
        return found.pop()

    def principal(self, claims: Mapping[str, Any], *, token_id: str | None = None) -> Principal:
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject:
            raise ClaimsRefused(Refusal.no_subject)
        granted = self.hub_role(claims)
        return Principal(
            sub=subject,
            role=granted.role,
            agency=granted.agency,
            team=granted.team,
            token_id=token_id,
        )
