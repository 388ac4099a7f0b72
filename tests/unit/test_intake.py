"""CsvIntake: the awkward-file corpus, the limits, row numbering, error positions and streaming behaviour."""

from __future__ import annotations

import csv
import io
import json
import pickle
import runpy
import tracemalloc
from collections.abc import Iterator
from typing import Any

import pytest

from internal.intake import ERROR_CODES, CsvIntake, CsvIntakeError, IntakeLimits, IntakeRow, IntakeSummary
from tests.corpus import CORPUS, corpus_cases


def parse(data: bytes, limits: IntakeLimits | None = None) -> tuple[IntakeSummary, list[IntakeRow]]:
    intake = CsvIntake(io.BytesIO(data), limits)
    summary = intake.open()
    return summary, list(intake.rows())


def rejection(data: bytes, limits: IntakeLimits | None = None) -> CsvIntakeError:
    with pytest.raises(CsvIntakeError) as caught:
        parse(data, limits)
    return caught.value


# ---- the corpus --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "expected"), corpus_cases(), ids=[n for n, _ in corpus_cases()])
def test_corpus(name: str, expected: dict[str, Any]) -> None:
    data = (CORPUS / name).read_bytes()
    if "error" in expected:
        want = expected["error"]
        err = rejection(data)
        assert (err.code, err.row, err.column) == (want["code"], want["row"], want["column"]), err.message
        assert want.get("message_contains", "") in err.message
        return
    summary, rows = parse(data)
    assert (summary.delimiter, summary.id_column) == (expected["delimiter"], expected["id_column"])
    assert summary.blank_rows_skipped == expected["blank_rows_skipped"]
    for key in ("header", "header_row", "had_bom"):
        if key in expected:
            assert getattr(summary, key) == expected[key], key
    assert [r.row for r in rows] == [e["row"] for e in expected["rows"]]
    for row, want in zip(rows, expected["rows"], strict=True):
        # Duplicates are resolved later, in SQL, across the whole upload: to the intake they are valid rows.
        if want["status"] == "invalid":
            assert row.error is not None, f"row {row.row} should be invalid"
            assert want["reason_contains"] in row.error.reason
            assert row.error.column == want.get("column", row.error.column)
        else:
            assert row.error is None, f"row {row.row}: {row.error}"
        assert row.product_id == want["product_id"]
        if "note_contains" in want:
            assert row.note is not None and want["note_contains"] in row.note.note, row.row
        else:
            assert row.note is None, f"row {row.row}: {row.note}"
        for key in ("name", "url", "data"):
            if key in want:
                assert getattr(row, key) == want[key], f"row {row.row} {key}"
    assert summary.data_rows == len(rows)
    assert summary.invalid_rows == sum(1 for e in expected["rows"] if e["status"] == "invalid")
    assert summary.truncated_rows == sum(1 for e in expected["rows"] if "note_contains" in e)


def test_corpus_files_match_their_generator() -> None:
    generated: dict[str, bytes] = runpy.run_path(str(CORPUS / "generate.py"))["render"]()
    on_disk = {p.name: p.read_bytes() for p in CORPUS.iterdir() if p.suffix in (".csv", ".json")}
    assert generated == on_disk, "run `python tests/data/csv_corpus/generate.py` after editing a case"
    manifest = json.loads(generated["expected.json"])
    assert len(manifest) >= 28
    assert {e["error"]["code"] for e in manifest.values() if "error" in e} <= set(ERROR_CODES)


# ---- rows --------------------------------------------------------------------------------------------------


def test_row_numbers_count_records_not_lines() -> None:
    data = (
        b"product_id,notes\r\n"
        b'A1,"three\r\nphysical\r\nlines"\r\n'  # row 2
        b"\r\n"  # row 3: blank
        b'B2,"x"\r\n'  # row 4
        b'"C\r\n3",y\r\n'  # row 5: a newline inside the id makes it invalid
        b'D4,"a ""quoted""\n\nparagraph"\n'  # row 6
        b"E5,z"  # row 7, no final newline
    )
    summary, rows = parse(data)
    assert [(r.row, r.product_id) for r in rows] == [(2, "A1"), (4, "B2"), (5, None), (6, "D4"), (7, "E5")]
    assert rows[3].data["notes"] == 'a "quoted"\n\nparagraph'
    assert 1 + summary.blank_rows_skipped + summary.data_rows == rows[-1].row


def test_cells_are_kept_raw_and_known_columns_trimmed() -> None:
    _, rows = parse(b"Product_ID,Name,URL,Source,colour\n  A1 , Alpha ,http://x , demo , red \n")
    row = rows[0]
    assert (row.product_id, row.name, row.url, row.source) == ("A1", "Alpha", "http://x", "demo")
    assert row.data == {
        "Product_ID": "  A1 ",
        "Name": " Alpha ",
        "URL": "http://x ",
        "Source": " demo ",
        "colour": " red ",
    }
    _, rows = parse(b"product_id,name,url\nA1, ,\n")
    assert (rows[0].name, rows[0].url, rows[0].source) == (None, None, None)


