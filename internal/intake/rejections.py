"""What the CSV intake reports: whole-upload rejections (CsvIntakeError) and per-row reasons (RowError)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal, get_args

from internal.domain.errors import ServiceError

# Stable machine codes: API clients branch on these, so a code is never renamed, only added.
ErrorCode = Literal[
    "empty_file",
    "missing_header",
    "no_id_column",
    "duplicate_header",
    "empty_header",
    "too_many_columns",
    "not_utf8",
    "binary_file",
    "too_large",
    "too_many_rows",
    "line_too_long",
    "field_too_large",
    "unclosed_quote",
    "malformed_csv",
    "no_data_rows",
]
ERROR_CODES: Final[tuple[ErrorCode, ...]] = get_args(ErrorCode)


# Codes about the kind or size of the file rather than its content; every other rejection is a 422.
_STATUS: Final[dict[str, int]] = {"too_large": 413, "binary_file": 415}


class CsvIntakeError(ServiceError):
    """The upload as a whole is rejected. `row`/`column` are 1-based spreadsheet coordinates when known."""

    def __init__(
        self,
        code: ErrorCode,
        message: str,
        *,
        row: int | None = None,
        column: int | None = None,
        byte_offset: int | None = None,
    ) -> None:
        super().__init__(message, status=_STATUS.get(code, 422))
        self.code: ErrorCode = code
        self.row = row
        self.column = column
        self.byte_offset = byte_offset
        self.details = self.to_details()

    def to_details(self) -> dict[str, object]:
        return {"code": self.code, "message": self.message, "row": self.row, "column": self.column}

    def __repr__(self) -> str:
        where = f"row={self.row!r}, column={self.column!r}"
        return f"CsvIntakeError(code={self.code!r}, {where}, {self.message!r})"


@dataclass(frozen=True, slots=True)
class RowError:
    """Why one data row is stored as `invalid`. The row itself is kept, never dropped."""

    reason: str
    column: int | None
    column_name: str | None


@dataclass(frozen=True, slots=True)
class RowNote:
    """What the intake changed in a row it kept (an echoed cell shortened to the limit). The note travels with the
    row: the upload answer lists it, and the row's reason in the results says it."""

    note: str
    column: int  # the first column it concerns
    column_name: str


def human_bytes(n: int) -> str:
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size:
            value = n / size
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{n} bytes"
