"""EnrichmentWorkflow's fetch step: an attempt's pages, from the source or, when the job reuses, from the store.

Two shapes, chosen by the job's input:

- one `fetch_attempt` activity for the attempt's whole page budget (steps version 2 and 3). On a first attempt of a
  job that reuses or refreshes reviews (steps version 3) it first claims the product's stored reviews
  (internal/domain/reuse.py) and returns without reading a page when it may reuse them: inside the fetch rather
  than a step of its own, which would cost every product one more billed action (docs/scaling.md);
- for a rate-limited source (the input names the source's fetch queue, SOURCE_RATE_LIMITS), one `fetch_reviews`
  activity per page on that queue, so that the queue's server-side rate limit counts requests. Its claim is a
  local activity on the workflow's own queue, so that a reused product spends no request token.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Protocol

from temporalio import workflow

from internal.domain.attempt import RowAttempt
from internal.domain.options import EnrichmentOptions
from internal.domain.reuse import FETCH_LEASE_SECONDS
from internal.enrichment import contracts
from internal.enrichment.policies import DB_RETRY, FETCH_HEARTBEAT_TIMEOUT, FETCH_RETRY, FETCH_TIMEOUT_PER_PAGE

# A claim may wait for another job's fetch of the product, for at most its lease.
CLAIM_WAIT = timedelta(seconds=FETCH_LEASE_SECONDS)


class FetchingRow(Protocol):
    @property
    def job_id(self) -> str: ...
    @property
    def row_num(self) -> int: ...
    @property
    def product_id(self) -> str: ...
    @property
    def options(self) -> EnrichmentOptions: ...


def page_summary(product_id: str, source: str, at: RowAttempt) -> str:
    return f"fetch page {at.pages_fetched + 1} of {product_id} from {source}"


async def fetch_pages(row: FetchingRow, at: RowAttempt, *, claim: bool) -> RowAttempt:
    """Fetch attempt `at`'s pages; `claim`: first ask for the product's stored reviews. Returns where it stands."""
    opts, per_attempt = row.options, row.options.pages_per_attempt
    workflow.set_current_details(f"attempt {at.attempt}: fetching from page {at.pages_fetched + 1} of {opts.source}")
    if opts.fetch_task_queue is None:
        return await _whole_attempt(row, at, claim=claim)
    stored: contracts.ReviewClaim | None = None
    if claim:
        stored = await workflow.execute_local_activity(
            contracts.CLAIM_REVIEWS,
            contracts.claim_input(row.job_id, row.row_num, row.product_id, opts),
            result_type=contracts.ReviewClaim,
            start_to_close_timeout=CLAIM_WAIT + timedelta(seconds=30),
            retry_policy=DB_RETRY,
            summary=f"look for stored reviews of {row.product_id} from {opts.source}",
        )
        if stored.action == "reuse":
            return at.reusing(stored, 0, per_attempt)
    refresh = stored is not None and stored.action == "refresh"
    while at.wants_pages(per_attempt):
        # No schedule-to-start timeout: waiting in the queue for the rate limit is the point; a row whose fetch
        # queue nobody serves is ended by the job's row timeout.
        page = await workflow.execute_activity(
            contracts.FETCH_REVIEWS,
            contracts.fetch_page_input(row.job_id, row.row_num, row.product_id, opts, at, workflow.info().workflow_id),
            result_type=contracts.FetchResult,
            task_queue=opts.fetch_task_queue,
            start_to_close_timeout=FETCH_TIMEOUT_PER_PAGE,
            retry_policy=FETCH_RETRY,
            summary=page_summary(row.product_id, opts.source, at),
        )
        at = at.fetched(page.next_cursor, at.pages_fetched + 1, per_attempt)
        if refresh and page.reached_known and stored is not None:
            # A refresh reached reviews already stored: nothing older is new.
            return at.reusing(stored, at.pages_fetched, per_attempt)
    return at


async def _whole_attempt(row: FetchingRow, at: RowAttempt, *, claim: bool) -> RowAttempt:
    opts, per_attempt = row.options, row.options.pages_per_attempt
    budget = at.budget_for(per_attempt)
    fetched = await workflow.execute_activity(
        contracts.FETCH_ATTEMPT,
        contracts.fetch_attempt_input(
            row.job_id, row.row_num, row.product_id, opts, at, workflow.info().workflow_id, claim=claim
        ),
        result_type=contracts.FetchAttemptResult,
        start_to_close_timeout=FETCH_TIMEOUT_PER_PAGE * (budget - at.pages_fetched)
        + (CLAIM_WAIT if claim else timedelta(0)),
        heartbeat_timeout=FETCH_HEARTBEAT_TIMEOUT,
        retry_policy=FETCH_RETRY,
        summary=f"fetch pages {at.pages_fetched + 1} to {budget} (at most) of {row.product_id} from {opts.source}"
        + (" unless stored reviews are fresh" if claim else ""),
    )
    c = fetched.claim
    # Reviews from the store (reused, or a refresh that reached the stored ones): read on from where the stored
    # fetch stopped. Otherwise from this fetch's cursor.
    if c is not None and (c.action == "reuse" or (c.action == "refresh" and fetched.reached_known)):
        return at.reusing(c, fetched.pages_fetched, per_attempt)
    return at.fetched(fetched.next_cursor, fetched.pages_fetched, per_attempt)
