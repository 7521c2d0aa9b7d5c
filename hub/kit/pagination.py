"""Keyset pagination: stable order, an opaque cursor, a bounded page size."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel

from hub.kit.errors import BadRequest

ItemT = TypeVar("ItemT")
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
CURSOR_PATTERN = r"^[A-Za-z0-9_-]*$"

# A page's cursor: the next_cursor of the page before, as it was given (base64url).
CursorQuery = Annotated[
    str | None,
    Query(
        max_length=500,
        description="The next_cursor of the previous page, unchanged.",
        json_schema_extra={"pattern": CURSOR_PATTERN},
    ),
]


class Page(BaseModel, Generic[ItemT]):
    items: list[ItemT]
    next_cursor: str | None = None


def encode_cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> list[Any] | None:
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("The cursor is not valid.", code="bad_cursor") from None
    if not isinstance(values, list):
        raise BadRequest("The cursor is not valid.", code="bad_cursor")
    return values


def decode_time_id_cursor(cursor: str | None) -> tuple[datetime, uuid.UUID] | None:
    """The ``(time, id)`` a newest-first page ended at, from its cursor."""
    values = decode_cursor(cursor)
    if values is None:
        return None
    try:
        return (datetime.fromisoformat(values[0]), uuid.UUID(values[1]))
    except (ValueError, IndexError, TypeError, AttributeError):
        raise BadRequest("The cursor is not valid.", code="bad_cursor") from None


def encode_time_id_cursor(moment: datetime, row_id: uuid.UUID) -> str:
    """The cursor of the next page after the row at ``(moment, row_id)``."""
    return encode_cursor([moment.isoformat(), str(row_id)])
