"""What a system administrator manages: the firewall policy, the keys, the agencies and
teams as configured. No personal content is read here: keys and records are counted, never
opened, and every answer passes the firewall and is on the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from hub.audit import service as audit
from hub.auth.principal import Principal
from hub.keys.models import DataKeyRow
from hub.keys.service import (
    ACTIVE,
    AGENCY_KEY_PREFIX,
    AUDIT_COMMITMENT_KEY_ID,
    HUB_KEY_ID,
    LINKAGE_KEY_ID,
    NEAR_CEILING_SHARE,
    PRIMARY,
    RETIRED,
    SHREDDED,
    agency_key_id,
)
from hub.policy.decision_point import allowed_event, require
from hub.policy.firewall import Firewall, Resource
from hub.policy.matrix import matrix_rows
from hub.policy.vocabulary import Action, Kind
from hub.screening.rota import DUTY_TEAMS, EARLY_HELP_TEAM, OUT_OF_HOURS_TEAM, duty_team_on
from hub.system import repository
from hub.system.repository import KeyGroupCount, RecordCount

POLICY = Resource(Kind.policy)
KEYS = Resource(Kind.key)
AGENCIES = Resource(Kind.agency)
# Keys compared with, never opened with: a rotation would break what they made.
NEVER_ROTATED = (LINKAGE_KEY_ID, AUDIT_COMMITMENT_KEY_ID)
HUB_KEY_NAMES = {
    HUB_KEY_ID: "Hub store",
    LINKAGE_KEY_ID: "Matching across agencies (blind indexes)",
    AUDIT_COMMITMENT_KEY_ID: "Audit log commitments",
}


# --- the firewall policy -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KindTable:
    kind: str
    actions: list[str]
    roles: list[str]
    rows: list[list[str]]


@dataclass(frozen=True, slots=True)
class PolicyInForce:
    digest: str
    rules: int
    tables: list[KindTable]


def policy_in_force(session: Session, principal: Principal, firewall: Firewall) -> PolicyInForce:
    """The running policy's matrix, as ``policies/FIREWALL.md`` writes it."""
    decision = require(principal, Action.read, POLICY)
    audit.record(session, principal, allowed_event(decision, POLICY))
    return PolicyInForce(
        digest=firewall.digest,
        rules=firewall.rule_count,
        tables=[KindTable(*row) for row in matrix_rows(firewall)],
    )


@dataclass(frozen=True, slots=True)
class PolicyReloaded:
    digest: str
    rules: int
    changed: bool


def reload_policy(session: Session, principal: Principal, firewall: Firewall) -> PolicyReloaded:
    """Reload the policy files now. An unsafe policy raises
    :class:`~hub.policy.firewall.PolicyError`: the running policy stays in force, and
    nothing is logged as loaded."""
    decision = require(principal, Action.reload, POLICY)
    changed = firewall.reload()
    audit.record(
        session,
        principal,
        allowed_event(decision, POLICY, reason=f"policy {firewall.digest[:16]} loaded"),
    )
    return PolicyReloaded(digest=firewall.digest, rules=firewall.rule_count, changed=changed)


# --- keys ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KeyVersion:
    version: int
    state: str
    seal_count: int
    created_at: datetime
    shredded_at: datetime | None


@dataclass(frozen=True, slots=True)
class StoreKey:
    """One store's key (the hub's, or an agency's), over all its versions."""

    key_id: str
    name: str
    agency: str | None
    versions: list[KeyVersion]
    ceiling: int
    rotated: bool = True
    configured: bool = True

    @property
    def primary(self) -> KeyVersion | None:
        return next((v for v in self.versions if v.state == PRIMARY), None)

    @property
    def usage(self) -> float:
        primary = self.primary
        return primary.seal_count / self.ceiling if primary else 0.0

    @property
    def rotation_due(self) -> bool:
        return self.rotated and self.primary is not None and self.usage >= NEAR_CEILING_SHARE

    @property
    def at_limit(self) -> bool:
        primary = self.primary
        return primary is not None and primary.seal_count >= self.ceiling

    @property
    def destroyed(self) -> bool:
        return bool(self.versions) and all(v.state == SHREDDED for v in self.versions)

    def count(self, state: str) -> int:
        return sum(1 for v in self.versions if v.state == state)

    @property
    def older_active(self) -> int:
        return self.count(ACTIVE)

    @property
    def retired(self) -> int:
        return self.count(RETIRED)


@dataclass(frozen=True, slots=True)
class KeyStatus:
    ceiling: int
    hub_keys: list[StoreKey]
    agency_keys: list[StoreKey]
    record_keys: list[RecordCount]
    other_keys: list[KeyGroupCount]


