"""agency stores: the blind index is one B-tree keyed (agency, blind, record)

``agency_record_index`` was a rowid table with two more B-trees (its primary key by record
and pass, and an index by blind), and every imported record put six random keys into the
blind one, spread over every agency's rows. It becomes one B-tree keyed
``(agency, blind, record_id)`` (``WITHOUT ROWID`` on SQLite) with the pass as a small code,
so an import's sorted rows land in its own agency's range. A record's own index keys move
into ``agency_records.index_keys``, which is how its rows are found when it is replaced or
shredded (there is no longer an index by record). Existing rows are copied over, and on
PostgreSQL the rebuilt table gets the privileges other roles had on the old one.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

from itertools import groupby

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# hub.agencies.indexing.PASS_CODES as it stands at this revision (frozen here).
PASS_CODES = {
    "nhs": 1,
    "family_dob": 2,
    "given_family_dob": 3,
    "phonetic_given_family_dob": 4,
    "phonetic_yob_district": 5,
    "given_dob_district": 6,
}
BATCH = 5_000

_records = sa.table(
    "agency_records",
    sa.column("id", sa.Uuid()),
    sa.column("index_keys", sa.LargeBinary()),
    sa.column("shredded_at"),
)


def _code_of_name() -> str:
    cases = " ".join(f"WHEN '{name}' THEN {code}" for name, code in PASS_CODES.items())
    return f"CASE pass_name {cases} END"


def _name_of_code() -> str:
    cases = " ".join(f"WHEN {code} THEN '{name}'" for name, code in PASS_CODES.items())
    return f"CASE pass_code {cases} END"


def _rename_primary_key(table: str, old: str, new: str) -> None:
    """PostgreSQL names the primary key's index after the constraint; SQLite has no name."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE {table} RENAME CONSTRAINT {old} TO {new}")


def _grants_on(table: str) -> list[tuple[str, str]]:
    """PostgreSQL: the privileges other roles (the app's) hold on ``table``."""
    if op.get_bind().dialect.name != "postgresql":
        return []
    rows = op.get_bind().execute(
        sa.text(
            "SELECT grantee, privilege_type FROM information_schema.role_table_grants "
            "WHERE table_schema = current_schema() AND table_name = :table "
            "AND grantee <> current_user"
        ),
        {"table": table},
    )
    return [(grantee, privilege) for grantee, privilege in rows]


def _grant(table: str, grants: list[tuple[str, str]]) -> None:
    """Give the rebuilt table the privileges the old one had, so the app keeps working
    without another ``mash-hub db grant``."""
    for grantee, privilege in grants:
        op.execute(f'GRANT {privilege} ON {table} TO "{grantee}"')


def _backfill_index_keys() -> None:
    """Each live record's index rows, packed as hub.agencies.indexing.pack_index_keys does."""
    bind = op.get_bind()
    index = sa.table(
        "agency_record_index",
        sa.column("record_id", sa.Uuid()),
        sa.column("pass_code", sa.SmallInteger()),
        sa.column("blind", sa.LargeBinary()),
    )
    rows = bind.execute(
        sa.select(index.c.record_id, index.c.pass_code, index.c.blind).order_by(
            index.c.record_id, index.c.pass_code
        )
    )
    update = (
        sa.update(_records)
        .where(_records.c.id == sa.bindparam("record_id"))
        .values(index_keys=sa.bindparam("packed"))
    )
    pending: list[dict[str, object]] = []
    for record_id, group in groupby(rows, key=lambda row: row.record_id):
        packed = b"".join(bytes([row.pass_code]) + bytes(row.blind) for row in group)
        pending.append({"record_id": record_id, "packed": packed})
        if len(pending) >= BATCH:
            bind.execute(update, pending)
            pending = []
    if pending:
        bind.execute(update, pending)
    # A live record with no matching pass (a name alone, say) has no index rows.
    bind.execute(
        sa.update(_records)
        .where(_records.c.index_keys.is_(None), _records.c.shredded_at.is_(None))
        .values(index_keys=b"")
    )


def upgrade() -> None:
    op.add_column("agency_records", sa.Column("index_keys", sa.LargeBinary(), nullable=True))
    op.create_table(
        "agency_record_index_new",
        sa.Column("agency", sa.String(length=40), nullable=False),
        sa.Column("blind", sa.LargeBinary(length=32), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("pass_code", sa.SmallInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "agency", "blind", "record_id", name="pk_agency_record_index_new"
        ),
        sqlite_with_rowid=False,
    )
    op.execute(
        "INSERT INTO agency_record_index_new (agency, blind, record_id, pass_code) "
        f"SELECT agency, blind, record_id, {_code_of_name()} FROM agency_record_index"
    )
    grants = _grants_on("agency_record_index")
    op.drop_index("ix_agency_record_index_blind", table_name="agency_record_index")
    op.drop_table("agency_record_index")
    op.rename_table("agency_record_index_new", "agency_record_index")
    _rename_primary_key(
        "agency_record_index", "pk_agency_record_index_new", "pk_agency_record_index"
    )
    _grant("agency_record_index", grants)
    _backfill_index_keys()


def downgrade() -> None:
    op.create_table(
        "agency_record_index_old",
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("pass_name", sa.String(length=40), nullable=False),
        sa.Column("agency", sa.String(length=40), nullable=False),
        sa.Column("blind", sa.LargeBinary(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["agency_records.id"],
            name="fk_agency_record_index_old_record_id",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("record_id", "pass_name", name="pk_agency_record_index_old"),
    )
    op.execute(
        "INSERT INTO agency_record_index_old (record_id, pass_name, agency, blind) "
        f"SELECT record_id, {_name_of_code()}, agency, blind FROM agency_record_index"
    )
    grants = _grants_on("agency_record_index")
    op.drop_table("agency_record_index")
    op.rename_table("agency_record_index_old", "agency_record_index")
    _grant("agency_record_index", grants)
    _rename_primary_key(
        "agency_record_index", "pk_agency_record_index_old", "pk_agency_record_index"
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE agency_record_index RENAME CONSTRAINT "
            "fk_agency_record_index_old_record_id "
            "TO fk_agency_record_index_record_id_agency_records"
        )
    op.create_index("ix_agency_record_index_blind", "agency_record_index", ["blind"])
    # SQLite (3.35 and later) drops a column in place; a batch rebuild of agency_records
    # would drop the table the index rows refer to.
    op.execute("ALTER TABLE agency_records DROP COLUMN index_keys")
