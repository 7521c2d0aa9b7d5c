"""PostgreSQL roles: the app's role may only INSERT and SELECT on the audit tables.

Migrations run as the owner of the schema. The application connects as another role,
granted here: ordinary read/write on case tables, and on the audit tables nothing but
INSERT and SELECT, so no UPDATE, DELETE or TRUNCATE can come through the app's
connection even if its code were subverted. The triggers of migration 0002 are the
second wall, against the owner.
"""

from __future__ import annotations

import re

from sqlalchemy import Connection, inspect, text

AUDIT_TABLES = (
    "audit_entries",
    "audit_terms",
    "audit_leaves",
    "audit_checkpoints",
    "audit_sealing",
)
_ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def grant_app_role(connection: Connection, role: str) -> None:
    if not _ROLE_NAME.match(role):
        raise ValueError("a role name is lower-case letters, digits and underscores")
    quoted = f'"{role}"'
    tables = [t for t in inspect(connection).get_table_names() if t != "alembic_version"]
    connection.execute(text(f"GRANT USAGE ON SCHEMA public TO {quoted}"))
    connection.execute(text(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {quoted}"))
    for table in tables:
        privileges = "SELECT, INSERT" if table in AUDIT_TABLES else "SELECT, INSERT, UPDATE, DELETE"
        connection.execute(text(f'GRANT {privileges} ON "{table}" TO {quoted}'))
    connection.execute(text(f"GRANT SELECT ON alembic_version TO {quoted}"))
    connection.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}"))
