"""The question of a person's record of access: who the officer is looking for.

The answers travel only in the bodies of POSTed forms (hidden fields on the pages that
follow, as the public form carries its answers to the check page): never in a URL, a log
line or an error message, which are fixed sentences.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pydantic import ValidationError
from starlette.datastructures import FormData

from hub.access.service import PersonLookUpIn
from hub.db import utcnow
from hub.web.desk.pages import form_text

FIELDS = ("given_name", "family_name", "dob-day", "dob-month", "dob-year", "nhs_number")


@dataclass(frozen=True, slots=True)
class PersonAnswers:
    """What was typed, kept to show again and to carry to the next page."""

    values: dict[str, str]
    errors: dict[str, str]
    person: PersonLookUpIn | None


def _date(day: str, month: str, year: str) -> date | None:
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def person_answers(form: FormData) -> PersonAnswers:
    values = {name: form_text(form, name, most=200) for name in FIELDS}
    errors: dict[str, str] = {}
    given, family, nhs = values["given_name"], values["family_name"], values["nhs_number"]
    parts = (values["dob-day"], values["dob-month"], values["dob-year"])
    born = None
    if any(parts):
        born = _date(*parts)
        if born is None or born > utcnow().date():
            errors["dob-day"] = "Date of birth must be a real date in the past"
    if nhs and len(nhs.replace(" ", "")) != 10:
        errors["nhs_number"] = "NHS number must be 10 digits"
    named = given and family and any(parts)
    if not errors and not nhs and not named:
        errors["given_name"] = (
            "Enter the person's given name, family name and date of birth, or their NHS number"
        )
    if errors:
        return PersonAnswers(values, errors, None)
    try:
        person = PersonLookUpIn(
            given_name=given or None,
            family_name=family or None,
            date_of_birth=born,
            nhs_number=nhs or None,
        )
    except ValidationError:
        return PersonAnswers(values, {"given_name": "Names must be 200 characters or fewer"}, None)
    return PersonAnswers(values, {}, person)
