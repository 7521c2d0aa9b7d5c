"""Every query of browser sessions (``web_sessions``): rows keyed by a hash of the cookie's id."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.orm import Session

from hub.auth.models import WebSession


def session_by_hash(session: Session, id_hash: str) -> WebSession | None:
    return session.get(WebSession, id_hash)


def delete_unused_since(session: Session, moment: datetime) -> None:
    """Remove the sessions last used before ``moment`` (long expired by then)."""
    session.execute(delete(WebSession).where(WebSession.last_seen_at < moment))
