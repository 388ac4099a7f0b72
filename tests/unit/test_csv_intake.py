"""The streaming CSV intake against the corpus, limits, row numbering and streaming behaviour."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest

from internal.intake import CsvIntake, CsvIntakeError, IntakeLimits, IntakeRow
from tests.corpus import CORPUS, corpus_cases


def _parse(data: bytes, limits: IntakeLimits | None = None) -> tuple[CsvIntake, list[IntakeRow]]:
    intake = CsvIntake(io.BytesIO(data), limits)
    intake.open()
    return intake, list(intake.rows())


@pytest.mark.parametrize(("name", "expected"), corpus_cases(), ids=[n for n, _ in corpus_cases()])
def test_corpus_file(name: str, expected: dict[str, Any]) -> None:
    data = (CORPUS / name).read_bytes()
    if "error" in expected:
        with pytest.raises(CsvIntakeError) as err:
            _parse(data)
        want = expected["error"]
        assert (err.value.code, err.value.row, err.value.column) == (want["code"], want["row"], want["column"])
        assert err.value.message  # always a sentence for people
        return
    intake, rows = _parse(data)
    assert intake.summary is not None
    assert intake.summary.delimiter == expected["delimiter"]
    assert intake.summary.id_column == expected["id_column"]
    assert intake.summary.blank_rows_skipped == expected["blank_rows_skipped"]
    assert [r.row for r in rows] == [e["row"] for e in expected["rows"]]
    for row, want in zip(rows, expected["rows"], strict=True):
        # "duplicate" is decided later, in SQL, across the whole upload: here such a row is simply valid.
        if want["status"] == "invalid":
            assert row.error is not None, f"row {row.row} should be invalid"
            assert want["reason_contains"] in row.error.reason
            assert row.error.column is not None
        else:
            assert row.error is None, f"row {row.row}: {row.error}"
            assert row.product_id == want["product_id"]


def test_every_column_is_kept_raw_for_echoing() -> None:
    _, rows = _parse((CORPUS / "25_extra_columns.csv").read_bytes())
    assert rows[0].data == {
        "product_id": "A1",
        "name": "Alpha",
        "category": "toys",
        "warehouse": "W1",
        "notes": "fragile",
    }
    _, rows = _parse(b"product_id,name,url,source\n  A1 , Alpha ,http://x, demo \n")
    assert (rows[0].product_id, rows[0].name, rows[0].url, rows[0].source) == ("A1", "Alpha", "http://x", "demo")
    assert rows[0].data["product_id"] == "  A1 "


def test_multiline_records_keep_spreadsheet_row_numbers() -> None:
    _, rows = _parse(b'product_id,notes\nA1,"one\ntwo\nthree"\nB2,x\n\nC3,y\n')
    assert [(r.row, r.product_id) for r in rows] == [(2, "A1"), (3, "B2"), (5, "C3")]


def test_limits_give_clear_file_level_errors() -> None:
    data = b"product_id\n" + b"".join(b"P%d\n" % i for i in range(10))
    with pytest.raises(CsvIntakeError) as err:
        _parse(data, IntakeLimits(max_rows=5))
    assert err.value.code == "too_many_rows" and err.value.row == 7
    with pytest.raises(CsvIntakeError) as err:
        _parse(data, IntakeLimits(max_bytes=20))
    assert err.value.code == "too_large"
    with pytest.raises(CsvIntakeError) as err:
        _parse(b"product_id,a,b,c\nP1,1,2,3\n", IntakeLimits(max_columns=3))
    assert (err.value.code, err.value.column) == ("too_many_columns", 4)


def test_size_limit_is_enforced_past_the_sample() -> None:
    body = b"".join(b"P%07d\n" % i for i in range(20_000))  # ~180 KB, past the 64 KiB sample
    with pytest.raises(CsvIntakeError) as err:
        _parse(b"product_id\n" + body, IntakeLimits(max_bytes=100_000))
    assert err.value.code == "too_large"


def test_invalid_utf8_far_into_the_file_names_its_row() -> None:
    body = b"".join(b"P%d,ok\n" % i for i in range(30_000)) + b"BAD,caf\xe9\n"
    with pytest.raises(CsvIntakeError) as err:
        _parse(b"product_id,name\n" + body)
    assert (err.value.code, err.value.row, err.value.column) == ("not_utf8", 30_002, 2)


class _Source(io.RawIOBase):
    """A stream that produces rows on demand and remembers how far it has been read."""

    def __init__(self, rows: int) -> None:
        self._lines: Iterator[bytes] = iter([b"product_id,name\n", *(b"P%d,n\n" % i for i in range(rows))])
        self._pending = b""
        self.produced = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while len(self._pending) < len(buffer):
            line = next(self._lines, None)
            if line is None:
                break
            self._pending += line
            self.produced += 1
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n


def test_rows_stream_lazily() -> None:
    source = _Source(200_000)
    intake = CsvIntake(io.BufferedReader(source))
    intake.open()
    rows = intake.rows()
    first = next(rows)
    assert first.product_id == "P0"
    assert source.produced < 100_000, "the parser must not read the whole file before yielding"
    assert sum(1 for _ in rows) == 199_999
