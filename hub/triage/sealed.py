"""Where triage and missing episodes keep values sealed under the hub's key.

Key rotation must re-seal these too before an old hub key version is retired, or they can
no longer be opened. :data:`HUB_SEALED_COLUMNS` lists every such column with what a rewrap
needs: a page of ``(row id, sealed value)`` in id order, the seal context, and a replace.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import Column, Table, select, update
from sqlalchemy.orm import Session

from hub.kit.crypto.envelope import SealContext
from hub.missing.models import MissingEpisode
from hub.triage.models import DaNotification


@dataclass(frozen=True, slots=True)
class SealedColumn:
    table: Table
    column: str

    def _id(self) -> Column[uuid.UUID]:
        return self.table.c.id

    def context(self, row_id: uuid.UUID) -> SealContext:
        return SealContext(
            owner="hub", table=self.table.name, column=self.column, row_id=str(row_id)
        )

    def page(
        self, session: Session, *, after: uuid.UUID | None, limit: int
    ) -> list[tuple[uuid.UUID, bytes]]:
        value = self.table.c[self.column]
        statement = (
            select(self._id(), value).where(value.is_not(None)).order_by(self._id()).limit(limit)
        )
        if after is not None:
            statement = statement.where(self._id() > after)
        return [(row_id, bytes(sealed)) for row_id, sealed in session.execute(statement)]

    def replace(self, session: Session, row_id: uuid.UUID, sealed: bytes) -> None:
        session.execute(
            update(self.table).where(self._id() == row_id).values({self.column: sealed})
        )


def _table(model: type[DaNotification] | type[MissingEpisode]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


HUB_SEALED_COLUMNS = (
    SealedColumn(_table(DaNotification), "sealed_details"),
    SealedColumn(_table(DaNotification), "sealed_outcome_reason"),
    SealedColumn(_table(MissingEpisode), "sealed_details"),
    SealedColumn(_table(MissingEpisode), "sealed_where_found"),
    SealedColumn(_table(MissingEpisode), "sealed_interview"),
)
