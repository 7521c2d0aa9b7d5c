"""One agency record as the hub accepts it: checked, normalised, never echoed in errors.

The same checks serve a CSV import, a JSON import and a single record through the API,
so a row that one accepts the others accept too. A problem names the line (or row) and
the field, never the value.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from hub.people.normalise import (
    PersonIdentifiers,
    normalise_dob,
    normalise_nhs_number,
    normalise_postcode,
)

REQUIRED_COLUMNS = ("source_ref", "record_type", "occurred_on", "summary")
IDENTIFIER_COLUMNS = (
    "given_name",
    "family_name",
    "date_of_birth",
    "nhs_number",
    "postcode",
    "address_line",
)
KNOWN_COLUMNS = (*REQUIRED_COLUMNS[:1], *IDENTIFIER_COLUMNS, *REQUIRED_COLUMNS[1:])

MAX_LENGTHS = {
    "source_ref": 200,
    "given_name": 200,
    "family_name": 200,
    "date_of_birth": 40,
    "nhs_number": 20,
    "postcode": 10,
    "address_line": 500,
    "record_type": 100,
    "occurred_on": 40,
    "summary": 5000,
}
MAX_DETAIL_COLUMNS = 50
MAX_DETAIL_NAME = 100
MAX_DETAIL_VALUE = 5000


@dataclass(frozen=True, slots=True)
class RowProblem:
    """What is wrong with one row: its line (or position), the field, and why."""

    line: int
    field: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.field}: {self.reason}"


@dataclass(frozen=True, slots=True, repr=False)
class RecordRow:
    """A valid record, identifiers normalised where the hub matches on them."""

    source_ref: str
    record_type: str
    occurred_on: str
    summary: str
    given_name: str | None = None
    family_name: str | None = None
    date_of_birth: str | None = None
    nhs_number: str | None = None
    postcode: str | None = None
    address_line: str | None = None
    details: Mapping[str, str] = field(default_factory=dict)

    def __repr__(self) -> str:
        return "RecordRow(<redacted>)"

    def identifiers(self) -> dict[str, str | None]:
        return {
            "source_ref": self.source_ref,
            "given_name": self.given_name,
            "family_name": self.family_name,
            "date_of_birth": self.date_of_birth,
            "nhs_number": self.nhs_number,
            "postcode": self.postcode,
            "address_line": self.address_line,
        }

    def content(self) -> dict[str, Any]:
        return {
            "record_type": self.record_type,
            "occurred_on": self.occurred_on,
            "summary": self.summary,
            "details": dict(sorted(self.details.items())),
        }

    def person(self) -> PersonIdentifiers:
        return PersonIdentifiers(
            given_name=self.given_name,
            family_name=self.family_name,
            date_of_birth=self.date_of_birth,
            nhs_number=self.nhs_number,
            postcode=self.postcode,
        )

    def identifiers_json(self) -> str:
        """:meth:`identifiers` as the stable JSON text that is sealed."""
        return _stable_json(self.identifiers())

    def content_json(self) -> str:
        """:meth:`content` as the stable JSON text that is sealed."""
        return _stable_json(self.content())

    def canonical(self) -> str:
        """Everything the record holds, in one stable text (for its keyed digest)."""
        return canonical_of(self.identifiers_json(), self.content_json())


# One encoder for every row (``json.dumps`` with options builds a new one per call).
_STABLE_JSON = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _stable_json(document: Mapping[str, Any]) -> str:
    return _STABLE_JSON.encode(document)


def canonical_of(identifiers_json: str, content_json: str) -> str:
    """``{"content": ..., "identifiers": ...}`` in stable JSON, from the two parts' stable JSON.

    Exactly the text ``json.dumps`` would give for the whole document with sorted keys (the
    keys "content" < "identifiers"), without serialising the record twice.
    """
    return f'{{"content":{content_json},"identifiers":{identifiers_json}}}'


def _text(raw: Mapping[str, Any], name: str) -> str | None:
    value = raw.get(name)
    if value is None:
        return None
    if isinstance(value, date):
        value = value.isoformat()
    if not isinstance(value, str):
        raise ValueError("must be text")
    return clean_text(value)


def clean_text(value: str) -> str | None:
    """A field as a checked row keeps it: white space runs made one space, the ends
    trimmed; None if nothing is left."""
    cleaned = " ".join(value.split())
    return cleaned or None


def check_row(raw: Mapping[str, Any], line: int) -> RecordRow | list[RowProblem]:
    """A valid :class:`RecordRow`, or every problem with the row."""
    problems: list[RowProblem] = []

    def problem(name: str, reason: str) -> None:
        problems.append(RowProblem(line, name, reason))

    values = _known_values(raw, problem)
    _normalise_values(values, problem)
    identified = values.get("given_name") or values.get("family_name") or values.get("nhs_number")
    identifier_problem = any(
        p.field in ("given_name", "family_name", "nhs_number") for p in problems
    )
    if not identified and not identifier_problem:
        problem("given_name", "give at least a name or an NHS number")
    details = _details(raw, problem)
    if problems:
        return problems
    return RecordRow(
        source_ref=values["source_ref"] or "",
        record_type=values["record_type"] or "",
        occurred_on=values["occurred_on"] or "",
        summary=values["summary"] or "",
        given_name=values.get("given_name"),
        family_name=values.get("family_name"),
        date_of_birth=values.get("date_of_birth"),
        nhs_number=values.get("nhs_number"),
        postcode=values.get("postcode"),
        address_line=values.get("address_line"),
        details=details,
    )


# Reports one problem with a row: the field, and why.
_Problem = Callable[[str, str], None]


def _known_values(raw: Mapping[str, Any], problem: _Problem) -> dict[str, str | None]:
    """The known columns' text, each within its length; required ones present."""
    values: dict[str, str | None] = {}
    for name in KNOWN_COLUMNS:
        try:
            value = _text(raw, name)
        except ValueError as error:
            problem(name, str(error))
            continue
        if value is not None and len(value) > MAX_LENGTHS[name]:
            problem(name, f"is longer than {MAX_LENGTHS[name]} characters")
            continue
        values[name] = value
    for name in REQUIRED_COLUMNS:
        if name in values and values[name] is None:
            problem(name, "is required")
    return values


