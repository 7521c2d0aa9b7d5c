"""The desk's forms: what was typed, kept as typed, and what it means to the services.

A contact taken by phone or email asks the public form's questions (``ReferralAnswers``,
the same checks and the same ``ContactIn``), spoken about the person who contacted the hub
rather than to them, plus how they got in touch.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData

from hub.contacts.schemas import Channel, ConsentIn, ConsentStatus, ContactIn, ContactSource
from hub.kit.working_time import LONDON
from hub.missing.schemas import ReturnIn, ReturnInterviewIn
from hub.triage.schemas import Outcome, OutcomeIn
from hub.web.refer.forms import CONSENT, FieldError, ReferralAnswers

CHANNELS: dict[str, str] = {Channel.phone: "Phone call", Channel.email: "Email"}

# The census's source codes, said of the person who contacted the hub.
CALLER_PUBLIC_SOURCES: dict[str, str] = {
    ContactSource.family: "In the child's family, or looks after them",
    ContactSource.acquaintance: "Knows the family: a neighbour, friend or childminder",
    ContactSource.self_: "The child or young person",
    ContactSource.individual_other: "Someone else",
    ContactSource.anonymous: "Did not want to say who they are",
}
CALLER_PROFESSIONAL_SOURCES: dict[str, str] = {
    ContactSource.school: "School or college",
    ContactSource.education_services: "Other education services",
    ContactSource.gp: "GP practice",
    ContactSource.health_visitor: "Health visitor",
    ContactSource.school_nurse: "School nurse",
    ContactSource.primary_health_other: "Other primary health services",
    ContactSource.emergency_department: "Hospital emergency department",
    ContactSource.health_other: "Other health services",
    ContactSource.housing: "Housing (council or housing association)",
    ContactSource.la_social_care: "Adult social care",
    ContactSource.la_internal_other: "Another council service",
    ContactSource.la_external: "Another council's children's services",
    ContactSource.early_help: "Early help",
    ContactSource.police: "Police",
    ContactSource.legal_agency: "Courts, probation, Cafcass or another legal agency",
    ContactSource.other: "Another organisation",
}
CALLER_CONSENT: dict[str, str] = {
    **CONSENT,
    ConsentStatus.not_sought: "No, they have not been told",
}

# The public form's messages speak to the person telling us; here, to the person typing.
_SAID_OF_THE_CALLER = {
    "Select how you know the child": "Select how the person who contacted us knows the child",
    "Select what you are worried about": "Select what the worry is about",
    "Tell us what is happening to the child": "Enter what is happening to the child",
    "Select whether the family know you are telling us": (
        "Select whether the family know about this contact"
    ),
    "Tell us why you have not told the family": "Enter why the family have not been told",
    "Enter your name": "Enter their name",
    "Enter the name of your organisation": "Enter the name of their organisation",
    "Enter an email address or a phone number we can use": (
        "Enter an email address or a phone number for them"
    ),
}


class ContactTakenAnswers(ReferralAnswers):
    """A contact the hub took by phone or email: the referral form's answers and the channel."""

    channel: str = ""

    def check_taken(self) -> tuple[ContactIn | None, list[FieldError]]:
        contact, errors = self.check()
        errors = [
            FieldError(e.field_id, _SAID_OF_THE_CALLER.get(e.message, e.message)) for e in errors
        ]
        if self.channel not in CHANNELS:
            errors.insert(0, FieldError("channel", "Select how they contacted the hub"))
        if errors or contact is None:
            return None, errors
        return contact.model_copy(update={"channel": Channel(self.channel)}), []


# --- times typed as day, month, year, hour and minute (UK time) -------------------------------


def moment_answers(form: FormData, prefix: str) -> dict[str, str]:
    return {
        part: (value.strip()[:4] if isinstance(value := form.get(f"{prefix}-{part}"), str) else "")
        for part in ("day", "month", "year", "hour", "minute")
    }


