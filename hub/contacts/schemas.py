"""What comes in and goes out of the contacts API."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated, Self

from pydantic import BaseModel, Field, StringConstraints, model_validator

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


class PersonIn(Strict):
    given_name: ShortText | None = None
    family_name: ShortText | None = None
    date_of_birth: date | None = None
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
