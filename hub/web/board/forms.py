"""The contact page's forms: each kept as typed, checked by the screening service's own
schema, and its mistakes said in words a screener can act on."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from pydantic import BaseModel, ValidationError


@dataclass(frozen=True, slots=True)
class FieldError:
    field_id: str
    message: str


@dataclass(slots=True)
class Typed:
    """One form's answers exactly as typed, and what is wrong with them."""

    form: str  # screen | outcome | rerate | consent | hold
    values: dict[str, str] = field(default_factory=dict)
    errors: list[FieldError] = field(default_factory=list)


Payload = TypeVar("Payload", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class FormSpec:
    # form field -> (schema field, the message when it is missing or wrong)
    fields: dict[str, tuple[str, str]]


REASON_MESSAGE = "Give the reason, in at least 10 characters"
FORMS: dict[str, FormSpec] = {
    "screen": FormSpec(
        {
            "threshold_level": ("threshold_level", "Select the threshold level"),
            "rag": ("rag", "Select a rating: red, amber or green"),
            "reason": ("threshold_reason", REASON_MESSAGE + " for the threshold and rating"),
        },
    ),
    "outcome": FormSpec(
        {
            "outcome": ("outcome", "Select where this contact goes next"),
            "reason": ("reason", REASON_MESSAGE + " for this outcome"),
        },
    ),
    "rerate": FormSpec(
        {
            "rag": ("rag", "Select the new rating"),
            "reason": ("reason", REASON_MESSAGE + " for changing the rating"),
        },
    ),
    "consent": FormSpec(
        {"reason": ("reason", REASON_MESSAGE + " for going ahead without consent")},
    ),
    "hold": FormSpec(
        {
            "reason": ("reason", "Give the reason for the legal hold"),
            "decision": ("decision", "Choose to put the case on legal hold or lift it"),
        },
    ),
}


def field_id(form: str, name: str) -> str:
    """The id of a form's field on the page (for radios, the first option's id)."""
    return f"{form}-{name}"


def read_form(
    form: str, schema: type[Payload], sent: Mapping[str, str]
) -> tuple[Payload | None, Typed]:
    """The service's payload when the answers are right; the answers as typed, either way."""
    spec = FORMS[form]
    typed = Typed(form, {name: sent.get(name, "") for name in spec.fields})
    payload = {spec.fields[name][0]: value for name, value in typed.values.items() if value.strip()}
    try:
        return schema.model_validate(payload), typed
    except ValidationError as invalid:
        wrong = {str(error["loc"][0]) for error in invalid.errors() if error["loc"]}
        typed.errors = [
            FieldError(field_id(form, name), message)
            for name, (schema_field, message) in spec.fields.items()
            if schema_field in wrong
        ] or [FieldError(first_field(form), "Check your answers")]
        return None, typed


def first_field(form: str) -> str:
    return field_id(form, next(iter(FORMS[form].fields)))
