"""The screening clock: when a contact, an agency check or a return interview is due.

Every function here takes timezone-aware datetimes (a naive one raises ``ValueError``, because
guessing its zone could move a deadline by an hour) and returns an aware datetime in the
calendar's local zone, Europe/London by default: that is the time a social worker reads on the
screen, and it compares correctly with any other aware datetime.

Two kinds of hours are counted:

* **working hours** are counted on the local wall clock, inside the working day (09:00-17:00
  local, Monday to Friday, bank holidays excepted). A working day is 09:00-17:00 on both sides
  of a clock change, so a clock change never shortens or lengthens one.
* **elapsed hours** are real hours, counted in UTC, so a clock change in the night neither
  gives nor takes an hour.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
MONDAY_TO_FRIDAY = frozenset(range(5))  # date.weekday(): Monday is 0
SATURDAY = 5

RETURN_INTERVIEW_WINDOW = timedelta(hours=72)


class Rag(StrEnum):
    """The urgency a screening social worker gives a contact."""

    RED = "red"
    AMBER = "amber"
    GREEN = "green"


# Bank holidays moved from their usual date by royal proclamation. The usual date was an
# ordinary working day that year, so adding the new date as an extra is not enough.
_MOVED_BANK_HOLIDAYS: dict[date, date] = {
    date(2012, 5, 28): date(2012, 6, 4),  # spring bank holiday, Diamond Jubilee
    date(2020, 5, 4): date(2020, 5, 8),  # early May bank holiday, 75th anniversary of VE day
    date(2022, 5, 30): date(2022, 6, 2),  # spring bank holiday, Platinum Jubilee
}


def easter_sunday(year: int) -> date:
    """Easter Sunday in the Gregorian calendar (the anonymous "Meeus/Jones/Butcher" computus)."""
    golden_number = year % 19
    century, year_of_century = divmod(year, 100)
    leap_centuries, non_leap_century = divmod(century, 4)
    moon_correction = (century + 8) // 25
    solar_correction = (century - moon_correction + 1) // 3
    # The paschal full moon falls this many days after 21 March (before the final correction).
    days_to_full_moon = (19 * golden_number + century - leap_centuries - solar_correction + 15) % 30
    leap_years_in_century, years_past_leap = divmod(year_of_century, 4)
    # Days from the day after that full moon to the Sunday that follows it: Easter.
    days_to_sunday = (
        32 + 2 * non_leap_century + 2 * leap_years_in_century - days_to_full_moon - years_past_leap
    ) % 7
    late_full_moon_correction = (
        golden_number + 11 * days_to_full_moon + 22 * days_to_sunday
    ) // 451
    month, day_before = divmod(
        days_to_full_moon + days_to_sunday - 7 * late_full_moon_correction + 114, 31
    )
    return date(year, month, day_before + 1)


def _first_monday(year: int, month: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(7 - first.weekday()) % 7)


def _last_monday(year: int, month: int) -> date:
    next_month_first = date(year + month // 12, month % 12 + 1, 1)
    last = next_month_first - timedelta(days=1)
    return last - timedelta(days=last.weekday())


def _observed_on_weekdays(days: Iterable[date]) -> list[date]:
    """Move each holiday that falls at a weekend to the next weekday not already taken.

    Christmas on a Saturday gives Monday 27th and Tuesday 28th; Christmas on a Sunday gives
    Boxing Day on Monday 26th and the Christmas substitute on Tuesday 27th.
    """
    observed: list[date] = []
    for day in days:
        substitute = day
        while substitute.weekday() >= SATURDAY or substitute in observed:
            substitute += timedelta(days=1)
        observed.append(substitute)
    return observed


def england_and_wales_bank_holidays(
    years: Iterable[int], *, extra_dates: Iterable[date] = ()
) -> frozenset[date]:
    """The bank holidays of England and Wales in ``years``, as days off work.

    Substitute days are included for New Year's Day, Christmas Day and Boxing Day falling at a
    weekend, and known moves by proclamation are applied. ``extra_dates`` are the one-off
    holidays announced for an occasion (e.g. 2022-09-19, 2023-05-08), which come from
    configuration because no rule can predict them. The rules are the modern ones (from 1978).
    """
    holidays: set[date] = set(extra_dates)
    for year in years:
        easter = easter_sunday(year)
        usual_dates = [
            *_observed_on_weekdays([date(year, 1, 1)]),
            easter - timedelta(days=2),  # Good Friday
            easter + timedelta(days=1),  # Easter Monday
            _first_monday(year, 5),  # early May bank holiday
            _last_monday(year, 5),  # spring bank holiday
            _last_monday(year, 8),  # summer bank holiday
            *_observed_on_weekdays([date(year, 12, 25), date(year, 12, 26)]),
        ]
        holidays.update(_MOVED_BANK_HOLIDAYS.get(day, day) for day in usual_dates)
    return frozenset(holidays)


@dataclass(frozen=True)
class WorkingHours:
    """When the hub's day-time service is open.

    ``bank_holidays`` must cover every year a deadline can fall in; build it with
    :meth:`england_and_wales`, or :func:`england_and_wales_bank_holidays`.
    """

    timezone: ZoneInfo = LONDON
    working_days: frozenset[int] = MONDAY_TO_FRIDAY
    day_start: time = time(9, 0)
    day_end: time = time(17, 0)
    bank_holidays: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if not self.working_days or not self.working_days <= frozenset(range(7)):
            raise ValueError("working_days must be a non-empty set of weekday numbers 0-6")
        if self.day_start.tzinfo is not None or self.day_end.tzinfo is not None:
            raise ValueError("day_start and day_end are local wall-clock times, without a zone")
        if self.day_start >= self.day_end:
            raise ValueError("day_start must be before day_end")

    @classmethod
    def england_and_wales(
        cls, years: Iterable[int], *, extra_bank_holidays: Iterable[date] = ()
    ) -> WorkingHours:
        """09:00-17:00 London time, Monday to Friday, without England and Wales bank holidays."""
        return cls(
            bank_holidays=england_and_wales_bank_holidays(years, extra_dates=extra_bank_holidays)
        )

    def is_working_day(self, day: date) -> bool:
        return day.weekday() in self.working_days and day not in self.bank_holidays


@dataclass(frozen=True)
class RagClock:
    """How long one rating allows, and whether it keeps running out of hours."""

    duration: timedelta
    runs_round_the_clock: bool


@dataclass(frozen=True)
class RagPolicy:
    """The clock each RAG rating starts."""

    red: RagClock
    amber: RagClock
    green: RagClock

    def clock_for(self, rag: Rag) -> RagClock:
        match Rag(rag):
            case Rag.RED:
                return self.red
            case Rag.AMBER:
                return self.amber
            case Rag.GREEN:
                return self.green


# "Red within 4 working hours (and red keeps running out of hours), amber within 24, green
# within 72": a red contact is never left waiting for the next morning.
SCREENING_POLICY = RagPolicy(
    red=RagClock(timedelta(hours=4), runs_round_the_clock=True),
    amber=RagClock(timedelta(hours=24), runs_round_the_clock=False),
    green=RagClock(timedelta(hours=72), runs_round_the_clock=False),
)

# Agency checks: a red check is about a child who may need protecting tonight, so it runs in
# real hours; amber and green checks are answered by agency staff in their working day.
AGENCY_CHECK_POLICY = RagPolicy(
    red=RagClock(timedelta(hours=2), runs_round_the_clock=True),
    amber=RagClock(timedelta(hours=6), runs_round_the_clock=False),
    green=RagClock(timedelta(hours=24), runs_round_the_clock=False),
)


def _require_aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime")


def _since_midnight(wall_time: time) -> timedelta:
    return timedelta(
        hours=wall_time.hour,
        minutes=wall_time.minute,
        seconds=wall_time.second,
        microseconds=wall_time.microsecond,
    )


def _as_duration(hours: float | timedelta) -> timedelta:
    duration = hours if isinstance(hours, timedelta) else timedelta(hours=hours)
    if duration < timedelta(0):
        raise ValueError("a deadline cannot be in the past of its start")
    return duration


def add_elapsed_hours(
    start: datetime, hours: float | timedelta, *, timezone: ZoneInfo = LONDON
) -> datetime:
    """``start`` plus real hours, as local time in ``timezone``."""
    _require_aware(start, "start")
    # Added in UTC: an aware local datetime plus a timedelta moves the wall clock instead, and
    # would be an hour out across a clock change.
    return (start.astimezone(UTC) + _as_duration(hours)).astimezone(timezone)


def add_working_hours(
    start: datetime, hours: float | timedelta, calendar: WorkingHours
) -> datetime:
    """The moment ``hours`` working hours after ``start``, as local time in the calendar's zone.

    A start out of hours counts from the next working start. A deadline that lands exactly on
    the end of a working day is that day's end (17:00), not the next morning.
    """
    _require_aware(start, "start")
    remaining = _as_duration(hours)
    opening = _since_midnight(calendar.day_start)
    closing = _since_midnight(calendar.day_end)

    local_start = start.astimezone(calendar.timezone)
    day = local_start.date()
    clock = _since_midnight(local_start.time())
    if not calendar.is_working_day(day) or clock >= closing:
        day, clock = _next_working_day(day, calendar), opening
    clock = max(clock, opening)

    while remaining > closing - clock:
        remaining -= closing - clock
        day, clock = _next_working_day(day, calendar), opening
    # Built from the local date and wall-clock time, so 09:00-17:00 stays 09:00-17:00 whether
    # that day is in GMT or BST.
    return datetime.combine(day, time.min, tzinfo=calendar.timezone) + clock + remaining


def _next_working_day(after: date, calendar: WorkingHours) -> date:
    day = after + timedelta(days=1)
    while not calendar.is_working_day(day):
        day += timedelta(days=1)
    return day


def is_out_of_hours(moment: datetime, calendar: WorkingHours) -> bool:
    """True in evenings, nights, weekends and bank holidays: the out-of-hours team's time.

    The working day includes its opening minute and excludes its closing one: 09:00 is in
    hours, 17:00 is out of hours.
    """
    _require_aware(moment, "moment")
    local = moment.astimezone(calendar.timezone)
    return not (
        calendar.is_working_day(local.date())
        and calendar.day_start <= local.time() < calendar.day_end
    )


def _due_at(start: datetime, clock: RagClock, calendar: WorkingHours) -> datetime:
    if clock.runs_round_the_clock:
        return add_elapsed_hours(start, clock.duration, timezone=calendar.timezone)
    return add_working_hours(start, clock.duration, calendar)


def rag_deadline(
    received_at: datetime,
    rag: Rag,
    calendar: WorkingHours,
    *,
    policy: RagPolicy = SCREENING_POLICY,
) -> datetime:
    """When screening of a contact received at ``received_at`` with this rating is due.

    With the default policy: red is 4 elapsed hours, always (a red contact at 16:30 on a Friday
    is due 20:30 that Friday); amber 24 and green 72 working hours.
    """
    return _due_at(received_at, policy.clock_for(rag), calendar)


def check_due_at(
    requested_at: datetime,
    rag: Rag,
    calendar: WorkingHours,
    *,
    policy: RagPolicy = AGENCY_CHECK_POLICY,
) -> datetime:
    """When an agency's answer to a check request is due.

    With the default policy: red 2 elapsed hours; amber 6 and green 24 working hours.
    """
    return _due_at(requested_at, policy.clock_for(rag), calendar)


def return_interview_due(returned_at: datetime, *, timezone: ZoneInfo = LONDON) -> datetime:
    """When the return home interview of a child back from a missing episode is due.

    72 elapsed hours after the return, weekends and bank holidays included.
    """
    return add_elapsed_hours(returned_at, RETURN_INTERVIEW_WINDOW, timezone=timezone)


def time_left(deadline: datetime, now: datetime) -> timedelta:
    """Real time until ``deadline``; negative once it has passed (by how much it is overdue)."""
    _require_aware(deadline, "deadline")
    _require_aware(now, "now")
    # Subtracted in UTC: two local times in the same zone subtract by wall clock, which is an
    # hour out across a clock change.
    return deadline.astimezone(UTC) - now.astimezone(UTC)


def is_breached(deadline: datetime, now: datetime) -> bool:
    """True once ``deadline`` has passed. Work done at the due minute itself is on time."""
    return time_left(deadline, now) < timedelta(0)
