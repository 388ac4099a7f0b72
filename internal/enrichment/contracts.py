"""EnrichmentWorkflow's activities: their names, inputs and results (JobWorkflow's are in jobs/contracts.py).

Pure dataclasses, no I/O: workflow code imports this module inside the sandbox. Workflows call activities by
name so that they never import the activity implementations (asyncpg, HTTP clients) into the sandbox.
Review text never appears here: activities read and write it in PostgreSQL and pass counts and cursors.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from internal.domain.attempt import RowAttempt
from internal.domain.options import EnrichmentOptions, FeedbackPolicy

# Re-exported: workflows name them io.RowRef and io.ReviewClaim; the records live in the domain, where the state
# store uses them too.
from internal.domain.reuse import ReviewClaim as ReviewClaim
from internal.domain.row_ref import RowRef as RowRef

# Activity names (stable: they are recorded in workflow histories).
# The row's own state: EnrichmentWorkflow writes it, and JobWorkflow for a child that could not.
SET_ROW_STATE = "set_row_state"
# One page (one request) per activity: runs on steps version 1 (EnrichmentWorkflow) call it, and so do rows of a
# rate-limited source, on that source's fetch queue.
FETCH_REVIEWS = "fetch_reviews"
# One activity per attempt, reading the attempt's whole page budget.
FETCH_ATTEMPT = "fetch_attempt"
# Steps version 3, rate-limited source: the claim on the product's stored reviews, a local activity of its own
# (a page fetch on the limited queue would spend a request token on a product that needs no request).
CLAIM_REVIEWS = "claim_reviews"
SUMMARIZE_PRODUCT = "summarize_product"
SCORE_REVIEWS = "score_reviews"
ANALYZE_FEEDBACK = "analyze_feedback"


@dataclass(frozen=True)
class RowStateInput:
    job_id: str
    row_num: int
    status: str
    stage: str | None = None
    attempt: int | None = None
    reason: str | None = None
    result: dict[str, Any] | None = None
    workflow_id: str | None = None


@dataclass(frozen=True)
class RowStateResult:
    previous: str | None


@dataclass(frozen=True)
class FetchInput:
    job_id: str
    row_num: int
    product_id: str
    source: str
    cursor: str | None
    attempt: int
    page_number: int
    workflow_id: str | None = None


@dataclass(frozen=True)
class FetchResult:
    new_reviews: int
    stored_reviews: int
    next_cursor: str | None
    meta: dict[str, Any] | None = None
    # The page held a review the row already had (what a refresh stops at).
    reached_known: bool = False


@dataclass(frozen=True)
class ClaimInput:
    job_id: str
    row_num: int
    product_id: str
    source: str
    max_age_seconds: int
    refresh: bool
    # The row's scorer chain: a stored result of another chain is not taken (ReviewClaim.for_chain). Empty in
    # histories recorded before it was sent.
    scorer_chain: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class FetchAttemptInput:
    job_id: str
    row_num: int
    product_id: str
    source: str
    attempt: int
    # Where this attempt starts (the previous attempt's cursor and page count) and the page count it may reach.
    cursor: str | None
    pages_fetched: int
    page_budget: int
    workflow_id: str | None = None
    # Steps 3, first attempt: claim the product's stored reviews first (internal/domain/reuse.py).
    claim: ClaimInput | None = None


@dataclass(frozen=True)
class FetchAttemptResult:
    next_cursor: str | None  # None: the source has no more pages
    pages_fetched: int  # in total, this attempt's pages included
    new_reviews: int
    stored_reviews: int
    # What the claim decided (None: the attempt made no claim); a reuse fetched nothing.
    claim: ReviewClaim | None = None
    # A refresh reached reviews the row already had, so nothing older is new.
    reached_known: bool = False


@dataclass(frozen=True)
class ScoreInput:
    job_id: str
    row_num: int
    scorer: str
    attempt: int
    # Escalation: rescore only the reviews the cheaper scorer was unsure about (None = all unscored).
    only_uncertain_from: str | None = None


@dataclass(frozen=True)
class ScoreResult:
    scored: int
    scorer: str


@dataclass(frozen=True)
class FeedbackInput:
    job_id: str
    row_num: int
    scorer_chain: list[str]
    policy: FeedbackPolicy
    source: str
    # Where the attempt stands after its fetch: its number, cursor, pages, budget, scorer and best result so far.
    # A row's attempt goes by these names from the workflow's input to here (RowAttempt).
    row_attempt: RowAttempt
    final_attempt: bool = False
    product_id: str = ""
    # Feedback runs as a local activity: a product summary is a network call (an LLM), so instead of writing it
    # inline the activity hands a finished row to SUMMARIZE_PRODUCT, a regular activity.
    summary_separately: bool = False


@dataclass(frozen=True)
class FeedbackResult:
    action: str  # finish | fetch_more | escalate
    status: str  # the row status when action == finish
    reason: str
    sentiment: dict[str, Any] | None
    best: dict[str, Any] | None
    # True: the row is decided but not yet written; SUMMARIZE_PRODUCT adds the summary and writes it.
    summarize: bool = False


@dataclass(frozen=True)
class SummaryInput:
    job_id: str
    row_num: int
    product_id: str
    attempt: int
    status: str
    reason: str
    result: dict[str, Any]


@dataclass(frozen=True)
class SummaryResult:
    summarized: bool


# The per-row activity inputs, built here once from the row's attempt.


def fetch_attempt_input(
    job_id: str,
    row_num: int,
    product_id: str,
    options: EnrichmentOptions,
    at: RowAttempt,
    workflow_id: str,
    *,
    claim: bool = False,
) -> FetchAttemptInput:
    return FetchAttemptInput(
        job_id=job_id,
        row_num=row_num,
        product_id=product_id,
        source=options.source,
        attempt=at.attempt,
        cursor=at.cursor,
        pages_fetched=at.pages_fetched,
        page_budget=at.budget_for(options.pages_per_attempt),
        workflow_id=workflow_id,
        claim=claim_input(job_id, row_num, product_id, options) if claim else None,
    )


def fetch_page_input(
    job_id: str, row_num: int, product_id: str, options: EnrichmentOptions, at: RowAttempt, workflow_id: str
) -> FetchInput:
    """The next page of attempt `at` (one request): steps version 1, and rate-limited sources."""
    return FetchInput(
        job_id=job_id,
        row_num=row_num,
        product_id=product_id,
        source=options.source,
        cursor=at.cursor,
        attempt=at.attempt,
        page_number=at.pages_fetched + 1,
        workflow_id=workflow_id,
    )


def score_input(job_id: str, row_num: int, options: EnrichmentOptions, at: RowAttempt) -> ScoreInput:
    return ScoreInput(
        job_id=job_id,
        row_num=row_num,
        scorer=options.scorer_at(at.escalation_level),
        attempt=at.attempt,
        only_uncertain_from=options.rescore_from(at.escalation_level),
    )


def feedback_input(
    job_id: str,
    row_num: int,
    product_id: str,
    options: EnrichmentOptions,
    at: RowAttempt,
    *,
    summary_separately: bool = False,
) -> FeedbackInput:
    """After the attempt's fetch (`at.source_exhausted` says whether more pages exist)."""
    return FeedbackInput(
        job_id=job_id,
        row_num=row_num,
        scorer_chain=list(options.scorer_chain),
        policy=options.policy,
        source=options.source,
        row_attempt=at,
        final_attempt=at.attempt >= options.max_retries,
        product_id=product_id,
        summary_separately=summary_separately,
    )


def claim_input(job_id: str, row_num: int, product_id: str, options: EnrichmentOptions) -> ClaimInput:
    return ClaimInput(
        job_id=job_id,
        row_num=row_num,
        product_id=product_id,
        source=options.source,
        max_age_seconds=options.review_max_age or 0,
        refresh=options.refresh,
        scorer_chain=list(options.scorer_chain),
    )