def test_every_invalid_row_names_its_reason_and_column() -> None:
    summary, rows = parse(b"product_id,name\n,x\n" + b"Z" * 300 + b',y\n"A\x01",z\nB,c,d\n')
    errors = [r.error for r in rows]
    assert all(e is not None for e in errors)
    assert [(e.column, e.column_name) for e in errors if e is not None] == [
        (1, "product_id"),
        (1, "product_id"),
        (1, "product_id"),
        (3, None),
    ]
    assert "U+0001" in str(errors[2])
    assert summary.invalid_rows == 4


# ---- limits ------------------------------------------------------------------------------------------------

TEN_ROWS = b"product_id\n" + b"".join(b"P%d\n" % i for i in range(10))


def test_max_rows_counts_data_rows_only() -> None:
    summary, rows = parse(TEN_ROWS.replace(b"P3\n", b"P3\n\n\n"), IntakeLimits(max_rows=10))
    assert len(rows) == 10 and summary.blank_rows_skipped == 2
    err = rejection(TEN_ROWS, IntakeLimits(max_rows=5))
    assert (err.code, err.row) == ("too_many_rows", 7)


@pytest.mark.parametrize("max_bytes", [20, len(TEN_ROWS) - 1])
def test_max_bytes(max_bytes: int) -> None:
    err = rejection(TEN_ROWS, IntakeLimits(max_bytes=max_bytes))
    assert err.code == "too_large"
    assert err.byte_offset == max_bytes
    assert len(parse(TEN_ROWS, IntakeLimits(max_bytes=len(TEN_ROWS)))[1]) == 10


def test_max_bytes_past_the_sample() -> None:
    body = b"".join(b"P%07d\n" % i for i in range(20_000))  # 180 KB: well past the 64 KiB sample
    err = rejection(b"product_id\n" + body, IntakeLimits(max_bytes=100_000))
    assert err.code == "too_large" and err.row is not None and 10_000 < err.row < 12_000


def test_max_columns() -> None:
    err = rejection(b"product_id,a,b,c\nP1,1,2,3\n", IntakeLimits(max_columns=3))
    assert (err.code, err.row, err.column) == ("too_many_columns", 1, 4)
    summary, _ = parse(b"product_id,a,b,,,\nP1,1,2\n", IntakeLimits(max_columns=3))
    assert summary.header == ["product_id", "a", "b"]


def test_max_field_and_id_chars() -> None:
    limits = IntakeLimits(max_field_chars=5, max_product_id_chars=3)
    _, rows = parse(b"product_id,name\nABC,12345\nABCD,x\nA,123456\n", limits)
    assert [r.error.reason if r.error else None for r in rows] == [
        None,
        "product id is 4 characters long; the limit is 3",
        "value in column 'name' is 6 characters long; the limit is 5",
    ]
    assert [r.product_id for r in rows] == ["ABC", None, "A"]


def test_an_echoed_cell_over_the_limit_is_truncated_not_refused() -> None:
    # Columns the service never reads cannot make a row invalid: they are cut to the limit, visibly, with a note.
    limits = IntakeLimits(max_field_chars=5)
    data = b"product_id,name,description,notes\nA1,Pot,abcdefgh,123456789\nB2,Kettle,short,ok\n"
    summary, (first, second) = parse(data, limits)
    assert first.error is None and first.name == "Pot"
    assert first.data["description"] == "abcd…" and first.data["notes"] == "1234…"
    assert first.note is not None and (first.note.column, first.note.column_name) == (3, "description")
    assert "'description' truncated to 5 characters (it had 8" in first.note.note
    assert "'notes' truncated to 5 characters (it had 9" in first.note.note
    # `name` is a column the service uses: too long there still refuses the row, naming the column.
    assert second.error is not None and "column 'name' is 6 characters long" in second.error.reason
    assert second.note is None and second.data["description"] == "short"
    assert (summary.truncated_rows, summary.invalid_rows) == (1, 1)


def test_max_line_bytes_bounds_one_record() -> None:
    # A line of nothing but delimiters would otherwise become millions of cells in memory.
    data = b"product_id,name\nA1,x\n" + b"," * 200_000 + b"\nB2,y\n"
    err = rejection(data, IntakeLimits(max_line_bytes=100_000))
    assert (err.code, err.row) == ("line_too_long", 3)


def test_csv_module_field_cap_is_a_file_level_error() -> None:
    huge = b"x" * (csv.field_size_limit() + 10)
    err = rejection(b"product_id,name\nA1," + huge + b"\n", IntakeLimits(max_line_bytes=1 << 30))
    assert (err.code, err.row) == ("field_too_large", 2)
    assert "never closed" in err.message


# ---- encoding and binary data ------------------------------------------------------------------------------


