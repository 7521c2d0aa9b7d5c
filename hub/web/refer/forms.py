"""The Contact and Referral form: what was typed, kept as typed, and what it means.

``ReferralAnswers`` holds the answers exactly as the person typed them, so a page with
mistakes comes back with everything still there. ``check()`` says what is wrong, field by
field, in words a member of the public can act on, or gives the ``ContactIn`` the contacts
service records: the same schema and the same service as ``POST /api/v1/contacts``.

Between the form and the check-answers page the answers travel in the page itself (hidden
fields, posted back), never in a URL and never in a server-side draft: nothing about a
child is stored until the person chooses to send it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Self

from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from hub.contacts.schemas import (
    ConsentIn,
    ConsentStatus,
    ContactIn,
    ContactSource,
    Ethnicity,
    PersonIn,
    ReferrerIn,
    Sex,
    WorryCategory,
)

MAX_CHILDREN = 6
MAX_ADULTS = 6
SHORT = 200
LONG = 20000

PUBLIC_SOURCES: dict[str, str] = {
    ContactSource.family: "I am in the child's family, or I look after them",
    ContactSource.acquaintance: "I know the family: a neighbour, friend or childminder",
    ContactSource.self_: "I am the child or young person",
    ContactSource.individual_other: "Someone else",
    ContactSource.anonymous: "I do not want to say who I am",
}
PROFESSIONAL_SOURCES: dict[str, str] = {
    ContactSource.school: "I work at a school or college",
    ContactSource.education_services: "I work in other education services",
    ContactSource.gp: "I work at a GP practice",
    ContactSource.health_visitor: "I am a health visitor",
    ContactSource.school_nurse: "I am a school nurse",
    ContactSource.primary_health_other: "I work in other primary health services",
    ContactSource.emergency_department: "I work in a hospital emergency department",
    ContactSource.health_other: "I work in other health services",
    ContactSource.housing: "I work in housing (council or housing association)",
    ContactSource.la_social_care: "I work in adult social care",
    ContactSource.la_internal_other: "I work in another council service",
    ContactSource.la_external: "I work in another council's children's services",
    ContactSource.early_help: "I work in early help",
    ContactSource.police: "I work for the police",
    ContactSource.legal_agency: "I work for the courts, probation, Cafcass or another legal agency",
    ContactSource.other: "I work for another organisation",
}
WORRIES: dict[str, str] = {
    WorryCategory.neglect: "Neglect: not fed, kept clean, safe or cared for",
    WorryCategory.physical_abuse: "Being hurt: hit, kicked, burnt or shaken",
    WorryCategory.sexual_abuse: "Sexual abuse",
    WorryCategory.emotional_abuse: "Emotional abuse: frightened, threatened or put down",
    WorryCategory.domestic_abuse: "Domestic abuse in the home",
    WorryCategory.exploitation: "Exploitation: made to do things for others, online or offline",
    WorryCategory.missing: "Missing from home, care or school",
    WorryCategory.other: "Something else",
}
CONSENT: dict[str, str] = {
    ConsentStatus.obtained: "Yes, they know and they agree",
    ConsentStatus.refused: "They know, but they do not agree",
    ConsentStatus.not_sought: "No, I have not told them",
}
SEXES: dict[str, str] = {Sex.female: "Female", Sex.male: "Male", Sex.not_known: "Not known"}
ETHNICITIES: dict[str, str] = {
    Ethnicity.not_known: "Not known",
    Ethnicity.white_british: "White: English, Welsh, Scottish, Northern Irish or British",
    Ethnicity.white_irish: "White: Irish",
    Ethnicity.traveller_of_irish_heritage: "White: Traveller of Irish heritage",
    Ethnicity.gypsy_roma: "White: Gypsy or Roma",
    Ethnicity.white_other: "White: any other White background",
    Ethnicity.mixed_white_black_caribbean: "Mixed: White and Black Caribbean",
    Ethnicity.mixed_white_black_african: "Mixed: White and Black African",
    Ethnicity.mixed_white_asian: "Mixed: White and Asian",
    Ethnicity.mixed_other: "Mixed: any other mixed background",
    Ethnicity.indian: "Asian or Asian British: Indian",
    Ethnicity.pakistani: "Asian or Asian British: Pakistani",
    Ethnicity.bangladeshi: "Asian or Asian British: Bangladeshi",
    Ethnicity.asian_other: "Asian or Asian British: any other Asian background",
    Ethnicity.black_caribbean: "Black or Black British: Caribbean",
    Ethnicity.black_african: "Black or Black British: African",
    Ethnicity.black_other: "Black or Black British: any other Black background",
    Ethnicity.chinese: "Chinese",
    Ethnicity.other: "Any other ethnic group",
    Ethnicity.refused: "The family did not want to say",
}


@dataclass(frozen=True, slots=True)
class FieldError:
    field_id: str  # the id of the input the error summary links to
    message: str


class ChildAnswers(BaseModel):
    given_name: str = ""
    family_name: str = ""
    dob_day: str = ""
    dob_month: str = ""
    dob_year: str = ""
    age: str = ""
    address: str = ""
    postcode: str = ""
    school: str = ""
    sex: str = ""
    ethnicity: str = ""


class AdultAnswers(BaseModel):
    given_name: str = ""
    family_name: str = ""
    relationship: str = ""
    age: str = ""


class ReferralAnswers(BaseModel):
    source: str = ""
    children: list[ChildAnswers] = [ChildAnswers()]
    adults: list[AdultAnswers] = []
    worries: list[str] = []
    concern: str = ""
    consent: str = ""
    consent_reason: str = ""
    referrer_name: str = ""
    referrer_organisation: str = ""
    referrer_role: str = ""
    referrer_email: str = ""
    referrer_phone: str = ""

    @classmethod
    def from_form(cls, form: FormData) -> Self:
        def text(name: str) -> str:
            value = form.get(name)
            return value.strip()[:LONG] if isinstance(value, str) else ""

        def count(name: str, most: int) -> int:
            try:
                return max(0, min(most, int(text(name) or "0")))
            except ValueError:
                return 0

        children = [
            ChildAnswers(**{f: text(f"children-{i}-{f}") for f in ChildAnswers.model_fields})
            for i in range(max(1, count("children_count", MAX_CHILDREN)))
        ]
        adults = [
            AdultAnswers(**{f: text(f"adults-{i}-{f}") for f in AdultAnswers.model_fields})
            for i in range(count("adults_count", MAX_ADULTS))
        ]
        scalar = {
            name: text(name)
            for name in cls.model_fields
            if name not in ("children", "adults", "worries")
        }
        worries = [w for w in form.getlist("worries") if isinstance(w, str) and w in WORRIES]
        return cls(children=children, adults=adults, worries=worries, **scalar)

    def hidden_fields(self) -> list[tuple[str, str]]:
        """Every answer as (name, value): how the check-answers page carries them back."""
        fields: list[tuple[str, str]] = [
            ("children_count", str(len(self.children))),
            ("adults_count", str(len(self.adults))),
        ]
        for i, child in enumerate(self.children):
            fields += [(f"children-{i}-{k}", v) for k, v in child.model_dump().items()]
        for i, adult in enumerate(self.adults):
            fields += [(f"adults-{i}-{k}", v) for k, v in adult.model_dump().items()]
        fields += [("worries", worry) for worry in self.worries]
        for name, value in self.model_dump(exclude={"children", "adults", "worries"}).items():
            fields.append((name, str(value)))
        return fields

    @property
    def for_work(self) -> bool:
        return self.source in PROFESSIONAL_SOURCES

    def check(self, *, today: date | None = None) -> tuple[ContactIn | None, list[FieldError]]:
        """The contact these answers describe, or what to put right (in page order)."""
        today = today or datetime.now(UTC).date()
        errors: list[FieldError] = []

        def wrong(field_id: str, message: str) -> None:
            errors.append(FieldError(field_id, message))

        if self.source not in PUBLIC_SOURCES and not self.for_work:
            wrong("source", "Select how you know the child")
        how_many = len(self.children)
        children = [_child(c, i, how_many, today, wrong) for i, c in enumerate(self.children)]
        adults = [_adult(adult, i, wrong) for i, adult in enumerate(self.adults)]
        self._check_worry_and_consent(wrong)
        self._check_referrer(wrong)
        if errors:
            return None, errors
        return self._contact(
            [c for c in children if c is not None], [a for a in adults if a is not None]
        )

    def _check_worry_and_consent(self, wrong: Wrong) -> None:
        if not self.worries:
            wrong("worries", "Select what you are worried about")
        if not self.concern:
            wrong("concern", "Tell us what is happening to the child")
        if self.consent not in CONSENT:
            wrong("consent", "Select whether the family know you are telling us")
        elif self.consent == ConsentStatus.not_sought and not self.consent_reason:
            wrong("consent_reason", "Tell us why you have not told the family")

    def _check_referrer(self, wrong: Wrong) -> None:
        if self.for_work:
            if not self.referrer_name:
                wrong("referrer_name", "Enter your name")
            if not self.referrer_organisation:
                wrong("referrer_organisation", "Enter the name of your organisation")
            if not (self.referrer_email or self.referrer_phone):
                wrong("referrer_email", "Enter an email address or a phone number we can use")
        if self.referrer_email and "@" not in self.referrer_email:
            wrong("referrer_email", "Enter an email address like name@example.org")
        for name in ("referrer_name", "referrer_organisation", "referrer_role"):
            if len(getattr(self, name)) > SHORT:
                wrong(name, f"This answer must be {SHORT} characters or fewer")

    def _contact(
        self, children: list[PersonIn], adults: list[PersonIn]
    ) -> tuple[ContactIn | None, list[FieldError]]:
        referrer: dict[str, Any] = {"source": self.source}
        if self.source != ContactSource.anonymous:
            for field in ("name", "organisation", "role", "email", "phone"):
                value = getattr(self, f"referrer_{field}")
                if value:
                    referrer[field] = value
        try:
            contact = ContactIn(
                children=children,
                adults=adults,
                worries=[WorryCategory(w) for w in self.worries],
                concern=self.concern,
                consent=ConsentIn(
                    status=ConsentStatus(self.consent), reason=self.consent_reason or None
                ),
                referrer=ReferrerIn(**referrer),
            )
        except ValidationError:
            # Everything the schema checks is checked above; this catches only the limits
            # (lengths, counts) a person will not meet by typing.
            return None, [FieldError("concern", "Some answers are too long: shorten them")]
        return contact, []


Wrong = Callable[[str, str], None]


def _child(
    child: ChildAnswers, index: int, how_many: int, today: date, wrong: Wrong
) -> PersonIn | None:
    """One child as the contacts schema takes them; None (and what is wrong) if mistyped."""
    which = "the child" if how_many == 1 else f"child {index + 1}"
    prefix = f"children-{index}"
    found: list[str] = []

    def mistake(field: str, message: str) -> None:
        found.append(field)
        wrong(f"{prefix}-{field}", message)

    person = _person(child.given_name, child.family_name)
    if not person:
        mistake("given_name", f"Enter {which}'s first name or last name")
    born = _date(child.dob_day, child.dob_month, child.dob_year)
    if born is _INVALID:
        mistake("dob-day", f"Date of birth for {which} must be a real date")
    elif isinstance(born, date) and born > today:
        mistake("dob-day", f"Date of birth for {which} must be in the past")
    elif isinstance(born, date):
        person["date_of_birth"] = born
    age = _age(child.age)
    if age is _INVALID:
        mistake("age", f"Age of {which} must be a number of years, like 7")
    elif isinstance(age, int):
        person["age_years"] = age
    for field, most in (("address", 500), ("postcode", 10), ("school", SHORT)):
        value = getattr(child, field)
        if len(value) > most:
            mistake(field, f"The {field} must be {most} characters or fewer")
        elif value:
            person[field] = value
    person.update(_known(child))
    return None if found else PersonIn(**person)


def _known(child: ChildAnswers) -> dict[str, str]:
    """Sex and ethnicity where given; anything not on the lists counts as not known."""
    known: dict[str, str] = {}
    if child.sex:
        known["sex"] = child.sex if child.sex in SEXES else Sex.not_known
    if child.ethnicity:
        known["ethnicity"] = (
            child.ethnicity if child.ethnicity in ETHNICITIES else Ethnicity.not_known
        )
    return known


def _adult(adult: AdultAnswers, index: int, wrong: Wrong) -> PersonIn | None:
    """Someone in the household; an empty "another person" is left out, not an error."""
    prefix = f"adults-{index}"
    if not (adult.given_name or adult.family_name or adult.relationship or adult.age):
        return None
    person = _person(adult.given_name, adult.family_name)
    if not person:
        wrong(f"{prefix}-given_name", f"Enter person {index + 1}'s first name or last name")
        return None
    if adult.relationship:
        person["relationship"] = adult.relationship[:SHORT]
    age = _age(adult.age)
    if age is _INVALID:
        wrong(f"{prefix}-age", f"Age of person {index + 1} must be a number of years")
        return None
    if isinstance(age, int):
        person["age_years"] = age
    return PersonIn(**person)


_INVALID = object()


def _person(given: str, family: str) -> dict[str, Any]:
    person: dict[str, Any] = {}
    if given:
        person["given_name"] = given[:SHORT]
    if family:
        person["family_name"] = family[:SHORT]
    return person


def _date(day: str, month: str, year: str) -> date | object | None:
    if not (day or month or year):
        return None
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return _INVALID


def _age(text: str) -> int | object | None:
    if not text:
        return None
    if not text.isdigit() or int(text) > 120:
        return _INVALID
    return int(text)
