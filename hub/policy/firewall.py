"""The firewall: Casbin decides, a compiled table answers fast.

Casbin's model and policy files in ``policies/`` are the source of truth. Asking the
Casbin enforcer on every request would cost milliseconds, so at load (and at every
reload) the firewall asks Casbin itself for every cell of the finite space

    role x kind x action x relation(own | other)

and keeps the answers, with the rule that gave each, in an immutable table. A decision
is then one dictionary lookup. ``tests/policy`` checks the table against the enforcer
on every concrete role, scope, kind, owner and action, so the two cannot disagree.

Loading guards against Casbin's traps: the matcher must use exact equality (no
keyMatch/regexMatch/glob, so ``agency1`` never matches ``agency10``); every policy value
must come from the fixed vocabulary (no ``*``); the design's "must never" cells must be
denied; and there is no switch to turn enforcement off. A reload builds a complete new
table first and swaps it in with one reference assignment, so no request ever sees a
half-loaded policy.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import Any

import casbin
import structlog

from hub.auth.principal import Principal, Role
from hub.policy.vocabulary import ACTIONS, KINDS, NEVER, OWN_ONLY, ROLES, Action, Kind, Reach

log = structlog.get_logger()

MODEL_FILE = "model.conf"
POLICY_FILE = "policy.csv"
DEFAULT_DENY_RULE = "default deny"

# Casbin functions that match by pattern; any of them would make "agency1" reach "agency10".
_PATTERN_FUNCTIONS = re.compile(
    r"keyMatch|keyGet|regexMatch|globMatch|ipMatch|timeMatch|g\(|g2\(|\beval\(", re.I
)


class PolicyError(RuntimeError):
    """The policy files are unsafe or malformed; the message says which line and why."""


class Relation(StrEnum):
    own = "own"
    other = "other"


def relation_of(scope: str, owner: str) -> Relation:
    """How a resource stands to a caller: their own (exact, non-empty match) or not."""
    return Relation.own if scope and owner == scope else Relation.other


@dataclass(frozen=True, slots=True)
class Resource:
    """What a request touches: its kind, who owns it, and (when one thing) its id."""

    kind: Kind
    owner: str = ""
    id: str | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    rule: str
    role: Role
    kind: Kind
    action: Action
    relation: Relation


# (role, kind, action, relation) -> (allowed, rule)
DecisionTable = MappingProxyType[tuple[Role, Kind, Action, Relation], tuple[bool, str]]


@dataclass(frozen=True, slots=True)
class LoadedPolicy:
    table: DecisionTable
    digest: str
    rule_count: int
    files_mtime: tuple[float, float]


def _new_enforcer(policy_dir: Path) -> Any:
    return casbin.Enforcer(str(policy_dir / MODEL_FILE), str(policy_dir / POLICY_FILE))


def _check_model(model_text: str) -> None:
    matchers = model_text.split("[matchers]", 1)[-1]
    if _PATTERN_FUNCTIONS.search(matchers):
        raise PolicyError(
            "the model's matcher uses pattern matching; the firewall allows exact equality only"
        )
    if "[role_definition]" in model_text:
        raise PolicyError("role inheritance is not used by the firewall; remove [role_definition]")


def _check_policy_lines(rules: Iterable[list[str]]) -> int:
    known = {
        0: {str(r) for r in ROLES},
        1: {str(k) for k in KINDS},
        2: {str(a) for a in ACTIONS},
        3: {str(r) for r in Reach},
    }
    names = {0: "role", 1: "kind", 2: "action", 3: "reach"}
    count = 0
    for rule in rules:
        count += 1
        if len(rule) != 4:
            raise PolicyError(f"policy line {', '.join(rule)!r} must have 4 fields")
        for position, value in enumerate(rule):
            if value not in known[position]:
                raise PolicyError(
                    f"policy line {', '.join(rule)!r}: unknown {names[position]} {value!r}"
                )
    return count


def _rule_text(rule: list[str]) -> str:
    return "p, " + ", ".join(rule)


def _representative(relation: Relation) -> tuple[str, str]:
    # Concrete (scope, owner) pairs for asking Casbin about a relation.
    return ("scope-a", "scope-a") if relation is Relation.own else ("scope-a", "scope-b")


def compile_table(enforcer: Any) -> DecisionTable:
    """Ask Casbin for every (role, kind, action, relation) and keep its answers."""
    table: dict[tuple[Role, Kind, Action, Relation], tuple[bool, str]] = {}
    for role in ROLES:
        for kind in KINDS:
            for action in ACTIONS:
                for relation in Relation:
                    scope, owner = _representative(relation)
                    allowed, explain = enforcer.enforce_ex(
                        str(role), scope, str(kind), owner, str(action)
                    )
                    rule = _rule_text(explain) if allowed and explain else DEFAULT_DENY_RULE
                    table[(role, kind, action, relation)] = (bool(allowed), rule)
    return MappingProxyType(table)


def _check_invariants(table: DecisionTable) -> None:
    for role, kind, actions in NEVER:
        for action in actions or ACTIONS:
            for relation in Relation:
                if table[(role, kind, action, relation)][0]:
                    raise PolicyError(
                        f"the policy lets {role} {action} {kind}, which the hub must never allow"
                    )
    for role, kind in OWN_ONLY:
        for action in ACTIONS:
            allowed, rule = table[(role, kind, action, Relation.other)]
            if allowed:
                raise PolicyError(
                    f"{role} may only reach their own {kind}, but {rule!r} grants any"
                )


def load_policy(policy_dir: Path) -> LoadedPolicy:
    """Load, validate and compile the policy files; raise :class:`PolicyError` if unsafe."""
    model_path, policy_path = policy_dir / MODEL_FILE, policy_dir / POLICY_FILE
    try:
        model_text = model_path.read_text(encoding="utf-8")
        policy_text = policy_path.read_text(encoding="utf-8")
    except OSError as error:
        raise PolicyError(f"cannot read policy files in {policy_dir}: {error.strerror}") from None
    digest = hashlib.sha256(model_text.encode() + b"\x00" + policy_text.encode()).hexdigest()
    mtimes = (model_path.stat().st_mtime, policy_path.stat().st_mtime)
    cached = _COMPILED.get(digest)
    if cached is not None:
        # The same bytes were validated and compiled before in this process.
        table, rule_count = cached
        return LoadedPolicy(table, digest, rule_count, mtimes)
    _check_model(model_text)
    enforcer = _new_enforcer(policy_dir)
    rule_count = _check_policy_lines(enforcer.get_policy())
    if rule_count == 0:
        raise PolicyError("the policy grants nothing; refusing an empty policy")
    table = compile_table(enforcer)
    _check_invariants(table)
    _COMPILED[digest] = (table, rule_count)
    return LoadedPolicy(table, digest, rule_count, mtimes)


# Compiled tables by the digest of the files they came from: compiling asks Casbin a few
# thousand questions, and a process that reloads unchanged files need not ask again.
_COMPILED: dict[str, tuple[DecisionTable, int]] = {}


class Firewall:
    """The one decision point. Immutable snapshots, swapped atomically on reload."""

    def __init__(self, policy_dir: Path) -> None:
        self.policy_dir = policy_dir
        self._reload_lock = threading.Lock()
        self._policy = load_policy(policy_dir)
        log.info("policy.loaded", digest=self._policy.digest[:16], rules=self._policy.rule_count)

    @property
    def digest(self) -> str:
        return self._policy.digest

    @property
    def rule_count(self) -> int:
        return self._policy.rule_count

    def decide(self, principal: Principal, action: Action, resource: Resource) -> Decision:
        relation = relation_of(principal.scope, resource.owner)
        # One read of the reference: the whole decision comes from one snapshot.
        allowed, rule = self._policy.table[(principal.role, resource.kind, action, relation)]
        return Decision(allowed, rule, principal.role, resource.kind, action, relation)

    def allows(self, principal: Principal, action: Action, resource: Resource) -> bool:
        return self.decide(principal, action, resource).allowed

    def explain(self, principal: Principal, action: Action, resource: Resource) -> str:
        decision = self.decide(principal, action, resource)
        verdict = "allowed" if decision.allowed else "denied"
        return (
            f"{verdict}: {decision.role} {decision.action} {decision.kind} "
            f"({decision.relation}) by {decision.rule}"
        )

    def reload(self) -> bool:
        """Reload the files; keep the running policy if the new one is unsafe.

        Returns True when a new policy was swapped in.
        """
        with self._reload_lock:
            try:
                new_policy = load_policy(self.policy_dir)
            except PolicyError as error:
                log.error("policy.reload_refused", reason=str(error))
                raise
            changed = new_policy.digest != self._policy.digest
            self._policy = new_policy
        if changed:
            log.info("policy.reloaded", digest=new_policy.digest[:16], rules=new_policy.rule_count)
        return changed

    def reload_if_changed(self) -> bool:
        """Cheap check for the file watcher: reload only when a file's mtime moved."""
        model_path = self.policy_dir / MODEL_FILE
        policy_path = self.policy_dir / POLICY_FILE
        try:
            mtimes = (model_path.stat().st_mtime, policy_path.stat().st_mtime)
        except OSError:
            return False
        if mtimes == self._policy.files_mtime:
            return False
        try:
            return self.reload()
        except PolicyError:
            return False

    def cells(self) -> Iterator[tuple[Role, Kind, Action, Relation, bool, str]]:
        for (role, kind, action, relation), (allowed, rule) in self._policy.table.items():
            yield role, kind, action, relation, allowed, rule
