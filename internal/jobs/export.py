"""Results as rows a person can read: JSON pages, or a CSV safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from internal.domain.settle import RowResult
from internal.domain.spreadsheet import neutralise
from internal.enrichment.findings_cells import FINDINGS_COLUMNS, findings_cells
from internal.ledger.records import Job, RowState

# Result columns appended after the original ones, in this order.
RESULT_COLUMNS = [
    "status",
    "reason",
    "score",
    "score_5",
    "label",
    "confidence",
    # Reviews scored, and how many the source says the product has (more: the score rests on a sample).
    "review_count",
    "reviews_available",
    "mean_sentiment",
    "ci95_low",
    "ci95_high",
    "mean_rating",
    "agreement",
    "attempts",
    "source",
    # true: invented reviews (the demo source), and the reason starts with DEMO_REASON.
    "demo_data",
    "scorers",
    "product_name",
    "price",
    "product_url",
    "summary",
    "duplicate_of",
    # What the row cost, and where its reviews came from (docs/sources.md, "Reuse and refresh").
    "source_requests",
    "scorer_calls",
    "reused_from_job",
    "score_change",
    "new_reviews",
    # Why: the top praised and complained-about aspects, the representative quotes, the labels (findings_cells.py).
    *FINDINGS_COLUMNS,
]
# Starts the reason of every CSV row whose result comes from the demo source: in a spreadsheet, the column a person
# reads first after the score, so that invented reviews cannot pass for real ones.
DEMO_REASON = "demo data (invented reviews): "


def result_cells(row: RowState) -> dict[str, Any]:
    if not row.result:
        return {
            **dict.fromkeys(RESULT_COLUMNS),
            "status": row.status,
            "reason": row.reason,
            "attempts": row.attempt or None,
            "duplicate_of": row.duplicate_of,
            "source_requests": row.source_requests,
            "scorer_calls": row.scorer_calls,
        }
    r = RowResult.from_dict(row.result)
    s, meta = r.sentiment, r.meta or {}
    return {
        "status": row.status,
        "reason": row.reason,
        "score": s.score_display,
        "score_5": s.score_5,
        "label": s.label,
        "confidence": s.confidence,
        "review_count": s.review_count,
        "reviews_available": r.reviews_available,
        "mean_sentiment": s.mean_sentiment,
        "ci95_low": s.ci95_low,
        "ci95_high": s.ci95_high,
        "mean_rating": s.mean_rating,
        "agreement": s.agreement,
        "attempts": r.attempts or (row.attempt or None),
        "source": r.source or None,
        "demo_data": r.demo_data if r.source else None,
        # "vader:31,gemini:9": which scorer had the final word on how many reviews.
        "scorers": ",".join(f"{k}:{v}" for k, v in s.decided_by.items()) or ",".join(s.scorers),
        "product_name": meta.get("name"),
        "price": meta.get("price"),
        "product_url": meta.get("url"),
        "summary": r.summary,
        "duplicate_of": row.duplicate_of,
        "source_requests": row.source_requests,
        "scorer_calls": row.scorer_calls,
        "reused_from_job": (r.reused_from or {}).get("job_id"),
        "score_change": r.score_change,
        "new_reviews": r.new_reviews,
        **findings_cells(row.findings, s.label_distribution),
    }


def csv_cells(cells: dict[str, Any]) -> dict[str, Any]:
    """Result cells as the CSV writes them: demo data said in the reason, and true/false spelled out."""
    demo = cells["demo_data"]
    if demo is None:
        return cells
    reason = f"{DEMO_REASON}{cells['reason'] or ''}" if demo else cells["reason"]
    return {**cells, "reason": reason, "demo_data": "true" if demo else "false"}


async def csv_stream(
    results: Callable[[int, int], Awaitable[list[RowState]]], job: Job, page: int = 1000
) -> AsyncIterator[str]:
    """Stream every row, original columns first, keyset-paged so memory stays flat for any job size.
    `results(after_row, limit)`: a page of the job's rows (JobService.export_csv passes its own read)."""
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
        rows = await results(after, page)
        for row in rows:
            cells = list(row.cells) + [""] * (len(original) - len(row.cells))
            extra = csv_cells(result_cells(row))
            writer.writerow(
                [neutralise(c) for c in cells[: len(original)]] + [neutralise(extra[c]) for c in RESULT_COLUMNS]
            )
        yield buf.getvalue()
        buf.seek(0)
        buf.truncate()
        if len(rows) < page:
            return
        after = rows[-1].row_num
