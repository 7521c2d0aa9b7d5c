"""Agency stores and blind indexes. Nothing that identifies a person is stored in clear.

An agency record keeps in clear only what the hub needs to run the store: its id, its
agency, who added it and when, and whether it has been shredded. Everything else is
sealed: the identifiers (names, date of birth, NHS number, address, postcode, the
agency's own reference) and the content (type, date, summary, details). Matching uses
keyed blind indexes; the agency's own reference is found through a blind index too.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Index, Integer, LargeBinary, SmallInteger, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, UTCDateTime, new_id


class AgencyRecord(Base):
    __tablename__ = "agency_records"
    __table_args__ = (
        # Re-importing a file finds each record by the agency's own reference.
        UniqueConstraint("agency", "source_ref_index"),
        Index("ix_agency_records_agency_created", "agency", "created_at", "id"),
        # Rewrapping finds the records whose key is sealed under an old agency key version.
        Index("ix_agency_records_agency_key_version", "agency", "key_version"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    agency: Mapped[str] = mapped_column(String(40))
    # Blind index of the agency's own reference; emptied when the record is shredded.
    source_ref_index: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    # Keyed digest of everything the record holds: a re-import of the same row is a no-op.
    row_digest: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    # The record's own data key, sealed under the agency key version ``key_version``.
    sealed_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    key_version: Mapped[int | None] = mapped_column(Integer)
    sealed_identifiers: Mapped[bytes | None] = mapped_column(LargeBinary)
    sealed_content: Mapped[bytes | None] = mapped_column(LargeBinary)
    # The record's rows in agency_record_index, packed (see hub.agencies.indexing.pack_index_keys);
    # emptied when the record is shredded.
    index_keys: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    shredded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AgencyRecordIndex(Base):
    """One blind index of one matching pass for one agency record.

    Keyed ``(agency, blind, record_id)`` and stored as that one B-tree (``WITHOUT ROWID``
    on SQLite): an agency check seeks each of its blind indexes in each agency's range,
    and a bulk import, which writes an agency's index rows sorted by blind, lands them in
    that agency's range only, so a large batch rewrites each page it touches once instead
    of scattering a page write per row across every agency's indexes. There is no index by
    record: a record's own index keys are kept in ``agency_records.index_keys``, so
    replacing or shredding it deletes exactly its rows. The pass is a small code
    (:data:`hub.agencies.indexing.PASS_CODES`), not its name, in each of millions of rows.
    """

    __tablename__ = "agency_record_index"
    __table_args__ = {"sqlite_with_rowid": False}

    agency: Mapped[str] = mapped_column(String(40), primary_key=True)
    blind: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    record_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    pass_code: Mapped[int] = mapped_column(SmallInteger)
