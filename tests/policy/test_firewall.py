"""The firewall: the written matrix, Casbin and our compiled table all agree."""

from __future__ import annotations

import re
import shutil
import threading
from pathlib import Path

import casbin
import pytest

from hub.auth.principal import Principal, Role
from hub.policy.firewall import (
    Firewall,
    PolicyError,
    Relation,
    Resource,
    _check_invariants,
    compile_table,
)
from hub.policy.matrix import parse_cell
from hub.policy.vocabulary import ACTIONS, KINDS, Action, Kind
from hub.settings import DEFAULT_AGENCIES, DEFAULT_TEAMS
from tests.conftest import POLICY_DIR


@pytest.fixture(scope="module")
def firewall() -> Firewall:
    return Firewall(POLICY_DIR)


def written_matrix() -> dict[tuple[str, str, str], tuple[bool, bool]]:
    """Every cell of policies/FIREWALL.md as (kind, action, role) -> (own, others')."""
    text = (POLICY_DIR / "FIREWALL.md").read_text()
    cells: dict[tuple[str, str, str], tuple[bool, bool]] = {}
    for section in re.split(r"^### ", text, flags=re.M)[1:]:
        kind, _, body = section.partition("\n")
        rows = [line for line in body.splitlines() if line.startswith("|")]
        header = [c.strip() for c in rows[0].strip("|").split("|")]
        for row in rows[2:]:
            values = [c.strip() for c in row.strip("|").split("|")]
            for role, value in zip(header[1:], values[1:], strict=True):
                cells[(kind.strip(), values[0], role)] = parse_cell(value)
    return cells


def test_every_written_cell_matches_the_loaded_policy(firewall: Firewall) -> None:
    written = written_matrix()
    assert written, "FIREWALL.md has no matrix"
    table = {(str(k), str(a), str(r), rel): ok for r, k, a, rel, ok, _ in firewall.cells()}
    for (kind, action, role), (own, other) in written.items():
        assert table[(kind, action, role, Relation.own)] == own, (kind, action, role)
        assert table[(kind, action, role, Relation.other)] == other, (kind, action, role)


def test_every_cell_the_page_leaves_out_is_denied(firewall: Firewall) -> None:
    written = {(kind, action) for kind, action, _ in written_matrix()}
    assert {str(k) for k, _ in written} == {str(k) for k in KINDS}, "a kind has no table"
    for role, kind, action, relation, allowed, _ in firewall.cells():
        if (str(kind), str(action)) not in written:
            assert not allowed, f"{role} {action} {kind} ({relation}) is allowed but not written"


def _concrete_principals() -> list[tuple[Role, str]]:
    principals = [(role, "") for role in Role]
    principals += [
        (Role.agency_rep, agency) for agency in (*DEFAULT_AGENCIES, "police1", "police10")
    ]
    principals += [(Role.operational, team) for team in DEFAULT_TEAMS]
    principals += [(Role.referrer, "user-1")]
    return principals


def test_compiled_table_equals_casbin_on_every_concrete_request(firewall: Firewall) -> None:
    enforcer = casbin.Enforcer(str(POLICY_DIR / "model.conf"), str(POLICY_DIR / "policy.csv"))
    # Owners that are someone's scope, near-misses of one, and the unowned.
    owners = ["", "police", "health", "police1", "police10", "duty_a", "ooh", "user-1", "user-10"]
    checked = 0
    for role, scope in _concrete_principals():
        principal = _principal(role, scope)
        for kind in KINDS:
            for owner in owners:
                resource = Resource(kind, owner=owner)
                for action in ACTIONS:
                    expected = enforcer.enforce(str(role), scope, str(kind), owner, str(action))
                    assert firewall.allows(principal, action, resource) == expected, (
                        role,
                        scope,
                        kind,
                        owner,
                        action,
                    )
                    checked += 1
    assert checked > 30_000


def _principal(role: Role, scope: str) -> Principal:
    if role is Role.agency_rep:
        return Principal("u", role, agency=scope or None)
    if role is Role.operational:
        return Principal("u", role, team=scope or None)
    if role is Role.referrer and scope:
        return Principal(scope, role)
    return Principal("u", role)


def test_matching_is_anchored(firewall: Firewall) -> None:
    rep = Principal("u", Role.agency_rep, agency="police1")
    assert firewall.allows(rep, Action.read, Resource(Kind.agency_record, owner="police1"))
    assert not firewall.allows(rep, Action.read, Resource(Kind.agency_record, owner="police10"))
    assert not firewall.allows(rep, Action.read, Resource(Kind.agency_record, owner="police"))
    assert not firewall.allows(rep, Action.read, Resource(Kind.agency_record, owner=""))
    # A rep whose token somehow had no agency owns nothing, not the unowned.
    orphan = Principal("u", Role.agency_rep, agency=None)
    assert not firewall.allows(orphan, Action.read, Resource(Kind.agency_record, owner=""))


def test_explain_names_the_rule(firewall: Firewall) -> None:
    rep = Principal("u", Role.agency_rep, agency="health")
    assert firewall.explain(rep, Action.read, Resource(Kind.agency_record, owner="health")) == (
        "allowed: agency_rep read agency_record (own) by p, agency_rep, agency_record, read, own"
    )
    assert firewall.explain(
        rep, Action.read, Resource(Kind.agency_record, owner="police")
    ).startswith("denied: agency_rep read agency_record (other) by default deny")


