"""What comes in and goes out of screening."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from hub.kit.schemas import Strict
from hub.kit.working_time import Rag

Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=10, max_length=4000)]


class ScreeningDecision(StrEnum):
    """Where screening can take a contact."""

    nfa = "nfa"
    signpost = "signpost"
    early_help = "early_help"
    mash_enquiry = "mash_enquiry"


class ScreeningIn(Strict):
    threshold_level: int = Field(ge=1, le=4, description="1 universal, 2-3 early help, 4 statutory")
    threshold_reason: Reason
    rag: Rag


class RerateIn(Strict):
    rag: Rag
    reason: Reason


class OutcomeIn(Strict):
    outcome: ScreeningDecision
    reason: Reason


class ConsentOverrideIn(Strict):
    reason: Reason


class EarlierContactOut(BaseModel):
    contact_id: uuid.UUID
    reference: str
    received_at: datetime
    person_id: uuid.UUID
    matched_on: list[str]
    strength: str


class Flag(BaseModel):
    code: str
    detail: str


class ScreeningOut(BaseModel):
    contact_id: uuid.UUID
    reference: str
    received_at: datetime
    out_of_hours: bool
    consent: str
    consent_overridden: bool
    threshold_level: int | None
    rag: str | None
    rag_deadline: datetime | None
    minutes_left: int | None
    breached: bool
    outcome: str | None
    outcome_team: str | None
    earlier_contacts: list[EarlierContactOut]
    flags: list[Flag]


class QueueItem(BaseModel):
    contact_id: uuid.UUID
    reference: str
    received_at: datetime
    out_of_hours: bool
    rag: str | None
    rag_deadline: datetime | None
    minutes_left: int | None
    breached: bool


class QueueTotals(BaseModel):
    """How many open contacts there are of each rating, listed or not."""

    unrated: int = 0
    red: int = 0
    amber: int = 0
    green: int = 0


class QueueOut(BaseModel):
    """The most urgent open contacts of each rating (up to the request's ``limit`` each),
    with how many there are in all and how many are past their deadline."""

    unrated: list[QueueItem]
    red: list[QueueItem]
    amber: list[QueueItem]
    green: list[QueueItem]
    totals: QueueTotals
    breached: int
