"""Streaming CSV intake: header and id-column detection, delimiter sniffing, row validation."""

from internal.intake.csv_reader import ID_COLUMNS, CsvIntake, IntakeLimits, IntakeRow, IntakeSummary
from internal.intake.problems import CsvIntakeError, RowError

__all__ = ["ID_COLUMNS", "CsvIntake", "CsvIntakeError", "IntakeLimits", "IntakeRow", "IntakeSummary", "RowError"]
