"""The enquiry pages' forms: each keeps what was typed and says what to put right, field by
field, or gives the schema the API takes (the same one, through the same service)."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, ValidationError

from hub.enquiries.schemas import CheckRequestIn
from hub.products.schemas import AuthorisationIn, ProductIn, ProductOutcome
from hub.web.refer.forms import FieldError

__all__ = ["CheckRequestForm", "DecisionForm", "FieldError", "ProductForm"]

REASON_MIN = 10


class CheckRequestForm(BaseModel):
    agencies: list[str] = []
    question: str = ""

    def check(self, may_ask: tuple[str, ...]) -> tuple[CheckRequestIn | None, list[FieldError]]:
        errors = []
        if not [a for a in self.agencies if a in may_ask]:
            errors.append(FieldError("agencies", "Select at least one agency to ask"))
        if not self.question.strip():
            errors.append(FieldError("question", "Enter what you want the agencies to check"))
        elif len(self.question) > 20000:
            errors.append(FieldError("question", "The question must be 20,000 characters or fewer"))
        if errors:
            return None, errors
        asked = [a for a in self.agencies if a in may_ask]
        return CheckRequestIn(agencies=asked, question=self.question), []


class ProductForm(BaseModel):
    disclosure_ids: list[str] = []
    analysis: str = ""
    proposed_outcome: str = ""
    receiving_team: str = ""
    team_reason: str = ""

    def check(self, teams: tuple[str, ...]) -> tuple[ProductIn | None, list[FieldError]]:
        errors = []
        try:
            chosen = [uuid.UUID(i) for i in self.disclosure_ids]
        except ValueError:
            chosen = []
            errors.append(FieldError("disclosure_ids", "Select only information from the list"))
        if not self.analysis.strip():
            errors.append(FieldError("analysis", "Enter your analysis"))
        if self.proposed_outcome not in {str(o) for o in ProductOutcome}:
            errors.append(FieldError("proposed_outcome", "Select the outcome you propose"))
        if self.receiving_team and self.receiving_team not in teams:
            errors.append(FieldError("receiving_team", "Select a receiving team from the list"))
        # Whether another team needs a reason is the service's rule (it knows the rota);
        # here only a reason too short to be one.
        if self.team_reason.strip() and len(self.team_reason.strip()) < REASON_MIN:
            errors.append(
                FieldError("team_reason", f"The reason must be at least {REASON_MIN} characters")
            )
        if errors:
            return None, errors
        try:
            return ProductIn(
                analysis=self.analysis,
                proposed_outcome=ProductOutcome(self.proposed_outcome),
                disclosure_ids=chosen,
                receiving_team=self.receiving_team or None,
                team_reason=self.team_reason or None,
            ), []
        except ValidationError:
            return None, [FieldError("analysis", "Some answers are too long: shorten them")]


class DecisionForm(BaseModel):
    decision: str = ""
    reason: str = ""

    def check(self) -> tuple[AuthorisationIn | None, list[FieldError]]:
        errors = []
        if self.decision not in ("authorise", "return"):
            errors.append(FieldError("decision", "Select whether you authorise it or return it"))
        if len(self.reason.strip()) < REASON_MIN:
            errors.append(
                FieldError(
                    "reason",
                    f"Enter the reason for your decision (at least {REASON_MIN} characters)",
                )
            )
        if errors:
            return None, errors
        try:
            return AuthorisationIn(decision=self.decision, reason=self.reason), []
        except ValidationError:
            return None, [FieldError("reason", "The reason must be 4,000 characters or fewer")]
