"""Per-row activities: fetch a page of reviews, score what is unscored, analyse the result.

Each activity reads and writes review data in PostgreSQL and returns only counts, cursors and the small
product-level result, so workflow histories stay small whatever the review volume. Each also records the row's
stage, so progress shows where a row is without an extra round trip to the server.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import timedelta
from typing import Any, Protocol, TypeVar, cast

from temporalio import activity
from temporalio.exceptions import ApplicationError

from internal.activities import io, metrics
from internal.domain.models import ProductSentiment, Review
from internal.domain.reuse import CLAIM_WAIT_SECONDS, score_change
from internal.domain.settle import RowResult, settle
from internal.scorers.base import PermanentScorerError, Scorer, ScorerError, Summarizer
from internal.sources.base import PermanentSourceError, ReviewSource, SourceError
from internal.state.models import RowStatus
from internal.state.ports import Products, Reviews, RowMeta, RowWork

log = logging.getLogger(__name__)

SCORE_BATCH = 100
# An escalated scorer looks again only at reviews the cheaper one was unsure about.
UNCERTAIN_CONFIDENCE = 0.5
# A Retry-After beyond this is more likely a misconfigured server than a real request: cap the wait.
MAX_RETRY_AFTER = 300.0
# While a slow call (an LLM round trip) runs. An activity hears of its cancel only in a heartbeat's reply, so this
# is how long a cancelled job can go on queueing paid scorer calls; each heartbeat sent is a billed action.
HEARTBEAT_EVERY = 5.0
# A fetch attempt shorter than this sends no heartbeat at all (see fetch_attempt).
HEARTBEAT_AFTER = 5.0
T = TypeVar("T")


def _local() -> bool:
    """True in a local activity, and outside any activity (the channel pipeline calls these methods directly)."""
    return not activity.in_activity() or activity.info().is_local


def _heartbeat(*details: Any) -> None:
    # Local activities cannot heartbeat (the SDK keeps their workflow task alive instead).
    if not _local():
        activity.heartbeat(*details)


async def _heartbeating(call: Awaitable[T], *details: Any) -> T:
    """Await a slow call (an LLM round trip with its own retries) while telling the server we are alive."""
    task = asyncio.ensure_future(call)
    try:
        while True:
            done, _ = await asyncio.wait({task}, timeout=HEARTBEAT_EVERY)
            if done:
                return task.result()
            _heartbeat(*details)
    finally:
        task.cancel()  # no-op when done; stops the call when the activity itself is cancelled


def _resumed_fetch() -> tuple[str | None, int, io.ReviewClaim | None] | None:
    """(cursor, pages, the claim it made) from the last heartbeat of an earlier try of this fetch attempt, if any."""
    if not activity.in_activity():
        return None
    details = activity.info().heartbeat_details
    if not details or not isinstance(details[0], dict) or "pages" not in details[0]:
        return None
    last = details[0]
    claim = io.ReviewClaim(**last["claim"]) if isinstance(last.get("claim"), dict) else None
    return (str(last["cursor"]) if last.get("cursor") is not None else None), int(last["pages"]), claim


def _transient(err: Exception, retry_after: float | None) -> ApplicationError:
    """A retryable failure; a server's Retry-After replaces the policy's backoff for the next attempt."""
    delay = timedelta(seconds=min(retry_after, MAX_RETRY_AFTER)) if retry_after else None
    return ApplicationError(str(err), type=type(err).__name__, next_retry_delay=delay)


class RowEnrichmentState(RowWork, RowMeta, Reviews, Products, Protocol):
    """What enriching a row reads and writes: its status, its product facts, its reviews and scores, and the
    reviews kept per product."""


class EnrichmentActivities:
    def __init__(
        self, state: RowEnrichmentState, sources: Mapping[str, ReviewSource], scorers: Mapping[str, Scorer]
    ) -> None:
        self._state = state
        self._sources = sources
        self._scorers = scorers
        # A configured scorer that can summarise (Gemini) also writes each product's praise/complaint summary.
        self._summarizer = next((s for s in scorers.values() if isinstance(s, Summarizer)), None)

    def _source(self, name: str) -> ReviewSource:
        try:
            return self._sources[name]
        except KeyError:
            raise ApplicationError(
                f"review source {name!r} is not configured on this worker (have: {', '.join(self._sources)})",
                non_retryable=True,
                type="InvalidInput",
            ) from None

    def _scorer(self, name: str) -> Scorer:
        try:
            return self._scorers[name]
        except KeyError:
            raise ApplicationError(
                f"scorer {name!r} is not configured on this worker (have: {', '.join(self._scorers)})",
                non_retryable=True,
                type="InvalidInput",
            ) from None

    async def _fetch_page(
        self, source: ReviewSource, job_id: str, row_num: int, product_id: str, cursor: str | None
    ) -> tuple[str | None, int, bool]:
        """Read one page and store its reviews (an idempotent upsert), counting the request in the row's costs.
        Returns the next cursor, how many reviews were new, and whether the page held one the row already had."""
        try:
            page = await _heartbeating(source.fetch_page(product_id, cursor), cursor)
        except (PermanentSourceError, SourceError) as err:
            metrics.fetch_page(source.name, err)
            # A refused request was still sent (and a metered API may bill it).
            await self._state.add_costs(job_id, row_num, source_requests=1)
            if isinstance(err, PermanentSourceError):
                raise ApplicationError(str(err), non_retryable=True, type=type(err).__name__) from err
            raise _transient(err, err.retry_after) from err
        new = await self._state.store_reviews(job_id, row_num, page.reviews, requests=1)
        metrics.fetch_page(source.name, None, new)
        if page.meta is not None:
            await self._state.set_row_meta(job_id, row_num, dataclasses.asdict(page.meta))
        return page.next_cursor, new, new < len(page.reviews)

    @activity.defn(name=io.FETCH_ATTEMPT)
    async def fetch_attempt(self, inp: io.FetchAttemptInput) -> io.FetchAttemptResult:
        """Read pages until the attempt's budget is reached or the source runs out: one activity per attempt.

        A retry of this activity resumes after the last page it reported in a heartbeat. Heartbeats start only
        once the attempt has run for HEARTBEAT_AFTER seconds: a fast fetch sends none (each one that reaches the
        server is a billed action), and a retry of a fast fetch re-reads a few pages, which the upsert absorbs.
        """
        source = self._source(inp.source)
        cursor, pages = inp.cursor, inp.pages_fetched
        resumed = _resumed_fetch()
        claim: io.ReviewClaim | None = None
        if resumed is not None:
            cursor, pages, claim = resumed
        await self._state.set_row_state(
            inp.job_id,
            inp.row_num,
            "running",
            stage=f"fetch from page {pages + 1}",
            attempt=inp.attempt,
            workflow_id=inp.workflow_id,
        )
        if inp.claim is not None and resumed is None:
            claim = await _heartbeating(self._claim(inp.claim))
            if claim.action == "reuse":
                return io.FetchAttemptResult(
                    next_cursor=claim.cursor,
                    pages_fetched=claim.pages,
                    new_reviews=0,
                    stored_reviews=claim.reviews,
                    claim=claim,
                )
        refresh = claim is not None and claim.action == "refresh"
        started, new, known = time.monotonic(), 0, False
        while pages < inp.page_budget:
            cursor, added, known = await self._fetch_page(source, inp.job_id, inp.row_num, inp.product_id, cursor)
            pages, new = pages + 1, new + added
            if cursor is None or (known and refresh):
                break
            if time.monotonic() - started >= HEARTBEAT_AFTER:
                progress: dict[str, Any] = {"cursor": cursor, "pages": pages}
                if claim is not None:
                    progress["claim"] = dataclasses.asdict(claim)
                _heartbeat(progress)
        stored = await self._state.count_reviews(inp.job_id, inp.row_num)
        return io.FetchAttemptResult(
            next_cursor=cursor,
            pages_fetched=pages,
            new_reviews=new,
            stored_reviews=stored,
            claim=claim,
            reached_known=known and refresh,
        )

    async def _claim(self, inp: io.ClaimInput) -> io.ReviewClaim:
        """Claim the product's stored reviews; while another row is fetching them, wait (the caller heartbeats)
        and ask again, until it has stored them or its lease runs out."""
        while True:
            claim = await self._state.claim_reviews(
                inp.job_id,
                inp.row_num,
                inp.source,
                inp.product_id,
                max_age_seconds=inp.max_age_seconds,
                refresh=inp.refresh,
            )
            if claim.action != "wait":
                return claim
            await asyncio.sleep(CLAIM_WAIT_SECONDS)

    @activity.defn(name=io.FETCH_REVIEWS)
    async def fetch_reviews(self, inp: io.FetchInput) -> io.FetchResult:
        """One page per activity: kept for runs on steps version 1 (see EnrichmentWorkflow)."""
        source = self._source(inp.source)
        await self._state.set_row_state(
            inp.job_id,
            inp.row_num,
            "running",
            stage=f"fetch page {inp.page_number}",
            attempt=inp.attempt,
            workflow_id=inp.workflow_id,
        )
        cursor, new, known = await self._fetch_page(source, inp.job_id, inp.row_num, inp.product_id, inp.cursor)
        stored = await self._state.count_reviews(inp.job_id, inp.row_num)
        return io.FetchResult(
            new_reviews=new, stored_reviews=stored, next_cursor=cursor, meta=None, reached_known=known
        )

    @activity.defn(name=io.CLAIM_REVIEWS)
    async def claim_reviews(self, inp: io.ClaimInput) -> io.ReviewClaim:
        """The claim of a rate-limited source's row, as a local activity (internal/workflows/fetch.py)."""
        await self._state.set_row_state(inp.job_id, inp.row_num, "running", stage="looking for stored reviews")
        return await self._claim(inp)

    @activity.defn(name=io.SCORE_REVIEWS)
    async def score_reviews(self, inp: io.ScoreInput) -> io.ScoreResult:
        scorer = self._scorer(inp.scorer)
        if not _local():
            # In-process scoring (a local activity) is over before anyone could read this stage: skip the write.
            await self._state.set_row_state(
                inp.job_id, inp.row_num, "running", stage=f"score ({inp.scorer})", attempt=inp.attempt
            )
        only_ids: list[str] | None = None
        if inp.only_uncertain_from is not None:
            only_ids = await self._state.uncertain_review_ids(
                inp.job_id, inp.row_num, inp.only_uncertain_from, UNCERTAIN_CONFIDENCE
            )
        scored = 0
        while True:
            batch = await self._state.unscored_reviews(
                inp.job_id, inp.row_num, inp.scorer, limit=SCORE_BATCH, only_ids=only_ids
            )
            if not batch:
                break
            started = time.monotonic()
            try:
                scores = await _heartbeating(scorer.score(batch), scored)
            except (PermanentScorerError, ScorerError) as err:
                metrics.scorer_call(inp.scorer, err, time.monotonic() - started)
                await self._state.add_costs(inp.job_id, inp.row_num, scorer_calls=1)
                if isinstance(err, PermanentScorerError):
                    raise ApplicationError(str(err), non_retryable=True, type=type(err).__name__) from err
                raise _transient(err, err.retry_after) from err
            metrics.scorer_call(inp.scorer, None, time.monotonic() - started)
            await self._state.store_scores(inp.job_id, inp.row_num, scores, calls=1)
            scored += len(scores)
            if len(batch) < SCORE_BATCH:
                # The last batch: no query for an empty one, and no heartbeat (a billed action) for nothing.
                break
            # Scoring hundreds of long reviews can take a while: tell the server we are alive.
            _heartbeat(scored)
        return io.ScoreResult(scored=scored, scorer=inp.scorer)

    @activity.defn(name=io.ANALYZE_FEEDBACK)
    async def analyze_feedback(self, inp: io.FeedbackInput) -> io.FeedbackResult:
        """Read the row's reviews and scores, settle it (internal/domain/settle.py), write what was settled."""
        loaded = await self._state.load_scores(inp.job_id, inp.row_num)
        meta = await self._state.get_row_meta(inp.job_id, inp.row_num)
        settled = settle(
            loaded,
            scorer_chain=inp.scorer_chain,
            policy=inp.policy,
            escalation_level=inp.escalation_level,
            has_more_pages=inp.has_more_pages,
            best=ProductSentiment(**inp.best) if inp.best else None,
            attempt=inp.attempt,
            final_attempt=inp.final_attempt,
            source=inp.source,
            meta=meta,
        )
        best = dataclasses.asdict(settled.best)
        result = settled.result
        if result is None:
            await self._state.set_row_state(
                inp.job_id,
                inp.row_num,
                "running",
                stage=f"retry: {settled.action}",
                attempt=inp.attempt,
                result=best,
                reason=settled.reason,
            )
            return io.FeedbackResult(
                action=settled.action, status="running", reason=settled.reason, sentiment=None, best=best
            )
        result = await self._publish(inp, result, len(loaded))
        stored = [review for review, _ in loaded]
        wants_summary = self._summarizer is not None and bool(stored)
        if wants_summary and inp.summary_separately:
            return io.FeedbackResult(
                action="finish",
                status=result.status,
                reason=result.reason,
                sentiment=result.to_dict(),
                best=best,
                summarize=True,
            )
        if wants_summary:
            summary = await self._summary(inp.job_id, inp.row_num, inp.product_id, meta, stored)
            result = dataclasses.replace(result, summary=summary)
        await self._finish_row(inp.job_id, inp.row_num, result)
        return io.FeedbackResult(
            action="finish", status=result.status, reason=result.reason, sentiment=result.to_dict(), best=best
        )

    async def _publish(self, inp: io.FeedbackInput, result: RowResult, reviews: int) -> RowResult:
        """Say where a decided row's reviews came from and how its score moved, and keep its reviews and scores
        for its product, so that a later job reuses them (internal/state/products.py)."""
        provenance = await self._state.row_provenance(inp.job_id, inp.row_num)
        reused = provenance.reused
        if reused is not None:
            note = io.ReviewClaim(
                action=reused["mode"],
                from_job=reused["job_id"],
                fetched_at=reused["fetched_at"],
                reviews=int(reused["reviews"]),
            ).note()
            result = dataclasses.replace(
                result,
                reason=f"{result.reason}; {note}" if note else result.reason,
                reused_from={"job_id": reused["job_id"], "fetched_at": reused["fetched_at"]},
                score_change=score_change(reused.get("previous"), dataclasses.asdict(result.sentiment))
                if reused["mode"] == "refresh"
                else None,
                new_reviews=reviews - int(reused["reviews"]),
            )
        # A row that only reused stored reviews has nothing new to keep (and must not make them look newer).
        if inp.product_id and provenance.spent:
            await self._state.publish_reviews(
                inp.job_id,
                inp.row_num,
                inp.source,
                inp.product_id,
                cursor=inp.cursor,
                pages=inp.pages,
                exhausted=not inp.has_more_pages,
                escalation=inp.escalation_level,
                attempt=inp.attempt,
                budget=inp.budget,
                result=dataclasses.asdict(result.sentiment),
            )
        return result

    @activity.defn(name=io.SUMMARIZE_PRODUCT)
    async def summarize_product(self, inp: io.SummaryInput) -> io.SummaryResult:
        """Add the praise/complaint summary to a row that feedback has decided, and write the row's outcome."""
        loaded = await self._state.load_scores(inp.job_id, inp.row_num)
        decided = RowResult.from_dict(inp.result)
        summary = await self._summary(inp.job_id, inp.row_num, inp.product_id, decided.meta, [r for r, _ in loaded])
        await self._finish_row(inp.job_id, inp.row_num, dataclasses.replace(decided, summary=summary))
        return io.SummaryResult(summarized=summary is not None)

    async def _finish_row(self, job_id: str, row_num: int, result: RowResult) -> None:
        metrics.row_finished(result.status)
        await self._state.set_row_state(
            job_id,
            row_num,
            cast(RowStatus, result.status),
            stage="done",
            attempt=result.attempts,
            result=result.to_dict(),
            reason=result.reason,
        )

    async def _summary(
        self, job_id: str, row_num: int, product_id: str, meta: Mapping[str, Any] | None, stored: Sequence[Review]
    ) -> str | None:
        if self._summarizer is None or not stored:
            return None
        product = str((meta or {}).get("name") or product_id or f"row {row_num}")
        try:
            return await _heartbeating(self._summarizer.summarize(product, stored))
        except Exception as err:
            # A summary is a nicety: the sentiment result stands without it.
            log.warning("summary for job %s row %s failed: %s", job_id, row_num, err)
            return None

    def all(self) -> list[Callable[..., Any]]:
        return [
            self.fetch_attempt,
            self.fetch_reviews,
            self.claim_reviews,
            self.score_reviews,
            self.analyze_feedback,
            self.summarize_product,
        ]
