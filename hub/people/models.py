"""The person index: keyed blind indexes of the people in the hub's own stores."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import LargeBinary, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, UTCDateTime, new_id


class PersonIndex(Base):
    """Blind indexes of the people in the hub's own store (contacts now; more later).

    ``store`` names the table the person belongs to, ``parent_id`` the row there (the
    contact) and ``person_id`` the person (the contact person).
    """

    __tablename__ = "person_index"
    __table_args__ = (UniqueConstraint("person_id", "pass_name"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    store: Mapped[str] = mapped_column(String(40))
    parent_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    pass_name: Mapped[str] = mapped_column(String(40))
    blind: Mapped[bytes] = mapped_column(LargeBinary(32), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