def test_invalid_utf8_far_into_the_file_names_row_column_and_offset() -> None:
    head = b"product_id,name\n" + b"".join(b"P%d,ok\n" % i for i in range(30_000))
    err = rejection(head + b"BAD,caf\xe9\n")
    assert (err.code, err.row, err.column) == ("not_utf8", 30_002, 2)
    assert err.byte_offset == len(head) + len(b"BAD,caf")
    assert "0xE9" in err.message and "UTF-8" in err.message


def test_multibyte_characters_split_across_reads_are_fine() -> None:
    # 4-byte and 3-byte characters on every line: some will straddle every chunk boundary.
    data = b"product_id,name\n" + "".join(f"😀{i},名前{i}\n" for i in range(40_000)).encode()
    summary, rows = parse(data)
    assert summary.data_rows == 40_000 and rows[-1].product_id == "😀39999"


def test_nul_byte_far_into_the_file() -> None:
    head = b"product_id,name\n" + b"".join(b"P%d,ok\n" % i for i in range(20_000))
    err = rejection(head + b"Q,\x00\n")
    assert (err.code, err.row, err.column, err.byte_offset) == ("binary_file", 20_002, 2, len(head) + 2)


def test_error_details_are_json_and_survive_pickling() -> None:
    err = rejection(b"product_id,name\nA1,caf\xe9\n")
    details = err.to_details()
    assert json.loads(json.dumps(details)) == {
        "code": "not_utf8",
        "message": err.message,
        "row": 2,
        "column": 2,
    }
    clone = pickle.loads(pickle.dumps(err))
    assert (clone.code, clone.row, clone.column, clone.message) == (err.code, 2, 2, err.message)


# ---- delimiter detection -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "delimiter"),
    [
        (b"product_id\nA;1\nB;2\n", ","),  # one column: the header has no delimiter to find
        (b"sku;desc\nA1;red, large\nB2;blue, small\n", ";"),
        (b"name\tsku\nAlpha|x\tA1\n", "\t"),
        (b'"product_id"|"name"\n"A1"|"x"\n', "|"),
        # Both a comma and a semicolon reading of the header contain an id column: csv.Sniffer, looking at the
        # data rows, breaks the tie; when it cannot, the first delimiter with the most header cells wins.
        (b"id;x,sku\n1;2\n3;4\n5;6\n", ";"),
        (b"id;x,sku\n1;2,3\n4;5;6\n", ","),
    ],
)
def test_delimiter(data: bytes, delimiter: str) -> None:
    assert parse(data)[0].delimiter == delimiter


# ---- streaming ---------------------------------------------------------------------------------------------


class GeneratedUpload(io.RawIOBase):
    """An upload produced on demand, which remembers how much of it has been read."""

    def __init__(self, rows: int, *, row_bytes: int = 0) -> None:
        pad = b"x" * row_bytes
        body = (b"P%d,%s\n" % (i, pad) for i in range(rows))
        self._lines: Iterator[bytes] = iter([b"product_id,name\n", *body])
        self._pending = b""
        self.lines_produced = 0
        self.exhausted = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while len(self._pending) < len(buffer):
            line = next(self._lines, None)
            if line is None:
                self.exhausted = True
                break
            self._pending += line
            self.lines_produced += 1
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n


def test_rows_are_parsed_lazily() -> None:
    upload = GeneratedUpload(200_000)
    intake = CsvIntake(io.BufferedReader(upload))
    rows = intake.rows()
    first = next(rows)
    assert first.row == 2 and first.product_id == "P0"
    assert not upload.exhausted and upload.lines_produced < 20_000
    assert sum(1 for _ in rows) == 199_999
    assert upload.exhausted
    summary = intake.summary
    assert summary is not None and (summary.data_rows, summary.invalid_rows) == (200_000, 0)


def test_memory_does_not_grow_with_the_file() -> None:
    upload = GeneratedUpload(25_000, row_bytes=250)  # ~6.5 MB
    tracemalloc.start()
    try:
        count = sum(1 for _ in CsvIntake(io.BufferedReader(upload)).rows())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 25_000
    assert peak < 2 * 1024 * 1024, f"peak {peak:,} bytes"


def test_short_reads_are_fine() -> None:
    class Trickle(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self._data = data

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: Any) -> int:
            if not self._data:
                return 0
            buffer[:1] = self._data[:1]
            self._data = self._data[1:]
            return 1

    data = "\ufeffsku;name\r\nA1;Zoë\r\nB2;Åsa\r\n".encode()
    intake = CsvIntake(Trickle(data))  # type: ignore[arg-type]  # a raw stream, read one byte at a time
    assert [(r.product_id, r.name) for r in intake.rows()] == [("A1", "Zoë"), ("B2", "Åsa")]


def test_open_is_idempotent_and_rows_single_use() -> None:
    intake = CsvIntake(io.BytesIO(b"product_id\nA\n"))
    assert intake.summary is None
    assert intake.open() is intake.open() is intake.summary
    assert [r.product_id for r in intake.rows()] == ["A"]
    with pytest.raises(RuntimeError):
        intake.rows()
