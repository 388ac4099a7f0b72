"""Results as rows a person can read: JSON pages, or a CSV safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from typing import Any

from internal.state.manager import StateManager
from internal.state.models import Job, RowState

# Result columns appended after the original ones, in this order.
RESULT_COLUMNS = [
    "status",
    "reason",
    "score",
    "score_5",
    "label",
    "confidence",
    "review_count",
    "mean_sentiment",
    "ci95_low",
    "ci95_high",
    "mean_rating",
    "agreement",
    "attempts",
    "source",
    "scorers",
    "product_name",
    "price",
    "product_url",
    "summary",
    "duplicate_of",
]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> str:
    """Spreadsheets run cells starting with = + - @ as formulas (CSV injection); a leading ' makes them text."""
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_START):
        # Plain negative numbers are data, not formulas: leave "-0.25" alone so it stays a number.
        try:
            float(text)
        except ValueError:
            return "'" + text
    return text


def result_cells(row: RowState) -> dict[str, Any]:
    r = row.result or {}
    meta = r.get("meta") or {}
    return {
        "status": row.status,
        "reason": row.reason,
        "score": r.get("score_display"),
        "score_5": r.get("score_5"),
        "label": r.get("label"),
        "confidence": r.get("confidence"),
        "review_count": r.get("review_count"),
        "mean_sentiment": r.get("mean_sentiment"),
        "ci95_low": r.get("ci95_low"),
        "ci95_high": r.get("ci95_high"),
        "mean_rating": r.get("mean_rating"),
        "agreement": r.get("agreement"),
        "attempts": r.get("attempts") or (row.attempt or None),
        "source": r.get("source"),
        # "vader:31,gemini:9": which scorer had the final word on how many reviews.
        "scorers": ",".join(f"{k}:{v}" for k, v in (r.get("decided_by") or {}).items())
        or ",".join(r.get("scorers") or []),
        "product_name": meta.get("name"),
        "price": meta.get("price"),
        "product_url": meta.get("url"),
        "summary": r.get("summary"),
        "duplicate_of": row.duplicate_of,
    }


async def csv_stream(state: StateManager, job: Job, page: int = 1000) -> AsyncIterator[str]:
    """Stream every row, original columns first, keyset-paged so memory stays flat for any job size."""
    original = list(job.header) or ["product_id"]
    # An input column named like a result column would be ambiguous in a spreadsheet: prefix ours.
    clash = set(original) & set(RESULT_COLUMNS)
    ours = [f"result_{c}" if c in clash else c for c in RESULT_COLUMNS]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    buf.write("\ufeff")  # BOM: Excel then reads the file as UTF-8
    writer.writerow([neutralise(c) for c in original + ours])
    after = 0
    while True:
        rows = await state.get_results(job.job_id, after_row=after, limit=page)
        for row in rows:
            cells = list(row.cells) + [""] * (len(original) - len(row.cells))
            extra = result_cells(row)
            writer.writerow(
                [neutralise(c) for c in cells[: len(original)]] + [neutralise(extra[c]) for c in RESULT_COLUMNS]
            )
        yield buf.getvalue()
        buf.seek(0)
        buf.truncate()
        if len(rows) < page:
            return
        after = rows[-1].row_num
