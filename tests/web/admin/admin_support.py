"""What the administrator's page tests share: reading the pages' tables as a person reads
them, and the audit entries the pages leave."""

from __future__ import annotations

import html
import re

from sqlalchemy import select

from hub.audit.models import AuditEntry
from hub.db import Database

ADMIN_PAGES = ("/admin", "/admin/keys", "/admin/agencies")


def text_of(markup: str) -> str:
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", markup).split()))


def tables(page: str) -> dict[str, list[list[str]]]:
    """Each table's rows (header row first), by its caption's text."""
    found: dict[str, list[list[str]]] = {}
    for body in re.findall(r"<table.*?</table>", page, re.DOTALL):
        caption = re.search(r"<caption[^>]*>(.*?)</caption>", body, re.DOTALL)
        rows = [
            [text_of(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.DOTALL)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.DOTALL)
        ]
        found[text_of(caption.group(1)) if caption else ""] = rows
    return found


def row_of(table: list[list[str]], first: str) -> list[str]:
    return next(row for row in table if row[0] == first)


def entries(database: Database, **where: str) -> list[AuditEntry]:
    statement = select(AuditEntry).order_by(AuditEntry.id)
    for column, value in where.items():
        statement = statement.where(getattr(AuditEntry, column) == value)
    with database.session() as session:
        return list(session.scalars(statement))
