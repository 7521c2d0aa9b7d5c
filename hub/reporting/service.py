"""Management information for MASH managers: the dashboard's figures and Annex A List 1.

Both pass the firewall (``management_information``: read for the figures, export for the
list) and write one audit entry each: the window and how many rows, never a person's details.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy.orm import Session

from hub.audit import service as audit
from hub.auth.principal import Principal
from hub.contacts.schemas import Channel
from hub.contacts.service import open_details
from hub.db import utcnow
from hub.keys.service import Keyring
from hub.kit.errors import Unprocessable
from hub.policy.decision_point import allowed_event, require
from hub.policy.firewall import Resource
from hub.policy.vocabulary import Action, Kind
from hub.reporting import repository
from hub.reporting.annex_a import (
    ETHNICITY_NOT_OBTAINED,
    GENDER,
    GENDER_UNKNOWN,
    SOURCE_OF_CHANNEL,
    SOURCE_UNKNOWN,
    List1Row,
    age_on,
    child_unique_id,
)

log = structlog.get_logger()

LONDON = ZoneInfo("Europe/London")
DEFAULT_MONTHS = 6
# A window longer than this is refused: Ofsted asks for months, not decades.
LONGEST_WINDOW = timedelta(days=3 * 366)
MANAGEMENT_INFORMATION = Resource(Kind.management_information)


@dataclass(frozen=True, slots=True)
class Window:
    """London calendar days, both ends included."""

    first_day: date
    last_day: date

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first_day, time.min, tzinfo=LONDON).astimezone(UTC)

    @property
    def end(self) -> datetime:
        next_day = self.last_day + timedelta(days=1)
        return datetime.combine(next_day, time.min, tzinfo=LONDON).astimezone(UTC)

    def days(self) -> list[date]:
        count = (self.last_day - self.first_day).days + 1
        return [self.first_day + timedelta(days=n) for n in range(count)]

    def describe(self) -> str:
        return f"{self.first_day.isoformat()} to {self.last_day.isoformat()}"


def _months_before(day: date, months: int) -> date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has 28 days")


def window_of(first_day: date | None, last_day: date | None, *, now: datetime) -> Window:
    """The chosen window, or the last six months to today (London)."""
    today = now.astimezone(LONDON).date()
    last = last_day or today
    first = first_day or _months_before(last, DEFAULT_MONTHS) + timedelta(days=1)
    if first > last:
        raise Unprocessable("The window's first day is after its last day.", code="window_reversed")
    if last - first > LONGEST_WINDOW:
        raise Unprocessable("Choose a window of three years or less.", code="window_too_long")
    return Window(first, last)


# --- Annex A List 1 ---------------------------------------------------------------------


def _list1_row(
    child: repository.ChildContactRow, person: dict[str, object], blind: bytes | None
) -> List1Row:
    day_of_contact = child.received_at.astimezone(LONDON).date()
    raw_dob = person.get("date_of_birth")
    date_of_birth = date.fromisoformat(raw_dob) if isinstance(raw_dob, str) else None
    raw_age = person.get("age_years")
    age = age_on(date_of_birth, day_of_contact) if date_of_birth else None
    if age is None and isinstance(raw_age, int):
        age = raw_age
    raw_ethnicity = person.get("ethnicity")
    return List1Row(
        child_id=child_unique_id(blind, child.person_id),
        gender=GENDER.get(str(person.get("sex")), GENDER_UNKNOWN),
        ethnicity=raw_ethnicity if isinstance(raw_ethnicity, str) else ETHNICITY_NOT_OBTAINED,
        date_of_birth=date_of_birth,
        age_years=age,
        date_of_contact=day_of_contact,
        contact_source=SOURCE_UNKNOWN,
    )


def _source(channel: str, referrer: object) -> str:
    if isinstance(referrer, dict) and isinstance(referrer.get("source"), str):
        return str(referrer["source"])
    return SOURCE_OF_CHANNEL.get(channel, SOURCE_UNKNOWN)


def annex_a_list1(
    session: Session,
    principal: Principal,
    *,
    first_day: date | None,
    last_day: date | None,
    keyring: Keyring,
    now: datetime | None = None,
) -> tuple[Window, list[List1Row]]:
    """List 1's rows for contacts received in the window (default: the last six months),
    oldest first."""
    decision = require(principal, Action.export, MANAGEMENT_INFORMATION)
    window = window_of(first_day, last_day, now=now or utcnow())
    # A case destroyed under the retention schedule has no details left to list.
    contacts = {
        c.id: c
        for c in repository.sealed_details_of(session, window.start, window.end)
        if c.destroyed_at is None
    }
    details = {
        contact_id: open_details(session, contact, keyring=keyring)
        for contact_id, contact in contacts.items()
    }
    blinds = repository.child_blinds(session, window.start, window.end)
    rows: list[List1Row] = []
    for child in repository.children_contacted(session, window.start, window.end):
        if child.contact_id not in details:
            continue
        held = details[child.contact_id]
        row = _list1_row(child, held["people"][child.position], blinds.get(child.person_id))
        source = _source(child.channel, held.get("referrer"))
        rows.append(replace(row, contact_source=source))
    audit.record(
        session,
        principal,
        allowed_event(
            decision,
            MANAGEMENT_INFORMATION,
            resource_id="annex-a-list-1",
            reason=f"Annex A List 1, contacts received {window.describe()}: {len(rows)} rows",
        ),
    )
    log.info("reporting.list1_exported", rows=len(rows), days=len(window.days()))
    return window, rows


# --- the dashboard ----------------------------------------------------------------------

SCREENING_OUTCOMES = ("nfa", "signpost", "early_help", "mash_enquiry")
CHANNELS = tuple(str(channel) for channel in Channel)
PRODUCT_OUTCOMES = ("child_in_need_assessment", "strategy_discussion")


@dataclass(frozen=True, slots=True)
class WeekTimeliness:
    week_starting: date
    on_time: int
    breached: int

    @property
    def percent_on_time(self) -> int | None:
        decided = self.on_time + self.breached
        return None if decided == 0 else round(100 * self.on_time / decided)


@dataclass(slots=True)
class Dashboard:
    window: Window
    contacts_per_day: list[tuple[date, int]] = field(default_factory=list)
    contacts_by_channel: dict[str, int] = field(default_factory=dict)
    weeks: list[WeekTimeliness] = field(default_factory=list)
    outcomes: dict[str, int] = field(default_factory=dict)
    checks: list[repository.AgencyChecks] = field(default_factory=list)
    decided: int = 0
    average_hours_to_decision: float | None = None

    @property
    def contacts(self) -> int:
        return sum(n for _, n in self.contacts_per_day)

    @property
    def breaches(self) -> int:
        return sum(week.breached for week in self.weeks)


def _london_day(utc_hour: str) -> date:
    moment = datetime.strptime(utc_hour, "%Y-%m-%d %H").replace(tzinfo=UTC)
    return moment.astimezone(LONDON).date()


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def dashboard(
    session: Session,
    principal: Principal,
    *,
    first_day: date | None,
    last_day: date | None,
    now: datetime | None = None,
) -> Dashboard:
    """The window's figures (default: the last six months), each counted by the database."""
    decision = require(principal, Action.read, MANAGEMENT_INFORMATION)
    moment = now or utcnow()
    window = window_of(first_day, last_day, now=moment)
    start, end = window.start, window.end
    figures = Dashboard(window=window)

    per_day: dict[date, int] = defaultdict(int)
    by_channel: dict[str, int] = defaultdict(int)
    weekly: dict[date, list[int]] = {_monday(day): [0, 0] for day in window.days()}
    screened: dict[str, int] = defaultdict(int)
    decided, decision_seconds = 0, 0.0
    for row in repository.contact_figures(
        session, start, end, moment, channels=CHANNELS, outcomes=SCREENING_OUTCOMES
    ):
        day = _london_day(row.part)
        for channel, count in row.by_channel.items():
            per_day[day] += count
            by_channel[channel] += count
        week = weekly[_monday(day)]
        week[0] += row.on_time
        week[1] += row.breached
        for outcome, count in row.by_outcome.items():
            screened[outcome] += count
        decided += row.decided
        decision_seconds += row.decision_seconds
    figures.contacts_per_day = [(day, per_day.get(day, 0)) for day in window.days()]
    figures.contacts_by_channel = dict(
        sorted(((c, n) for c, n in by_channel.items() if n), key=lambda kv: -kv[1])
    )
    figures.weeks = [WeekTimeliness(monday, ok, late) for monday, (ok, late) in weekly.items()]

    products = repository.product_outcomes(session, start, end)
    figures.outcomes = {
        **{code: screened.get(code, 0) for code in SCREENING_OUTCOMES},
        **{code: products.get(code, 0) for code in PRODUCT_OUTCOMES},
    }
    figures.checks = repository.checks_by_agency(session, start, end, moment)
    figures.decided = decided
    figures.average_hours_to_decision = decision_seconds / decided / 3600 if decided else None
    audit.record(
        session,
        principal,
        allowed_event(
            decision,
            MANAGEMENT_INFORMATION,
            resource_id="dashboard",
            reason=f"Dashboard, contacts received {window.describe()}",
        ),
    )
    return figures
