"""What comes in and goes out of enquiries, check requests and disclosures."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import BaseModel, Field, StringConstraints, model_validator

from hub.kit.lawful_bases import LAWFUL_BASIS_TEXT as LAWFUL_BASIS_TEXT
from hub.kit.lawful_bases import LawfulBasis as LawfulBasis
from hub.kit.schemas import Strict

Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=10, max_length=4000)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20000)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]


class ConsentPosition(StrEnum):
    obtained = "obtained"
    refused = "refused"
    not_sought = "not_sought"
    not_applicable = "not_applicable"


class Caveat(StrEnum):
    """Handling caveats: the first two stop onward sharing until the agency releases it."""

    police_intelligence = "police_intelligence"
    not_for_onward_sharing = "not_for_onward_sharing"
    sensitive_health = "sensitive_health"


RESTRICTS_ONWARD_SHARING = frozenset({Caveat.police_intelligence, Caveat.not_for_onward_sharing})


class DisclosureKind(StrEnum):
    records = "records"
    fields = "fields"
    summary = "summary"
    no_information = "no_information"
    decline = "decline"


DISCLOSABLE_FIELDS = frozenset(
    {
        "given_name",
        "family_name",
        "date_of_birth",
        "nhs_number",
        "postcode",
        "address_line",
        "record_type",
        "occurred_on",
        "summary",
        "details",
    }
)


class EnquiryIn(Strict):
    contact_id: uuid.UUID


class CheckRequestIn(Strict):
    agencies: list[Code] = Field(min_length=1, max_length=20)
    question: Text


class ChosenRecord(Strict):
    record_id: uuid.UUID
    # For kind "fields": which fields of the record to share.
    fields: list[str] | None = None


class CaveatIn(Strict):
    code: Caveat
    text: Annotated[str, StringConstraints(max_length=2000)] | None = None


class DisclosureIn(Strict):
    kind: DisclosureKind
    records: list[ChosenRecord] = Field(default_factory=list, max_length=50)
    summary: Text | None = None
    purpose: Annotated[str, StringConstraints(max_length=200)] | None = None
    # One of the configured lawful bases (the four built in, and any the council adds).
    lawful_basis: Code | None = None
    consent: ConsentPosition | None = None
    proportionality: Reason | None = None
    caveat: CaveatIn | None = None
    reasons: Reason | None = Field(default=None, description="Why not: for a decision not to share")

    @model_validator(mode="after")
    def _complete(self) -> Self:
        sharing = self.kind in (
            DisclosureKind.records,
            DisclosureKind.fields,
            DisclosureKind.summary,
        )
        if sharing:
            missing = [
                name
                for name in ("purpose", "lawful_basis", "consent", "proportionality")
                if getattr(self, name) in (None, "")
            ]
            if missing:
                raise ValueError(f"a disclosure needs {', '.join(missing)}")
        if self.kind in (DisclosureKind.records, DisclosureKind.fields) and not self.records:
            raise ValueError("choose at least one record")
        if self.kind is DisclosureKind.fields:
            for chosen in self.records:
                if not chosen.fields:
                    raise ValueError("say which fields of each record to share")
                unknown = set(chosen.fields) - DISCLOSABLE_FIELDS
                if unknown:
                    raise ValueError("records.fields: a field named is not one that can be shared")
        if self.kind is DisclosureKind.summary and not self.summary:
            raise ValueError("write the summary to share")
        if self.kind is DisclosureKind.decline and not self.reasons:
            raise ValueError("a decision not to share needs its reasons")
        if not sharing and (self.records or self.summary):
            raise ValueError("an answer of this kind shares no records or summary")
        return self


class ReleaseItem(Strict):
    """One record of a disclosure to release, with the fields of it (all when omitted)."""

    record_id: uuid.UUID
    fields: list[str] | None = Field(default=None, max_length=len(DISCLOSABLE_FIELDS))


class ReleaseIn(Strict):
    reason: Reason
    items: list[ReleaseItem] | None = Field(
        default=None,
        max_length=50,
        description="The records (and fields of them) to release; the rest stay kept back. "
        "Omit to release the whole disclosure.",
    )

    @model_validator(mode="after")
    def _known_fields(self) -> Self:
        if self.items is not None and not self.items:
            raise ValueError("choose at least one item to release, or omit items to release all")
        for item in self.items or ():
            if item.fields is not None and not item.fields:
                raise ValueError("say which fields of each record to release")
            unknown = set(item.fields or ()) - DISCLOSABLE_FIELDS
            if unknown:
                raise ValueError("a field to release is not one an agency discloses")
        return self


class EnquiryOut(BaseModel):
    id: uuid.UUID
    contact_id: uuid.UUID
    contact_reference: str
    rag: str
    status: str
    opened_at: datetime


class CheckRequestOut(BaseModel):
    id: uuid.UUID
    enquiry_id: uuid.UUID
    agency: str
    requested_at: datetime
    due_at: datetime
    overdue: bool
    status: str
    question: str
    subjects: list[dict[str, Any]] = Field(
        default_factory=list, description="Who to check: identifiers of the children and adults"
    )


class DisclosureOut(BaseModel):
    id: uuid.UUID
    check_request_id: uuid.UUID
    agency: str
    kind: str
    purpose: str | None
    lawful_basis: str | None
    lawful_basis_text: str | None
    consent: str | None
    caveat: str | None
    released_for_onward: bool
    released_items: list[dict[str, Any]] = Field(
        default_factory=list,
        description="Released so far, when only part of a caveated disclosure may be passed "
        "on: [{record_id, fields}]",
    )
    disclosed_at: datetime
    content_hash: str
    content: dict[str, Any]


class DisclosureSummaryOut(BaseModel):
    """A disclosure without its content: who answered, how, on what basis, with what
    caveat. Showing it opens nothing an agency disclosed, so it is no read."""

    id: uuid.UUID
    check_request_id: uuid.UUID
    agency: str
    kind: str
    purpose: str | None
    lawful_basis: str | None
    lawful_basis_text: str | None
    consent: str | None
    caveat: str | None
    caveat_text: str | None
    released_for_onward: bool
    # Some of it released (records or fields), the rest kept back by the agency.
    released_in_part: bool = False
    disclosed_at: datetime


class DisclosureReadOut(BaseModel):
    """A later read of a disclosure, as the contributing agency sees it."""

    read_at: datetime
    reader: str
    reader_role: str
    action: str
    reader_team: str | None = None
    through_product: uuid.UUID | None = Field(
        default=None, description="The information product it was read in, if any"
    )


class OutcomeFeedback(BaseModel):
    """What a professional referrer hears back: the outcome, not the content."""

    reference: str
    received_at: datetime
    outcome: str
