"""In-memory activities registered under the real names the workflows call (internal/enrichment/contracts.py).

Workflows call activities by name, so a test can swap the whole persistence and adapter layer for these and run
JobWorkflow / EnrichmentWorkflow on the real Temporal server without PostgreSQL. Each fake keeps what a workflow
told it, so tests assert on what the workflows did, and a few knobs shape what they are told back.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from temporalio import activity

from internal.alerts import contracts as alert_contracts
from internal.domain.lifecycle import RowStatus
from internal.enrichment import contracts
from internal.jobs import contracts as job_contracts


@dataclass
class FakeActivities:
    """One job's rows, in memory. `feedback_action` decides every attempt's outcome (finish/escalate/fetch_more)."""

    product_ids: list[str]
    feedback_action: str = "finish"
    # Per attempt (1-based position): the action the feedback takes; past its end, `feedback_action`.
    script: list[str] = field(default_factory=list)
    score_delay: float = 0.0
    scorers_used: dict[int, list[str]] = field(default_factory=dict)
    job_status: list[str] = field(default_factory=list)
    row_status: dict[int, RowStatus] = field(default_factory=dict)
    row_reason: dict[int, str] = field(default_factory=dict)
    attempts: dict[int, int] = field(default_factory=dict)
    # What each claim of the stored reviews decides, in order (internal/domain/reuse.py); past the end, "fetch".
    claims: list[contracts.ReviewClaim] = field(default_factory=list)
    claimed: list[contracts.ClaimInput] = field(default_factory=list)
    # Pages the one-page fetch (FETCH_REVIEWS) finds before the source runs out, and the first page it says holds a
    # review the row already had (what a refresh stops at; None: never).
    source_pages: int = 1_000
    known_from_page: int | None = None
    # What each fetch activity was asked: (task queue, row, page) of every one-page fetch, (row, attempt) of
    # every whole-attempt fetch.
    page_fetches: list[tuple[str, int, int]] = field(default_factory=list)
    attempt_fetches: list[tuple[int, int]] = field(default_factory=list)
    # Every end the job announced to alert subscriptions (internal/alerts/contracts.py).
    announced: list[alert_contracts.AnnounceInput] = field(default_factory=list)

    def all(self) -> list[Callable[..., Any]]:
        return [
            self.page_rows,
            self.set_job_status,
            self.close_open_rows,
            self.set_row_state,
            self.fetch_attempt,
            self.fetch_reviews,
            self.claim_reviews,
            self.score_reviews,
            self.analyze_feedback,
            self.announce_alerts,
        ]

    @activity.defn(name=job_contracts.PAGE_ROWS)
    async def page_rows(self, inp: job_contracts.PageRowsInput) -> job_contracts.PageRowsResult:
        rows = [
            contracts.RowRef(row_num=n, product_id=p)
            for n, p in enumerate(self.product_ids, start=1)
            if n > inp.after_row and self.row_status.get(n, "pending") == "pending"
        ]
        return job_contracts.PageRowsResult(rows=rows[: inp.limit])

    @activity.defn(name=job_contracts.SET_JOB_STATUS)
    async def set_job_status(self, inp: job_contracts.JobStatusInput) -> job_contracts.JobStatusResult:
        self.job_status.append(inp.status)
        return job_contracts.JobStatusResult(status=inp.status, changed=True)

    @activity.defn(name=job_contracts.CLOSE_OPEN_ROWS)
    async def close_open_rows(self, inp: job_contracts.CloseRowsInput) -> job_contracts.CloseRowsResult:
        moved = 0
        for n in range(1, len(self.product_ids) + 1):
            if self.row_status.get(n, "pending") in ("pending", "running"):
                self.row_status[n], self.row_reason[n] = cast(RowStatus, inp.status), inp.reason
                moved += 1
        return job_contracts.CloseRowsResult(moved=moved)

    @activity.defn(name=contracts.SET_ROW_STATE)
    async def set_row_state(self, inp: contracts.RowStateInput) -> contracts.RowStateResult:
        previous = self.row_status.get(inp.row_num)
        self.row_status[inp.row_num] = cast(RowStatus, inp.status)
        self.row_reason[inp.row_num] = inp.reason or ""
        return contracts.RowStateResult(previous=previous)

    @activity.defn(name=contracts.FETCH_ATTEMPT)
    async def fetch_attempt(self, inp: contracts.FetchAttemptInput) -> contracts.FetchAttemptResult:
        self.row_status[inp.row_num] = "running"
        self.attempts[inp.row_num] = inp.attempt
        self.attempt_fetches.append((inp.row_num, inp.attempt))
        claim = None
        if inp.claim is not None:
            claim = self._claim(inp.claim)
            if claim.action == "reuse":
                return contracts.FetchAttemptResult(
                    next_cursor=claim.cursor, pages_fetched=claim.pages, new_reviews=0, stored_reviews=1, claim=claim
                )
        # A source with pages for ever: every attempt fetches, as a row that keeps asking for more would.
        return contracts.FetchAttemptResult(
            next_cursor=f"page-{inp.pages_fetched + 2}",
            pages_fetched=inp.pages_fetched + 1,
            new_reviews=1,
            stored_reviews=1,
            claim=claim,
        )

    def _claim(self, inp: contracts.ClaimInput) -> contracts.ReviewClaim:
        n = len(self.claimed)
        self.claimed.append(inp)
        return self.claims[n] if n < len(self.claims) else contracts.ReviewClaim(action="fetch")

    @activity.defn(name=contracts.CLAIM_REVIEWS)
    async def claim_reviews(self, inp: contracts.ClaimInput) -> contracts.ReviewClaim:
        return self._claim(inp)

    @activity.defn(name=contracts.FETCH_REVIEWS)
    async def fetch_reviews(self, inp: contracts.FetchInput) -> contracts.FetchResult:
        self.row_status[inp.row_num] = "running"
        self.attempts[inp.row_num] = inp.attempt
        self.page_fetches.append((activity.info().task_queue, inp.row_num, inp.page_number))
        last = inp.page_number >= self.source_pages
        known = self.known_from_page is not None and inp.page_number >= self.known_from_page
        return contracts.FetchResult(
            new_reviews=1,
            stored_reviews=inp.page_number,
            next_cursor=None if last else f"page-{inp.page_number + 1}",
            reached_known=known,
        )

    @activity.defn(name=contracts.SCORE_REVIEWS)
    async def score_reviews(self, inp: contracts.ScoreInput) -> contracts.ScoreResult:
        self.attempts[inp.row_num] = inp.attempt
        self.scorers_used.setdefault(inp.row_num, []).append(inp.scorer)
        if self.score_delay:
            await asyncio.sleep(self.score_delay)
        return contracts.ScoreResult(scored=1, scorer=inp.scorer)

    @activity.defn(name=contracts.ANALYZE_FEEDBACK)
    async def analyze_feedback(self, inp: contracts.FeedbackInput) -> contracts.FeedbackResult:
        sentiment = {"score": 4.0, "label": "positive"}
        attempt = inp.row_attempt.attempt
        action = self.script[attempt - 1] if attempt <= len(self.script) else self.feedback_action
        if action == "finish" or inp.final_attempt:
            self.row_status[inp.row_num] = "succeeded"
            return contracts.FeedbackResult(
                action="finish", status="succeeded", reason="ok", sentiment=sentiment, best=None
            )
        return contracts.FeedbackResult(action=action, status="running", reason="weak", sentiment=None, best=sentiment)

    @activity.defn(name=alert_contracts.ANNOUNCE_ALERTS)
    async def announce_alerts(self, inp: alert_contracts.AnnounceInput) -> alert_contracts.AnnounceResult:
        self.announced.append(inp)
        return alert_contracts.AnnounceResult()
