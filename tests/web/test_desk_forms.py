"""What the desk's pages say and read: UK times in words, times typed as UK time, and what
each form asks to be put right."""

from __future__ import annotations

from datetime import UTC, datetime

from hub.contacts.schemas import Channel
from hub.kit.working_time import WorkingHours
from hub.triage.schemas import Outcome
from hub.web.desk.forms import ContactTakenAnswers, moment_of, outcome_of
from hub.web.desk.pages import london
from hub.web.desk.rota import _now_text

CALENDAR = WorkingHours.england_and_wales([2026, 2027])


def test_times_read_as_uk_local_time_on_either_side_of_the_clock_change() -> None:
    assert london(datetime(2026, 7, 1, 11, 5, tzinfo=UTC)) == "Wed 1 Jul 2026, 12:05pm"
    assert london(datetime(2026, 12, 1, 12, 0, tzinfo=UTC)) == "Tue 1 Dec 2026, midday"
    assert london(datetime(2026, 6, 30, 23, 0, tzinfo=UTC)) == "Wed 1 Jul 2026, midnight"
    assert london(datetime(2026, 12, 1, 9, 30, tzinfo=UTC), with_day=False) == "9:30am"


def test_a_time_typed_in_summer_is_british_summer_time() -> None:
    typed = {"day": "30", "month": "6", "year": "2026", "hour": "18", "minute": "30"}
    assert moment_of(typed) == datetime(2026, 6, 30, 17, 30, tzinfo=UTC)
    assert moment_of({**typed, "day": "31"}) is None
    assert moment_of({**typed, "hour": ""}) is None


def test_a_referral_to_the_mash_needs_the_familys_position_and_other_outcomes_ignore_it() -> None:
    refer = {
        "outcome": "refer_to_mash",
        "reason": "High risk.",
        "consent": "",
        "consent_reason": "",
    }
    assert outcome_of(refer) == (
        None,
        {"consent": "Select whether the family know about the referral"},
    )
    unsaid = {**refer, "consent": "not_sought"}
    assert outcome_of(unsaid)[1] == {"consent_reason": "Enter why the family have not been told"}
    letter = {**refer, "outcome": "information_sharing_letter", "consent": "obtained"}
    decided, errors = outcome_of(letter)
    assert errors == {}
    assert decided is not None
    assert decided.outcome is Outcome.information_sharing_letter
    assert decided.consent is None


def test_a_contact_taken_by_phone_is_asked_of_the_caller_and_recorded_as_a_phone_contact() -> None:
    _, errors = ContactTakenAnswers().check_taken()
    messages = {e.field_id: e.message for e in errors}
    assert messages["channel"] == "Select how they contacted the hub"
    assert messages["source"] == "Select how the person who contacted us knows the child"
    assert messages["consent"] == "Select whether the family know about this contact"
    assert errors[0].field_id == "channel"

    answers = ContactTakenAnswers(
        channel="phone",
        source="1A",
        worries=["neglect"],
        concern="Left alone all day.",
        consent="obtained",
    )
    answers.children[0].given_name = "Tyler"
    contact, errors = answers.check_taken()
    assert errors == []
    assert contact is not None
    assert contact.channel is Channel.phone


def test_the_rota_says_until_when_it_is_working_hours_or_out_of_hours() -> None:
    friday_afternoon = datetime(2026, 12, 4, 14, 0, tzinfo=UTC)
    assert _now_text(friday_afternoon, CALENDAR) == (False, "until 5:00pm today")
    friday_evening = datetime(2026, 12, 4, 18, 0, tzinfo=UTC)
    assert _now_text(friday_evening, CALENDAR) == (True, "until Mon 7 Dec 2026, 9:00am")
    christmas_eve_night = datetime(2026, 12, 24, 20, 0, tzinfo=UTC)
    assert _now_text(christmas_eve_night, CALENDAR) == (True, "until Tue 29 Dec 2026, 9:00am")
