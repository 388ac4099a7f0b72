"""Streaming CSV intake for uploaded product lists (the format: docs/csv.md)."""

from internal.intake.csv_intake import DEFAULT_LIMITS, CsvIntake, IntakeLimits, IntakeRow, IntakeSummary
from internal.intake.header import DELIMITERS, ID_COLUMN_NAMES
from internal.intake.rejections import ERROR_CODES, CsvIntakeError, ErrorCode, RowError, RowNote

__all__ = [
    "DEFAULT_LIMITS",
    "DELIMITERS",
    "ERROR_CODES",
    "ID_COLUMN_NAMES",
    "CsvIntake",
    "CsvIntakeError",
    "ErrorCode",
    "IntakeLimits",
    "IntakeRow",
    "IntakeSummary",
    "RowError",
    "RowNote",
]
