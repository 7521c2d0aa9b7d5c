"""Signed-in browser sessions. The cookie holds a random id; the table holds only its hash."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, UTCDateTime


class WebSession(Base):
    __tablename__ = "web_sessions"

    # SHA-256 of the cookie's random id: a copy of this table signs nobody in.
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    # "signing_in" while the person is at the identity provider; "active" once signed in.
    stage: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    sub: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str | None] = mapped_column(String(40))
    agency: Mapped[str | None] = mapped_column(String(40))
    team: Mapped[str | None] = mapped_column(String(40))
    display_name: Mapped[str | None] = mapped_column(String(200))
    # While signing in: state, nonce, PKCE verifier and where to return (JSON). Once signed
    # in: the IdP's ID token, kept server-side as the hint for ending the IdP session.
    sign_in: Mapped[str | None] = mapped_column(Text)
    id_token: Mapped[str | None] = mapped_column(Text)
