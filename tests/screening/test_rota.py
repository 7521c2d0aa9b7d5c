"""Which Duty & Assessment team is on duty, and where a screened contact goes."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from hub.kit.working_time import LONDON, WorkingHours
from hub.screening.rota import ScreeningOutcome, duty_team_on, routing_team

ROTA_START = date(2025, 1, 6)  # a Monday: duty_a's first week
CALENDAR = WorkingHours.england_and_wales(range(2024, 2027))


def london(
    year: int, month: int, day: int, hour: int, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=LONDON)


@pytest.mark.parametrize(
    ("moment", "team"),
    [
        (london(2025, 1, 6, 0), "duty_a"),  # the first minute of the rota
        (london(2025, 1, 12, 23, 59, 59), "duty_a"),  # the last second of the first week
        (london(2025, 1, 13, 0), "duty_b"),  # Monday midnight: the week changes over
        (london(2025, 1, 22, 12), "duty_c"),
        (london(2025, 1, 29, 12), "duty_d"),
        (london(2025, 2, 3, 0), "duty_a"),  # week five: back to the first team
        (london(2025, 3, 3, 9), "duty_a"),  # week nine
    ],
)
def test_each_team_takes_one_week_in_four(moment: datetime, team: str) -> None:
    assert duty_team_on(moment, ROTA_START) == team


def test_the_week_changes_over_at_london_midnight_in_summer() -> None:
    # 23:30 UTC on Sunday 1 June 2025 is 00:30 BST on Monday: the new week has begun.
    assert duty_team_on(datetime(2025, 6, 1, 22, 59, tzinfo=UTC), ROTA_START) == "duty_a"
    assert duty_team_on(datetime(2025, 6, 1, 23, 30, tzinfo=UTC), ROTA_START) == "duty_b"


def test_a_council_with_three_teams_cycles_through_three() -> None:
    teams = ("north", "south", "east")
    weeks = [
        duty_team_on(london(2025, 1, 6 + 7 * week, 12), ROTA_START, teams) for week in range(4)
    ]
    assert weeks == ["north", "south", "east", "north"]


def test_a_moment_before_the_rota_started_has_no_duty_team() -> None:
    with pytest.raises(ValueError, match="before the rota"):
        duty_team_on(london(2025, 1, 5, 23, 59), ROTA_START)


def test_a_rota_must_start_on_a_monday() -> None:
    with pytest.raises(ValueError, match="Monday"):
        duty_team_on(london(2025, 1, 8, 12), date(2025, 1, 7))


# --- routing ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "received_at",
    [london(2025, 1, 22, 12), london(2025, 1, 25, 3)],  # a Wednesday noon, a Saturday night
)
def test_early_help_goes_to_early_help_whenever_it_arrived(received_at: datetime) -> None:
    team = routing_team(ScreeningOutcome.EARLY_HELP, received_at, CALENDAR, ROTA_START)
    assert team == "early_help"


@pytest.mark.parametrize(
    "outcome",
    [ScreeningOutcome.CHILD_IN_NEED_ASSESSMENT, ScreeningOutcome.STRATEGY_DISCUSSION],
)
@pytest.mark.parametrize(
    ("received_at", "team"),
    [
        (london(2025, 1, 22, 12), "duty_c"),  # in hours: that week's duty team
        (london(2025, 1, 20, 9), "duty_c"),  # Monday 09:00 precisely is in hours
        (london(2025, 1, 24, 16, 59), "duty_c"),  # Friday 16:59 is still in hours
        (london(2025, 1, 24, 17), "ooh"),  # Friday 17:00 is out of hours
        (london(2025, 1, 22, 22), "ooh"),  # a weekday evening
        (london(2025, 1, 25, 12), "ooh"),  # Saturday
        (london(2025, 4, 21, 11), "ooh"),  # Easter Monday
    ],
)
def test_social_work_outcomes_go_to_the_duty_team_in_hours_and_ooh_otherwise(
    outcome: ScreeningOutcome, received_at: datetime, team: str
) -> None:
    assert routing_team(outcome, received_at, CALENDAR, ROTA_START) == team


@pytest.mark.parametrize("outcome", [ScreeningOutcome.NO_FURTHER_ACTION, ScreeningOutcome.SIGNPOST])
def test_no_further_action_and_signposting_go_to_no_team(outcome: ScreeningOutcome) -> None:
    assert routing_team(outcome, london(2025, 1, 22, 12), CALENDAR, ROTA_START) is None
    assert routing_team(outcome, london(2025, 1, 25, 12), CALENDAR, ROTA_START) is None


def test_outcome_codes_are_the_ones_stored_and_shown() -> None:
    assert {outcome.value for outcome in ScreeningOutcome} == {
        "nfa",
        "signpost",
        "early_help",
        "child_in_need_assessment",
        "strategy_discussion",
    }
    assert ScreeningOutcome("strategy_discussion") is ScreeningOutcome.STRATEGY_DISCUSSION
