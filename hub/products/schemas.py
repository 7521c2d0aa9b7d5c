"""What comes in and goes out of information products."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from hub.enquiries.schemas import Code, DisclosureOut, Reason, Text
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
    receiving_team: Code | None = None


class AuthorisationIn(Strict):
    decision: str = Field(pattern="^(authorise|return)$")
    reason: Reason


class ProductOut(BaseModel):
    id: uuid.UUID
    enquiry_id: uuid.UUID
    status: str
    proposed_outcome: str
    receiving_team: str | None
    analysis: str
    items: list[DisclosureOut]
    disseminated_at: datetime | None
