"""What the agency pages say for times and codes: plain words, the council's local time."""

from __future__ import annotations

from datetime import datetime, timedelta

from hub.enquiries.schemas import Caveat, ConsentPosition, DisclosureKind
from hub.kit.working_time import LONDON

KINDS: dict[str, str] = {
    DisclosureKind.records: "Share whole records",
    DisclosureKind.fields: "Share chosen parts of records",
    DisclosureKind.summary: "Write a summary to share",
    DisclosureKind.no_information: "We hold no information on these people",
    DisclosureKind.decline: "We hold information but will not share it",
}
# What was done, in the past tense, for lists of answers.
ANSWERED: dict[str, str] = {
    DisclosureKind.records: "Shared whole records",
    DisclosureKind.fields: "Shared parts of records",
    DisclosureKind.summary: "Shared a summary",
    DisclosureKind.no_information: "No information held",
    DisclosureKind.decline: "Decided not to share",
}
STATUS: dict[str, str] = {
    "pending": "Waiting for your answer",
    "disclosed": "Answered: information shared",
    "no_information": "Answered: no information held",
    "declined": "Answered: decided not to share",
}
CONSENT: dict[str, str] = {
    ConsentPosition.obtained: "Consent was given",
    ConsentPosition.refused: "Consent was refused",
    ConsentPosition.not_sought: "Consent was not sought",
    ConsentPosition.not_applicable: "Consent does not apply",
}
CAVEATS: dict[str, str] = {
    Caveat.police_intelligence: "Police intelligence: not to be passed on until police release it",
    Caveat.not_for_onward_sharing: "Not for onward sharing until we release it",
    Caveat.sensitive_health: "Sensitive health information: handle with care",
}
FIELDS: dict[str, str] = {
    "given_name": "First name",
    "family_name": "Last name",
    "date_of_birth": "Date of birth",
    "nhs_number": "NHS number",
    "postcode": "Postcode",
    "address_line": "Address",
    "record_type": "Type of record",
    "occurred_on": "Date it happened",
    "summary": "Summary",
    "details": "Further details",
}
PASSES: dict[str, str] = {
    "nhs": "NHS number",
    "given_family_dob": "full name and date of birth",
    "family_dob": "last name and date of birth",
    "phonetic_given_family_dob": "names that sound alike and date of birth",
    "phonetic_yob_district": "names that sound alike, year of birth and postcode district",
    "given_dob_district": "first name, date of birth and postcode district",
}
# The most telling match first: the one the page names.
PASS_ORDER = [
    "nhs",
    "given_family_dob",
    "family_dob",
    "phonetic_given_family_dob",
    "given_dob_district",
    "phonetic_yob_district",
]
ROLES: dict[str, str] = {"child": "child", "adult": "adult"}


def local_time(moment: datetime) -> str:
    """``14:05 on Monday 30 November 2026``, in Europe/London."""
    local = moment.astimezone(LONDON)
    return f"{local:%H:%M} on {local:%A} {local.day} {local:%B %Y}"


def local_date(text: str | None) -> str:
    """An ISO date (``2015-06-21``) as ``21 June 2015``; what is not a date, as it is."""
    if not text:
        return ""
    try:
        day = datetime.strptime(text, "%Y-%m-%d")  # noqa: DTZ007 (a date, no time of day)
    except ValueError:
        return text
    return f"{day.day} {day:%B %Y}"


def duration(span: timedelta) -> str:
    """``2 hours 5 minutes``, ``45 minutes``, ``3 days 4 hours``."""
    minutes = max(0, int(span.total_seconds() // 60))
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = []
    if days:
        parts.append(f"{days} day{'s' if days != 1 else ''}")
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if minutes and not days:
        parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    return " ".join(parts) or "less than a minute"


def due_text(due_at: datetime, now: datetime) -> str:
    """How long is left, or how late it is, in words."""
    if due_at <= now:
        return f"Overdue by {duration(now - due_at)}"
    return f"Due in {duration(due_at - now)}"
