"""How the board and the contact page say things: words for codes, London times, the clock."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from typing import Any

from hub.kit.working_time import LONDON
from hub.screening.board import BoardCard, Child

RAG_NAMES = {"red": "Red", "amber": "Amber", "green": "Green", "unrated": "Not rated"}
RAG_TAG_CLASSES = {
    "red": "govuk-tag--red",
    "amber": "govuk-tag--orange",
    "green": "govuk-tag--green",
    "unrated": "govuk-tag--grey",
}
RAG_HEADINGS = {
    "red": "Red: within 4 hours",
    "amber": "Amber: within 24 hours",
    "green": "Green: within 72 working hours",
    "unrated": "Not rated yet",
}
FLAG_NAMES = {
    "repeat_contacts": "Repeat contacts",
    "repeat_domestic_abuse_at_address": "Repeat domestic abuse at the address",
    "repeat_missing": "Repeat missing",
    "other_children_at_address": "Other children at the address",
    "open_enquiry": "Already in an open MASH enquiry",
}
WORRY_NAMES = {
    "neglect": "Neglect",
    "physical_abuse": "Physical abuse",
    "sexual_abuse": "Sexual abuse",
    "emotional_abuse": "Emotional abuse",
    "domestic_abuse": "Domestic abuse",
    "exploitation": "Exploitation",
    "missing": "Missing",
    "other": "Something else",
}
CONSENT_NAMES = {
    "obtained": "Consent given",
    "refused": "Consent refused",
    "not_sought": "Consent not sought",
}
CHANNEL_NAMES = {
    "web_form": "Web form",
    "phone": "Phone",
    "police_notification": "Police notification",
    "email": "Email",
}
THRESHOLD_NAMES = {
    "1": "Level 1: universal services",
    "2": "Level 2: early help",
    "3": "Level 3: targeted early help",
    "4": "Level 4: statutory social work",
}
OUTCOME_NAMES = {
    "nfa": "No further action",
    "signpost": "Signpost to other services",
    "early_help": "Early Help",
    "mash_enquiry": "MASH enquiry: ask agencies for checks",
}
WHOSE_NAMES = {
    "all": "Everyone's",
    "unassigned": "Not yet picked up by anyone",
    "mine": "Screened by me",
}


def local_time(moment: datetime | None) -> str:
    """'30 November 2026 at 2:05pm', in the council's local time."""
    if moment is None:
        return ""
    here = moment.astimezone(LONDON)
    clock = here.strftime("%I:%M%p").lstrip("0").lower()
    if clock.endswith(":00am") or clock.endswith(":00pm"):
        clock = clock.replace(":00", "")
    if clock == "12pm":
        clock = "midday"
    return f"{here.day} {here.strftime('%B %Y')} at {clock}"


def short_time(moment: datetime) -> str:
    """'30 Nov, 2:05pm': for a card, where space is short."""
    here = moment.astimezone(LONDON)
    return f"{here.day} {here.strftime('%b')}, {local_clock(moment)}"


def age_on(born: date, now: datetime) -> str:
    """'7 years old' on today's date in London."""
    today = now.astimezone(LONDON).date()
    years = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    return _plural(max(years, 0), "year") + " old"


def local_date(moment: datetime) -> str:
    here = moment.astimezone(LONDON)
    return f"{here.day} {here.strftime('%B %Y')}"


def local_clock(moment: datetime) -> str:
    """'2:05pm': the time of day alone, for 'board as at'."""
    return moment.astimezone(LONDON).strftime("%I:%M%p").lstrip("0").lower()


def _plural(count: int, unit: str) -> str:
    return f"{count} {unit}{'' if count == 1 else 's'}"


def duration(minutes: int) -> str:
    """The two largest units: '3 days 2 hours', '2 hours 5 minutes', '4 minutes'."""
    minutes = max(minutes, 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [(days, "day"), (hours, "hour"), (mins, "minute")]
    while parts and parts[0][0] == 0:
        parts.pop(0)
    shown = [_plural(n, unit) for n, unit in parts[:2] if n]
    return " ".join(shown) or "less than a minute"


def clock_text(card: BoardCard, now: datetime) -> str:
    """Time left, or how long past the deadline, or how long it has waited unrated.

    The board's script says the same from the card's data attributes (board.mjs)."""
    if card.rag_deadline is None:
        waited = int((now - card.received_at).total_seconds() // 60)
        return f"Waiting {duration(waited)} for a rating"
    left = int((card.rag_deadline - now).total_seconds() // 60)
    if card.breached or left < 0:
        return f"Overdue by {duration(-left)}"
    return f"{duration(left)} left"


def child_text(child: Child) -> str:
    name = child.name or "Name not given"
    if child.age_years is None:
        return f"{name}, age not known"
    about = "about " if child.age_is_estimate else ""
    return f"{name}, {about}{_plural(child.age_years, 'year')} old"


def children_text(card: BoardCard) -> str:
    return "; ".join(child_text(c) for c in card.children) or "No child named"


def card_version(card: BoardCard) -> str:
    """A short digest of what a card shows, apart from the ticking clock: the script redraws a
    card only when this changes."""
    shown: dict[str, Any] = {
        "children": [[c.name, c.age_years, c.age_is_estimate] for c in card.children],
        "worries": card.worries,
        "consent": [card.consent, card.consent_overridden],
        "threshold": card.threshold_level,
        "rag": card.rag,
        "deadline": card.rag_deadline.isoformat() if card.rag_deadline else None,
        "breached": card.breached,
        "ooh": card.out_of_hours_waiting,
        "by": card.screened_by,
        "flags": [[f.code, f.detail] for f in card.flags],
    }
    return hashlib.sha256(json.dumps(shown, sort_keys=True).encode()).hexdigest()[:16]


def sort_key(card: BoardCard) -> str:
    """Most urgent first within a column, as a string the script can compare."""
    deadline = card.rag_deadline.isoformat() if card.rag_deadline else "9999"
    return f"{0 if card.breached else 1}|{deadline}|{card.received_at.isoformat()}"


def iso(moment: datetime | None) -> str:
    return moment.isoformat() if moment else ""


PRESENT = {
    "rag_names": RAG_NAMES,
    "rag_tag_classes": RAG_TAG_CLASSES,
    "rag_headings": RAG_HEADINGS,
    "flag_names": FLAG_NAMES,
    "worry_names": WORRY_NAMES,
    "consent_names": CONSENT_NAMES,
    "channel_names": CHANNEL_NAMES,
    "threshold_names": THRESHOLD_NAMES,
    "outcome_names": OUTCOME_NAMES,
    "whose_names": WHOSE_NAMES,
    "local_time": local_time,
    "local_date": local_date,
    "short_time": short_time,
    "age_on": age_on,
    "duration": duration,
    "local_clock": local_clock,
    "clock_text": clock_text,
    "children_text": children_text,
    "child_text": child_text,
    "card_version": card_version,
    "sort_key": sort_key,
    "iso": iso,
}
