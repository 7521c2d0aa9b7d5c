"""The one base for request bodies (unknown fields refused, text trimmed) and the field
types that several domains share."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints

from hub.kit.working_time import LONDON


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# Police systems' clocks and ours may differ a little; a time this far ahead is a mistake.
CLOCK_SKEW = timedelta(minutes=5)

ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


def as_aware(moment: datetime) -> datetime:
    """A time without a zone is UK local time (what police and hub staff write)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        return moment.replace(tzinfo=LONDON)
    return moment


def not_in_future(moment: datetime) -> datetime:
    moment = as_aware(moment)
    if moment.astimezone(UTC) > datetime.now(UTC) + CLOCK_SKEW:
        raise ValueError("is in the future")
    return moment


PastMoment = Annotated[datetime, AfterValidator(not_in_future)]


def _birth_date(value: date | None) -> date | None:
    if value is not None and value > datetime.now(UTC).date() + timedelta(days=1):
        raise ValueError("date of birth is in the future")
    if value is not None and value.year < 1900:
        raise ValueError("date of birth is implausibly early")
    return value


BirthDate = Annotated[date | None, AfterValidator(_birth_date)]
RequiredBirthDate = Annotated[date, AfterValidator(_birth_date)]
