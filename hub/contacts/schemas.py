"""What comes in and goes out of the contacts API."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from hub.kit.openapi import NAME_OR_NHS_NUMBER, NOT_IN_THE_FUTURE
from hub.kit.schemas import Strict

ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20000)]


class Channel(StrEnum):
    web_form = "web_form"
    phone = "phone"
    police_notification = "police_notification"
    email = "email"


class WorryCategory(StrEnum):
    neglect = "neglect"
    physical_abuse = "physical_abuse"
    sexual_abuse = "sexual_abuse"
    emotional_abuse = "emotional_abuse"
    domestic_abuse = "domestic_abuse"
    exploitation = "exploitation"
    missing = "missing"
    other = "other"


class ConsentStatus(StrEnum):
    obtained = "obtained"
    refused = "refused"
    not_sought = "not_sought"


class ContactSource(StrEnum):
    """Who told us: the children-in-need census's source of referral codes."""

    family = "1A"
    acquaintance = "1B"
    self_ = "1C"
    individual_other = "1D"
    school = "2A"
    education_services = "2B"
    gp = "3A"
    health_visitor = "3B"
    school_nurse = "3C"
    primary_health_other = "3D"
    emergency_department = "3E"
    health_other = "3F"
    housing = "4"
    la_social_care = "5A"
    la_internal_other = "5B"
    la_external = "5C"
    early_help = "5D"
    police = "6"
    legal_agency = "7"
    other = "8"
    anonymous = "9"
    unknown = "10"


class Sex(StrEnum):
    female = "female"
    male = "male"
    not_known = "not_known"


class Ethnicity(StrEnum):
    """The children-in-need census's ethnicity codes."""

    white_british = "WBRI"
    white_irish = "WIRI"
    white_other = "WOTH"
    traveller_of_irish_heritage = "WIRT"
    gypsy_roma = "WROM"
    mixed_white_black_caribbean = "MWBC"
    mixed_white_black_african = "MWBA"
    mixed_white_asian = "MWAS"
    mixed_other = "MOTH"
    indian = "AIND"
    pakistani = "APKN"
    bangladeshi = "ABAN"
    asian_other = "AOTH"
    black_caribbean = "BCRB"
    black_african = "BAFR"
    black_other = "BOTH"
    chinese = "CHNE"
    other = "OOTH"
    refused = "REFU"
    not_known = "NOBT"


class PersonIn(Strict):
    model_config = ConfigDict(json_schema_extra=NAME_OR_NHS_NUMBER)

    given_name: ShortText | None = None
    family_name: ShortText | None = None
    date_of_birth: date | None = Field(default=None, description=NOT_IN_THE_FUTURE)
    # When the date of birth is not known: the age in years, as the referrer believes it.
    age_years: Annotated[int, Field(ge=0, le=120)] | None = None
    sex: Sex | None = None
    ethnicity: Ethnicity | None = None
    school: ShortText | None = None
    # Adults in the household: who they are to the child ("mother", "mum's partner").
    relationship: ShortText | None = None
    nhs_number: Annotated[str, StringConstraints(max_length=20)] | None = None
    address: Annotated[str, StringConstraints(max_length=500)] | None = None
    postcode: Annotated[str, StringConstraints(max_length=10)] | None = None

    @model_validator(mode="after")
    def _identifiable(self) -> Self:
        if not (self.given_name or self.family_name or self.nhs_number):
            raise ValueError("give at least a name or an NHS number for each person")
        if self.date_of_birth is not None and self.date_of_birth > datetime.now(UTC).date():
            raise ValueError("date_of_birth is in the future")
        return self


class ConsentIn(Strict):
    status: ConsentStatus
    reason: Annotated[str, StringConstraints(max_length=2000)] | None = None

    @model_validator(mode="after")
    def _reason_when_not_obtained(self) -> Self:
        if self.status is ConsentStatus.not_sought and not self.reason:
            raise ValueError(
                "say why consent was not sought (for example, it would put the child at risk)"
            )
        return self


class ReferrerIn(Strict):
    source: ContactSource | None = None
    name: ShortText | None = None
    organisation: ShortText | None = None
    role: ShortText | None = None
    email: Annotated[str, StringConstraints(max_length=254)] | None = None
    phone: Annotated[str, StringConstraints(max_length=40)] | None = None


class ContactIn(Strict):
    channel: Channel = Channel.web_form
    children: list[PersonIn] = Field(min_length=1, max_length=20)
    adults: list[PersonIn] = Field(default_factory=list, max_length=20)
    worries: list[WorryCategory] = Field(min_length=1, max_length=len(WorryCategory))
    concern: LongText
    consent: ConsentIn
    referrer: ReferrerIn | None = None


class ContactReceipt(BaseModel):
    """What a referrer gets back at once: the reference to quote."""

    reference: str
    received_at: datetime


class PersonOut(BaseModel):
    id: uuid.UUID
    person_role: str
    given_name: str | None
    family_name: str | None
    date_of_birth: date | None
    nhs_number: str | None
    address: str | None
    postcode: str | None
    # What else the referrer said of them; None where they did not say.
    age_years: int | None = None
    sex: str | None = None
    ethnicity: str | None = None
    school: str | None = None
    relationship: str | None = None


class ContactSummary(BaseModel):
    id: uuid.UUID
    reference: str
    received_at: datetime
    channel: str
    referrer_kind: str
    worries: list[str]
    consent: str
    status: str
    children: int


class ContactDetail(ContactSummary):
    people: list[PersonOut]
    concern: str
    consent_reason: str | None
    referrer: ReferrerIn | None