def moment_of(answers: dict[str, str]) -> datetime | None:
    """The UK local time typed, or None when it is not a real date and time."""
    try:
        day = date(int(answers["year"]), int(answers["month"]), int(answers["day"]))
        clock = time(int(answers["hour"]), int(answers["minute"]))
    except (KeyError, ValueError):
        return None
    return datetime.combine(day, clock, tzinfo=LONDON)


def today_answers(now: datetime) -> dict[str, str]:
    local = now.astimezone(LONDON)
    return {
        "day": str(local.day),
        "month": str(local.month),
        "year": str(local.year),
        "hour": "",
        "minute": "",
    }


def _first_problem(error: ValidationError) -> tuple[str, str]:
    detail = error.errors(include_input=False, include_url=False)[0]
    field = str(detail["loc"][0]) if detail["loc"] else ""
    return field, str(detail["msg"]).removeprefix("Value error, ")


# --- triage outcome ------------------------------------------------------------------------------

OUTCOMES: dict[str, str] = {
    Outcome.no_further_action: "No further action",
    Outcome.information_sharing_letter: "Information sharing letter",
    Outcome.early_help_offer: "Offer early help",
    Outcome.refer_to_mash: "Refer to the MASH for screening",
    Outcome.referred_to_marac: "Referred to MARAC",
}


def outcome_of(form: dict[str, str]) -> tuple[OutcomeIn | None, dict[str, str]]:
    """The meeting's outcome for one notification, or what to put right."""
    errors: dict[str, str] = {}
    outcome = form["outcome"]
    if outcome not in OUTCOMES:
        errors["outcome"] = "Select the outcome"
    if not form["reason"]:
        errors["reason"] = "Enter the reason for the outcome"
    elif len(form["reason"]) > 2000:
        errors["reason"] = "The reason must be 2000 characters or fewer"
    consent: ConsentIn | None = None
    if outcome == Outcome.refer_to_mash:
        if form["consent"] not in CALLER_CONSENT:
            errors["consent"] = "Select whether the family know about the referral"
        elif form["consent"] == ConsentStatus.not_sought and not form["consent_reason"]:
            errors["consent_reason"] = "Enter why the family have not been told"
        else:
            consent = ConsentIn(
                status=ConsentStatus(form["consent"]),
                reason=form["consent_reason"][:2000] or None,
            )
    if errors:
        return None, errors
    return OutcomeIn(outcome=Outcome(outcome), reason=form["reason"], consent=consent), {}


# --- missing episodes ----------------------------------------------------------------------------


def return_of(when: dict[str, str], where_found: str) -> tuple[ReturnIn | None, dict[str, str]]:
    moment = moment_of(when)
    if moment is None:
        return None, {
            "returned-day": "Enter the date and time the child came back, like 30 11 2026 and 18 30"
        }
    try:
        return ReturnIn(returned_at=moment, where_found=where_found or None), {}
    except ValidationError as error:
        field, message = _first_problem(error)
        if field == "returned_at":
            return None, {"returned-day": f"The time the child came back {message}"}
        return None, {"where_found": "Where they were found must be 500 characters or fewer"}


def interview_of(
    when: dict[str, str], conducted_by: str, summary: str
) -> tuple[ReturnInterviewIn | None, dict[str, str]]:
    errors: dict[str, str] = {}
    moment = moment_of(when)
    if moment is None:
        errors["conducted-day"] = (
            "Enter the date and time of the interview, like 2 12 2026 and 10 00"
        )
    if not conducted_by:
        errors["conducted_by"] = "Enter who did the interview"
    if not summary:
        errors["summary"] = "Enter what the child said"
    if errors or moment is None:
        return None, errors
    try:
        return ReturnInterviewIn(
            conducted_at=moment, conducted_by=conducted_by[:200], summary=summary[:5000]
        ), {}
    except ValidationError as error:
        field, message = _first_problem(error)
        if field == "conducted_at":
            return None, {"conducted-day": f"The time of the interview {message}"}
        return None, {"summary": "Shorten the summary"}


def fields_of(form: FormData, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: (v.strip() if isinstance(v := form.get(name), str) else "") for name in names}
