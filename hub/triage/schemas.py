"""What comes in and goes out of the domestic abuse triage API."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Self

from pydantic import (
    BaseModel,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from hub.contacts.schemas import ConsentIn
from hub.kit.schemas import (
    BirthDate,
    PastMoment,
    Reason,
    ShortText,
    Strict,
)
from hub.people.normalise import normalise_postcode

MAX_BATCH = 500
_POLICE_REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9/\-_. ]*")


def normalise_police_reference(value: str) -> str:
    """Upper case, no spaces: "ab/123 / 24" and "AB/123/24" are the same incident."""
    return "".join(value.split()).upper()


class RiskLevel(StrEnum):
    """The DASH risk levels."""

    standard = "standard"
    medium = "medium"
    high = "high"


RISK_ORDER = {RiskLevel.high: 0, RiskLevel.medium: 1, RiskLevel.standard: 2}


class AdultRole(StrEnum):
    victim = "victim"
    alleged_perpetrator = "alleged_perpetrator"
    other_adult = "other_adult"


class Outcome(StrEnum):
    """What the daily triage meeting decides for a notification."""

    no_further_action = "no_further_action"
    information_sharing_letter = "information_sharing_letter"
    early_help_offer = "early_help_offer"
    refer_to_mash = "refer_to_mash"  # screening: a contact is created
    referred_to_marac = "referred_to_marac"


class Status(StrEnum):
    awaiting_triage = "awaiting_triage"
    on_triage_list = "on_triage_list"
    triaged = "triaged"


class AdultIn(Strict):
    role: AdultRole
    given_name: ShortText | None = None
    family_name: ShortText | None = None
    date_of_birth: BirthDate = None

    @model_validator(mode="after")
    def _named(self) -> Self:
        if not (self.given_name or self.family_name):
            raise ValueError("give a name for each adult")
        return self


class ChildIn(Strict):
    given_name: ShortText | None = None
    family_name: ShortText | None = None
    date_of_birth: BirthDate = None

    @model_validator(mode="after")
    def _named(self) -> Self:
        if not (self.given_name or self.family_name):
            raise ValueError("give a name for each child")
        return self


class DaNotificationIn(Strict):
    police_reference: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)
    ]
    incident_at: PastMoment
    address: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
    postcode: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10)]
    risk_level: RiskLevel
    adults: list[AdultIn] = Field(default_factory=list, max_length=10)
    children: list[ChildIn] = Field(min_length=1, max_length=15)
    circumstances: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)
    ]

    @field_validator("police_reference")
    @classmethod
    def _reference(cls, value: str) -> str:
        if not _POLICE_REFERENCE.fullmatch(value):
            raise ValueError("use letters, digits, spaces and / - _ . only")
        return value

    @field_validator("postcode")
    @classmethod
    def _postcode(cls, value: str) -> str:
        return normalise_postcode(value)  # its message names the problem, not the value


class DaBatchIn(Strict):
    notifications: list[DaNotificationIn] = Field(min_length=1, max_length=MAX_BATCH)


class ReceivedItem(BaseModel):
    position: int
    id: uuid.UUID
    status: str  # created | already_received
    marac_flag: bool


class BatchReceipt(BaseModel):
    batch_id: uuid.UUID
    received: int
    created: int
    already_received: int
    items: list[ReceivedItem]


class NotificationSummary(BaseModel):
    id: uuid.UUID
    police_reference: str
    incident_at: datetime
    received_at: datetime
    risk_level: RiskLevel
    children: int
    marac_flag: bool
    status: Status
    meeting_id: uuid.UUID | None
    outcome: Outcome | None


class PersonOut(BaseModel):
    id: uuid.UUID
    role: str
    given_name: str | None
    family_name: str | None
    date_of_birth: date | None


class NotificationDetail(NotificationSummary):
    address: str
    postcode: str
    adults: list[PersonOut]
    child_people: list[PersonOut]
    circumstances: str
    outcome_reason: str | None
    outcome_at: datetime | None
    outcome_by: str | None
    contact_id: uuid.UUID | None


class MeetingIn(Strict):
    since: PastMoment | None = None


class OutcomeIn(Strict):
    outcome: Outcome
    reason: Reason
    # A referral for screening becomes a contact, and a contact states the consent position.
    consent: ConsentIn | None = None

    @model_validator(mode="after")
    def _consent_for_referral(self) -> Self:
        if self.outcome is Outcome.refer_to_mash and self.consent is None:
            raise ValueError("a referral to the MASH needs the consent position (consent)")
        if self.outcome is not Outcome.refer_to_mash and self.consent is not None:
            raise ValueError("consent goes only with the outcome refer_to_mash")
        return self


class MeetingOut(BaseModel):
    id: uuid.UUID
    opened_at: datetime
    opened_by: str
    covers_from: datetime | None
    closed_at: datetime | None
    item_count: int
    outstanding: int
    items: list[NotificationSummary]


class MeetingSummary(BaseModel):
    id: uuid.UUID
    opened_at: datetime
    closed_at: datetime | None
    item_count: int
