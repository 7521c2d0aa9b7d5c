"""The duty rota: which Duty & Assessment team is on this week and next, and whether new
work goes to the out-of-hours team right now (from the working calendar and the rota's
start in settings)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hub.db import SessionDep, utcnow
from hub.dependencies import CalendarDep, SettingsDep
from hub.kit.working_time import WorkingHours, add_working_hours, is_out_of_hours
from hub.policy.decision_point import require
from hub.policy.firewall import Resource
from hub.policy.vocabulary import Action, Kind
from hub.screening.rota import duty_team_on
from hub.web.dependencies import PagePerson
from hub.web.desk.pages import london, london_day, shell, to_sign_in
from hub.web.people import TEAM_NAMES
from hub.web.templating import render

router = APIRouter(include_in_schema=False)

# The rota routes the hub's contacts, so it is for whoever may list them: hub staff.
_ROUTED_WORK = Resource(Kind.contact)
BANK_HOLIDAYS_AHEAD = timedelta(days=28)


def _week_of(moment: datetime, calendar: WorkingHours) -> tuple[datetime, datetime]:
    """Monday 00:00 to Sunday of ``moment``'s week, local time."""
    local = moment.astimezone(calendar.timezone)
    monday = local.date() - timedelta(days=local.weekday())
    start = datetime.combine(monday, time.min, tzinfo=calendar.timezone)
    return start, start + timedelta(days=6)


def _now_text(now: datetime, calendar: WorkingHours) -> tuple[bool, str]:
    """Whether it is out of hours, and until when, in words."""
    if is_out_of_hours(now, calendar):
        opens = add_working_hours(now, 0, calendar)
        return True, f"until {london(opens)}"
    local = now.astimezone(calendar.timezone)
    closes = datetime.combine(local.date(), calendar.day_end, tzinfo=calendar.timezone)
    return False, f"until {london(closes, with_day=False)} today"


@router.get("/rota")
def duty_rota(
    request: Request,
    session: SessionDep,
    person: PagePerson,
    settings: SettingsDep,
    calendar: CalendarDep,
) -> Response:
    if person.signed_in is None:
        return to_sign_in()
    require(person.signed_in.principal, Action.list, _ROUTED_WORK)
    now = utcnow()
    weeks = []
    for label, moment in (("This week", now), ("Next week", now + timedelta(days=7))):
        start, end = _week_of(moment, calendar)
        try:
            team = TEAM_NAMES.get(team_code := duty_team_on(moment, settings.rota_start), team_code)
        except ValueError:  # before the rota's first week
            team = "No team: the rota starts " + london_day(
                datetime.combine(settings.rota_start, time.min, tzinfo=calendar.timezone)
            )
        weeks.append(
            {"label": label, "from": london_day(start), "to": london_day(end), "team": team}
        )
    out_of_hours, until = _now_text(now, calendar)
    today = now.astimezone(calendar.timezone).date()

    def at(clock: time) -> datetime:
        return datetime.combine(today, clock, tzinfo=calendar.timezone)

    bank_holidays = sorted(
        day for day in calendar.bank_holidays if today <= day <= today + BANK_HOLIDAYS_AHEAD
    )
    return render(
        request,
        "desk/rota.html",
        shell(
            title="Duty rota",
            now_text=london(now),
            out_of_hours=out_of_hours,
            until=until,
            weeks=weeks,
            on_duty=weeks[0]["team"],
            out_of_hours_team="the out-of-hours team",
            day_start=london(at(calendar.day_start), with_day=False),
            day_end=london(at(calendar.day_end), with_day=False),
            bank_holidays=[
                london_day(datetime.combine(day, time.min, tzinfo=calendar.timezone))
                for day in bank_holidays
            ],
        ),
    )
