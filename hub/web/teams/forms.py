"""The team's answer to a product: accept it, or decline it with a reason. The form keeps
what was typed and says what to put right, or gives the schema the API takes."""

from __future__ import annotations

from pydantic import BaseModel, ValidationError

from hub.products.schemas import AcknowledgementDecision, AcknowledgementIn
from hub.web.refer.forms import FieldError

__all__ = ["AcknowledgementForm", "FieldError"]

REASON_MIN = 10


class AcknowledgementForm(BaseModel):
    decision: str = ""
    reason: str = ""

    def check(self) -> tuple[AcknowledgementIn | None, list[FieldError]]:
        if self.decision not in {str(d) for d in AcknowledgementDecision}:
            return None, [FieldError("decision", "Choose whether your team accepts it")]
        decision = AcknowledgementDecision(self.decision)
        reason = self.reason.strip()
        if decision is AcknowledgementDecision.decline and len(reason) < REASON_MIN:
            message = (
                "Enter why your team declines it"
                if not reason
                else f"The reason must be at least {REASON_MIN} characters"
            )
            return None, [FieldError("reason", message)]
        try:
            return AcknowledgementIn(
                decision=decision,
                reason=reason if decision is AcknowledgementDecision.decline else None,
            ), []
        except ValidationError:
            return None, [FieldError("reason", "The reason must be 4,000 characters or fewer")]
