"""How the team's pages order and word what the products service returns."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from hub.products.schemas import ProductSummaryOut

# A caveat as the receiving team must follow it: the agency has released the item to the
# team, not to anyone beyond it.
CAVEATS = {
    "police_intelligence": "Police intelligence: do not pass it on outside your team "
    "without the agreement of the police",
    "not_for_onward_sharing": "Do not pass it on outside your team without the agreement "
    "of the agency that shared it",
    "sensitive_health": "Sensitive health information: share it only with those who need it",
}
# The team's own answer, as its inbox shows it.
ANSWERS = {
    "accepted": ("Accepted", "govuk-tag--green"),
    "declined": ("Declined", "govuk-tag--red"),
}
URGENCY_ORDER = {"red": 0, "amber": 1, "green": 2}
_EARLIEST = datetime.min.replace(tzinfo=UTC)
# What an agency record's fields are called on the page; others are shown by their name.
RECORD_FIELDS = {
    "record_type": "Type",
    "occurred_on": "Date",
    "summary": "What happened",
    "details": "Details",
    "source_ref": "The agency's reference",
}


def _most_urgent_then_newest(product: ProductSummaryOut) -> tuple[int, float]:
    sent = product.disseminated_at or _EARLIEST
    return URGENCY_ORDER.get(product.urgency, 3), -sent.timestamp()


def inbox(
    sent: list[ProductSummaryOut],
) -> tuple[list[ProductSummaryOut], list[ProductSummaryOut]]:
    """(waiting for the team's answer, already answered): each most urgent first, then the
    newest first."""
    waiting = sorted((p for p in sent if p.status == "disseminated"), key=_most_urgent_then_newest)
    answered = sorted((p for p in sent if p.status != "disseminated"), key=_most_urgent_then_newest)
    return waiting, answered


def field_name(name: str) -> str:
    return RECORD_FIELDS.get(name, name.replace("_", " ").capitalize())


def field_value(value: Any, name: str = "") -> str:
    """A record's value as text: a date in words, a code in words, a mapping as 'key: value'
    pairs."""
    if name == "record_type":
        return str(value).replace("_", " ").capitalize()
    if isinstance(value, dict):
        return "; ".join(f"{field_name(k)}: {field_value(v)}" for k, v in value.items() if v)
    if isinstance(value, list):
        return ", ".join(field_value(v) for v in value)
    text = str(value)
    if len(text) != len("2026-01-31") or text[4] != "-":
        return text
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return text
    return f"{day.day} {day:%B %Y}"
