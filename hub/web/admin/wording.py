"""The administrator's pages in words: roles, kinds, actions, key states and figures."""

from __future__ import annotations

from typing import Any

from hub.keys.service import ACTIVE, NEAR_CEILING_SHARE, PRIMARY, RETIRED, SHREDDED
from hub.web.enquiries.wording import agency_name
from hub.web.people import ROLE_NAMES, TEAM_NAMES

# What each kind of thing in the firewall's matrix is, for someone who did not write it.
KIND_NAMES = {
    "principal": "Who a signed-in person is",
    "contact": "Contacts",
    "contact_outcome": "A contact's outcome, for its referrer",
    "enquiry": "MASH enquiries",
    "agency_match": "Matching across agencies",
    "check_request": "Check requests to agencies",
    "disclosure": "Disclosures by agencies",
    "agency_record": "Agency records",
    "information_product": "Information products",
    "da_notification": "Police domestic abuse notifications",
    "missing_episode": "Missing episodes",
    "audit_log": "The audit log",
    "disclosure_register": "The disclosure register",
    "user": "Users",
    "agency": "Agencies",
    "key": "Data keys",
    "policy": "The firewall policy",
    "management_information": "Management information",
}
KEY_STATES = {
    PRIMARY: "In use",
    ACTIVE: "Opens older data",
    RETIRED: "Retired",
    SHREDDED: "Destroyed",
}
# Prefixes of key ids the hub counts rather than lists, in words; an unknown prefix is
# shown as itself.
KEY_GROUP_NAMES = {
    "record": "Agency records' own keys",
    "case": "Per-case keys",
    "notification": "Per-notification keys",
    "episode": "Per-missing-episode keys",
}
TEAM_ROLES = {
    "duty": "Duty and Assessment (on the rota)",
    "early_help": "Early Help",
    "out_of_hours": "Out of hours",
    "": "Another receiving team",
}


def kind_name(kind: str) -> str:
    return KIND_NAMES.get(kind, kind.replace("_", " ").capitalize())


def action_name(action: str) -> str:
    return action.replace("_", " ").capitalize()


def team_name(code: str) -> str:
    return TEAM_NAMES.get(code, code.replace("_", " ").capitalize())


def number(value: int) -> str:
    return f"{value:,}"


def share(value: float) -> str:
    """A share of a key's limit: tiny shares are 'less than 0.01%', not '0.00%'."""
    if value == 0:
        return "0%"
    if value < 0.0001:
        return "less than 0.01%"
    return f"{value:.2%}"


def context() -> dict[str, Any]:
    return {
        "role_names": ROLE_NAMES,
        "kind_name": kind_name,
        "action_name": action_name,
        "agency_name": agency_name,
        "team_name": team_name,
        "key_states": KEY_STATES,
        "key_group_names": KEY_GROUP_NAMES,
        "team_roles": TEAM_ROLES,
        "number": number,
        "share": share,
        "near_ceiling": f"{NEAR_CEILING_SHARE:.0%}",
    }
