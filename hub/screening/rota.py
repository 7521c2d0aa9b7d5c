"""The Duty & Assessment rota, and which team a screened contact goes to.

Four Duty & Assessment teams take duty one week in four, in order, from the rota's start (a
Monday). The week changes over at Monday 00:00 local time, so a contact received at 23:59 on a
Sunday belongs to the outgoing team's week.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from hub.kit.working_time import LONDON, WorkingHours, is_out_of_hours

DUTY_TEAMS = ("duty_a", "duty_b", "duty_c", "duty_d")
EARLY_HELP_TEAM = "early_help"
OUT_OF_HOURS_TEAM = "ooh"


class ScreeningOutcome(StrEnum):
    """What the hub decides to do with a contact."""

    NO_FURTHER_ACTION = "nfa"
    SIGNPOST = "signpost"
    EARLY_HELP = "early_help"
    CHILD_IN_NEED_ASSESSMENT = "child_in_need_assessment"
    STRATEGY_DISCUSSION = "strategy_discussion"


# Outcomes that need a social work response: a Duty & Assessment team in the day, the
# out-of-hours team otherwise.
_SOCIAL_WORK_OUTCOMES = frozenset(
    {ScreeningOutcome.CHILD_IN_NEED_ASSESSMENT, ScreeningOutcome.STRATEGY_DISCUSSION}
)


def duty_team_on(
    moment: datetime,
    rota_start: date,
    teams: Sequence[str] = DUTY_TEAMS,
    *,
    timezone: ZoneInfo = LONDON,
) -> str:
    """The Duty & Assessment team on duty at ``moment``.

    ``rota_start`` is the Monday on which the first of ``teams`` took duty; a moment before it
    has no duty team on this rota and raises ``ValueError``.
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("moment must be a timezone-aware datetime")
    if rota_start.weekday() != 0:
        raise ValueError("the rota starts on a Monday")
    if not teams:
        raise ValueError("the rota needs at least one team")
    # The local date decides the week: 00:30 BST on a Monday is still Sunday in UTC.
    local_day = moment.astimezone(timezone).date()
    if local_day < rota_start:
        raise ValueError("moment is before the rota started")
    weeks_since_start = (local_day - rota_start).days // 7
    return teams[weeks_since_start % len(teams)]


def routing_team(
    outcome: ScreeningOutcome,
    received_at: datetime,
    calendar: WorkingHours,
    rota_start: date,
    *,
    teams: Sequence[str] = DUTY_TEAMS,
) -> str | None:
    """The team a screened contact is passed to, or ``None`` when no team takes it on.

    Early help outcomes go to Early Help whenever they arrived: Early Help is not an emergency
    service. A child-in-need assessment or strategy discussion goes to the out-of-hours team if
    the contact arrived out of hours, and otherwise to the duty team of the week it arrived.
    No further action and signposting end in the hub, so there is no team to route to.
    """
    outcome = ScreeningOutcome(outcome)
    if outcome is ScreeningOutcome.EARLY_HELP:
        return EARLY_HELP_TEAM
    if outcome not in _SOCIAL_WORK_OUTCOMES:
        return None
    if is_out_of_hours(received_at, calendar):
        return OUT_OF_HOURS_TEAM
    return duty_team_on(received_at, rota_start, teams, timezone=calendar.timezone)
