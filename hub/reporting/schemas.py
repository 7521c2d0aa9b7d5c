"""What the reports API answers with."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel


class DayCount(BaseModel):
    day: date
    contacts: int


class WeekOut(BaseModel):
    week_starting: date
    on_time: int
    breached: int
    percent_on_time: int | None


class AgencyChecksOut(BaseModel):
    agency: str
    asked: int
    on_time: int
    late: int
    waiting: int


class DashboardOut(BaseModel):
    first_day: date
    last_day: date
    contacts: int
    contacts_per_day: list[DayCount]
    contacts_by_channel: dict[str, int]
    screening_weeks: list[WeekOut]
    breaches: int
    outcomes: dict[str, int]
    checks_by_agency: list[AgencyChecksOut]
    decided: int
    average_hours_to_decision: float | None
