"""Ofsted ILACS Annex A, List 1 (contacts): one row per child per contact in a window.

Columns, in the order Ofsted's template has them. The values follow the children-in-need
census: the contact source is its source-of-referral code, ethnicity its code. Where the hub
holds no value, the cell says so as the guidance allows: gender "Unknown", ethnicity "NOBT"
(not obtained), contact source "10" (unknown), date of birth and age left empty.
"""

from __future__ import annotations

import csv
import hashlib
import io
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Font

COLUMNS = (
    "Child Unique ID",
    "Gender",
    "Ethnicity",
    "Date of Birth",
    "Age of Child (Years)",
    "Date of Contact",
    "Contact Source",
)

GENDER = {"female": "Female", "male": "Male"}
GENDER_UNKNOWN = "Unknown"
ETHNICITY_NOT_OBTAINED = "NOBT"
SOURCE_UNKNOWN = "10"
# Contacts that arrive as police notifications come from the police, whatever else is held.
SOURCE_OF_CHANNEL = {"police_notification": "6"}
DATE_FORMAT = "%d/%m/%Y"


@dataclass(frozen=True, slots=True)
class List1Row:
    child_id: str
    gender: str
    ethnicity: str
    date_of_birth: date | None
    age_years: int | None
    date_of_contact: date
    contact_source: str


def child_unique_id(blind: bytes | None, person_id: uuid.UUID) -> str:
    """A stable pseudonym: the same child (same NHS number, or same names and date of birth)
    gets the same id in every contact. It is a hash of the hub's keyed blind index, so it
    names no one and cannot be turned back into identifiers without the hub's linkage key.
    A child with too little to match on gets a pseudonym of that one contact's person."""
    if blind is not None:
        digest = hashlib.sha256(b"annex-a-child\x1f" + blind).hexdigest()
    else:
        digest = hashlib.sha256(b"annex-a-person\x1f" + person_id.bytes).hexdigest()
    return "C" + digest[:12].upper()


def age_on(date_of_birth: date, day: date) -> int:
    """Whole years of age on ``day``."""
    before_birthday = (day.month, day.day) < (date_of_birth.month, date_of_birth.day)
    return day.year - date_of_birth.year - before_birthday


def as_csv(rows: Sequence[List1Row]) -> bytes:
    """CSV with a header row, UTF-8 with a byte order mark so that Excel reads it as UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(
            [
                row.child_id,
                row.gender,
                row.ethnicity,
                row.date_of_birth.strftime(DATE_FORMAT) if row.date_of_birth else "",
                "" if row.age_years is None else row.age_years,
                row.date_of_contact.strftime(DATE_FORMAT),
                row.contact_source,
            ]
        )
    return buffer.getvalue().encode("utf-8-sig")


def as_xlsx(rows: Sequence[List1Row]) -> bytes:
    """One sheet, "List 1", header in bold; dates are date cells shown as dd/mm/yyyy."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # a new workbook always has its first sheet
    sheet.title = "List 1"
    sheet.append(COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(
            [
                row.child_id,
                row.gender,
                row.ethnicity,
                row.date_of_birth,
                row.age_years,
                row.date_of_contact,
                row.contact_source,
            ]
        )
    for column in ("D", "F"):
        for cell in sheet[column][1:]:
            cell.number_format = "DD/MM/YYYY"
    for column, width in zip("ABCDEFG", (18, 10, 10, 14, 20, 16, 16), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
