"""Streaming intake of an uploaded product CSV (the format: docs/csv.md).

`CsvIntake(stream).open()` reads a 64 KiB sample to settle BOM, delimiter and header; `rows()` then parses
the rest lazily, one record at a time, so memory does not grow with the file. Problems with the file as a
whole raise CsvIntakeError (from `open()`, or from `rows()` when found half-way); a problem with one row makes
that row invalid and it is yielded anyway, because the per-status counts must add up to every data row.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO, Final

from internal.intake.cells import extra_cells, long_cells
from internal.intake.header import Header, choose_delimiter, delimiter_name, is_blank, parse_header
from internal.intake.rejections import CsvIntakeError, RowError, RowNote, human_bytes
from internal.intake.source import MAX_CHUNK, SENTINEL, ByteProblem, CheckedSource

SAMPLE_BYTES: Final = 64 * 1024
_BOM: Final = b"\xef\xbb\xbf"
# Exported from spreadsheets and archivers under a .csv name often enough to deserve a precise message.
_FOREIGN_FORMATS: Final = (
    (b"\xff\xfe\x00\x00", "not_utf8", "UTF-32"),
    (b"\x00\x00\xfe\xff", "not_utf8", "UTF-32"),
    (b"\xff\xfe", "not_utf8", "UTF-16"),
    (b"\xfe\xff", "not_utf8", "UTF-16"),
    (b"PK\x03\x04", "binary_file", "a ZIP archive (an Excel .xlsx or OpenDocument .ods workbook?)"),
    (b"\xd0\xcf\x11\xe0", "binary_file", "a legacy Excel .xls workbook"),
    (b"\x1f\x8b", "binary_file", "a gzip-compressed file"),
    (b"%PDF-", "binary_file", "a PDF document"),
)
_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_EMPTY_ID: Final = "product id is empty"


@dataclass(frozen=True)
class IntakeLimits:
    max_bytes: int = 200 * 1024 * 1024
    max_rows: int = 1_000_000  # data rows; blank records do not count
    # A longer cell makes its row invalid in a column the service uses, and is truncated in one it only echoes
    # (internal/intake/cells.py).
    max_field_chars: int = 10_000
    max_columns: int = 200
    max_product_id_chars: int = 200
    # Bounds the memory one record can take (a line of a million delimiters is a million cells). Never below
    # 64 KiB. Fields are separately capped by csv.field_size_limit() (131,072 characters unless changed).
    max_line_bytes: int = 8 * 1024 * 1024


DEFAULT_LIMITS: Final = IntakeLimits()


@dataclass(frozen=True, slots=True)
class IntakeRow:
    row: int  # spreadsheet row number: every record the csv reader yields counts, blank ones included
    product_id: str | None  # stripped; None when the id itself is why the row is invalid
    name: str | None  # stripped; None when the column is absent or the cell empty (same for url, source)
    url: str | None
    source: str | None
    data: dict[str, str]  # header name -> raw cell, every header column ("" for missing trailing cells)
    error: RowError | None  # set => the row is invalid for this reason
    note: RowNote | None = None  # set => a cell was truncated (the row is kept as it is otherwise)


@dataclass
class IntakeSummary:
    """Filled in by `open()`; the counters grow while `rows()` is consumed.

    Every record is accounted for: 1 (the header) + blank_rows_skipped + data_rows is the last row number.
    """

    header: list[str]
    id_column: str
    delimiter: str
    had_bom: bool
    data_rows: int = 0
    invalid_rows: int = 0
    truncated_rows: int = 0  # rows with a note: an echoed cell cut to the length limit
    blank_rows_skipped: int = 0  # blank records anywhere, including any before the header
    header_row: int = 1

    @property
    def delimiter_name(self) -> str:
        return delimiter_name(self.delimiter)


class CsvIntake:
    def __init__(self, stream: BinaryIO, limits: IntakeLimits | None = DEFAULT_LIMITS) -> None:
        self._stream = stream
        self._limits = DEFAULT_LIMITS if limits is None else limits
        self._summary: IntakeSummary | None = None
        self._started = False

    @property
    def summary(self) -> IntakeSummary | None:
        """None until `open()` has succeeded."""
        return self._summary

    def open(self) -> IntakeSummary:
        """Settle encoding, delimiter and header. Idempotent; raises CsvIntakeError for problems with the
        file as a whole."""
        if self._summary is not None:
            return self._summary
        limits = self._limits
        sample, at_eof = self._read_sample()
        had_bom = sample.startswith(_BOM)
        body = sample[len(_BOM) :] if had_bom else sample
        _reject_foreign_format(body)
        if at_eof and not body.strip():
            raise CsvIntakeError("empty_file", "The file is empty: it has no header row and no data.")
        delimiter = choose_delimiter(_sample_text(body, at_eof))
        self._source = CheckedSource(
            self._stream,
            prefix=body,
            offset=len(sample) - len(body),
            max_bytes=limits.max_bytes,
            max_line_bytes=limits.max_line_bytes,
        )
        text = io.TextIOWrapper(self._source, encoding="utf-8", errors="replace", newline="")
        self._reader = csv.reader(text, delimiter=delimiter, quotechar='"', doublequote=True, strict=False)
        self._recno = 0
        blank = 0
        header: Header | None = None
        try:
            for record in self._reader:
                self._recno += 1
                if is_blank(record):
                    blank += 1
                    continue
                if self._source.ended and record[-1].endswith(SENTINEL) and self._at_end(record, self._recno):
                    break
                header = parse_header(
                    record,
                    row=self._recno,
                    delimiter=delimiter,
                    max_columns=limits.max_columns,
                )
                break
        except csv.Error as exc:
            raise _csv_error(exc, self._recno + 1) from exc
        if header is None:
            raise CsvIntakeError("empty_file", "The file has no header row: it holds only blank lines.")
        self._header = header
        self._summary = IntakeSummary(
            header=list(header.names),
            id_column=header.id_column,
            delimiter=delimiter,
            had_bom=had_bom,
            blank_rows_skipped=blank,
            header_row=self._recno,
        )
        return self._summary

    def rows(self) -> Iterator[IntakeRow]:
        """The data rows, lazily; single use. May raise CsvIntakeError part-way (encoding, size, rows)."""
        self.open()
        if self._started:
            raise RuntimeError("CsvIntake.rows() can only be consumed once")
        self._started = True
        return self._iter_rows()

    def _iter_rows(self) -> Iterator[IntakeRow]:
        summary = self._summary
        assert summary is not None
        header = self._header
        names = header.names
        ncols = len(names)
        id_idx = header.id_index
        id_col = id_idx + 1
        id_name = names[id_idx]
        name_idx = -1 if header.name_index is None else header.name_index
        url_idx = -1 if header.url_index is None else header.url_index
        source_idx = -1 if header.source_index is None else header.source_index
        max_rows = self._limits.max_rows
        max_field = self._limits.max_field_chars
        max_id = self._limits.max_product_id_chars
        used = header.used
        empty_id = RowError(_EMPTY_ID, id_col, id_name)
        source = self._source
        recno = self._recno
        data_rows = 0
        padding = [""] * ncols

        try:
            for record in self._reader:
                recno += 1
                n = len(record)
                if n <= 1 and (n == 0 or not record[0].strip()):  # is_blank(), inlined
                    summary.blank_rows_skipped += 1
                    continue
                if source.ended and record[-1].endswith(SENTINEL) and self._at_end(record, recno):
                    return
                if data_rows >= max_rows:
                    raise CsvIntakeError(
                        "too_many_rows",
                        f"The file has more than {max_rows:,} data rows (row {recno} is over the limit). "
                        "Split it into smaller uploads.",
                        row=recno,
                    )
                data_rows += 1
                summary.data_rows = data_rows

                pid: str | None = record[id_idx].strip() if id_idx < n else ""
                error: RowError | None = None
                if not pid:
                    error, pid = empty_id, None
                elif len(pid) > max_id:
                    error = RowError(
                        f"product id is {len(pid):,} characters long; the limit is {max_id:,}",
                        id_col,
                        id_name,
                    )
                    pid = None
                elif not pid.isprintable() and (bad := _CONTROL.search(pid)) is not None:
                    # isprintable() first: it is C-fast but also rejects harmless characters (NBSP, the
                    # joiners inside emoji), so only the regex decides.
                    error = RowError(
                        f"product id contains control characters (U+{ord(bad.group()):04X})", id_col, id_name
                    )
                    pid = None
                if error is None and n > ncols:
                    error = extra_cells(record, ncols)
                note: RowNote | None = None
                if max(map(len, record)) > max_field:
                    # After the id checks, which speak of the id's real length; what is stored is never longer.
                    record, long_error, note = long_cells(record, names, used, max_field)
                    error = error or long_error
                    if note is not None:
                        summary.truncated_rows += 1
                if error is not None:
                    summary.invalid_rows += 1

                data = (
                    dict(zip(names, record, strict=False))
                    if n >= ncols
                    else dict(zip(names, record + padding[n:], strict=False))
                )
                yield IntakeRow(
                    recno,
                    pid,
                    (record[name_idx].strip() or None) if 0 <= name_idx < n else None,
                    (record[url_idx].strip() or None) if 0 <= url_idx < n else None,
                    (record[source_idx].strip() or None) if 0 <= source_idx < n else None,
                    data,
                    error,
                    note,
                )
        except csv.Error as exc:
            raise _csv_error(exc, recno + 1) from exc

    def _at_end(self, record: list[str], recno: int) -> bool:
        """Called for the record carrying the sentinel: True at a clean end of file, else raise."""
        problem = self._source.problem
        if problem is not None:
            raise self._byte_error(problem, recno, len(record))
        if len(record) == 1 and record[0] == SENTINEL:
            return True
        raise CsvIntakeError(
            "unclosed_quote",
            f'Row {recno}, column {len(record)}: a quoted value is never closed — a " opens it and no '
            'matching " follows, so it would swallow the rest of the file. Double any quote inside a '
            'quoted value ("") or remove the stray one.',
            row=recno,
            column=len(record),
        )

    def _byte_error(self, problem: ByteProblem, row: int, column: int) -> CsvIntakeError:
        where = f"row {row}, column {column}"
        at = f"byte offset {problem.offset:,}"
        if problem.code == "not_utf8":
            message = (
                f"The file is not valid UTF-8: {where} ({problem.detail} at {at}). It is probably saved in "
                "a legacy encoding such as Windows-1252 (Latin-1); re-save it as UTF-8 (in Excel: "
                "'CSV UTF-8') and upload it again."
            )
            return CsvIntakeError("not_utf8", message, row=row, column=column, byte_offset=problem.offset)
        if problem.code == "binary_file":
            message = (
                f"The file contains binary data: a NUL byte at {where} ({at}). Upload a plain-text CSV; "
                "if it was saved as UTF-16 ('Unicode Text'), re-save it as CSV UTF-8."
            )
            return CsvIntakeError("binary_file", message, row=row, column=column, byte_offset=problem.offset)
        if problem.code == "too_large":
            limit = self._limits.max_bytes
            message = f"The file is larger than the {human_bytes(limit)} limit (reached at row {row})."
            return CsvIntakeError("too_large", message, row=row, byte_offset=problem.offset)
        limit = max(self._limits.max_line_bytes, MAX_CHUNK)
        message = (
            f"Row {row} has a line longer than {human_bytes(limit)} (at {at}); no valid row is that long. "
            "Check that the file really is a CSV with one row per line."
        )
        return CsvIntakeError("line_too_long", message, row=row, byte_offset=problem.offset)

    def _read_sample(self) -> tuple[bytes, bool]:
        chunks: list[bytes] = []
        size = 0
        while size < SAMPLE_BYTES:
            chunk = self._stream.read(SAMPLE_BYTES - size)
            if not chunk:
                return b"".join(chunks), True
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks), False


def _csv_error(exc: csv.Error, row: int) -> CsvIntakeError:
    # In non-strict mode, with lines split by TextIOWrapper, the field size limit is the one error left.
    if "field limit" in str(exc):
        return CsvIntakeError(
            "field_too_large",
            f"Row {row} has a value longer than {csv.field_size_limit():,} characters. Most often a quote "
            '(") opens a value and is never closed, so the following lines run into it.',
            row=row,
        )
    return CsvIntakeError("malformed_csv", f"Row {row} cannot be read as CSV: {exc}.", row=row)


def _reject_foreign_format(body: bytes) -> None:
    for magic, code, what in _FOREIGN_FORMATS:
        if body.startswith(magic):
            if code == "not_utf8":
                raise CsvIntakeError(
                    "not_utf8",
                    f"The file is encoded as {what}, not UTF-8. Re-save it as UTF-8 (in Excel: 'CSV UTF-8') "
                    "and upload it again.",
                )
            raise CsvIntakeError(
                "binary_file", f"The file is {what}, not a CSV text file. Export the data as CSV (UTF-8)."
            )


def _sample_text(body: bytes, at_eof: bool) -> str:
    text = body.decode("utf-8", errors="replace").split("\x00", 1)[0]
    if not at_eof:
        # Only whole lines, so the last one does not look like a short row to the sniffer.
        cut = max(text.rfind("\n"), text.rfind("\r"))
        if cut > 0:
            text = text[: cut + 1]
    return text
