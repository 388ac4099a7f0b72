"""Feedback activities: settle a row from its reviews and scores (internal/domain/settle.py), keep what it fetched
for its product (internal/enrichment/product_store.py), record its findings (findings_step.py), add the optional
summary, and write the row's outcome."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping, Sequence
from typing import Any, cast

from temporalio import activity

from internal.adapters.aspects.base import AspectProvider
from internal.adapters.scorers.base import Scorer, Summarizer
from internal.domain.findings import aspects_summary
from internal.domain.lifecycle import RowStatus
from internal.domain.models import ProductSentiment, Review
from internal.domain.reuse import score_change
from internal.domain.settle import RowResult, settle
from internal.enrichment import contracts, metrics
from internal.enrichment.beats import heartbeating
from internal.enrichment.findings_step import FindingsStep
from internal.enrichment.ports import EnrichmentStores

log = logging.getLogger(__name__)


class FeedbackActivities:
    def __init__(
        self,
        state: EnrichmentStores,
        summarizer: Summarizer | None,
        scorers: Mapping[str, Scorer] | None = None,
        aspects: AspectProvider | None = None,
    ) -> None:
        self._state = state
        # A decided row's aspects and evidence, computed here from the reviews already loaded (no extra action).
        self._findings = FindingsStep(state.findings, scorers or {}, aspects)
        # A configured scorer that can summarise (Gemini) also writes each product's praise/complaint summary.
        self._summarizer = summarizer

    @activity.defn(name=contracts.ANALYZE_FEEDBACK)
    async def analyze_feedback(self, inp: contracts.FeedbackInput) -> contracts.FeedbackResult:
        """Read the row's reviews and scores, settle it (internal/domain/settle.py), write what was settled."""
        loaded = await self._state.reviews.load_scores(inp.job_id, inp.row_num)
        meta = await self._state.rows.get_row_meta(inp.job_id, inp.row_num)
        at = inp.row_attempt
        settled = settle(
            loaded,
            scorer_chain=inp.scorer_chain,
            policy=inp.policy,
            escalation_level=at.escalation_level,
            has_more_pages=not at.source_exhausted,
            best=ProductSentiment(**at.best) if at.best else None,
            attempt=at.attempt,
            final_attempt=inp.final_attempt,
            source=inp.source,
            meta=meta,
            pages=at.pages_fetched,
        )
        best = dataclasses.asdict(settled.best)
        result = settled.result
        if result is None:
            await self._state.rows.set_row_state(
                inp.job_id,
                inp.row_num,
                "running",
                stage=f"retry: {settled.action}",
                attempt=at.attempt,
                result=best,
                reason=settled.reason,
            )
            return contracts.FeedbackResult(
                action=settled.action, status="running", reason=settled.reason, sentiment=None, best=best
            )
        # Before the publish, whose history point keeps their aspects (migration 0011), and before the row's
        # outcome: a row that reads as finished already has its findings.
        findings = await self._findings.record(inp, loaded)
        result = await self._publish(inp, result, len(loaded), aspects_summary(findings))
        stored = [review for review, _ in loaded]
        wants_summary = self._summarizer is not None and bool(stored)
        if wants_summary and inp.summary_separately:
            return contracts.FeedbackResult(
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
        return contracts.FeedbackResult(
            action="finish", status=result.status, reason=result.reason, sentiment=result.to_dict(), best=best
        )

    async def _publish(
        self, inp: contracts.FeedbackInput, result: RowResult, reviews: int, aspects: list[dict[str, Any]] | None
    ) -> RowResult:
        """Keep a decided row's reviews and scores for its product, so that a later job reuses them
        (internal/enrichment/product_store.py; a row that only reused them keeps nothing), and say in its result
        where its reviews came from and how its score moved."""
        if not inp.product_id:
            return result
        reused = await self._state.products.publish_reviews(
            inp.job_id,
            inp.row_num,
            inp.source,
            inp.product_id,
            cursor=inp.row_attempt.cursor,
            pages=inp.row_attempt.pages_fetched,
            exhausted=inp.row_attempt.source_exhausted,
            escalation=inp.row_attempt.escalation_level,
            attempt=inp.row_attempt.attempt,
            budget=inp.row_attempt.page_budget,
            result=dataclasses.asdict(result.sentiment),
            aspects=aspects,
        )
        if reused is None:
            return result
        note = contracts.ReviewClaim(
            action=reused["mode"], from_job=reused["job_id"], fetched_at=reused["fetched_at"], reviews=reused["reviews"]
        ).note()
        refreshed = reused["mode"] == "refresh"
        return dataclasses.replace(
            result,
            reason=f"{result.reason}; {note}" if note else result.reason,
            reused_from={"job_id": reused["job_id"], "fetched_at": reused["fetched_at"]},
            score_change=score_change(reused.get("previous"), dataclasses.asdict(result.sentiment))
            if refreshed
            else None,
            new_reviews=reviews - int(reused["reviews"]),
        )

    @activity.defn(name=contracts.SUMMARIZE_PRODUCT)
    async def summarize_product(self, inp: contracts.SummaryInput) -> contracts.SummaryResult:
        """Add the praise/complaint summary to a row that feedback has decided, and write the row's outcome."""
        loaded = await self._state.reviews.load_scores(inp.job_id, inp.row_num)
        decided = RowResult.from_dict(inp.result)
        summary = await self._summary(inp.job_id, inp.row_num, inp.product_id, decided.meta, [r for r, _ in loaded])
        await self._finish_row(inp.job_id, inp.row_num, dataclasses.replace(decided, summary=summary))
        return contracts.SummaryResult(summarized=summary is not None)

    async def _finish_row(self, job_id: str, row_num: int, result: RowResult) -> None:
        metrics.row_finished(result.status)
        await self._state.rows.set_row_state(
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
            return await heartbeating(self._summarizer.summarize(product, stored))
        except Exception as err:
            # A summary is a nicety: the sentiment result stands without it.
            log.warning("summary for job %s row %s failed: %s", job_id, row_num, err)
            return None