def _versions(rows: list[DataKeyRow]) -> list[KeyVersion]:
    return [KeyVersion(r.version, r.state, r.seal_count, r.created_at, r.shredded_at) for r in rows]


def key_status(
    session: Session, principal: Principal, *, ceiling: int, agencies: tuple[str, ...]
) -> KeyStatus:
    """Each store key's versions and use; every other key only counted, by its prefix."""
    decision = require(principal, Action.list, KEYS)
    by_key: dict[str, list[DataKeyRow]] = {}
    for row in session.execute(repository.store_key_versions()).scalars():
        by_key.setdefault(row.key_id, []).append(row)
    hub_keys = [
        StoreKey(
            key_id,
            HUB_KEY_NAMES.get(key_id, key_id),
            None,
            _versions(rows),
            ceiling,
            rotated=key_id not in NEVER_ROTATED,
        )
        for key_id, rows in sorted(by_key.items(), key=lambda kv: _hub_key_order(kv[0]))
        if not key_id.startswith(AGENCY_KEY_PREFIX)
    ]
    unconfigured = sorted(
        k.removeprefix(AGENCY_KEY_PREFIX)
        for k in by_key
        if k.startswith(AGENCY_KEY_PREFIX) and k.removeprefix(AGENCY_KEY_PREFIX) not in agencies
    )
    agency_keys = [
        StoreKey(
            agency_key_id(agency),
            agency,
            agency,
            _versions(by_key.get(agency_key_id(agency), [])),
            ceiling,
            configured=agency in agencies,
        )
        for agency in (*agencies, *unconfigured)
    ]
    status = KeyStatus(
        ceiling=ceiling,
        hub_keys=hub_keys,
        agency_keys=agency_keys,
        record_keys=repository.record_counts(session),
        other_keys=repository.key_group_counts(session),
    )
    audit.record(session, principal, allowed_event(decision, KEYS))
    return status


def _hub_key_order(key_id: str) -> tuple[int, str]:
    known = list(HUB_KEY_NAMES)
    return (known.index(key_id), "") if key_id in known else (len(known), key_id)


# --- agencies and teams ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ConfiguredAgency:
    code: str
    records: int
    destroyed_records: int
    key_state: str | None  # the primary's state, "shredded", or None when it has no key yet


@dataclass(frozen=True, slots=True)
class ConfiguredTeam:
    code: str
    receives: bool
    on_rota: bool
    role: str  # "duty", "early_help", "out_of_hours" or "" (another receiving team)


@dataclass(frozen=True, slots=True)
class Configuration:
    agencies: list[ConfiguredAgency]
    teams: list[ConfiguredTeam]
    rota_start: date
    on_duty: str | None  # the rota's team this week; None before the rota starts


def configuration(
    session: Session,
    principal: Principal,
    *,
    agencies: tuple[str, ...],
    teams: tuple[str, ...],
    rota_start: date,
    now: datetime,
) -> Configuration:
    """The agencies and teams the hub is set up with, and whether each agency holds data."""
    decision = require(principal, Action.list, AGENCIES)
    records = {r.agency: r for r in repository.record_counts(session)}
    states: dict[str, set[str]] = {}
    for row in session.execute(repository.store_key_versions()).scalars():
        if row.key_id.startswith(AGENCY_KEY_PREFIX):
            states.setdefault(row.key_id.removeprefix(AGENCY_KEY_PREFIX), set()).add(row.state)
    configured = [
        ConfiguredAgency(
            code=agency,
            records=records[agency].live if agency in records else 0,
            destroyed_records=records[agency].destroyed if agency in records else 0,
            key_state=_key_state(states.get(agency)),
        )
        for agency in agencies
    ]
    roles = {EARLY_HELP_TEAM: "early_help", OUT_OF_HOURS_TEAM: "out_of_hours"}
    codes = [*teams, *(team for team in DUTY_TEAMS if team not in teams)]
    try:
        on_duty: str | None = duty_team_on(now, rota_start)
    except ValueError:  # before the rota's first week
        on_duty = None
    result = Configuration(
        agencies=configured,
        teams=[
            ConfiguredTeam(
                code=team,
                receives=team in teams,
                on_rota=team in DUTY_TEAMS,
                role="duty" if team in DUTY_TEAMS else roles.get(team, ""),
            )
            for team in codes
        ],
        rota_start=rota_start,
        on_duty=on_duty,
    )
    audit.record(session, principal, allowed_event(decision, AGENCIES))
    return result


def _key_state(states: set[str] | None) -> str | None:
    if not states:
        return None
    if states == {SHREDDED}:
        return SHREDDED
    return PRIMARY if PRIMARY in states else ACTIVE
