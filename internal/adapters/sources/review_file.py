"""Reviews from an exported file (CSV or JSON lines): product_id, review_id, text, rating, date.

The file is indexed once, on first use, into product id → byte offsets of that product's records; a page is
then a handful of seeks. Offsets (8 bytes a review) rather than the reviews themselves keep a file of millions
of reviews cheap to serve. A line that is no record of a product (not JSON, not UTF-8, no product_id) is skipped
and counted instead of failing the whole file; a record that fails the review validation (no text, rating "five")
comes back in the page's `rejected`, for the dead-letter store.
"""

from __future__ import annotations

import asyncio
import csv
import json
import logging
import os
import time
from array import array
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from internal.adapters.sources.base import PermanentSourceError, ProductNotFound, SourceError
from internal.adapters.sources.common import checked_review, split_checked, to_text
from internal.domain.ids import content_id
from internal.domain.models import ProductMeta, RejectedReview, Review, ReviewPage

if TYPE_CHECKING:
    from internal.platform.adapter_settings import ReviewFileSettings

log = logging.getLogger(__name__)

SOURCE = "file"
FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
REQUIRED = ("product_id", "text")
_BOM = b"\xef\xbb\xbf"
LOGGED_BAD_LINES = 20  # a file of garbage should not flood the log


class BadLine(ValueError):
    pass


class _Lines:
    """A binary file's lines as text for csv.reader, tracking where the next record starts.

    csv.reader pulls exactly the lines a record needs and never reads ahead, so the position before each
    next(reader) is that record's byte offset, even for quoted fields spanning lines.
    """

    def __init__(self, handle: IO[bytes], offset: int = 0) -> None:
        self.handle = handle
        self.offset = offset
        self.line = 0
        self.undecodable = False

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        raw = self.handle.readline()
        if not raw:
            raise StopIteration
        if self.offset == 0 and raw.startswith(_BOM):
            raw = raw[len(_BOM) :]
            self.offset = len(_BOM)
        self.offset += len(raw)
        self.line += 1
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            self.undecodable = True
            return raw.decode("utf-8", errors="replace")


def parse_fields(fields: Mapping[str, Any]) -> tuple[str, Review | RejectedReview]:
    """(product id, the review or why it fails the one validation) from one record's fields; BadLine when the
    record names no product (it cannot be attributed to one, so it is skipped and counted instead)."""
    product_id = to_text(fields.get("product_id"))
    if product_id is None:
        raise BadLine("no product_id")
    text, date = to_text(fields.get("text")), to_text(fields.get("date"))
    raw_rating = fields.get("rating")
    checked = {
        "review_id": to_text(fields.get("review_id")) or content_id(text or "", date),
        "product_id": product_id,
        "user_id": to_text(fields.get("user_id")),
        "text": text or "",
        "rating": raw_rating if raw_rating is not None and str(raw_rating).strip() else None,
        "timestamp": date,
    }
    return product_id, checked_review(checked, dict(fields), source=SOURCE)


