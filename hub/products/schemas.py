"""What comes in and goes out of information products.

A product carries what the receiving team needs to act, and nothing of the hub's own
workings: the child and household, the contact's reference, the urgency, the analysis,
and the chosen disclosures' content with their caveats. No enquiry or check-request ids,
no agency record ids, no proportionality statements (those are the agency's reasons to
the hub, not information for the team).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from hub.enquiries.schemas import Code, Reason, Text
from hub.kit.schemas import Strict


class ProductOutcome(StrEnum):
    nfa = "nfa"
    signpost = "signpost"
    early_help = "early_help"
    child_in_need_assessment = "child_in_need_assessment"
    strategy_discussion = "strategy_discussion"


class ProductIn(Strict):
    analysis: Text
    proposed_outcome: ProductOutcome
    disclosure_ids: list[uuid.UUID] = Field(default_factory=list, max_length=100)
    receiving_team: Code | None = Field(
        default=None, description="Leave out for the team the rota suggests now"
    )
    team_reason: Reason | None = Field(
        default=None, description="Why another team than the one the rota suggests"
    )


class AuthorisationIn(Strict):
    decision: str = Field(pattern="^(authorise|return)$")
    reason: Reason


class AcknowledgementDecision(StrEnum):
    accept = "accept"
    decline = "decline"


class AcknowledgementIn(Strict):
    """The receiving team's answer to a product sent to it."""

    decision: AcknowledgementDecision
    reason: Reason | None = Field(
        default=None, description="Why the team declines it: required to decline"
    )


class ProductPerson(BaseModel):
    """A child or adult of the household, as the referrer described them."""

    given_name: str | None = None
    family_name: str | None = None
    date_of_birth: date | None = None
    age_years: int | None = None
    sex: str | None = None
    school: str | None = None
    relationship: str | None = None
    nhs_number: str | None = None
    address: str | None = None
    postcode: str | None = None


class ProductItem(BaseModel):
    """One agency's disclosure as the team receives it: what was shared, on what basis,
    and how it must be handled."""

    agency: str
    kind: str
    disclosed_at: datetime
    purpose: str | None
    lawful_basis: str | None
    lawful_basis_text: str | None
    consent: str | None
    caveat: str | None
    caveat_text: str | None
    records: list[dict[str, Any]] = Field(default_factory=list)
    summary: str | None = None


class ProductSummaryOut(BaseModel):
    """A product without the content: what a list shows, and what the steps answer."""

    id: uuid.UUID
    reference: str
    urgency: str
    status: str
    proposed_outcome: str
    receiving_team: str | None
    items: int
    compiled_at: datetime
    authorised_by: str | None = None
    authorised_at: datetime | None
    disseminated_at: datetime | None
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None


class ProductOut(BaseModel):
    """The whole product: every read of it is on the record of each agency in it."""

    id: uuid.UUID
    reference: str
    urgency: str
    status: str
    proposed_outcome: str
    receiving_team: str | None
    analysis: str
    children: list[ProductPerson]
    household: list[ProductPerson]
    items: list[ProductItem]
    compiled_at: datetime
    authorised_by: str | None = None
    authorised_at: datetime | None
    disseminated_at: datetime | None
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    decline_reason: str | None = Field(
        default=None, description="The receiving team's reason, when it declined the product"
    )
