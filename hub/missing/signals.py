"""Emerging-harm signals for screening: how often a child has gone missing lately.

Called by screening inside its own audited request; returns a count, never content.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from hub.missing import repository
from hub.missing.service import REPEAT_THRESHOLD, REPEAT_WINDOW_DAYS, window_start

__all__ = ["REPEAT_THRESHOLD", "missing_episodes_for_person"]


def missing_episodes_for_person(
    session: Session,
    person_blinds: Sequence[bytes],
    *,
    now: datetime,
    window_days: int = REPEAT_WINDOW_DAYS,
) -> int:
    """Missing episodes of the child with any of these blind indexes, in the last days.

    ``window_days`` calendar days in UK time, today included. Only the identity passes count
    (:data:`hub.missing.repository.IDENTITY_PASSES`): a twin's episodes are not this child's.
    ``REPEAT_THRESHOLD`` or more is the repeat-missing flag.
    """
    return repository.count_for_blinds(
        session, person_blinds, since=window_start(now, window_days), until=now
    )
