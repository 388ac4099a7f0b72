"""Why a product scored as it did: one product's evidence (its page, `enrich show`) and the job's overview.

Reads the job and row records (internal/ledger/) and the findings and reviews (findings_store.py); the routes
(routes_findings.py) shape the answers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from internal.domain.errors import ServiceError
from internal.domain.models import ReviewScore
from internal.domain.options import InvalidOptions, JobRunOptions
from internal.domain.provided_aspects import AspectSource
from internal.domain.settle import RowResult, decisive_scores
from internal.domain.spreadsheet import neutralise
from internal.enrichment.findings_store import FindingsStore
from internal.enrichment.findings_words import confidence_words
from internal.enrichment.overview import Overview
from internal.ledger.jobs import JobStore
from internal.ledger.records import Job
from internal.ledger.rows import RowStore

# Rows read per page while building an overview.
_OVERVIEW_PAGE = 1000


class RowNotFound(ServiceError):
    status, code = 404, "row_not_found"

    def __init__(self, job_id: str, row: int) -> None:
        super().__init__(
            f"job {job_id!r} has no row {row} (rows are numbered as in the uploaded spreadsheet: the header is row 1)"
        )


class UnknownColumn(ServiceError):
    status, code = 422, "unknown_column"

    def __init__(self, column: str, header: list[str]) -> None:
        super().__init__(
            f"group_by names column {column!r}, which the upload does not have (its columns: {', '.join(header)})"
        )


@dataclass
class FindingsService:
    jobs: JobStore
    rows: RowStore
    findings: FindingsStore

    async def product(self, job_id: str, row_num: int, *, offset: int = 0, limit: int = 20) -> dict[str, Any]:
        """One product: its score and interval, label distribution, aspects, evidence, a page of its reviews with
        each one's score, and why the result has the confidence it has."""
        job = await self.jobs.get_job(job_id)  # JobNotFound: 404
        row = await self.rows.get_row(job_id, row_num)
        if row is None:
            raise RowNotFound(job_id, row_num)
        # A duplicate row shares its first row's result, reviews and findings.
        source_row = row.duplicate_of or row_num
        decided = row if row.duplicate_of is None else await self.rows.get_row(job_id, source_row)
        result = RowResult.from_dict(decided.result) if decided is not None and decided.result else None
        found = (await self.findings.rows_findings(job_id, [row_num])).get(row_num) or {}
        total, page = await self.findings.review_page(job_id, source_row, offset=offset, limit=limit)
        chain = _scorer_chain(job)
        s = result.sentiment if result else None
        evidence = found.get("evidence") or {}
        return {
            "job_id": job_id,
            "row": row_num,
            "product_id": row.product_id,
            # The job's source: with the product id, the key of the product's sentiment history page.
            "source": job.options.get("source"),
            # The name the user uploaded first, as the results table shows it; else the source's.
            "name": row.name or ((result.meta if result else None) or {}).get("name"),
            "status": row.status,
            "reason": row.reason,
            "duplicate_of": row.duplicate_of,
            "demo_data": bool(result and result.demo_data),
            "score": None
            if s is None
            else {
                "score_5": s.score_5,
                "score_display": s.score_display,
                "mean_sentiment": s.mean_sentiment,
                "ci95_low": s.ci95_low,
                "ci95_high": s.ci95_high,
                "label": s.label,
                "confidence": s.confidence,
                "review_count": s.review_count,
                "reviews_available": result.reviews_available if result else None,
                "mean_rating": s.mean_rating,
                "rating_count": s.rating_count,
                "agreement": s.agreement,
            },
            "label_distribution": evidence.get("label_distribution") or (s.label_distribution if s else {}),
            "why": confidence_words(s, available=result.reviews_available, status=row.status)
            if s is not None and result is not None
            else f"No result yet: the row is {row.status}.",
            "aspects": found.get("aspects") or [],
            # Findings stored before aspect providers existed were offline.
            "aspect_provider": AspectSource.from_dict(found.get("aspect_provider") or {}).to_dict() if found else None,
            "evidence": evidence or None,
            "reviews": {
                "total": total,
                "offset": offset,
                "limit": limit,
                "items": [_review_item(review, scores, chain) for review, scores in page],
            },
        }

    async def overview(self, job_id: str, group_by: str | None = None) -> dict[str, Any]:
        job = await self.jobs.get_job(job_id)
        acc = Overview(column=_column(job, group_by))
        after = 0
        while True:
            rows = await self.findings.job_page(job_id, after_row=after, limit=_OVERVIEW_PAGE)
            for r in rows:
                acc.add(r)
            if len(rows) < _OVERVIEW_PAGE:
                break
            after = int(rows[-1]["row_num"])
        return {
            "job_id": job_id,
            "status": job.status,
            "group_by": group_by,
            **acc.total.to_dict(),
            "groups": [{"value": v, **g.to_dict()} for v, g in acc.groups.items()] if group_by else [],
        }

    async def overview_csv(self, job_id: str, group_by: str | None = None) -> AsyncIterator[str]:
        """The overview as CSV: one line for the whole job, or one per value of `group_by` (the same filter)."""
        view = await self.overview(job_id, group_by)
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        buf.write("\ufeff")
        writer.writerow([neutralise(c) for c in [group_by or "group", *OVERVIEW_COLUMNS]])
        lines = [(g["value"], g) for g in view["groups"]] if group_by else [("all products", view)]
        for value, summary in lines:
            writer.writerow([neutralise(c) for c in [value, *overview_cells(summary)]])
        yield buf.getvalue()


