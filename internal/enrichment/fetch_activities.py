"""Fetch activities: a row's pages of reviews, and the claim on its product's stored ones (internal/domain/reuse.py).

Each stores what it read in PostgreSQL (an idempotent upsert), counts every request it sent in the row's costs, and
returns only cursors and counts, so workflow histories stay small whatever the review volume.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Mapping
from typing import Any

from temporalio import activity

from internal.adapters.sources.base import PermanentSourceError, ReviewSource, SourceError
from internal.domain.reuse import CLAIM_WAIT_SECONDS
from internal.enrichment import contracts, metrics
from internal.enrichment.beats import heartbeat, heartbeating, permanent, transient
from internal.enrichment.limiter import SourceLimiter
from internal.enrichment.policies import configured
from internal.enrichment.ports import EnrichmentStores

# A fetch attempt shorter than this sends no heartbeat at all (see fetch_attempt).
HEARTBEAT_AFTER = 5.0


def _resumed_fetch() -> tuple[str | None, int, contracts.ReviewClaim | None] | None:
    """(cursor, pages, the claim it made) from the last heartbeat of an earlier try of this fetch attempt, if any."""
    if not activity.in_activity():
        return None
    details = activity.info().heartbeat_details
    if not details or not isinstance(details[0], dict) or "pages" not in details[0]:
        return None
    last = details[0]
    claim = contracts.ReviewClaim(**last["claim"]) if isinstance(last.get("claim"), dict) else None
    return (str(last["cursor"]) if last.get("cursor") is not None else None), int(last["pages"]), claim


class FetchActivities:
    def __init__(
        self, state: EnrichmentStores, sources: Mapping[str, ReviewSource], limiter: SourceLimiter | None = None
    ) -> None:
        """`limiter`: the fetch workers' (internal/app/worker.py), which every request to a limited source waits for."""
        self._state = state
        self._sources = sources
        self._limiter = limiter

    async def _fetch_page(
        self, source: ReviewSource, job_id: str, row_num: int, product_id: str, cursor: str | None
    ) -> tuple[str | None, int, bool]:
        """Read one page and store its reviews (an idempotent upsert), counting the request in the row's costs.
        Returns the next cursor, how many reviews were new, and whether the page held one the row already had."""
        if self._limiter is not None:
            # Here, right before the request: a reused product never gets this far, and a retry (after a 429's
            # Retry-After too) comes back through here for a slot of its own.
            await self._limiter.wait_turn(source.name)
        try:
            page = await heartbeating(source.fetch_page(product_id, cursor), cursor)
        except (PermanentSourceError, SourceError) as err:
            metrics.fetch_page(source.name, err)
            # A refused request was still sent (and a metered API may bill it).
            await self._state.reviews.add_costs(job_id, row_num, source_requests=1)
            if isinstance(err, PermanentSourceError):
                raise permanent(err) from err
            raise transient(err, err.retry_after) from err
        new = await self._state.reviews.store_reviews(job_id, row_num, page.reviews, requests=1)
        # What failed the review validation is kept with where it came from, never dropped (docs/sources.md).
        await self._state.dead_letters.add_pulled(source.name, job_id, row_num, product_id, page.rejected)
        metrics.fetch_page(source.name, None, new)
        if page.meta is not None:
            await self._state.rows.set_row_meta(job_id, row_num, dataclasses.asdict(page.meta))
        return page.next_cursor, new, new < len(page.reviews)

    async def _fetching(self, inp: contracts.FetchAttemptInput | contracts.FetchInput, stage: str) -> None:
        # The row shows where its fetch is, and which run fetches it (the one `temporal workflow show` opens).
        await self._state.rows.set_row_state(
            inp.job_id, inp.row_num, "running", stage=stage, attempt=inp.attempt, workflow_id=inp.workflow_id
        )

    @activity.defn(name=contracts.FETCH_ATTEMPT)
    async def fetch_attempt(self, inp: contracts.FetchAttemptInput) -> contracts.FetchAttemptResult:
        """Read pages until the attempt's budget is reached or the source runs out: one activity per attempt.

        A retry of this activity resumes after the last page it reported in a heartbeat. Heartbeats start only
        once the attempt has run for HEARTBEAT_AFTER seconds: a fast fetch sends none (each one that reaches the
        server is a billed action), and a retry of a fast fetch re-reads a few pages, which the upsert absorbs.
        """
        source = configured("review source", inp.source, self._sources)
        cursor, pages = inp.cursor, inp.pages_fetched
        resumed = _resumed_fetch()
        claim: contracts.ReviewClaim | None = None
        if resumed is not None:
            cursor, pages, claim = resumed
        await self._fetching(inp, f"fetch from page {pages + 1}")
        if inp.claim is not None and resumed is None:
            claim = await heartbeating(self._claim(inp.claim))
            if claim.action == "reuse":
                return contracts.FetchAttemptResult(
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
                heartbeat(progress)
        stored = await self._state.reviews.count_reviews(inp.job_id, inp.row_num)
        return contracts.FetchAttemptResult(
            next_cursor=cursor,
            pages_fetched=pages,
            new_reviews=new,
            stored_reviews=stored,
            claim=claim,
            reached_known=known and refresh,
        )

    async def _claim(self, inp: contracts.ClaimInput) -> contracts.ReviewClaim:
        """Claim the product's stored reviews; while another row is fetching them, wait (the caller heartbeats)
        and ask again, until it has stored them or its lease runs out."""
        while True:
            claim = await self._state.products.claim_reviews(
                inp.job_id,
                inp.row_num,
                inp.source,
                inp.product_id,
                max_age_seconds=inp.max_age_seconds,
                refresh=inp.refresh,
            )
            if claim.action != "wait":
                return claim.for_chain(inp.scorer_chain)
            await asyncio.sleep(CLAIM_WAIT_SECONDS)

    @activity.defn(name=contracts.FETCH_REVIEWS)
    async def fetch_reviews(self, inp: contracts.FetchInput) -> contracts.FetchResult:
        """One page, one request, per activity: a rate-limited source's fetch queue runs these
        (internal/enrichment/fetch_step.py), and so do runs still on steps version 1."""
        source = configured("review source", inp.source, self._sources)
        await self._fetching(inp, f"fetch page {inp.page_number}")
        cursor, new, known = await self._fetch_page(source, inp.job_id, inp.row_num, inp.product_id, inp.cursor)
        stored = await self._state.reviews.count_reviews(inp.job_id, inp.row_num)
        return contracts.FetchResult(
            new_reviews=new, stored_reviews=stored, next_cursor=cursor, meta=None, reached_known=known
        )

    @activity.defn(name=contracts.CLAIM_REVIEWS)
    async def claim_reviews(self, inp: contracts.ClaimInput) -> contracts.ReviewClaim:
        """The claim of a rate-limited source's row, as a local activity (internal/enrichment/fetch_step.py)."""
        await self._state.rows.set_row_state(inp.job_id, inp.row_num, "running", stage="looking for stored reviews")
        return await self._claim(inp)
