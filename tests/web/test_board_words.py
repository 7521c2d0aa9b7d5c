"""How the board says times and clocks: in London's local time, in words."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from hub.screening.board import BoardCard, Child
from hub.web.board.present import child_text, clock_text, duration, local_time


def card(**changes: object) -> BoardCard:
    fields: dict[str, object] = {
        "contact_id": uuid.uuid4(),
        "reference": "MH-TEST-0001",
        "received_at": datetime(2026, 7, 1, 9, 0, tzinfo=UTC),
        "channel": "phone",
        "children": [Child("Ava Brown", 7, False)],
        "worries": ["neglect"],
        "consent": "obtained",
        "consent_overridden": False,
        "threshold_level": None,
        "rag": "unrated",
        "rag_deadline": None,
        "breached": False,
        "out_of_hours_waiting": False,
        "screened_by": None,
        "flags": [],
    }
    fields.update(changes)
    return BoardCard(**fields)  # type: ignore[arg-type]


def test_times_are_london_local_time_in_summer_and_in_winter() -> None:
    assert local_time(datetime(2026, 7, 1, 12, 0, tzinfo=UTC)) == "1 July 2026 at 1pm"
    assert local_time(datetime(2026, 7, 1, 11, 0, tzinfo=UTC)) == "1 July 2026 at midday"
    assert local_time(datetime(2026, 12, 24, 23, 5, tzinfo=UTC)) == "24 December 2026 at 11:05pm"
    # Half past midnight in London on the first of July is still the 30th of June in UTC.
    assert local_time(datetime(2026, 6, 30, 23, 30, tzinfo=UTC)) == "1 July 2026 at 12:30am"


def test_the_clock_says_time_left_overdue_or_waiting_in_words() -> None:
    now = datetime(2026, 7, 1, 10, 0, tzinfo=UTC)
    due = card(rag="red", rag_deadline=now + timedelta(hours=2, minutes=5))
    assert clock_text(due, now) == "2 hours 5 minutes left"
    late = card(rag="red", rag_deadline=now - timedelta(minutes=61), breached=True)
    assert clock_text(late, now) == "Overdue by 1 hour 1 minute"
    assert clock_text(card(), now) == "Waiting 1 hour for a rating"
    assert duration(3 * 24 * 60 + 125) == "3 days 2 hours"
    assert duration(0) == "less than a minute"


def test_a_child_is_named_with_their_age_or_says_what_is_not_known() -> None:
    assert child_text(Child("Ava Brown", 1, False)) == "Ava Brown, 1 year old"
    assert child_text(Child("Leo", 12, True)) == "Leo, about 12 years old"
    assert child_text(Child(None, None, False)) == "Name not given, age not known"