OVERVIEW_COLUMNS = [
    "products",
    "positive",
    "neutral",
    "negative",
    "mixed",
    "share_positive",
    "share_neutral",
    "share_negative",
    "mean_score_5",
    "best_product",
    "worst_product",
    # "battery life:3; price:2": aspects most reviews fault in the group's negative products.
    "negative_drivers",
]


def overview_cells(summary: dict[str, Any]) -> list[Any]:
    labels, shares = summary["labels"], summary["shares"]
    best, worst = summary["best"], summary["worst"]
    drivers = [a for a in summary["aspects"] if a["negative_products"] > 0]
    return [
        summary["products"],
        *(labels[k] for k in ("positive", "neutral", "negative", "mixed")),
        *(shares[k] for k in ("positive", "neutral", "negative")),
        summary["mean_score_5"],
        _brief(best[0]) if best else None,
        _brief(worst[0]) if worst else None,
        "; ".join(f"{a['name']}:{a['negative_products']}" for a in drivers[:3]) or None,
    ]


def _brief(b: dict[str, Any]) -> str:
    return f"{b['name'] or b['product_id'] or 'row ' + str(b['row'])} ({b['score_5']:.2f})"


def _column(job: Job, group_by: str | None) -> int | None:
    if not group_by:
        return None
    header = list(job.header or [])
    if group_by not in header:
        raise UnknownColumn(group_by, header)
    return header.index(group_by)


def _scorer_chain(job: Job) -> tuple[str, ...]:
    try:
        return JobRunOptions.from_stored(job.options or {}).enrichment.scorer_chain
    except InvalidOptions:
        return ()


def _review_item(review: Any, scores: list[ReviewScore], chain: tuple[str, ...]) -> dict[str, Any]:
    """A review with its decisive score (the strongest scorer of the chain that saw it; else the latest)."""
    decided = decisive_scores([(review, scores)], chain) if chain else []
    score = decided[0] if decided else (scores[-1] if scores else None)
    return {
        "review_id": review.review_id,
        "text": review.text,
        "rating": review.rating,
        "date": review.date,
        "sentiment": None if score is None else round(score.sentiment, 4),
        "label": None if score is None else score.label,
        "confidence": None if score is None else round(score.confidence, 4),
        "scorer": None if score is None else score.scorer,
    }
