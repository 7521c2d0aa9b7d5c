"""How the enquiry pages say things: times in the council's local time, as text, and the
hub's codes in plain words."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from hub.kit.working_time import LONDON

AGENCY_NAMES = {
    "police": "Police",
    "health": "Health",
    "education": "Education",
    "housing": "Housing",
    "probation": "Probation",
}
CHECK_STATUS = {
    "pending": ("Waiting", "govuk-tag--blue"),
    "overdue": ("Overdue", "govuk-tag--red"),
    "disclosed": ("Shared", "govuk-tag--green"),
    "no_information": ("Holds nothing", "govuk-tag--grey"),
    "declined": ("Declined", "govuk-tag--orange"),
}
ANSWER_KINDS = {
    "records": "Shared records",
    "fields": "Shared parts of records",
    "summary": "Shared a summary",
    "no_information": "Holds no information",
    "decline": "Decided not to share",
}
CONSENT = {
    "obtained": "Consent obtained",
    "refused": "Consent refused",
    "not_sought": "Consent not sought",
    "not_applicable": "Consent not applicable",
}
CAVEATS = {
    "police_intelligence": "Police intelligence: not to be passed on until police release it",
    "not_for_onward_sharing": "Not to be passed on until the agency releases it",
    "sensitive_health": "Sensitive health information",
}
OUTCOMES = {
    "strategy_discussion": "Strategy discussion (child protection enquiry)",
    "child_in_need_assessment": "Child in need assessment",
    "early_help": "Early Help",
    "signpost": "Signpost to other support",
    "nfa": "No further action",
}
PRODUCT_STATUS = {
    "awaiting_authorisation": ("Waiting for a manager", "govuk-tag--blue"),
    "returned": ("Returned by a manager", "govuk-tag--orange"),
    "authorised": ("Authorised, not sent yet", "govuk-tag--turquoise"),
    "disseminated": ("Sent", "govuk-tag--green"),
    "accepted": ("Accepted by the team", "govuk-tag--green"),
    "declined": ("Declined by the team", "govuk-tag--red"),
}
RAG = {
    "red": ("Red", "govuk-tag--red"),
    "amber": ("Amber", "govuk-tag--orange"),
    "green": ("Green", "govuk-tag--green"),
}


def agency_name(code: str) -> str:
    return AGENCY_NAMES.get(code, code.replace("_", " ").capitalize())


def local_time(moment: datetime | None, zone: ZoneInfo = LONDON) -> str:
    """'14:30 on Monday 30 November 2026', in the council's local time."""
    if moment is None:
        return ""
    local = moment.astimezone(zone)
    return f"{local:%H:%M} on {local:%A} {local.day} {local:%B %Y}"


def date_text(iso: str | None) -> str:
    """'21 June 2015' from '2015-06-21'; 'Not known' when there is none."""
    if not iso:
        return "Not known"
    day = date.fromisoformat(iso)
    return f"{day.day} {day:%B %Y}"


def duration(length: timedelta) -> str:
    """'2 days 3 hours', '1 hour 5 minutes', '12 minutes': to the minute, never negative."""
    minutes = int(abs(length).total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)

    def plural(n: int, unit: str) -> str:
        return f"{n} {unit}{'' if n == 1 else 's'}"

    if days:
        return plural(days, "day") + (f" {plural(hours, 'hour')}" if hours else "")
    if hours:
        return plural(hours, "hour") + (f" {plural(minutes, 'minute')}" if minutes else "")
    return plural(minutes, "minute")


def clock_text(left: timedelta | None, breached: bool) -> str:
    """The RAG clock as a person reads it."""
    if left is None:
        return "No deadline"
    if breached:
        return f"Overdue by {duration(left)}"
    return f"{duration(left)} left"


FILTERS = {"local_time": local_time, "duration": duration, "agency_name": agency_name}
