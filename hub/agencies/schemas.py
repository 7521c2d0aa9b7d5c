"""What comes in and goes out of the agency-store and agency-check APIs."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from hub.kit.openapi import NAME_OR_NHS_NUMBER
from hub.kit.schemas import Strict
from hub.people.normalise import PersonIdentifiers

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
# Codes such as "existing_involvement" or "enquiry:<uuid>": never free text, which could
# carry personal data into the audit log.
PurposeCode = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_:\-]{1,100}$")]


class PersonQuery(Strict):
    """Any subset of a person's identifiers; the more given, the more passes can match."""

    given_name: Name | None = None
    family_name: Name | None = None
    date_of_birth: date | None = None
    nhs_number: Annotated[str, StringConstraints(max_length=20)] | None = None
    postcode: Annotated[str, StringConstraints(max_length=10)] | None = None

    def identifiers(self) -> PersonIdentifiers:
        return PersonIdentifiers(
            given_name=self.given_name,
            family_name=self.family_name,
            date_of_birth=self.date_of_birth,
            nhs_number=self.nhs_number,
            postcode=self.postcode,
        )


class AgencyCheckIn(PersonQuery):
    purpose: PurposeCode = "existing_involvement"
    # The hub's ids of the person checked (for example a contact person), for the audit log.
    subject_ids: list[uuid.UUID] = Field(default_factory=list, max_length=20)


class PassMatch(BaseModel):
    pass_name: str
    strength: Literal["strong", "medium"]
    records: int


class AgencyHolding(BaseModel):
    agency: str
    records: int
    strength: Literal["strong", "medium"]
    passes: list[PassMatch]


class AgencyCheckOut(BaseModel):
    """Which agencies know the person, how many records and how strongly: no content."""

    agencies: list[AgencyHolding]
    passes_tried: list[str]


class PersonAgencyCheckOut(AgencyCheckOut):
    """One person of an enquiry: which agencies know them, or why they were not checked.

    People are named by their role and position in the contact ("child 1", "adult 2"),
    never by name: this is what the hub learns, and what may reach a log.
    """

    person: str
    role: str
    position: int
    checked: bool
    not_checked_because: str | None = None


class RecordIn(Strict):
    """One record, as an agency's own system or representative sends it."""

    model_config = ConfigDict(json_schema_extra=NAME_OR_NHS_NUMBER)

    source_ref: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    given_name: Name | None = None
    family_name: Name | None = None
    date_of_birth: date | None = None
    nhs_number: Annotated[str, StringConstraints(max_length=20)] | None = None
    postcode: Annotated[str, StringConstraints(max_length=10)] | None = None
    address_line: Annotated[str, StringConstraints(max_length=500)] | None = None
    record_type: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    occurred_on: date
    summary: Annotated[str, StringConstraints(min_length=1, max_length=5000)]
    details: dict[
        Annotated[str, StringConstraints(min_length=1, max_length=100)],
        Annotated[str, StringConstraints(max_length=5000)],
    ] = Field(default_factory=dict, max_length=50)

    @model_validator(mode="after")
    def _identifiable(self) -> Self:
        if not (self.given_name or self.family_name or self.nhs_number):
            raise ValueError("give at least a name or an NHS number")
        return self


class ImportIn(Strict):
    """Rows from an agency's own system; the same columns as the CSV import."""

    rows: list[dict[str, str | None]] = Field(min_length=1, max_length=5000)
    skip_invalid: bool = False


class RecordOut(BaseModel):
    id: uuid.UUID
    agency: str
    source_ref: str
    given_name: str | None
    family_name: str | None
    date_of_birth: str | None
    nhs_number: str | None
    postcode: str | None
    address_line: str | None
    record_type: str
    occurred_on: str
    summary: str
    details: dict[str, str]
    created_at: datetime
    updated_at: datetime


class RecordMatchOut(RecordOut):
    passes: list[str]


class RecordSearchOut(BaseModel):
    items: list[RecordMatchOut]
    passes_tried: list[str]


class ImportProblem(BaseModel):
    line: int
    field: str
    reason: str


class ImportOut(BaseModel):
    rows: int
    created: int
    updated: int
    unchanged: int
    skipped_invalid: int
    problems: list[ImportProblem]
