"""Streaming CSV intake for uploaded product lists (DESIGN.md §3 "CSV in").

Memory is bounded by one record plus a 64 KiB sample, whatever the file size: the file is read through a
counting wrapper and parsed record by record. Problems with the file as a whole raise CsvIntakeError; a problem
with one row makes that row `invalid` with a reason and a column, and never drops it.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from internal.intake.problems import CsvIntakeError, RowError

ID_COLUMNS = ("product_id", "item_id", "sku", "id")
DELIMITERS = ",;\t|"
SAMPLE_BYTES = 64 * 1024
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
# Text control characters have no business in an id (they break URLs, logs and spreadsheets).
_CONTROL = {chr(c) for c in (*range(32), *range(127, 160))}

# The csv module's own limit (128 KiB) would abort the whole file on one long cell; we want a row-level error.
csv.field_size_limit(64 * 1024 * 1024)


@dataclass(frozen=True)
class IntakeLimits:
    max_bytes: int = 200 * 1024 * 1024
    max_rows: int = 1_000_000
    max_field_chars: int = 10_000
    max_columns: int = 200
    max_product_id_chars: int = 200


@dataclass(frozen=True, slots=True)
class IntakeRow:
    row: int  # spreadsheet row number: the header is row 1; blank records count, as a spreadsheet shows them
    product_id: str | None
    name: str | None
    url: str | None
    source: str | None
    data: dict[str, str]  # header name -> raw cell; missing trailing cells are ""
    error: RowError | None = None


@dataclass
class IntakeSummary:
    header: list[str]
    id_column: str
    delimiter: str
    had_bom: bool
    data_rows: int = 0
    invalid_rows: int = 0
    blank_rows_skipped: int = 0

    @property
    def delimiter_name(self) -> str:
        return _DELIMITER_NAMES.get(self.delimiter, repr(self.delimiter))


class _CountingReader(io.RawIOBase):
    """Replays the sample, then the rest of the stream; enforces the size limit and rejects NUL bytes."""

    def __init__(self, prefix: bytes, stream: BinaryIO, max_bytes: int) -> None:
        self._prefix = prefix
        self._stream = stream
        self._max = max_bytes
        self.seen = len(prefix)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self._prefix:
            n = min(len(buffer), len(self._prefix))
            buffer[:n] = self._prefix[:n]
            self._prefix = self._prefix[n:]
            return n
        chunk = self._stream.read(len(buffer))
        if not chunk:
            return 0
        self.seen += len(chunk)
        if self.seen > self._max:
            raise CsvIntakeError("too_large", f"the file is larger than the limit of {self._max:,} bytes")
        if b"\x00" in chunk:
            raise _binary(self.seen - len(chunk) + chunk.index(b"\x00"))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def _detect_delimiter(lines: list[str]) -> str:
    """csv.Sniffer restricted to our four delimiters, checked by re-parsing; a column-count vote if it fails."""
    text = "\n".join(lines)
    try:
        sniffed = csv.Sniffer().sniff(text, delimiters=DELIMITERS).delimiter
    except csv.Error:
        sniffed = None
    best, best_score = ",", (0, 0)
    for delim in DELIMITERS:
        records = [r for r in csv.reader(lines, delimiter=delim) if r]
        if not records or len(records[0]) < 2:
            continue
        width = len(records[0])
        consistent = sum(1 for r in records if len(r) == width)
        score = (consistent, width)
        if delim == sniffed and consistent == len(records):
            return delim  # the sniffer agrees with a clean parse: trust it
        if score > best_score:
            best, best_score = delim, score
    return best


class CsvIntake:
    def __init__(self, stream: BinaryIO, limits: IntakeLimits | None = None) -> None:
        self._stream = stream
        self.limits = limits or IntakeLimits()
        self.summary: IntakeSummary | None = None
        self._reader: Iterator[list[str]] | None = None
        self._id_index = 0
        self._optional: dict[str, int] = {}

    def open(self) -> IntakeSummary:
        """Read the sample and the header; raises CsvIntakeError for problems with the file as a whole."""
        limits = self.limits
        sample = self._stream.read(SAMPLE_BYTES)
        if len(sample) > limits.max_bytes:
            raise CsvIntakeError("too_large", f"the file is larger than the limit of {limits.max_bytes:,} bytes")
        if not sample.strip(b" \t\r\n\xef\xbb\xbf"):
            raise CsvIntakeError("empty_file", "the file is empty: expected a header row and product rows")
        if b"\x00" in sample:
            raise _binary(sample.index(b"\x00"))
        had_bom = sample.startswith(codecs.BOM_UTF8)
        # surrogateescape keeps undecodable bytes as lone surrogates, so the record holding them can be named.
        decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="surrogateescape")
        text = decoder.decode(sample, final=len(sample) < SAMPLE_BYTES)
        lines = text.splitlines()[:50]
        if len(sample) == SAMPLE_BYTES and len(lines) > 1:
            lines = lines[:-1]  # the last line of a cut sample may be partial
        delimiter = _detect_delimiter(lines)

        raw = _CountingReader(sample, self._stream, limits.max_bytes)
        text_stream = io.TextIOWrapper(
            io.BufferedReader(raw, 256 * 1024), encoding="utf-8-sig", errors="surrogateescape", newline=""
        )
        self._text = text_stream
        self._reader = csv.reader(text_stream, delimiter=delimiter)
        header_cells = self._next_record(row=1)
        if header_cells is not None:
            _check_utf8(header_cells, 1)
        if header_cells is None or not any(c.strip() for c in header_cells):
            raise CsvIntakeError("missing_header", "the first row must be a header naming the columns", row=1)
        header = self._check_header(header_cells)
        lowered = [h.lower() for h in header]
        id_column = next((c for c in ID_COLUMNS if c in lowered), None)
        if id_column is None:
            raise CsvIntakeError(
                "no_id_column",
                f"no product id column: the header must contain one of {', '.join(ID_COLUMNS)} "
                f"(case-insensitive); found: {', '.join(header)}",
                row=1,
            )
        self._id_index = lowered.index(id_column)
        self._optional = {name: lowered.index(name) for name in ("name", "url", "source") if name in lowered}
        self.summary = IntakeSummary(
            header=header, id_column=header[self._id_index], delimiter=delimiter, had_bom=had_bom
        )
        return self.summary

    def _check_header(self, cells: list[str]) -> list[str]:
        header = [c.strip() for c in cells]
        while header and not header[-1]:
            header.pop()  # "a,b," — a trailing delimiter is not a column
        if len(header) > self.limits.max_columns:
            raise CsvIntakeError(
                "too_many_columns",
                f"the header has {len(header)} columns; the limit is {self.limits.max_columns}",
                row=1,
                column=self.limits.max_columns + 1,
            )
        seen: dict[str, int] = {}
        for i, name in enumerate(header, start=1):
            if not name:
                raise CsvIntakeError("empty_header", f"column {i} of the header has no name", row=1, column=i)
            key = name.lower()
            if key in seen:
                raise CsvIntakeError(
                    "duplicate_header",
                    f"column {i} ({name!r}) repeats the name of column {seen[key]}: column names must be unique",
                    row=1,
                    column=i,
                )
            seen[key] = i
        return header

    def _next_record(self, row: int) -> list[str] | None:
        assert self._reader is not None
        try:
            return next(self._reader)
        except StopIteration:
            return None
        except csv.Error as err:
            raise CsvIntakeError("malformed_csv", f"row {row}: {err}", row=row) from None

    def rows(self) -> Iterator[IntakeRow]:
        if self.summary is None:
            self.open()
        summary = self.summary
        assert summary is not None
        header = summary.header
        width = len(header)
        limits = self.limits
        row = 1
        while True:
            record = self._next_record(row + 1)
            if record is None:
                return
            row += 1
            if not record:
                summary.blank_rows_skipped += 1
                continue
            _check_utf8(record, row)
            summary.data_rows += 1
            if summary.data_rows > limits.max_rows:
                raise CsvIntakeError(
                    "too_many_rows", f"the file has more than {limits.max_rows:,} product rows", row=row
                )
            result = self._row(row, record, header, width)
            if result.error is not None:
                summary.invalid_rows += 1
            yield result

    def _row(self, row: int, record: list[str], header: list[str], width: int) -> IntakeRow:
        error: RowError | None = None
        if len(record) > width:
            extra = record[width:]
            if any(cell.strip() for cell in extra):
                first = width + next(i for i, cell in enumerate(extra) if cell.strip()) + 1
                error = RowError(
                    f"row has {len(record)} cells but the header has {width} columns", column=first, column_name=None
                )
            record = record[:width]
        elif len(record) < width:
            record = record + [""] * (width - len(record))
        if error is None:
            error = self._field_error(record, header)
        pid: str | None = record[self._id_index].strip()
        if error is None:
            error = self._id_error(pid or "", header)
        if error is not None and error.column == self._id_index + 1:
            pid = None
        opt = {name: (record[i].strip() or None) for name, i in self._optional.items()}
        return IntakeRow(
            row=row,
            product_id=pid or None,
            name=opt.get("name"),
            url=opt.get("url"),
            source=opt.get("source"),
            data=dict(zip(header, record, strict=True)),
            error=error,
        )

    def _field_error(self, record: list[str], header: list[str]) -> RowError | None:
        limit = self.limits.max_field_chars
        for i, cell in enumerate(record):
            if len(cell) > limit:
                hint = " — is a quote left open?" if "\n" in cell else ""
                return RowError(
                    f"value in column {header[i]!r} is {len(cell):,} characters long; the limit is {limit:,}{hint}",
                    column=i + 1,
                    column_name=header[i],
                )
        return None

    def _id_error(self, pid: str, header: list[str]) -> RowError | None:
        column, name = self._id_index + 1, header[self._id_index]
        if not pid:
            return RowError("product id is empty", column=column, column_name=name)
        if len(pid) > self.limits.max_product_id_chars:
            return RowError(
                f"product id is {len(pid)} characters long; the limit is {self.limits.max_product_id_chars}",
                column=column,
                column_name=name,
            )
        if any(ch in _CONTROL for ch in pid):
            return RowError("product id contains control characters", column=column, column_name=name)
        return None


def _check_utf8(record: list[str], row: int) -> None:
    for i, cell in enumerate(record):
        if not cell.isascii():
            try:
                cell.encode("utf-8")
            except UnicodeEncodeError:
                raise CsvIntakeError(
                    "not_utf8",
                    f"the file is not valid UTF-8 at row {row}, column {i + 1} (is it Latin-1 or Windows-1252?): "
                    "save it as 'CSV UTF-8' and upload it again",
                    row=row,
                    column=i + 1,
                ) from None


def _binary(offset: int) -> CsvIntakeError:
    return CsvIntakeError(
        "binary_file",
        f"the file contains NUL bytes (first at byte {offset:,}): it is not a CSV text file "
        "(a spreadsheet saved as .xlsx? save it as CSV UTF-8)",
    )
