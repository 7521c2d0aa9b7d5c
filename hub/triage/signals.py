"""Emerging-harm signals for screening: domestic abuse again at an address, or for a person.

Called by screening inside its own audited request; these functions read only counts of
rows found by blind indexes and return numbers, never content, so they audit nothing
themselves. Compute an address's blind index with :func:`address_blind` and a person's
with :class:`hub.agencies.indexing.Indexer` under the same linkage key.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from hub.people.address import address_blind
from hub.triage import repository

__all__ = ["address_blind", "da_notifications_for_person", "repeat_da_at_address"]


def _require_aware(moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("now must be a timezone-aware datetime")


def repeat_da_at_address(
    session: Session, address_index: bytes | None, *, now: datetime, window_days: int = 90
) -> int:
    """How many domestic abuse incidents at this address in the ``window_days`` before ``now``."""
    _require_aware(now)
    if address_index is None:
        return 0
    return repository.count_at_address(
        session, address_index, since=now - timedelta(days=window_days), until=now
    )


def da_notifications_for_person(
    session: Session,
    person_blinds: Sequence[bytes],
    *,
    now: datetime | None = None,
    window_days: int | None = None,
) -> int:
    """How many notifications name a person with any of these blind indexes.

    With ``now`` and ``window_days``, only incidents in that many days before ``now``. The
    caller chooses the matching passes: leave out ``family_dob`` alone to keep twins apart.
    """
    if (now is None) != (window_days is None):
        raise ValueError("give both now and window_days, or neither")
    since = until = None
    if now is not None and window_days is not None:
        _require_aware(now)
        since, until = now - timedelta(days=window_days), now
    return repository.count_for_person(session, person_blinds, since=since, until=until)
