"""What comes in and goes out of the missing episodes API."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Self

from pydantic import BaseModel, StringConstraints, field_validator, model_validator

from hub.kit.schemas import PastMoment, RequiredBirthDate, ShortText, Strict
from hub.people.normalise import normalise_nhs_number, normalise_postcode

LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]
Place = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class EpisodeType(StrEnum):
    from_home = "from_home"
    from_care = "from_care"
    from_education = "from_education"


class ReporterKind(StrEnum):
    police = "police"
    parent_or_carer = "parent_or_carer"
    care_provider = "care_provider"
    school = "school"
    other = "other"


class ChildIn(Strict):
    given_name: ShortText
    family_name: ShortText
    date_of_birth: RequiredBirthDate
    nhs_number: Annotated[str, StringConstraints(max_length=20)] | None = None
    postcode: Annotated[str, StringConstraints(max_length=10)] | None = None

    @field_validator("nhs_number")
    @classmethod
    def _nhs(cls, value: str | None) -> str | None:
        return normalise_nhs_number(value) if value else None

    @field_validator("postcode")
    @classmethod
    def _postcode(cls, value: str | None) -> str | None:
        return normalise_postcode(value) if value else None


class ReporterIn(Strict):
    kind: ReporterKind
    name: ShortText | None = None
    organisation: ShortText | None = None
    phone: Annotated[str, StringConstraints(max_length=40)] | None = None


class EpisodeIn(Strict):
    episode_type: EpisodeType
    started_at: PastMoment
    returned_at: PastMoment | None = None
    where_found: Place | None = None
    child: ChildIn
    reported_by: ReporterIn
    circumstances: LongText | None = None

    @model_validator(mode="after")
    def _order(self) -> Self:
        if self.returned_at is not None and self.returned_at < self.started_at:
            raise ValueError("returned_at is before started_at")
        if self.where_found is not None and self.returned_at is None:
            raise ValueError("where_found goes with returned_at")
        return self


class ReturnIn(Strict):
    returned_at: PastMoment
    where_found: Place | None = None


class ReturnInterviewIn(Strict):
    conducted_at: PastMoment
    conducted_by: ShortText
    summary: LongText


class EpisodeSummary(BaseModel):
    id: uuid.UUID
    reference: str
    episode_type: EpisodeType
    reported_by: ReporterKind
    started_at: datetime
    returned_at: datetime | None
    interview_due_at: datetime | None
    interview_done_at: datetime | None
    interview_overdue: bool
    episodes_in_30_days: int
    repeat_missing: bool


class ChildOut(BaseModel):
    id: uuid.UUID
    given_name: str
    family_name: str
    date_of_birth: date
    nhs_number: str | None
    postcode: str | None


class ReporterOut(BaseModel):
    kind: ReporterKind
    name: str | None
    organisation: str | None
    phone: str | None


class InterviewOut(BaseModel):
    conducted_at: datetime
    conducted_by: str
    summary: str


class EpisodeDetail(EpisodeSummary):
    child: ChildOut
    reporter: ReporterOut
    circumstances: str | None
    where_found: str | None
    interview: InterviewOut | None


class OverdueInterview(BaseModel):
    id: uuid.UUID
    reference: str
    episode_type: EpisodeType
    returned_at: datetime
    interview_due_at: datetime
    overdue_seconds: int
    overdue_by: str
