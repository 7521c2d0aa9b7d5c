"""The firewall matrix as people read it: one table per kind, actions by roles.

``policies/FIREWALL.md`` holds these tables under "## The matrix", written there by
``mash-hub policy matrix --write`` (:func:`page_with_matrix`), never pasted from a terminal.
``tests/policy/test_firewall.py`` parses the file and checks every cell against the loaded
policy, and that every action the file leaves out is denied to every role;
``tests/policy/test_matrix.py`` checks the section is exactly what this module generates.
"""

from __future__ import annotations

from collections.abc import Iterator

from hub.auth.principal import Role
from hub.policy.firewall import Firewall, Relation
from hub.policy.vocabulary import ACTIONS, KINDS, ROLES, Action, Kind

PAGE_FILE = "FIREWALL.md"
MATRIX_HEADING = "## The matrix"
YES = "yes"
NO = "no"
OWN_LABEL = {
    Role.agency_rep: "own agency",
    Role.operational: "own team",
    Role.referrer: "own contacts",
}


def cell(firewall: Firewall, role: Role, kind: Kind, action: Action) -> str:
    table = {(r, k, a, rel): allowed for r, k, a, rel, allowed, _ in firewall.cells()}
    return cell_from(
        table[(role, kind, action, Relation.own)], table[(role, kind, action, Relation.other)], role
    )


def cell_from(own: bool, other: bool, role: Role) -> str:
    if own and other:
        return YES
    if own:
        return OWN_LABEL.get(role, "own")
    if other:
        # Allowed on others' but not one's own cannot be written in this model.
        return "others only"
    return NO


def parse_cell(text: str) -> tuple[bool, bool]:
    """(allowed on own, allowed on others') for a cell of the written matrix."""
    text = text.strip().lower()
    if text == YES:
        return True, True
    if text == NO:
        return False, False
    if text.startswith("own"):
        return True, False
    raise ValueError(f"unknown matrix cell {text!r}")


def granted_actions(firewall: Firewall, kind: Kind) -> list[Action]:
    granted = {a for r, k, a, _, allowed, _ in firewall.cells() if k is kind and allowed}
    return [action for action in ACTIONS if action in granted]


def matrix_rows(firewall: Firewall) -> Iterator[tuple[str, list[str], list[str], list[list[str]]]]:
    """(kind, actions, roles, cells) for every kind, in vocabulary order."""
    answers = {(r, k, a, rel): allowed for r, k, a, rel, allowed, _ in firewall.cells()}
    roles = [str(role) for role in ROLES]
    for kind in KINDS:
        actions = granted_actions(firewall, kind)
        rows = [
            [
                cell_from(
                    answers[(role, kind, action, Relation.own)],
                    answers[(role, kind, action, Relation.other)],
                    role,
                )
                for role in ROLES
            ]
            for action in actions
        ]
        yield str(kind), [str(a) for a in actions], roles, rows


def as_markdown(firewall: Firewall) -> str:
    parts: list[str] = []
    for kind, actions, roles, rows in matrix_rows(firewall):
        parts.append(f"### {kind}\n")
        parts.append("| action | " + " | ".join(roles) + " |")
        parts.append("|---|" + "---|" * len(roles))
        for action, row in zip(actions, rows, strict=True):
            parts.append(f"| {action} | " + " | ".join(row) + " |")
        parts.append("")
    return "\n".join(parts)


def page_with_matrix(page: str, firewall: Firewall) -> str:
    """The page with everything under its matrix heading, up to the next ``## `` heading or
    the end, replaced by the generated tables; the prose around them is left as written."""
    before, heading, after = page.partition(f"\n{MATRIX_HEADING}\n")
    if not heading:
        raise ValueError(f"the page has no {MATRIX_HEADING!r} heading")
    _, next_heading, rest = after.partition("\n## ")
    tail = f"\n{next_heading.lstrip()}{rest}" if next_heading else ""
    return f"{before}{heading}\n{as_markdown(firewall)}{tail}"