def _policy_copy(
    tmp_path: Path, extra_lines: str = "", model_edit: tuple[str, str] | None = None
) -> Path:
    target = tmp_path / "policies"
    shutil.copytree(POLICY_DIR, target)
    if extra_lines:
        with (target / "policy.csv").open("a") as handle:
            handle.write(extra_lines)
    if model_edit:
        model = (target / "model.conf").read_text().replace(*model_edit)
        (target / "model.conf").write_text(model)
    return target


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("p, operational, contact, read, any\n", "must never"),
        ("p, mash_social_worker, agency_record, read, any\n", "must never"),
        ("p, agency_rep, agency_record, read, any\n", "only reach their own"),
        ("p, ig_officer, audit_log, update, any\n", "must never"),
        # IG reaches case content only by opening one item with a logged purpose.
        ("p, ig_officer, disclosure, read, any\n", "must never"),
        ("p, ig_officer, disclosure, list, any\n", "must never"),
        ("p, ig_officer, contact, read, any\n", "must never"),
        ("p, ig_officer, information_product, list, any\n", "must never"),
        # Nobody else opens: they read what their role lets them, or nothing.
        ("p, mash_manager, disclosure, open, any\n", "must never"),
        ("p, sysadmin, audit_log, open, any\n", "must never"),
        # A legal hold is placed and lifted by managers and IG only, on a case only.
        ("p, mash_social_worker, contact, hold, any\n", "must never"),
        ("p, referrer, contact, hold, any\n", "must never"),
        ("p, ig_officer, disclosure, hold, any\n", "must never"),
        ("p, *, contact, read, any\n", "unknown role"),
        ("p, agency_rep, agency_record, read, police*\n", "unknown reach"),
        ("p, mash_admin, contacts, read, any\n", "unknown kind"),
        ("p, mash_admin, contact, delete, any\n", "unknown action"),
    ],
)
def test_unsafe_policies_are_refused(tmp_path: Path, extra: str, message: str) -> None:
    with pytest.raises(PolicyError, match=message):
        Firewall(_policy_copy(tmp_path, extra))


def test_pattern_matching_models_are_refused(tmp_path: Path) -> None:
    edited = _policy_copy(tmp_path, model_edit=("r.owner == r.scope", "keyMatch(r.owner, r.scope)"))
    with pytest.raises(PolicyError, match="exact equality"):
        Firewall(edited)


def test_an_enforcer_switched_off_cannot_become_the_policy() -> None:
    enforcer = casbin.Enforcer(str(POLICY_DIR / "model.conf"), str(POLICY_DIR / "policy.csv"))
    enforcer.enable_enforce(False)
    with pytest.raises(PolicyError):
        _check_invariants(compile_table(enforcer))


def test_reload_swaps_whole_policies_and_keeps_the_old_one_when_the_new_is_unsafe(
    tmp_path: Path,
) -> None:
    policy_dir = _policy_copy(tmp_path)
    firewall = Firewall(policy_dir)
    admin = Principal("u", Role.mash_admin)
    episodes = Resource(Kind.missing_episode)
    assert firewall.allows(admin, Action.create, episodes)

    policy_file = policy_dir / "policy.csv"
    original = policy_file.read_text()
    narrowed = original.replace("p, mash_admin, missing_episode, create, any\n", "")
    results: list[bool] = []
    stop = threading.Event()
    deciding = threading.Event()

    def decide_continuously() -> None:
        # One decision before the swaps begin and one after they end, however the threads
        # are scheduled: a busy machine must not leave the reader with nothing to check.
        try:
            while True:
                finished = stop.is_set()
                results.append(firewall.allows(admin, Action.create, episodes))
                deciding.set()
                if finished:
                    return
        finally:
            deciding.set()

    reader = threading.Thread(target=decide_continuously)
    reader.start()
    deciding.wait()
    for text in (narrowed, original, narrowed):
        policy_file.write_text(text)
        firewall.reload()
    stop.set()
    reader.join()
    assert not firewall.allows(admin, Action.create, episodes)
    assert set(results) <= {True, False}
    assert results

    policy_file.write_text(original + "p, operational, enquiry, read, any\n")
    with pytest.raises(PolicyError):
        firewall.reload()
    assert not firewall.allows(
        Principal("u", Role.operational, team="duty_a"), Action.read, Resource(Kind.enquiry)
    )
    assert not firewall.allows(admin, Action.create, episodes), "the last good policy stays"


def test_file_changes_are_picked_up(tmp_path: Path) -> None:
    import os

    policy_dir = _policy_copy(tmp_path)
    firewall = Firewall(policy_dir)
    assert not firewall.reload_if_changed()
    policy_file = policy_dir / "policy.csv"
    policy_file.write_text(
        policy_file.read_text().replace("p, sysadmin, policy, reload, any\n", "")
    )
    stat = policy_file.stat()
    os.utime(policy_file, (stat.st_atime, stat.st_mtime + 5))
    assert firewall.reload_if_changed()
    assert not firewall.allows(Principal("u", Role.sysadmin), Action.reload, Resource(Kind.policy))
