"""Checks on one data row's cells beyond its product id: cells under no header, and cells over the length limit.

The length limit (IntakeLimits.max_field_chars) means two things. A cell of a column the service uses (the id,
`name`, `url`, `source`: Header.used) that is longer makes the row invalid, naming row and column: the value would
be wrong if it were cut. A cell of any other column is only echoed back in the results, so it cannot make a row
invalid: it is shortened to the limit, and the row carries a note that says so.
"""

from __future__ import annotations

from collections.abc import Collection

from internal.intake.rejections import RowError, RowNote

# Ends a shortened cell, so that the cut is visible in the cell itself as well as in the row's reason.
TRUNCATION_MARK = "…"


def extra_cells(record: list[str], ncols: int) -> RowError | None:
    for i in range(ncols, len(record)):
        if record[i].strip():
            return RowError(
                f"row has {len(record)} cells but the header has {ncols} columns; column {i + 1} holds a "
                f"value ({preview(record[i])}) under no header",
                i + 1,
                None,
            )
    return None  # only trailing delimiters: harmless


def long_cells(
    record: list[str], names: list[str], used: Collection[int], max_field: int
) -> tuple[list[str], RowError | None, RowNote | None]:
    """For a record holding a cell longer than `max_field`: the record with every such cell shortened to the limit
    (nothing stored is ever longer), the error when one of them is in a used column, and the note naming the
    echoed columns that were shortened."""
    cut: list[str] = []
    error: RowError | None = None
    notes: list[str] = []
    first: int | None = None
    for i, cell in enumerate(record):
        if len(cell) <= max_field:
            cut.append(cell)
            continue
        cut.append(cell[: max_field - len(TRUNCATION_MARK)] + TRUNCATION_MARK)
        name = names[i] if i < len(names) else None
        if i in used or name is None:
            if error is None:
                label = repr(name) if name is not None else str(i + 1)
                error = RowError(
                    f"value in column {label} is {len(cell):,} characters long; the limit is {max_field:,}", i + 1, name
                )
            continue
        first = i if first is None else first
        notes.append(
            f"column {name!r} truncated to {max_field:,} characters (it had {len(cell):,}; the service only echoes "
            "this column back)"
        )
    note = None if first is None else RowNote("; ".join(notes), first + 1, names[first])
    return cut, error, note


def preview(value: str) -> str:
    value = value.strip()
    return repr(value if len(value) <= 20 else value[:20] + "…")
