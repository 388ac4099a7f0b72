"""What can be wrong with an upload: the whole file (CsvIntakeError) or one row (RowError)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RowError:
    reason: str
    column: int | None  # 1-based
    column_name: str | None


class CsvIntakeError(Exception):
    """The upload is rejected as a whole. `code` is stable for clients; `message` is for people."""

    def __init__(self, code: str, message: str, *, row: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.row = row
        self.column = column

    def to_details(self) -> dict[str, object]:
        return {"code": self.code, "message": self.message, "row": self.row, "column": self.column}
