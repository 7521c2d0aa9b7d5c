"""Every column the hub seals under its own key, for rotation to re-seal.

A value sealed under the hub key is bound to ``SealContext("hub", table, column, row id)``.
Before an old version of the hub key is retired, every one of these columns must be
re-sealed under the new version, or what it holds could never be opened again. A new
sealed column in the hub store carries the mark :data:`SEALED_UNDER_HUB_KEY` (a test checks
that every ``sealed_*`` column of the hub's tables does), so each domain declares its own
and this module needs none of them.

Case keys (``case:``, ``notification:``, ``episode:``) are themselves sealed under the hub key,
in ``data_keys.wrapped``: :class:`WrappedCaseKeys` lists them for rotation the same way, so
rotating the hub key re-seals 32-byte case keys, and a value sealed under a case key is
never re-sealed by it (its header names the case key, not the hub's).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, MetaData, Table
from sqlalchemy.orm import Session

from hub.db import Base
from hub.keys import repository
from hub.keys.models import DataKeyRow
from hub.kit.crypto.envelope import SealContext


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


class WrappedCaseKeys:
    """The case keys sealed under the hub key, as one more "column" for rotation to re-seal.

    Its rows are named by key id (a case key has one version), which is also what each
    sealed key is bound to.
    """

    table = DataKeyRow.__table__
    column = "wrapped"

    def context(self, row_id: Any) -> SealContext:
        from hub.keys.service import wrapped_case_key_context  # the keyring imports this module

        return wrapped_case_key_context(str(row_id))

    def page(self, session: Session, *, after: Any, limit: int) -> list[tuple[Any, bytes]]:
        return repository.wrapped_case_keys(session, after=after, limit=limit)

    def replace(self, session: Session, row_id: Any, sealed: bytes) -> None:
        repository.replace_wrapped_case_key(session, str(row_id), sealed)


# The mark a sealed column of the hub's own store carries: ``mapped_column(..., info=...)``.
SEALED_UNDER_HUB_KEY: dict[str, Any] = {"sealed_under": "hub"}


def hub_sealed_columns(metadata: MetaData | None = None) -> tuple[SealedColumn, ...]:
    """Every column marked :data:`SEALED_UNDER_HUB_KEY`, in a stable order.

    Read from the tables the metadata knows: the hub's entry points import ``hub.models``
    (every table) before anything rotates the hub key.
    """
    tables = (metadata or Base.metadata).sorted_tables
    return tuple(
        SealedColumn(table, column.name, key=_row_key(table))
        for table in tables
        for column in table.columns
        if column.info.get("sealed_under") == SEALED_UNDER_HUB_KEY["sealed_under"]
    )


def hub_key_values() -> tuple[SealedColumn | WrappedCaseKeys, ...]:
    """Everything sealed under the hub key: the marked columns, then the case keys."""
    return (*hub_sealed_columns(), WrappedCaseKeys())


def _row_key(table: Table) -> str:
    [key] = table.primary_key.columns
    return key.name
