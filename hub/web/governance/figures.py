"""The IG home page's charts, from the figures the governance service counted."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from hub.audit.governance import Figures
from hub.audit.ig_repository import WeeklyCount
from hub.kit.lawful_bases import LAWFUL_BASIS_TEXT
from hub.web.governance.charts import Chart, stacked_columns
from hub.web.people import ROLE_NAMES

BREAK_GLASS_NAMES = {"break_glass": "Opened", "review": "Reviewed"}


def weeks_back(now: datetime, weeks: int) -> datetime:
    """Monday 00:00 UTC, ``weeks`` weeks ago counting this week as one."""
    monday = now.date() - timedelta(days=now.weekday()) - timedelta(weeks=weeks - 1)
    return datetime(monday.year, monday.month, monday.day, tzinfo=now.tzinfo)


def week_label(monday: date) -> str:
    return f"{monday.day} {monday:%b}"


def _weeks(since: datetime, weeks: int) -> list[str]:
    return [(since.date() + timedelta(weeks=k)).isoformat() for k in range(weeks)]


def _by_week(
    counts: list[WeeklyCount], weeks: list[str], name_of: dict[str, str]
) -> tuple[list[str], list[str], dict[tuple[str, str], int]]:
    labels = {w: week_label(date.fromisoformat(w)) for w in weeks}
    series: list[str] = []
    values: dict[tuple[str, str], int] = {}
    for count in counts:
        if count.week not in labels:
            continue
        name = name_of.get(count.label, count.label)
        if name not in series:
            series.append(name)
        key = (labels[count.week], name)
        values[key] = values.get(key, 0) + count.count
    return [labels[w] for w in weeks], series, values


def _sentence(text: str) -> str:
    """First letter up, the rest as written ("MASH social worker" keeps its capitals)."""
    return text[:1].upper() + text[1:]


def _basis_name(code: str) -> str:
    if code == "none":
        return "no basis given"
    text = LAWFUL_BASIS_TEXT.get(code)  # type: ignore[call-overload]
    # The short name after the legal reference ("health or social care").
    return str(text).split(": ", 1)[-1] if text else code


def charts_of(found: Figures, weeks: int, agency_names: dict[str, str]) -> list[Chart]:
    week_list = _weeks(found.since, weeks)
    disclosure_names = {}
    for count in found.disclosures:
        agency, _, basis = count.label.partition("|")
        disclosure_names[count.label] = f"{agency_names.get(agency, agency)}, {_basis_name(basis)}"
    first, last = (
        week_label(found.since.date()),
        week_label(found.since.date() + timedelta(weeks=weeks - 1)),
    )
    span = f"the {weeks} weeks beginning {first} to {last}"
    disclosures = stacked_columns(
        "Disclosures by agency and lawful basis, per week",
        f"Stacked columns, one per week, for {span}: how many disclosures each agency made "
        "under each lawful basis. Every answer to a check is on the register, so a decision "
        "not to share counts here too, usually with no basis given.",
        *_by_week(found.disclosures, week_list, disclosure_names),
    )
    declines = stacked_columns(
        "Decisions not to share, per week",
        f"Stacked columns, one per week, for {span}: decisions not to share, by agency.",
        *_by_week(found.declines, week_list, agency_names),
    )
    break_glass = stacked_columns(
        "Break-glass openings and their reviews, per week",
        f"Stacked columns, one per week, for {span}: records opened by break-glass, and "
        "break-glass openings reviewed by the agency.",
        *_by_week(found.break_glass, week_list, BREAK_GLASS_NAMES),
    )
    roles = [_sentence(ROLE_NAMES.get(role, role)) for role, _ in found.denied_by_role]
    denied = stacked_columns(
        "Denied attempts per role",
        f"Columns, one per role, for {span}: attempts the firewall refused, by the role of "
        "who tried.",
        roles,
        ["Denied attempts"],
        {
            (_sentence(ROLE_NAMES.get(role, role)), "Denied attempts"): n
            for role, n in found.denied_by_role
        },
    )
    return [disclosures, declines, break_glass, denied]
