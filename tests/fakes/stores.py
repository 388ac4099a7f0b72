"""In-memory stores for the enrichment activities (the protocols of internal/enrichment/ports.py).

They keep what the activities wrote, so a fast test runs the fetch, claim and publish logic without PostgreSQL and
asserts on what reached the state. The product claims are scripted (what the SQL decides is tested against
PostgreSQL in tests/integration/test_product_claims.py); the row and review writes behave as the stores' do: a
review is stored once per row by its id, and every request and scorer call is counted in the row's costs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from internal.domain.lifecycle import RowStatus
from internal.domain.models import RejectedReview, Review, ReviewScore
from internal.domain.reuse import ReviewClaim

Key = tuple[str, int]


@dataclass
class MemoryRows:
    status: dict[Key, RowStatus] = field(default_factory=dict)
    stages: dict[Key, list[str]] = field(default_factory=dict)
    results: dict[Key, dict[str, Any]] = field(default_factory=dict)
    reasons: dict[Key, str] = field(default_factory=dict)
    meta: dict[Key, dict[str, Any]] = field(default_factory=dict)

    async def set_row_state(
        self,
        job_id: str,
        row_num: int,
        status: RowStatus,
        *,
        stage: str | None = None,
        attempt: int | None = None,
        result: dict[str, Any] | None = None,
        reason: str | None = None,
        workflow_id: str | None = None,
    ) -> RowStatus | None:
        key = (job_id, row_num)
        previous = self.status.get(key)
        self.status[key] = status
        if stage is not None:
            self.stages.setdefault(key, []).append(stage)
        if result is not None:
            self.results[key] = result
        if reason is not None:
            self.reasons[key] = reason
        return previous

    async def set_row_meta(self, job_id: str, row_num: int, meta: dict[str, Any]) -> None:
        self.meta[(job_id, row_num)] = meta

    async def get_row_meta(self, job_id: str, row_num: int) -> dict[str, Any] | None:
        return self.meta.get((job_id, row_num))


@dataclass
class MemoryReviews:
    reviews: dict[Key, dict[str, Review]] = field(default_factory=dict)
    scores: dict[Key, list[ReviewScore]] = field(default_factory=dict)
    requests: dict[Key, int] = field(default_factory=dict)
    scorer_calls: dict[Key, int] = field(default_factory=dict)

    async def store_reviews(self, job_id: str, row_num: int, reviews: Sequence[Review], *, requests: int = 0) -> int:
        stored = self.reviews.setdefault((job_id, row_num), {})
        new = [r for r in reviews if r.review_id not in stored]
        stored.update((r.review_id, r) for r in new)
        await self.add_costs(job_id, row_num, source_requests=requests)
        return len(new)

    async def add_costs(self, job_id: str, row_num: int, *, source_requests: int = 0, scorer_calls: int = 0) -> None:
        key = (job_id, row_num)
        self.requests[key] = self.requests.get(key, 0) + source_requests
        self.scorer_calls[key] = self.scorer_calls.get(key, 0) + scorer_calls

    async def count_reviews(self, job_id: str, row_num: int) -> int:
        return len(self.reviews.get((job_id, row_num), {}))

    async def unscored_reviews(
        self, job_id: str, row_num: int, scorer: str, *, limit: int = 500, only_ids: Sequence[str] | None = None
    ) -> list[Review]:
        scored = {s.review_id for s in self.scores.get((job_id, row_num), []) if s.scorer == scorer}
        return [
            r
            for r in self.reviews.get((job_id, row_num), {}).values()
            if r.review_id not in scored and (only_ids is None or r.review_id in only_ids)
        ][:limit]

    async def uncertain_review_ids(
        self, job_id: str, row_num: int, scorer: str, min_confidence: float, *, limit: int | None = None
    ) -> list[str]:
        unsure = [
            s
            for s in self.scores.get((job_id, row_num), [])
            if s.scorer == scorer and (s.confidence < min_confidence or s.label in ("neutral", "mixed"))
        ]
        unsure.sort(key=lambda s: (s.confidence, s.review_id))
        return [s.review_id for s in unsure[:limit]]

    async def store_scores(self, job_id: str, row_num: int, scores: Sequence[ReviewScore], *, calls: int = 0) -> int:
        self.scores.setdefault((job_id, row_num), []).extend(scores)
        await self.add_costs(job_id, row_num, scorer_calls=calls)
        return len(scores)

    async def load_scores(self, job_id: str, row_num: int) -> list[tuple[Review, list[ReviewScore]]]:
        scores = self.scores.get((job_id, row_num), [])
        return [
            (r, [s for s in scores if s.review_id == r.review_id])
            for r in self.reviews.get((job_id, row_num), {}).values()
        ]


@dataclass
class MemoryProducts:
    # What each claim decides, in order; past the end, "fetch".
    answers: list[ReviewClaim] = field(default_factory=list)
    claimed: list[Key] = field(default_factory=list)
    # What each publish was given, and the row's `reused` record that publish answers with.
    published: list[dict[str, Any]] = field(default_factory=list)
    reused: dict[Key, dict[str, Any]] = field(default_factory=dict)

    async def claim_reviews(
        self, job_id: str, row_num: int, source: str, product_id: str, *, max_age_seconds: int, refresh: bool
    ) -> ReviewClaim:
        self.claimed.append((job_id, row_num))
        return self.answers.pop(0) if self.answers else ReviewClaim(action="fetch")

    async def publish_reviews(
        self,
        job_id: str,
        row_num: int,
        source: str,
        product_id: str,
        *,
        cursor: str | None,
        pages: int,
        exhausted: bool,
        escalation: int,
        attempt: int,
        budget: int,
        result: dict[str, Any] | None,
        aspects: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any] | None:
        self.published.append(
            {"row": (job_id, row_num), "product": (source, product_id), "cursor": cursor, "pages": pages}
            | {"exhausted": exhausted, "escalation": escalation, "attempt": attempt, "budget": budget}
            | {"result": result, "aspects": aspects}
        )
        return self.reused.get((job_id, row_num))


@dataclass
class MemoryDeadLetters:
    """Rejected fetched reviews, as (source, job, row, product, rejected review)."""

    kept: list[tuple[str, str, int, str, RejectedReview]] = field(default_factory=list)

    async def add_pulled(
        self, source: str, job_id: str, row_num: int, product_id: str, rejected: Sequence[RejectedReview]
    ) -> None:
        self.kept += [(source, job_id, row_num, product_id, r) for r in rejected]


@dataclass
class MemoryFindings:
    product: dict[tuple[str, str], tuple[str, dict[str, Any]]] = field(default_factory=dict)
    rows: dict[Key, dict[str, Any]] = field(default_factory=dict)
    reused: dict[Key, bool] = field(default_factory=dict)

    async def product_findings(self, source: str, product_id: str, fingerprint: str) -> dict[str, Any] | None:
        stored = self.product.get((source, product_id))
        return stored[1] if stored is not None and stored[0] == fingerprint else None

    async def save_findings(
        self,
        job_id: str,
        row_num: int,
        source: str,
        product_id: str,
        *,
        fingerprint: str,
        review_count: int,
        findings: dict[str, Any],
        reused: bool,
    ) -> None:
        if product_id and not reused:
            self.product[(source, product_id)] = (fingerprint, findings)
        self.rows[(job_id, row_num)] = findings
        self.reused[(job_id, row_num)] = reused


@dataclass
class MemoryStores:
    """All of them, as the activities take them (EnrichmentStores)."""

    rows: MemoryRows = field(default_factory=MemoryRows)
    reviews: MemoryReviews = field(default_factory=MemoryReviews)
    products: MemoryProducts = field(default_factory=MemoryProducts)
    dead_letters: MemoryDeadLetters = field(default_factory=MemoryDeadLetters)
    findings: MemoryFindings = field(default_factory=MemoryFindings)
