"""What the enrichment activities ask of the state, in narrow protocols.

The stores (internal/ledger/rows.py, review_store.py, product_store.py, findings_store.py) satisfy them, and so
does StateManager as a whole (EnrichmentStores); tests/fakes/stores.py satisfies them in memory, so the fetch,
claim and publish logic of the activities runs in fast tests without PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from internal.domain.lifecycle import RowStatus
from internal.domain.models import RejectedReview, Review, ReviewScore
from internal.domain.reuse import ReviewClaim


class RowWrites(Protocol):
    """A row's status and stage, and the product facts (name, price, …) a source reported for it."""

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
    ) -> RowStatus | None: ...

    async def set_row_meta(self, job_id: str, row_num: int, meta: dict[str, Any]) -> None: ...

    async def get_row_meta(self, job_id: str, row_num: int) -> dict[str, Any] | None: ...


class Reviews(Protocol):
    """A row's reviews and scores, and what fetching and scoring them cost."""

    async def store_reviews(
        self, job_id: str, row_num: int, reviews: Sequence[Review], *, requests: int = 0
    ) -> int: ...

    async def add_costs(
        self, job_id: str, row_num: int, *, source_requests: int = 0, scorer_calls: int = 0
    ) -> None: ...

    async def count_reviews(self, job_id: str, row_num: int) -> int: ...

    async def unscored_reviews(
        self,
        job_id: str,
        row_num: int,
        scorer: str,
        *,
        limit: int = 500,
        only_ids: Sequence[str] | None = None,
    ) -> list[Review]: ...

    async def uncertain_review_ids(
        self, job_id: str, row_num: int, scorer: str, min_confidence: float, *, limit: int | None = None
    ) -> list[str]: ...

    async def store_scores(
        self, job_id: str, row_num: int, scores: Sequence[ReviewScore], *, calls: int = 0
    ) -> int: ...

    async def load_scores(self, job_id: str, row_num: int) -> list[tuple[Review, list[ReviewScore]]]: ...


class Products(Protocol):
    """Reviews and scores kept per (source, product) across jobs (product_store.py)."""

    async def claim_reviews(
        self, job_id: str, row_num: int, source: str, product_id: str, *, max_age_seconds: int, refresh: bool
    ) -> ReviewClaim: ...

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
    ) -> dict[str, Any] | None: ...


class DeadLetters(Protocol):
    """Where a fetched review that failed validation goes, with the row and product it was read for
    (internal/ledger/dead_letters.py)."""

    async def add_pulled(
        self, source: str, job_id: str, row_num: int, product_id: str, rejected: Sequence[RejectedReview]
    ) -> None: ...


class FindingsWrites(Protocol):
    """A row's findings and its product's (findings_store.py), reused when computed from the same reviews."""

    async def product_findings(self, source: str, product_id: str, fingerprint: str) -> dict[str, Any] | None: ...

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
    ) -> None: ...


class EnrichmentStores(Protocol):
    """What enriching a row reads and writes (the fetch, score and feedback activities)."""

    @property
    def rows(self) -> RowWrites: ...

    @property
    def reviews(self) -> Reviews: ...

    @property
    def products(self) -> Products: ...

    @property
    def dead_letters(self) -> DeadLetters: ...

    @property
    def findings(self) -> FindingsWrites: ...
