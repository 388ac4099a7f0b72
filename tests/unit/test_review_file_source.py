"""ReviewFileSource: CSV and JSON-lines exports, indexed once, paged by offset, bad lines skipped and named."""

from __future__ import annotations

import csv
import json
import logging
import os
from pathlib import Path
from typing import Any

import pytest

from internal.adapters.sources.base import PermanentSourceError, ProductNotFound
from internal.adapters.sources.review_file import ReviewFileSource
from internal.domain.models import Review
from internal.platform.config import Settings


def _rows(product: str, count: int) -> list[dict[str, Any]]:
    return [
        {"product_id": product, "review_id": f"{product}-{i}", "text": f"Review {i} of {product}", "rating": 1 + i % 5}
        for i in range(count)
    ]


def _write_csv(path: Path, rows: list[dict[str, Any]], *, bom: bool = False) -> Path:
    with path.open("w", newline="", encoding="utf-8-sig" if bom else "utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["product_id", "review_id", "text", "rating", "date"])
        writer.writeheader()
        writer.writerows(rows)
    return path


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _interleaved() -> list[dict[str, Any]]:
    a, b = _rows("A", 250), _rows("B", 3)
    return [*a[:100], *b, *a[100:]]


async def _all(source: ReviewFileSource, product: str) -> tuple[list[Review], list[str | None]]:
    reviews: list[Review] = []
    cursors: list[str | None] = []
    cursor = None
    while True:
        page = await source.fetch_page(product, cursor)
        reviews += page.reviews
        cursor = page.next_cursor
        cursors.append(cursor)
        if cursor is None:
            return reviews, cursors


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".ndjson"])
async def test_pages_of_100_with_offset_cursors(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"reviews{suffix}"
    (_write_csv if suffix == ".csv" else _write_jsonl)(path, _interleaved())
    source = ReviewFileSource(path)
    reviews, cursors = await _all(source, "A")
    assert cursors == ["100", "200", None]
    assert [r.review_id for r in reviews] == [f"A-{i}" for i in range(250)]
    assert (reviews[7].text, reviews[7].rating, reviews[7].source) == ("Review 7 of A", 3.0, "file")
    assert [r.review_id for r in (await source.fetch_page("B", None)).reviews] == ["B-0", "B-1", "B-2"]
    assert source.index_builds == 1  # indexed once, not per product or page


async def test_the_first_page_says_how_many_reviews_the_product_has(tmp_path: Path) -> None:
    # Results compare it with how many were scored (reviews_available): 100 of 250 is a sample.
    source = ReviewFileSource(_write_csv(tmp_path / "r.csv", _interleaved()))
    first, second = await source.fetch_page("A", None), await source.fetch_page("A", "100")
    assert first.meta is not None and first.meta.rating_count == 250 and second.meta is None
    small = await source.fetch_page("B", None)
    assert small.meta is not None and small.meta.rating_count == 3


async def test_unknown_product_and_bad_cursor(tmp_path: Path) -> None:
    source = ReviewFileSource(_write_csv(tmp_path / "r.csv", _rows("A", 3)))
    with pytest.raises(ProductNotFound, match="product not found: Z"):
        await source.fetch_page("Z", None)
    with pytest.raises(PermanentSourceError, match="bad cursor"):
        await source.fetch_page("A", "x")
    with pytest.raises(PermanentSourceError, match="past the 3 reviews"):
        await source.fetch_page("A", "9")


async def test_csv_quirks_bom_multiline_optional_fields(tmp_path: Path) -> None:
    rows = [
        {"product_id": " P ", "review_id": "", "text": "Line one,\nline two", "rating": "", "date": "2024-05-01"},
        {"product_id": "P", "review_id": "r2", "text": 'He said "fine"', "rating": "4.5", "date": ""},
    ]
    source = ReviewFileSource(_write_csv(tmp_path / "r.csv", rows, bom=True))
    first, second = (await source.fetch_page("P", None)).reviews
    assert first.text == "Line one,\nline two" and first.rating is None and first.date == "2024-05-01"
    assert first.review_id.startswith("sha256:")
    assert (second.review_id, second.text, second.rating, second.date) == ("r2", 'He said "fine"', 4.5, None)


async def test_bad_lines_are_skipped_counted_and_named(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    good = json.dumps({"product_id": "A", "review_id": "a1", "text": "fine", "rating": "5"})
    lines = [
        good,
        "{not json",
        json.dumps({"product_id": "A", "text": "stars?", "rating": "five"}),
        "",
        json.dumps(["a", "list"]),
        json.dumps({"product_id": "A", "review_id": "a2", "text": "also fine"}),
        json.dumps({"text": "whose?"}),
    ]
    path = tmp_path / "r.jsonl"
    path.write_bytes(("\n".join(lines) + "\n").encode() + b'{"product_id": "A", "text": "\xff"}\n')
    source = ReviewFileSource(path)
    with caplog.at_level(logging.WARNING, logger="internal.adapters.sources.review_file"):
        page = await source.fetch_page("A", None)
    assert [r.review_id for r in page.reviews] == ["a1", "a2"]
    # A record of the product that fails validation is dead-lettered with its reason, not skipped.
    assert [(r.reason, r.message) for r in page.rejected] == [("rating_not_a_number", "rating: 'five' is not a number")]
    assert page.rejected[0].payload["text"] == "stars?"
    assert source.skipped_lines == 4
    warned = " | ".join(r.getMessage() for r in caplog.records)
    for expected in [
        "line 2 skipped: not JSON",
        "line 5 skipped: a JSON list, not an object",
        "line 7 skipped: no product_id",
        "line 8 skipped: not UTF-8",
    ]:
        assert expected in warned


async def test_bad_csv_row_is_skipped(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "r.csv"
    path.write_text("product_id,review_id,text,rating\nA,1,good,5\nA,2,,4\nA,3,ok,x\nA,4,great\n")
    source = ReviewFileSource(path)
    with caplog.at_level(logging.WARNING, logger="internal.adapters.sources.review_file"):
        page = await source.fetch_page("A", None)
    assert [(r.review_id, r.rating) for r in page.reviews] == [("1", 5.0), ("4", None)]
    assert [(r.review_id, r.reason) for r in page.rejected] == [("2", "empty_field"), ("3", "rating_not_a_number")]
    assert source.skipped_lines == 0


async def test_a_replaced_file_is_indexed_again(tmp_path: Path) -> None:
    path = _write_jsonl(tmp_path / "r.jsonl", _rows("A", 2))
    source = ReviewFileSource(path)
    assert len((await source.fetch_page("A", None)).reviews) == 2
    _write_jsonl(path, [*_rows("B", 1), *_rows("A", 5)])
    os.utime(path, ns=(0, 1))  # same-second rewrites must still change the stamp
    assert len((await source.fetch_page("A", None)).reviews) == 5
    assert source.index_builds == 2


def test_missing_or_unusable_files_fail_at_construction(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"review file .*nope\.csv does not exist"):
        ReviewFileSource(tmp_path / "nope.csv")
    (tmp_path / "r.txt").write_text("x")
    with pytest.raises(ValueError, match="unsupported extension"):
        ReviewFileSource(tmp_path / "r.txt")
    (tmp_path / "h.csv").write_text("sku,comment\n1,good\n")
    with pytest.raises(ValueError, match="no product_id or text column"):
        ReviewFileSource(tmp_path / "h.csv")
    with pytest.raises(ValueError, match="REVIEW_SOURCE=file needs REVIEWS_FILE"):
        ReviewFileSource.from_settings(Settings(_env_file=None).review_file)
    with pytest.raises(ValueError, match=r"REVIEWS_FILE: review file .* does not exist"):
        ReviewFileSource.from_settings(Settings(_env_file=None, reviews_file=tmp_path / "gone.jsonl").review_file)


async def test_file_deleted_after_start_is_permanent(tmp_path: Path) -> None:
    path = _write_jsonl(tmp_path / "r.jsonl", _rows("A", 1))
    source = ReviewFileSource(path)
    path.unlink()
    with pytest.raises(PermanentSourceError, match="cannot read review file"):
        await source.fetch_page("A", None)
