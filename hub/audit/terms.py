"""Search terms: how IG finds entries without an index on the append path.

Each sequenced entry gets a handful of terms, written by the sequencer with its leaf:

- ``subject:<id>`` for every child or adult the entry concerns;
- ``actor:<sub>``, and ``agency:<code>`` for the actor's agency and the resource's owner;
- ``resource:<id>`` and ``event:<kind>.<action>``;
- ``day:<YYYY-MM-DD>`` (UTC) for time ranges, narrowed further on ``recorded_at``;
- ``outcome:denied`` for denied attempts (allowed is the common case and has no term).

Terms are derived from the entry, whose every field the Merkle leaf covers; they are an
index, not evidence, and a search result is always the stored entry itself.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

# A time range longer than this is searched by id order alone, filtered on the time.
MAX_DAY_TERMS = 400


def subject(subject_id: str) -> str:
    return f"subject:{subject_id}"


def actor(sub: str) -> str:
    return f"actor:{sub}"


def agency(code: str) -> str:
    return f"agency:{code}"


def resource(resource_id: str) -> str:
    return f"resource:{resource_id}"


def event(kind: str, action: str) -> str:
    return f"event:{kind}.{action}"


def day(moment: date) -> str:
    return f"day:{moment.isoformat()}"


DENIED = "outcome:denied"


def terms_of(entry: Mapping[Any, Any]) -> set[str]:
    """The terms of one entry row (``audit_entries`` columns by name)."""
    found = {
        actor(entry["actor_sub"]),
        event(entry["resource_kind"], entry["action"]),
        day(_utc_day(entry["recorded_at"])),
    }
    found.update(subject(s) for s in json.loads(entry["subject_ids"]))
    for code in (entry["actor_agency"], entry["resource_owner"]):
        if code:
            found.add(agency(code))
    if entry["resource_id"]:
        found.add(resource(entry["resource_id"]))
    if entry["outcome"] == "denied":
        found.add(DENIED)
    return found


def days_between(since: datetime | None, until: datetime | None) -> list[str] | None:
    """``day:`` terms covering [since, until), or None when the range is open or too long."""
    if since is None or until is None:
        return None
    first, last = _utc_day(since), _utc_day(until - timedelta(microseconds=1))
    if last < first:
        return []
    if (last - first).days >= MAX_DAY_TERMS:
        return None
    return [day(first + timedelta(days=n)) for n in range((last - first).days + 1)]


def _utc_day(moment: datetime | str) -> date:
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).date()


def rows_for(entries: Iterator[Mapping[Any, Any]]) -> Iterator[dict[str, Any]]:
    """``audit_terms`` rows for entries (each a mapping with ``id``)."""
    for entry in entries:
        for term in sorted(terms_of(entry)):
            yield {"term": term, "entry_id": entry["id"]}
