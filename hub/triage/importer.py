"""Police notifications from a CSV file: check every row, then import in batches.

One row per notification. Columns (header names, any order):

- required: ``police_reference``, ``incident_at`` (``YYYY-MM-DD HH:MM`` or
  ``DD/MM/YYYY HH:MM``, UK time unless it carries an offset), ``address``, ``postcode``,
  ``risk_level`` (standard, medium, high), ``circumstances``, ``child1_given_name``,
  ``child1_family_name``;
- optional: ``child1_date_of_birth`` and ``child2_...`` to ``child15_...`` likewise;
  ``victim_given_name``, ``victim_family_name``, ``victim_date_of_birth``, and the same for
  ``perpetrator_`` and ``other_adult_``.

A column the hub does not know refuses the file: a misspelt header would otherwise drop
data without a word. Problems name the line and the column, never the value.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from hub.kit.csvfile import CsvFileError, open_text_lines, read_csv, row_mapping
from hub.people.normalise import normalise_dob
from hub.triage.schemas import DaNotificationIn
from hub.triage.service import Problem

MAX_CHILDREN_COLUMNS = 15
MAX_ROWS = 100_000
REQUIRED_COLUMNS = (
    "police_reference",
    "incident_at",
    "address",
    "postcode",
    "risk_level",
    "circumstances",
    "child1_given_name",
    "child1_family_name",
)
ADULT_PREFIXES = {
    "victim": "victim",
    "perpetrator": "alleged_perpetrator",
    "other_adult": "other_adult",
}
PERSON_FIELDS = ("given_name", "family_name", "date_of_birth")
KNOWN_COLUMNS = frozenset(
    [
        *REQUIRED_COLUMNS,
        *(f"{prefix}_{name}" for prefix in ADULT_PREFIXES for name in PERSON_FIELDS),
        *(f"child{n}_{name}" for n in range(1, MAX_CHILDREN_COLUMNS + 1) for name in PERSON_FIELDS),
    ]
)

_DAY_FIRST_MOMENT = re.compile(
    r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})[ T]([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?"
)


@dataclass
class CheckedFile:
    """What checking a file found: its valid notifications by line, and every problem."""

    rows: int = 0
    notifications: list[tuple[int, DaNotificationIn]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def bad_lines(self) -> set[int]:
        return {p.position for p in self.problems}

    def valid(self) -> list[tuple[int, DaNotificationIn]]:
        bad = self.bad_lines
        return [(line, n) for line, n in self.notifications if line not in bad]


def parse_moment(text: str) -> datetime:
    """``YYYY-MM-DD HH:MM[:SS][offset]`` or ``DD/MM/YYYY HH:MM[:SS]``; errors quote nothing."""
    cleaned = " ".join(text.split())
    if match := _DAY_FIRST_MOMENT.fullmatch(cleaned):
        day, month, year, hour, minute = (int(match[i]) for i in range(1, 6))
        second = int(match[6] or 0)
        try:
            return datetime(year, month, day, hour, minute, second)  # noqa: DTZ001 (UK time, zoned by the schema)
        except ValueError:
            raise ValueError("is not a valid date and time") from None
    try:
        return datetime.fromisoformat(cleaned)
    except ValueError:
        raise ValueError("is not a date and time (use YYYY-MM-DD HH:MM)") from None


def _cell(raw: Mapping[str | None, Any], name: str) -> str | None:
    value = raw.get(name)
    if not isinstance(value, str):
        return None
    cleaned = " ".join(value.split())
    return cleaned or None


def _person(
    raw: Mapping[str | None, Any], prefix: str, line: int, problems: list[Problem]
) -> dict[str, Any] | None:
    values = {name: _cell(raw, f"{prefix}_{name}") for name in PERSON_FIELDS}
    if not any(values.values()):
        return None
    dob = values["date_of_birth"]
    if dob is not None:
        try:
            values["date_of_birth"] = normalise_dob(dob)
        except ValueError as error:
            problems.append(Problem(line, f"{prefix}_date_of_birth", str(error)))
            values["date_of_birth"] = None
    return values


def _column_of(location: tuple[int | str, ...], adult_prefixes: list[str]) -> str:
    """The CSV column a validation error points at."""
    if not location:
        return "row"
    head = location[0]
    if head == "children":
        if len(location) == 1:
            return "child1_given_name"
        name = str(location[2]) if len(location) > 2 else "given_name"
        return f"child{int(location[1]) + 1}_{name}"
    if head == "adults" and len(location) > 1:
        name = str(location[2]) if len(location) > 2 else "given_name"
        return f"{adult_prefixes[int(location[1])]}_{name}"
    return str(head)


def check_row(raw: Mapping[str | None, Any], line: int) -> DaNotificationIn | list[Problem]:
    """A valid notification, or every problem with the row."""
    problems: list[Problem] = []
    if None in raw:
        # csv.DictReader files fields beyond the header under None.
        problems.append(Problem(line, "row", "has more fields than the header"))
    body: dict[str, Any] = {
        name: _cell(raw, name)
        for name in ("police_reference", "address", "postcode", "circumstances")
    }
    risk = _cell(raw, "risk_level")
    body["risk_level"] = risk.casefold() if risk else None
    incident = _cell(raw, "incident_at")
    body["incident_at"] = None
    if incident is not None:
        try:
            body["incident_at"] = parse_moment(incident)
        except ValueError as error:
            problems.append(Problem(line, "incident_at", str(error)))
    adult_prefixes: list[str] = []
    body["adults"] = []
    for prefix, role in ADULT_PREFIXES.items():
        person = _person(raw, prefix, line, problems)
        if person is not None:
            body["adults"].append({"role": role, **person})
            adult_prefixes.append(prefix)
    body["children"] = [
        person
        for n in range(1, MAX_CHILDREN_COLUMNS + 1)
        if (person := _person(raw, f"child{n}", line, problems)) is not None
    ]
    already = {p.field for p in problems}
    if "incident_at" in already:
        body.pop("incident_at")
    try:
        notification = DaNotificationIn.model_validate(body)
    except ValidationError as error:
        for detail in error.errors(include_input=False, include_url=False):
            column = _column_of(tuple(detail["loc"]), adult_prefixes)
            if column in already:
                continue
            message = str(detail["msg"]).removeprefix("Value error, ")
            if detail["type"] in ("missing", "string_type") or (
                detail["type"] == "enum" and body.get(column) is None
            ):
                message = "is required"
            problems.append(Problem(line, column, message))
        return problems
    return problems if problems else notification


def _missing_columns(header: Sequence[str]) -> list[str]:
    return [column for column in REQUIRED_COLUMNS if column not in header]


def check_file(path: Path) -> CheckedFile:
    """Read and check every row of the file; nothing is written."""
    return check_lines(open_text_lines(path))


def check_upload(content: bytes) -> CheckedFile:
    """Check an uploaded file's bytes (UTF-8, with or without a byte-order mark)."""
    text = io.TextIOWrapper(io.BytesIO(content), encoding="utf-8-sig", newline="")
    return check_lines(iter(text))


def check_lines(text_lines: Iterator[str]) -> CheckedFile:
    """Read and check every row of a CSV file's text lines; nothing is written."""
    checked = CheckedFile()
    header, records = read_csv(text_lines, missing_columns=_missing_columns)
    unknown = sorted({c for c in header if c not in KNOWN_COLUMNS})
    if unknown:
        # Header names are the police system's, not personal data.
        raise CsvFileError(f"The header has columns the hub does not know: {', '.join(unknown)}.")
    for line, fields in records:
        checked.rows += 1
        if checked.rows > MAX_ROWS:
            raise CsvFileError(f"The file has more than {MAX_ROWS} rows; split it.")
        result = check_row(row_mapping(header, fields), line)
        if isinstance(result, list):
            checked.problems.extend(result)
        else:
            checked.notifications.append((line, result))
    return checked
