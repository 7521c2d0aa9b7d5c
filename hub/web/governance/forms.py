"""The IG pages' filter forms: what was typed, kept as typed, and what it means."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from starlette.datastructures import QueryParams

from hub.audit.ig_repository import RegisterFilters
from hub.kit.working_time import LONDON

_DAY = re.compile(r"^\s*(\d{1,2})[/. -](\d{1,2})[/. -](\d{4})\s*$")
_ISO_DAY = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})\s*$")
CURSOR = re.compile(r"^[0-9]{1,18}$")


def day_of(text: str) -> date | None:
    """``27/11/2026`` (or ``2026-11-27``) as a date; None if it is not one."""
    found = _DAY.match(text)
    try:
        if found:
            return date(int(found[3]), int(found[2]), int(found[1]))
        found = _ISO_DAY.match(text)
        if found:
            return date(int(found[1]), int(found[2]), int(found[3]))
    except ValueError:
        return None
    return None


def london_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=LONDON)


@dataclass
class Filtered:
    """A filter form's answers as typed, the errors, and the cursor of the page asked for."""

    answers: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    cursor: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def _text(params: QueryParams, name: str, most: int = 200) -> str:
    return (params.get(name) or "").strip()[:most]


def _dates(params: QueryParams, found: Filtered) -> None:
    for name in ("from", "to"):
        typed = _text(params, name, 20)
        found.answers[name] = typed
        if not typed:
            continue
        day = day_of(typed)
        if day is None:
            label = "From" if name == "from" else "To"
            found.errors[name] = f"{label} must be a real date, like 27/11/2026"
        elif name == "from":
            found.since = london_midnight(day)
        else:
            found.until = london_midnight(day + timedelta(days=1))
    if found.since and found.until and found.since >= found.until:
        found.errors["to"] = "To must be the same as or after From"


def _cursor(params: QueryParams, found: Filtered) -> None:
    cursor = params.get("cursor")
    if cursor and CURSOR.match(cursor):
        found.cursor = cursor


def register_filters(
    params: QueryParams, *, agencies: tuple[str, ...], bases: dict[str, str]
) -> tuple[RegisterFilters, Filtered]:
    found = Filtered(
        {
            "agency": _text(params, "agency", 40),
            "basis": _text(params, "basis", 60),
            "enquiry": _text(params, "enquiry", 40),
            "declined": "yes" if params.get("declined") == "yes" else "",
        }
    )
    _dates(params, found)
    _cursor(params, found)
    agency = found.answers["agency"] if found.answers["agency"] in agencies else None
    basis = found.answers["basis"] if found.answers["basis"] in bases else None
    enquiry: uuid.UUID | None = None
    if found.answers["enquiry"]:
        try:
            enquiry = uuid.UUID(found.answers["enquiry"])
        except ValueError:
            found.errors["enquiry"] = "Enter the enquiry's id as the hub shows it"
    filters = RegisterFilters(
        agency=agency,
        lawful_basis=basis,
        since=found.since,
        until=found.until,
        enquiry_id=enquiry,
        declined_only=found.answers["declined"] == "yes",
    )
    return filters, found


def audit_filters(params: QueryParams) -> tuple[dict[str, str | None], Filtered]:
    found = Filtered(
        {
            "actor": _text(params, "actor"),
            "action": _text(params, "action", 40),
            "kind": _text(params, "kind", 40),
            "resource": _text(params, "resource", 64),
            "outcome": _text(params, "outcome", 10),
        }
    )
    _dates(params, found)
    _cursor(params, found)
    outcome = found.answers["outcome"]
    filters: dict[str, str | None] = {
        "actor": found.answers["actor"] or None,
        "action": found.answers["action"] or None,
        "kind": found.answers["kind"] or None,
        "resource_id": found.answers["resource"] or None,
        "outcome": outcome if outcome in ("allowed", "denied") else None,
    }
    return filters, found
