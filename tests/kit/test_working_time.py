"""The screening clock, as the MASH duty desk sees it on the screen (London time)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from hub.kit.working_time import (
    LONDON,
    Rag,
    RagClock,
    RagPolicy,
    WorkingHours,
    add_working_hours,
    check_due_at,
    easter_sunday,
    england_and_wales_bank_holidays,
    is_breached,
    is_out_of_hours,
    rag_deadline,
    return_interview_due,
    time_left,
)

ONE_OFF_BANK_HOLIDAYS = [date(2022, 9, 19), date(2023, 5, 8)]
CALENDAR = WorkingHours.england_and_wales(
    range(2020, 2030), extra_bank_holidays=ONE_OFF_BANK_HOLIDAYS
)


def london(
    year: int, month: int, day: int, hour: int, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=LONDON)


def assert_same_wall_time(actual: datetime, expected: datetime) -> None:
    """Shown on the London clock, with the same reading and offset the duty desk expects."""
    assert actual.tzinfo is LONDON
    assert actual.isoformat() == expected.isoformat()


# --- bank holidays ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "easter",
    [date(2024, 3, 31), date(2025, 4, 20), date(2026, 4, 5), date(2027, 3, 28), date(2000, 4, 23)],
)
def test_easter_sunday_from_the_computus(easter: date) -> None:
    assert easter_sunday(easter.year) == easter


def test_bank_holidays_2026_match_the_published_list() -> None:
    assert england_and_wales_bank_holidays([2026]) == {
        date(2026, 1, 1),
        date(2026, 4, 3),  # Good Friday
        date(2026, 4, 6),  # Easter Monday
        date(2026, 5, 4),
        date(2026, 5, 25),
        date(2026, 8, 31),
        date(2026, 12, 25),  # a Friday
        date(2026, 12, 28),  # Boxing Day is a Saturday: substitute Monday
    }


def test_christmas_on_a_saturday_gives_monday_and_tuesday_off() -> None:
    holidays = england_and_wales_bank_holidays([2027])
    assert {date(2027, 12, 27), date(2027, 12, 28)} <= holidays
    assert date(2027, 12, 25) not in holidays  # a Saturday, not a working day anyway


def test_christmas_on_a_sunday_gives_monday_and_tuesday_off() -> None:
    holidays = england_and_wales_bank_holidays([2022])
    assert {date(2022, 12, 26), date(2022, 12, 27)} <= holidays


@pytest.mark.parametrize(
    ("year", "substitute"),
    [(2022, date(2022, 1, 3)), (2023, date(2023, 1, 2))],  # 1 Jan on a Saturday, on a Sunday
)
def test_new_years_day_at_a_weekend_moves_to_monday(year: int, substitute: date) -> None:
    assert substitute in england_and_wales_bank_holidays([year])


def test_one_off_bank_holidays_come_from_configuration() -> None:
    assert date(2022, 9, 19) not in england_and_wales_bank_holidays([2022])
    assert date(2022, 9, 19) in CALENDAR.bank_holidays
    assert date(2023, 5, 8) in CALENDAR.bank_holidays


def test_a_bank_holiday_moved_by_proclamation_leaves_its_usual_day_a_working_day() -> None:
    holidays = england_and_wales_bank_holidays([2022])
    assert date(2022, 6, 2) in holidays  # Platinum Jubilee spring bank holiday
    assert date(2022, 5, 30) not in holidays


# --- working hours ---------------------------------------------------------------------------


def test_four_working_hours_from_friday_afternoon_is_monday_noon() -> None:
    due = add_working_hours(london(2025, 6, 6, 16), 4, CALENDAR)
    assert_same_wall_time(due, london(2025, 6, 9, 12))


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (london(2025, 6, 7, 10), london(2025, 6, 9, 13)),  # Saturday: from Monday 09:00
        (london(2025, 6, 3, 19), london(2025, 6, 4, 13)),  # Tuesday evening: from Wednesday
        (london(2025, 6, 4, 7), london(2025, 6, 4, 13)),  # before opening: from 09:00
        (london(2025, 6, 4, 17), london(2025, 6, 5, 13)),  # at 17:00 the day is over
    ],
)
def test_a_start_out_of_hours_counts_from_the_next_working_start(
    received: datetime, due: datetime
) -> None:
    assert_same_wall_time(add_working_hours(received, 4, CALENDAR), due)


def test_a_full_working_day_from_nine_ends_at_five_the_same_day() -> None:
    due = add_working_hours(london(2025, 6, 4, 9), 8, CALENDAR)
    assert_same_wall_time(due, london(2025, 6, 4, 17))


def test_fractions_of_an_hour_and_timedeltas_count_the_same() -> None:
    start = london(2025, 6, 4, 16)
    assert add_working_hours(start, 1.5, CALENDAR) == london(2025, 6, 5, 9, 30)
    assert add_working_hours(start, timedelta(minutes=90), CALENDAR) == london(2025, 6, 5, 9, 30)


def test_easter_weekend_is_skipped() -> None:
    # Maundy Thursday 15:00: two hours that day, then Good Friday to Easter Monday are off.
    due = add_working_hours(london(2025, 4, 17, 15), 4, CALENDAR)
    assert_same_wall_time(due, london(2025, 4, 22, 11))


def test_christmas_with_a_boxing_day_substitute_is_skipped() -> None:
    # Christmas Eve 2026 is a Thursday; Friday 25th, the weekend and Monday 28th are off.
    due = add_working_hours(london(2026, 12, 24, 15), 24, CALENDAR)
    assert_same_wall_time(due, london(2026, 12, 31, 15))


def test_spring_clock_change_keeps_the_working_day_nine_to_five() -> None:
    # Clocks go forward on Sunday 30 March 2025: Friday is GMT, Monday is BST.
    due = add_working_hours(london(2025, 3, 28, 16), 4, CALENDAR)
    assert_same_wall_time(due, london(2025, 3, 31, 12))
    assert due.astimezone(UTC) == datetime(2025, 3, 31, 11, tzinfo=UTC)


def test_autumn_clock_change_keeps_the_working_day_nine_to_five() -> None:
    # Clocks go back on Sunday 26 October 2025: Friday is BST, Monday is GMT.
    due = add_working_hours(london(2025, 10, 24, 16), 4, CALENDAR)
    assert_same_wall_time(due, london(2025, 10, 27, 12))
    assert due.astimezone(UTC) == datetime(2025, 10, 27, 12, tzinfo=UTC)


def test_a_start_given_in_utc_is_read_on_the_london_clock() -> None:
    # 08:00 UTC in June is 09:00 BST: the office is open.
    due = add_working_hours(datetime(2025, 6, 4, 8, tzinfo=UTC), 1, CALENDAR)
    assert_same_wall_time(due, london(2025, 6, 4, 10))


def test_naive_times_and_negative_hours_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        add_working_hours(datetime(2025, 6, 4, 9), 1, CALENDAR)  # noqa: DTZ001 - the point
    with pytest.raises(ValueError, match="past"):
        add_working_hours(london(2025, 6, 4, 9), -1, CALENDAR)


def test_a_working_day_must_open_before_it_closes() -> None:
    with pytest.raises(ValueError, match="before"):
        WorkingHours(day_start=time(17), day_end=time(9))
    with pytest.raises(ValueError, match="working_days"):
        WorkingHours(working_days=frozenset())


# --- out of hours ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "out_of_hours"),
    [
        (london(2025, 6, 4, 9), False),  # opening minute
        (london(2025, 6, 4, 8, 59, 59), True),
        (london(2025, 6, 4, 16, 59, 59), False),
        (london(2025, 6, 4, 17), True),  # closing minute
        (london(2025, 6, 4, 3), True),  # night
        (london(2025, 6, 7, 12), True),  # Saturday
        (london(2025, 6, 8, 12), True),  # Sunday
        (london(2025, 4, 21, 12), True),  # Easter Monday
        (london(2023, 5, 8, 12), True),  # the coronation, a one-off from configuration
        (datetime(2025, 6, 4, 8, 30, tzinfo=UTC), False),  # 09:30 BST
    ],
)
def test_evenings_nights_weekends_and_bank_holidays_are_out_of_hours(
    moment: datetime, out_of_hours: bool
) -> None:
    assert is_out_of_hours(moment, CALENDAR) is out_of_hours


# --- RAG deadlines ---------------------------------------------------------------------------


def test_red_at_half_past_four_on_friday_is_due_that_evening_not_monday() -> None:
    due = rag_deadline(london(2025, 6, 6, 16, 30), Rag.RED, CALENDAR)
    assert_same_wall_time(due, london(2025, 6, 6, 20, 30))


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (london(2025, 6, 7, 23), london(2025, 6, 8, 3)),  # Saturday night
        (london(2026, 12, 25, 10), london(2026, 12, 25, 14)),  # Christmas Day
        (london(2025, 6, 4, 10), london(2025, 6, 4, 14)),  # an ordinary morning
    ],
)
def test_red_runs_four_elapsed_hours_round_the_clock(received: datetime, due: datetime) -> None:
    assert_same_wall_time(rag_deadline(received, Rag.RED, CALENDAR), due)


def test_red_over_the_spring_clock_change_is_four_real_hours() -> None:
    # 00:30 GMT plus four real hours is 04:30 UTC, which London clocks show as 05:30 BST.
    due = rag_deadline(london(2025, 3, 30, 0, 30), Rag.RED, CALENDAR)
    assert_same_wall_time(due, london(2025, 3, 30, 5, 30))


def test_red_over_the_autumn_clock_change_is_four_real_hours() -> None:
    # 00:30 BST plus four real hours is 03:30 UTC, which London clocks show as 03:30 GMT.
    due = rag_deadline(london(2025, 10, 26, 0, 30), Rag.RED, CALENDAR)
    assert_same_wall_time(due, london(2025, 10, 26, 3, 30))


def test_amber_is_three_working_days() -> None:
    due = rag_deadline(london(2025, 6, 2, 10), Rag.AMBER, CALENDAR)  # Monday
    assert_same_wall_time(due, london(2025, 6, 5, 10))  # Thursday


def test_amber_received_on_friday_evening_is_due_wednesday_close() -> None:
    due = rag_deadline(london(2025, 6, 6, 18), Rag.AMBER, CALENDAR)
    assert_same_wall_time(due, london(2025, 6, 11, 17))


def test_green_is_nine_working_days() -> None:
    due = rag_deadline(london(2025, 6, 2, 10), Rag.GREEN, CALENDAR)  # Monday
    assert_same_wall_time(due, london(2025, 6, 13, 10))  # Friday of the next week


def test_a_council_can_configure_its_own_clocks() -> None:
    office_hours_red = RagPolicy(
        red=RagClock(timedelta(hours=4), runs_round_the_clock=False),
        amber=RagClock(timedelta(hours=12), runs_round_the_clock=True),
        green=RagClock(timedelta(hours=72), runs_round_the_clock=False),
    )
    friday_afternoon = london(2025, 6, 6, 16, 30)
    red_due = rag_deadline(friday_afternoon, Rag.RED, CALENDAR, policy=office_hours_red)
    amber_due = rag_deadline(friday_afternoon, Rag.AMBER, CALENDAR, policy=office_hours_red)
    assert_same_wall_time(red_due, london(2025, 6, 9, 12, 30))
    assert_same_wall_time(amber_due, london(2025, 6, 7, 4, 30))


def test_an_unknown_rating_is_refused() -> None:
    with pytest.raises(ValueError, match="purple"):
        rag_deadline(london(2025, 6, 4, 10), "purple", CALENDAR)  # type: ignore[arg-type]


# --- agency checks and return interviews -----------------------------------------------------


@pytest.mark.parametrize(
    ("rag", "requested", "due"),
    [
        (Rag.RED, london(2025, 6, 7, 22), london(2025, 6, 8, 0)),  # Saturday night: 2 real hours
        (Rag.AMBER, london(2025, 6, 6, 15), london(2025, 6, 9, 13)),  # 6 working hours
        (Rag.GREEN, london(2025, 6, 2, 10), london(2025, 6, 5, 10)),  # 24 working hours
    ],
)
def test_agency_checks_are_due_by_rating(rag: Rag, requested: datetime, due: datetime) -> None:
    assert_same_wall_time(check_due_at(requested, rag, CALENDAR), due)


def test_return_interview_is_due_72_hours_after_return_weekend_or_not() -> None:
    due = return_interview_due(london(2025, 6, 4, 10))  # Wednesday
    assert_same_wall_time(due, london(2025, 6, 7, 10))  # Saturday


def test_return_interview_over_the_autumn_clock_change_is_72_real_hours() -> None:
    due = return_interview_due(london(2025, 10, 24, 18))  # Friday, BST
    assert_same_wall_time(due, london(2025, 10, 27, 17))  # Monday, GMT


def test_return_interview_can_be_shown_in_another_zone() -> None:
    due = return_interview_due(london(2025, 6, 4, 10), timezone=ZoneInfo("UTC"))
    assert due.isoformat() == "2025-06-07T09:00:00+00:00"


# --- countdown -------------------------------------------------------------------------------


def test_time_left_counts_down_and_goes_negative_when_overdue() -> None:
    deadline = london(2025, 6, 4, 14)
    assert time_left(deadline, london(2025, 6, 4, 12)) == timedelta(hours=2)
    assert time_left(deadline, london(2025, 6, 4, 14, 30)) == timedelta(minutes=-30)


def test_time_left_over_a_clock_change_is_real_time() -> None:
    # Friday 16:00 GMT to Monday 12:00 BST is 68 hours on the wall clock but 67 real hours.
    assert time_left(london(2025, 3, 31, 12), london(2025, 3, 28, 16)) == timedelta(hours=67)


def test_work_done_at_the_due_minute_is_on_time() -> None:
    deadline = london(2025, 6, 9, 12)
    assert not is_breached(deadline, london(2025, 6, 9, 11, 59, 59))
    assert not is_breached(deadline, deadline)
    assert is_breached(deadline, london(2025, 6, 9, 12, 0, 1))