_NORMALISERS: Mapping[str, Callable[[str], str]] = {
    "date_of_birth": normalise_dob,
    "nhs_number": normalise_nhs_number,
    "postcode": normalise_postcode,
}


def _normalise_values(values: dict[str, str | None], problem: _Problem) -> None:
    """Dates, NHS number and postcode in their one normal form, in place."""
    for name, normalise in _NORMALISERS.items():
        value = values.get(name)
        if value is not None:
            try:
                values[name] = normalise(value)
            except ValueError as error:
                # The normalisers' messages name the problem, never the value.
                problem(name, str(error))
    occurred_on = values.get("occurred_on")
    if occurred_on is not None:
        try:
            values["occurred_on"] = normalise_dob(occurred_on)
        except ValueError:
            problem("occurred_on", "is not a valid date (use YYYY-MM-DD), or is in the future")


def _details(raw: Mapping[str, Any], problem: _Problem) -> dict[str, str]:
    """The further columns beyond the known ones, kept as the record's details."""
    if None in raw:
        # csv.DictReader files fields beyond the header under None.
        problem("row", "has more fields than the header")
    details: dict[str, str] = {}
    extra = [name for name in raw if name is not None and name not in KNOWN_COLUMNS]
    if len(extra) > MAX_DETAIL_COLUMNS:
        problem("details", f"has more than {MAX_DETAIL_COLUMNS} further columns")
        return details
    for name in extra:
        try:
            value = _text(raw, name)
        except ValueError:
            problem("details", "further columns must be text")
            continue
        if not isinstance(name, str) or not name.strip() or len(name) > MAX_DETAIL_NAME:
            problem("details", "a further column has no name, or too long a name")
        elif value is not None and len(value) > MAX_DETAIL_VALUE:
            problem("details", f"a further column is longer than {MAX_DETAIL_VALUE}")
        elif value is not None:
            details[name.strip()] = value
    return details


@dataclass
class ValidationReport:
    rows: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    bad_lines: set[int] = field(default_factory=set)

    @property
    def valid(self) -> int:
        return self.rows - len(self.bad_lines)


def missing_columns(header: Iterable[str]) -> list[str]:
    present = {name.strip() for name in header if name}
    return [name for name in REQUIRED_COLUMNS if name not in present]


class RowTally:
    """Counts checked rows into a report, and finds a ``source_ref`` that repeats an earlier
    row's: the file would say two different things about one record."""

    __slots__ = ("_first_line_of", "report")

    def __init__(self, report: ValidationReport) -> None:
        self.report = report
        self._first_line_of: dict[str, int] = {}

    def add(self, line: int, outcome: str | list[RowProblem]) -> bool:
        """Count one row (its ``source_ref`` if valid, else its problems); True if it is
        valid and not a repeat."""
        report = self.report
        report.rows += 1
        if isinstance(outcome, list):
            report.problems.extend(outcome)
            report.bad_lines.add(line)
            return False
        earlier = self._first_line_of.setdefault(outcome, line)
        if earlier != line:
            report.problems.append(RowProblem(line, "source_ref", f"repeats line {earlier}"))
            report.bad_lines.add(line)
            return False
        return True


def checked_rows(
    rows: Iterable[tuple[int, Mapping[str, Any]]], report: ValidationReport
) -> Iterator[tuple[int, RecordRow]]:
    """Check each row, yield the valid ones and collect problems (and repeats) in ``report``."""
    tally = RowTally(report)
    for line, raw in rows:
        checked = check_row(raw, line)
        if isinstance(checked, list):
            tally.add(line, checked)
        elif tally.add(line, checked.source_ref):
            yield line, checked
