"""The check page's answer, as typed, and what it means.

``DisclosureAnswers`` keeps what the representative chose exactly as posted, so a page with
a mistake comes back with everything still chosen. ``check()`` says what to put right,
field by field, or gives the ``DisclosureIn`` the disclosures service takes: the same
schema and service as ``POST /api/v1/checks/{id}/disclosure``.

Between the check page and the confirmation page the answer travels in the page itself
(hidden fields posted back): nothing is disclosed, or stored, until it is confirmed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from pydantic import ValidationError
from starlette.datastructures import FormData

from hub.enquiries.schemas import (
    DISCLOSABLE_FIELDS,
    Caveat,
    ConsentPosition,
    DisclosureIn,
    DisclosureKind,
)

SHORT = 200
LONG = 20000
NO_CAVEAT = "none"


@dataclass(frozen=True, slots=True)
class FieldError:
    field_id: str  # the id of the input the error summary links to
    message: str


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def _text(form: FormData, name: str, most: int = LONG) -> str:
    value = form.get(name)
    return value.strip()[:most] if isinstance(value, str) else ""


@dataclass
class DisclosureAnswers:
    kind: str = ""
    records: list[str] = field(default_factory=list)
    # record id -> the fields chosen from it
    fields: dict[str, list[str]] = field(default_factory=dict)
    summary: str = ""
    purpose: str = ""
    lawful_basis: str = ""
    consent: str = ""
    proportionality: str = ""
    caveat: str = ""
    caveat_text: str = ""
    reasons: str = ""

    @classmethod
    def from_form(cls, form: FormData, candidates: list[str] | None) -> DisclosureAnswers:
        """The answer as posted; records and fields only of the candidate records shown
        (or, from the confirmation page, of any record id: the service reads each one
        through the firewall, own agency only)."""
        posted = [r for r in form.getlist("records") if isinstance(r, str)]
        if candidates is None:
            candidates = [r for r in posted if _is_uuid(r)]
        chosen = [r for r in posted if r in candidates]
        fields = {
            record_id: [f for f in form.getlist(f"fields-{record_id}") if isinstance(f, str)]
            for record_id in candidates
        }
        return cls(
            kind=_text(form, "kind", SHORT),
            records=chosen,
            fields={k: [f for f in v if f in DISCLOSABLE_FIELDS] for k, v in fields.items() if v},
            summary=_text(form, "summary"),
            purpose=_text(form, "purpose", SHORT),
            lawful_basis=_text(form, "lawful_basis", SHORT),
            consent=_text(form, "consent", SHORT),
            proportionality=_text(form, "proportionality"),
            caveat=_text(form, "caveat", SHORT),
            caveat_text=_text(form, "caveat_text"),
            reasons=_text(form, "reasons"),
        )

    def hidden_fields(self) -> list[tuple[str, str]]:
        """Every answer as (name, value): how the confirmation page carries it back."""
        pairs = [("records", record_id) for record_id in self.records]
        for record_id, chosen in self.fields.items():
            pairs += [(f"fields-{record_id}", name) for name in chosen]
        for name in (
            "kind",
            "summary",
            "purpose",
            "lawful_basis",
            "consent",
            "proportionality",
            "caveat",
            "caveat_text",
            "reasons",
        ):
            pairs.append((name, getattr(self, name)))
        return pairs

    @property
    def shares(self) -> bool:
        return self.kind in (DisclosureKind.records, DisclosureKind.fields, DisclosureKind.summary)

    def check(
        self, lawful_bases: dict[str, str], first_record: str | None
    ) -> tuple[DisclosureIn | None, list[FieldError]]:
        """The disclosure these answers make, or what to put right (in page order)."""
        errors = self._record_errors(first_record)
        if self.kind == DisclosureKind.summary and not self.summary:
            errors.append(FieldError("summary", "Write the summary to share"))
        if self.kind == DisclosureKind.decline and len(self.reasons) < 10:
            errors.append(
                FieldError("reasons", "Give your reasons for not sharing, in a sentence or more")
            )
        if self.shares:
            errors += self._why_errors(lawful_bases)
        if errors:
            return None, errors
        try:
            return DisclosureIn.model_validate(self._payload()), []
        except ValidationError:
            return None, [FieldError("kind", "Check your answer: it could not be sent as it is")]

    def _record_errors(self, first_record: str | None) -> list[FieldError]:
        kinds = [str(k) for k in DisclosureKind]
        if self.kind not in kinds:
            return [FieldError("kind", "Select what you will share")]
        if self.kind not in (DisclosureKind.records, DisclosureKind.fields):
            return []
        if first_record is None:
            return [FieldError("kind", "No records were found to share: choose another answer")]
        if not self.records:
            return [FieldError(f"record-{first_record}", "Select at least one record to share")]
        if self.kind == DisclosureKind.fields:
            return [
                FieldError(f"fields-{record_id}", "Select the parts of this record to share")
                for record_id in self.records
                if not self.fields.get(record_id)
            ]
        return []

    def _why_errors(self, lawful_bases: dict[str, str]) -> list[FieldError]:
        errors = []
        if not self.purpose:
            errors.append(FieldError("purpose", "Enter why you are sharing this"))
        if self.lawful_basis not in lawful_bases:
            errors.append(FieldError("lawful_basis", "Select the lawful basis for sharing"))
        if self.consent not in [str(c) for c in ConsentPosition]:
            errors.append(FieldError("consent", "Select the consent position"))
        if len(self.proportionality) < 10:
            errors.append(
                FieldError(
                    "proportionality",
                    "Say why sharing this is proportionate, in a sentence or more",
                )
            )
        if self.caveat not in [NO_CAVEAT, *[str(c) for c in Caveat]]:
            errors.append(FieldError("caveat", "Select a handling caveat, or no caveat"))
        if len(self.caveat_text) > 2000:
            errors.append(FieldError("caveat_text", "Keep the caveat to 2000 characters or fewer"))
        return errors

    def _payload(self) -> dict[str, object]:
        payload: dict[str, object] = {"kind": self.kind}
        if self.kind in (DisclosureKind.records, DisclosureKind.fields):
            payload["records"] = [
                {"record_id": record_id}
                | ({"fields": self.fields[record_id]} if self.kind == DisclosureKind.fields else {})
                for record_id in self.records
            ]
        if self.kind == DisclosureKind.summary:
            payload["summary"] = self.summary
        if self.kind == DisclosureKind.decline:
            payload["reasons"] = self.reasons
        if self.shares:
            payload |= {
                "purpose": self.purpose,
                "lawful_basis": self.lawful_basis,
                "consent": self.consent,
                "proportionality": self.proportionality,
            }
            if self.caveat != NO_CAVEAT:
                payload["caveat"] = {"code": self.caveat, "text": self.caveat_text or None}
        return payload
