"""What comes in and goes out of enquiries, checks, disclosures and products."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=10, max_length=4000)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20000)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class LawfulBasis(StrEnum):
    """The coded lawful bases an agency may disclose under."""

    public_task = "uk_gdpr_6_1_e"
    safeguarding = "uk_gdpr_9_2_g_dpa_sch1_para18"
    health_social_care = "uk_gdpr_9_2_h_dpa_sch1_para2"
    law_enforcement = "dpa_2018_s35_sch8_para4"


LAWFUL_BASIS_TEXT = {
    LawfulBasis.public_task: "UK GDPR Art 6(1)(e): public task",
    LawfulBasis.safeguarding: (
        "UK GDPR Art 9(2)(g) with DPA 2018 Sch 1 para 18: safeguarding of children "
        "and of individuals at risk"
    ),
    LawfulBasis.health_social_care: (
        "UK GDPR Art 9(2)(h) with DPA 2018 Sch 1 para 2: health or social care"
    ),
    LawfulBasis.law_enforcement: "DPA 2018 s35 with Sch 8 para 4: law enforcement, safeguarding",
}


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


class ProductOutcome(StrEnum):
    nfa = "nfa"
    signpost = "signpost"
    early_help = "early_help"
    child_in_need_assessment = "child_in_need_assessment"
    strategy_discussion = "strategy_discussion"


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
                    raise ValueError(f"fields not known: {', '.join(sorted(unknown))}")
        if self.kind is DisclosureKind.summary and not self.summary:
            raise ValueError("write the summary to share")
        if self.kind is DisclosureKind.decline and not self.reasons:
            raise ValueError("a decision not to share needs its reasons")
        if not sharing and (self.records or self.summary):
            raise ValueError(f"a '{self.kind}' answer shares no records or summary")
        return self


class ReleaseIn(Strict):
    reason: Reason


class ProductIn(Strict):
    analysis: Text
    proposed_outcome: ProductOutcome
    disclosure_ids: list[uuid.UUID] = Field(default_factory=list, max_length=100)
    receiving_team: Code | None = None


class AuthorisationIn(Strict):
    decision: str = Field(pattern="^(authorise|return)$")
    reason: Reason


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
    disclosed_at: datetime
    content_hash: str
    content: dict[str, Any]


class DisclosureReadOut(BaseModel):
    """A later read of a disclosure, as the contributing agency sees it."""

    read_at: datetime
    reader: str
    reader_role: str
    action: str


class ProductOut(BaseModel):
    id: uuid.UUID
    enquiry_id: uuid.UUID
    status: str
    proposed_outcome: str
    receiving_team: str | None
    analysis: str
    items: list[DisclosureOut]
    disseminated_at: datetime | None


class OutcomeFeedback(BaseModel):
    """What a professional referrer hears back: the outcome, not the content."""

    reference: str
    received_at: datetime
    outcome: str
