"""Every column the hub seals under its own key, for rotation to re-seal.

A value sealed under the hub key is bound to ``SealContext("hub", table, column, row id)``.
Before an old version of the hub key is retired, every one of these columns must be
re-sealed under the new version, or what it holds could never be opened again. A new
sealed column in the hub store is added here (a test checks that every ``sealed_*``
column of the hub's tables is listed). Being the one list of every domain's sealed
columns, this module imports each domain's models, as ``hub/models.py`` does.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import Column, Table
from sqlalchemy.orm import Session

from hub.contacts.models import Contact
from hub.db import Base
from hub.enquiries.models import BreakGlassEvent, CheckRequest, Disclosure
from hub.keys import repository
from hub.kit.crypto.envelope import SealContext
from hub.missing.models import MissingEpisode
from hub.products.models import InformationProduct
from hub.screening.models import ContactScreening, RagChange
from hub.triage.models import DaNotification


@dataclass(frozen=True, slots=True)
class SealedColumn:
    table: Table
    column: str
    key: str = "id"

    def _id(self) -> Column[uuid.UUID]:
        return self.table.c[self.key]

    def context(self, row_id: uuid.UUID) -> SealContext:
        return SealContext(
            owner="hub", table=self.table.name, column=self.column, row_id=str(row_id)
        )

    def page(
        self, session: Session, *, after: uuid.UUID | None, limit: int
    ) -> list[tuple[uuid.UUID, bytes]]:
        return repository.sealed_values(
            session, self._id(), self.table.c[self.column], after=after, limit=limit
        )

    def replace(self, session: Session, row_id: uuid.UUID, sealed: bytes) -> None:
        repository.replace_sealed(session, self._id(), self.table.c[self.column], row_id, sealed)


def _table(model: type[Base]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


HUB_SEALED_COLUMNS: tuple[SealedColumn, ...] = (
    SealedColumn(_table(Contact), "sealed_details"),
    SealedColumn(_table(ContactScreening), "sealed_reasons", key="contact_id"),
    SealedColumn(_table(RagChange), "sealed_reason"),
    SealedColumn(_table(CheckRequest), "sealed_question"),
    SealedColumn(_table(Disclosure), "sealed_content"),
    SealedColumn(_table(InformationProduct), "sealed_analysis"),
    SealedColumn(_table(BreakGlassEvent), "sealed_reason"),
    SealedColumn(_table(BreakGlassEvent), "sealed_review"),
    SealedColumn(_table(DaNotification), "sealed_details"),
    SealedColumn(_table(DaNotification), "sealed_outcome_reason"),
    SealedColumn(_table(MissingEpisode), "sealed_details"),
    SealedColumn(_table(MissingEpisode), "sealed_where_found"),
    SealedColumn(_table(MissingEpisode), "sealed_interview"),
)
