"""Reading the first row: which delimiter the file uses, which column holds the product id, and the checks a
header must pass before any data row is read."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from typing import Final

from internal.intake.rejections import CsvIntakeError

# Preference order matters: with both `item_id` and `id` present, `item_id` is the product id.
ID_COLUMN_NAMES: Final = ("product_id", "item_id", "sku", "id")
DELIMITERS: Final = ",;\t|"
_DELIMITER_NAMES: Final = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
# csv.Sniffer's quote regexes backtrack badly on long samples full of quotes; a few dozen lines are plenty.
_SNIFF_CHARS: Final = 16 * 1024
_NEAR_MISS: Final = {re.sub(r"[^a-z]", "", name): name for name in ID_COLUMN_NAMES}


def is_blank(record: list[str]) -> bool:
    """A record with nothing in it. A lone whitespace cell counts: with no delimiter on the line a person sees
    an empty line. `,,,` does not: somebody typed those cells, so it is a row (with an empty id)."""
    return not record or (len(record) == 1 and not record[0].strip())


def delimiter_name(delimiter: str) -> str:
    return _DELIMITER_NAMES.get(delimiter, repr(delimiter))


def choose_delimiter(sample: str) -> str:
    """The delimiter under which the header names a product id column, asking csv.Sniffer only on a tie.

    The header is the strongest evidence we have: a file is only usable if some delimiter splits its first
    row into cells one of which is an id column. The Sniffer, which weighs how consistently each character
    occurs across lines, is easily misled by commas inside values of a semicolon file (decimal commas, names)
    and cannot handle a one-column file at all, so it only breaks ties and names the likeliest delimiter for
    the error message when no reading of the header works.
    """
    readings = {d: _first_record(sample, d) for d in DELIMITERS}
    with_id = [d for d in DELIMITERS if _id_index(readings[d]) is not None]
    split = [d for d in with_id if len(readings[d]) > 1]
    if len(split) == 1:
        return split[0]
    if not split and with_id:
        return ","  # one column: no delimiter in the header, so any delimiter reads it the same way
    candidates = split or [d for d in DELIMITERS if len(readings[d]) > 1]
    if not candidates:
        return ","
    sniffed = _sniff(sample)
    if sniffed in candidates:
        return sniffed
    return max(candidates, key=lambda d: len(readings[d]))


def _first_record(sample: str, delimiter: str) -> list[str]:
    for record in csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter):
        if not is_blank(record):
            return record
    return []


def _sniff(sample: str) -> str | None:
    try:
        return csv.Sniffer().sniff(sample[:_SNIFF_CHARS], delimiters=DELIMITERS).delimiter
    except csv.Error:
        return None


def clean_name(cell: str) -> str:
    # A second BOM (a file re-saved by a tool that adds one) would hide the first column's name.
    return cell.replace("\ufeff", "").strip()


def _id_index(record: list[str]) -> int | None:
    lowered = [clean_name(c).lower() for c in record]
    for wanted in ID_COLUMN_NAMES:
        if wanted in lowered:
            return lowered.index(wanted)
    return None


@dataclass(frozen=True, slots=True)
class Header:
    names: list[str]  # stripped; trailing unnamed columns dropped
    id_index: int
    name_index: int | None
    url_index: int | None
    source_index: int | None

    @property
    def id_column(self) -> str:
        return self.names[self.id_index]

    @property
    def used(self) -> frozenset[int]:
        """Indexes of the columns the service reads (id, name, url, source); every other column is only echoed."""
        indexes = (self.id_index, self.name_index, self.url_index, self.source_index)
        return frozenset(i for i in indexes if i is not None)


def parse_header(record: list[str], *, row: int, delimiter: str, max_columns: int) -> Header:
    """Validate the header row; raise CsvIntakeError naming the row and column of the first problem.

    Empty names: trailing ones are dropped (spreadsheets export `a,b,,` when a formatted but empty column sits
    to the right), so a value under such a column later makes that row invalid as an extra cell. An empty name
    between named columns is an error: its values could not be echoed under any name.
    """
    names = [clean_name(c) for c in record]
    while names and not names[-1]:
        names.pop()
    if not names:
        raise CsvIntakeError(
            "missing_header",
            f"Row {row} should be the header row but has no column names. The first row must name the "
            f"columns, and one of them must be {_accepted()}.",
            row=row,
        )
    if len(names) > max_columns:
        raise CsvIntakeError(
            "too_many_columns",
            f"The header (row {row}) has {len(names)} columns; at most {max_columns} are accepted.",
            row=row,
            column=max_columns + 1,
        )
    for i, name in enumerate(names):
        if not name:
            raise CsvIntakeError(
                "empty_header",
                f"Column {i + 1} of the header (row {row}) has no name. Name it or delete the column.",
                row=row,
                column=i + 1,
            )
    seen: dict[str, int] = {}
    for i, name in enumerate(names):
        key = name.casefold()
        if key in seen:
            first = seen[key]
            raise CsvIntakeError(
                "duplicate_header",
                f"Column name {name!r} appears twice in the header (row {row}): columns {first + 1} and "
                f"{i + 1} (names are compared ignoring case). Rename or delete one of them.",
                row=row,
                column=i + 1,
            )
        seen[key] = i
    id_index = _id_index(names)
    if id_index is None:
        raise _no_id_column(names, row, delimiter)
    lowered = [n.lower() for n in names]
    return Header(
        names=names,
        id_index=id_index,
        name_index=_index(lowered, "name"),
        url_index=_index(lowered, "url"),
        source_index=_index(lowered, "source"),
    )


def _index(lowered: list[str], wanted: str) -> int | None:
    return lowered.index(wanted) if wanted in lowered else None


def _accepted() -> str:
    return ", ".join(ID_COLUMN_NAMES[:-1]) + f" or {ID_COLUMN_NAMES[-1]} (any case)"


def _no_id_column(names: list[str], row: int, delimiter: str) -> CsvIntakeError:
    shown = ", ".join(repr(n) for n in names[:20]) + (", …" if len(names) > 20 else "")
    reading = f"read with a {delimiter_name(delimiter)} delimiter"
    found = f"The header (row {row}) {reading} has the columns {shown}"
    if _looks_like_data(names):
        return CsvIntakeError(
            "missing_header",
            f"{found}, which looks like data rather than column names. Add a header row as the first row; "
            f"the product id column must be named {_accepted()}.",
            row=row,
        )
    hint = ""
    for i, name in enumerate(names):
        near = _NEAR_MISS.get(re.sub(r"[^a-z]", "", name.lower()))
        if near is not None:
            hint = f" Column {i + 1} ({name!r}) looks like the id column: rename it to {near}."
            break
    return CsvIntakeError(
        "no_id_column",
        f"No product id column. {found}; one column must be named {_accepted()}.{hint}",
        row=row,
    )


def _looks_like_data(names: list[str]) -> bool:
    return any(n.isdigit() or "://" in n for n in names)
