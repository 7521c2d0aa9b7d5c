"""What the legal hold routes take and give."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel

from hub.kit.schemas import Reason, Strict


class HoldDecision(StrEnum):
    place = "place"
    lift = "lift"


class LegalHoldIn(Strict):
    decision: HoldDecision
    reason: Reason


class LegalHoldOut(BaseModel):
    held: bool
    held_since: datetime | None
    held_by: str | None
