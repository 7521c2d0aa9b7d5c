"""Reading an uploaded CSV file: the one reading loop both bulk imports use.

UTF-8 text (with or without a byte-order mark), a header line, and each record numbered
by the line it starts on, as :class:`csv.DictReader` numbers them. Messages name lines and
columns, never what a cell holds.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from hub.kit.errors import Unprocessable

# ``(first line number, fields)`` of one CSV record.
RawRecord = tuple[int, list[str]]


class CsvFileError(Unprocessable):
    """The file as a whole cannot be read (not UTF-8 CSV, no header, missing columns)."""

    code = "invalid_file"


def open_text_lines(path: Path, digest: Any = None) -> Iterator[str]:
    """The file's text lines; the bytes read also go into ``digest`` (a hashlib object)."""
    with path.open("rb") as raw:
        source: Any = raw if digest is None else io.BufferedReader(_Hashing(raw, digest))
        with io.TextIOWrapper(source, encoding="utf-8-sig", newline="") as handle:
            yield from handle


class _Hashing(io.RawIOBase):
    """A binary file that feeds each block it reads into a digest."""

    def __init__(self, raw: io.BufferedReader, digest: Any) -> None:
        self._raw = raw
        self._digest = digest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = self._raw.readinto(buffer)
        if count:
            self._digest.update(memoryview(buffer)[:count])
        return count


def read_csv(
    text_lines: Iterator[str], *, missing_columns: Callable[[Sequence[str]], Sequence[str]]
) -> tuple[list[str], Iterator[RawRecord]]:
    """The header, and ``(first line number, fields)`` for each non-blank record after it.

    ``missing_columns`` names the required columns the header lacks.
    """
    reader = csv.reader(text_lines)
    try:
        header = next(reader, None)
    except (csv.Error, UnicodeDecodeError):
        raise CsvFileError("The file's header could not be read as UTF-8 CSV.") from None
    if not header:
        raise CsvFileError("The file is empty: it needs a header line.")
    missing = missing_columns(header)
    if missing:
        raise CsvFileError(f"The header lacks required columns: {', '.join(missing)}.")
    return header, _records_after_header(reader)


def _records_after_header(reader: Any) -> Iterator[RawRecord]:
    previous_end: int = reader.line_num
    while True:
        try:
            fields: list[str] = next(reader)
            while not fields:
                fields = next(reader)
        except StopIteration:
            return
        except csv.Error:
            raise CsvFileError(
                f"line {previous_end + 1}: the CSV is malformed (an unclosed quote?)."
            ) from None
        except UnicodeDecodeError:
            raise CsvFileError(f"line {previous_end + 1}: the file is not UTF-8 text.") from None
        start = previous_end + 1
        previous_end = reader.line_num
        yield start, fields


def row_mapping(header: Sequence[str], fields: list[str]) -> dict[Any, Any]:
    """The fields under their column names, as :class:`csv.DictReader` files them.

    Fields beyond the header go under ``None`` as a list; missing trailing fields are None.
    """
    row: dict[Any, Any] = dict(zip(header, fields, strict=False))
    if len(fields) > len(header):
        row[None] = fields[len(header) :]
    elif len(fields) < len(header):
        for name in header[len(fields) :]:
            row[name] = None
    return row