def csv_columns(header: list[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for i, name in enumerate(header):
        columns.setdefault(name.strip().lower(), i)
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise ValueError(f"CSV header has no {' or '.join(missing)} column (it has: {', '.join(header)[:200]})")
    return columns


def _csv_fields(row: list[str], columns: dict[str, int]) -> dict[str, str]:
    return {name: row[i] for name, i in columns.items() if i < len(row)}


def _jsonl_fields(line: str) -> Mapping[str, Any]:
    try:
        data = json.loads(line)
    except ValueError as err:
        raise BadLine(f"not JSON ({err})") from None
    if not isinstance(data, dict):
        raise BadLine(f"a JSON {type(data).__name__}, not an object")
    return data


class ReviewFileSource:
    name = SOURCE

    def __init__(self, path: Path | str, *, page_size: int = 100) -> None:
        self.path = Path(path)
        self.format = FORMATS.get(self.path.suffix.lower(), "")
        if not self.format:
            raise ValueError(f"review file {self.path}: unsupported extension; use .csv, .jsonl or .ndjson")
        if not self.path.is_file():
            raise FileNotFoundError(f"review file {self.path} does not exist")
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        self.page_size = page_size
        self._columns = self._read_header() if self.format == "csv" else {}
        self._index: dict[str, array[int]] | None = None
        self._stamp: tuple[int, int] | None = None
        self._lock = asyncio.Lock()
        self.skipped_lines = 0
        self.index_builds = 0

    @classmethod
    def from_settings(cls, settings: ReviewFileSettings) -> ReviewFileSource:
        if settings.path is None:
            raise ValueError("REVIEW_SOURCE=file needs REVIEWS_FILE (a .csv, .jsonl or .ndjson file)")
        try:
            return cls(settings.path)
        except (OSError, ValueError) as err:
            raise ValueError(f"REVIEWS_FILE: {err}") from None

    async def fetch_page(self, product_id: str, cursor: str | None) -> ReviewPage:
        start = 0
        if cursor is not None:
            if not cursor.isdigit():
                raise PermanentSourceError(f"file: bad cursor {cursor!r} (expected an offset)")
            start = int(cursor)
        index = await self._current_index()
        offsets = index.get(product_id.strip())
        if offsets is None:
            raise ProductNotFound(product_id)
        if start > len(offsets):
            raise PermanentSourceError(f"file: cursor {start} is past the {len(offsets)} reviews of {product_id}")
        chunk = offsets[start : start + self.page_size]
        reviews, rejected = split_checked(await asyncio.to_thread(self._read, chunk))
        end = start + len(chunk)
        # The file holds every review of the product: its count is the total the results compare with.
        meta = ProductMeta(rating_count=len(offsets)) if start == 0 else None
        following = str(end) if end < len(offsets) else None
        return ReviewPage(reviews=reviews, meta=meta, next_cursor=following, rejected=rejected)

    def review(self, product_id: str, item: Any) -> Review | RejectedReview:
        """A dead letter's replay (internal/ingest/replay.py): its stored record, validated again."""
        if not isinstance(item, Mapping):
            raise BadLine(f"a JSON {type(item).__name__}, not an object")
        return parse_fields({**item, "product_id": item.get("product_id") or product_id})[1]

    def _read_header(self) -> dict[str, int]:
        with self.path.open("rb") as handle:
            header = next(csv.reader(_Lines(handle)), None)
        if header is None:
            raise ValueError(f"review file {self.path} is empty (a CSV needs a header row)")
        try:
            return csv_columns(header)
        except ValueError as err:
            raise ValueError(f"review file {self.path}: {err}") from None

    def _file_stamp(self) -> tuple[int, int]:
        try:
            stat = os.stat(self.path)
        except OSError as err:
            # Retrying cannot bring a deleted file back; every worker host needs it at the same path.
            raise PermanentSourceError(f"file: cannot read review file {self.path} ({err.strerror})") from None
        return stat.st_size, stat.st_mtime_ns

    async def _current_index(self) -> dict[str, array[int]]:
        async with self._lock:
            stamp = await asyncio.to_thread(self._file_stamp)
            if self._index is None or stamp != self._stamp:
                # A replaced file makes old offsets point into the middle of other records: index it again.
                self._index = await asyncio.to_thread(self._build_index)
                self._stamp = stamp
            return self._index

    def _build_index(self) -> dict[str, array[int]]:
        began = time.monotonic()
        index: dict[str, array[int]] = {}
        skipped = 0
        with self.path.open("rb") as handle:
            for line, offset, outcome in self._scan(handle):
                if isinstance(outcome, BadLine):
                    skipped += 1
                    if skipped <= LOGGED_BAD_LINES:
                        log.warning("review file %s line %d skipped: %s", self.path, line, outcome)
                    continue
                index.setdefault(outcome, array("q")).append(offset)
        if skipped > LOGGED_BAD_LINES:
            log.warning("review file %s: %d bad lines skipped (first %d logged)", self.path, skipped, LOGGED_BAD_LINES)
        self.skipped_lines = skipped
        self.index_builds += 1
        log.info(
            "indexed %d reviews of %d products from %s in %.2f s",
            sum(len(v) for v in index.values()),
            len(index),
            self.path,
            time.monotonic() - began,
        )
        return index

    def _scan(self, handle: IO[bytes]) -> Iterator[tuple[int, int, str | BadLine]]:
        """(line number, byte offset, product id or the reason it is bad) for each record."""
        lines = _Lines(handle)
        reader = csv.reader(lines)
        if self.format == "csv":
            next(reader, None)  # the header, checked at construction
        while True:
            offset, line = lines.offset, lines.line + 1
            lines.undecodable = False
            try:
                if self.format == "csv":
                    row = next(reader)
                    if not any(cell.strip() for cell in row):
                        continue
                    fields: Mapping[str, Any] = _csv_fields(row, self._columns)
                else:
                    text = next(lines)
                    if not text.strip():
                        continue
                    fields = _jsonl_fields(text)
                if lines.undecodable:
                    raise BadLine("not UTF-8")
                yield line, offset, parse_fields(fields)[0]
            except StopIteration:
                return
            except BadLine as bad:
                yield line, offset, bad
            except csv.Error as err:
                yield line, offset, BadLine(f"unreadable CSV ({err})")

    def _read(self, offsets: array[int]) -> list[Review | RejectedReview]:
        reviews: list[Review | RejectedReview] = []
        with self.path.open("rb") as handle:
            for offset in offsets:
                handle.seek(offset)
                lines = _Lines(handle, offset)
                try:
                    if self.format == "csv":
                        fields: Mapping[str, Any] = _csv_fields(next(csv.reader(lines)), self._columns)
                    else:
                        fields = _jsonl_fields(next(lines))
                    reviews.append(parse_fields(fields)[1])
                except (StopIteration, BadLine, csv.Error) as err:
                    # Only a file rewritten since indexing gets here; the retry sees a new stamp and re-indexes.
                    raise SourceError(f"file: review file {self.path} changed while being read ({err})") from None
        return reviews
