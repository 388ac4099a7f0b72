"""EnrichmentWorkflow: one product row — fetch reviews → score → analyse feedback → finish or retry.

A weak result continues-as-new with adjusted input (a larger page budget and the cursor to read on from, or the
next scorer of the escalation chain), carrying the attempt number and the best result so far — never the reviews,
which activities keep in PostgreSQL. Every path ends the row in exactly one terminal state with a reason.

The current shape is steps version 4 (docs/performance.md says what each part bought): one regular activity
fetches the attempt's whole page budget, the first attempt's fetch first claims the product's stored reviews, an
in-process scorer (VADER, lexical) scores as a local activity, and feedback runs as a local activity, so a product that
finishes on its first attempt costs the server one activity and two workflow tasks. Network scorers stay regular
activities, and so does the optional LLM summary. A rate-limited source (SOURCE_RATE_LIMITS; the job's input then
names the source's fetch queue) is read one page per activity on that queue instead, so that the queue's
server-side rate limit counts requests (internal/enrichment/fetch_step.py).

The version travels in the input rather than as a `workflow.patched` marker: a patch costs every product a marker
and a search-attribute upsert (an extra visibility write on the server), while the input field costs nothing.
Versions are retired by the rule in docs/architecture.md ("Retiring a workflow shape"): version 1 (a regular
activity per page, score and feedback regular activities) is gone, and a run that asks for it fails at once
rather than run a shape its history was not made by.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, fields, replace
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError, is_cancelled_exception

from internal.domain.attempt import RowAttempt, next_attempt
from internal.domain.local_scorers import IN_PROCESS_FROM_STEPS_4, IN_PROCESS_SCORERS
from internal.domain.options import EnrichmentOptions
from internal.enrichment import contracts
from internal.enrichment.fetch_step import fetch_pages
from internal.enrichment.policies import DB_RETRY, SCORE_RETRY

# 1: retired (docs/architecture.md, "Retiring a workflow shape"); a run without `steps_version` reads it.
# 2: one fetch activity per attempt, in-process scoring and feedback as local activities.
# 3: as 2, and the first attempt's fetch first claims the product's stored reviews (reuse and refresh, when the
#    job's options ask for it: internal/domain/reuse.py). Inside the fetch activity rather than a step of its own:
#    a local activity would cost every product one more billed action (docs/scaling.md).
# 4: as 3, and the lexical scorer also scores as a local activity (internal/domain/local_scorers.py): a product it
#    settles costs the 4 actions of a VADER one, not 5.
STEPS_RETIRED = 1
STEPS_LOCAL = 2
STEPS_CLAIM = 3
STEPS_LEXICAL_LOCAL = 4
CURRENT_STEPS = STEPS_LEXICAL_LOCAL


@dataclass(frozen=True)
class EnrichmentInput:
    job_id: str
    row_num: int
    product_id: str
    options: EnrichmentOptions = field(default_factory=EnrichmentOptions)
    # Carried across continue-as-new: the fields of a RowAttempt, under the names recorded histories use.
    attempt: int = 1
    cursor: str | None = None
    pages_fetched: int = 0
    page_budget: int = 0
    source_exhausted: bool = False
    escalation_level: int = 0
    best: dict[str, Any] | None = None
    # Which shape this run takes (see the module docstring); JobWorkflow starts children with CURRENT_STEPS.
    steps_version: int = STEPS_RETIRED

    @property
    def row_attempt(self) -> RowAttempt:
        return RowAttempt(**{name: getattr(self, name) for name in _ATTEMPT_FIELDS})

    def carrying(self, at: RowAttempt) -> EnrichmentInput:
        """The input of the run that makes attempt `at` (the hand-over of continue-as-new)."""
        # A new run has no history to replay: it may as well take the current shape.
        return replace(self, **{name: getattr(at, name) for name in _ATTEMPT_FIELDS}, steps_version=CURRENT_STEPS)


# RowAttempt's fields, which EnrichmentInput carries flat under the same names (recorded histories hold them so).
_ATTEMPT_FIELDS = tuple(f.name for f in fields(RowAttempt))


@dataclass(frozen=True)
class EnrichmentResult:
    job_id: str
    row_num: int
    product_id: str
    status: str
    reason: str
    attempts: int
    sentiment: dict[str, Any] | None = None


@workflow.defn
class EnrichmentWorkflow:
    @workflow.run
    async def run(self, inp: EnrichmentInput) -> EnrichmentResult:
        if inp.steps_version < STEPS_LOCAL:
            # No run of a retired shape can still be open (the retirement rule); one that claims to be is refused
            # rather than replayed through another shape's steps. The parent writes the row's failure.
            raise ApplicationError(
                f"EnrichmentWorkflow steps version {inp.steps_version} is retired (docs/architecture.md)",
                type="RetiredWorkflowShape",
                non_retryable=True,
            )
        return await self._run_steps(inp)

    async def _run_steps(self, inp: EnrichmentInput) -> EnrichmentResult:
        opts, at = inp.options, inp.row_attempt
        per_attempt = opts.pages_per_attempt
        try:
            # Steps 3: the first attempt's fetch first claims the product's stored reviews (reuse, refresh).
            claiming = (
                inp.steps_version >= STEPS_CLAIM and at.attempt == 1 and at.pages_fetched == 0 and opts.claims_reviews
            )
            if at.wants_pages(per_attempt):
                at = await fetch_pages(inp, at, claim=claiming)
            scorer = opts.scorer_at(at.escalation_level)
            workflow.set_current_details(f"attempt {at.attempt}: scoring with {scorer}")
            in_process = IN_PROCESS_FROM_STEPS_4 if inp.steps_version >= STEPS_LEXICAL_LOCAL else IN_PROCESS_SCORERS
            if scorer in in_process:
                await workflow.execute_local_activity(
                    contracts.SCORE_REVIEWS,
                    contracts.score_input(inp.job_id, inp.row_num, opts, at),
                    result_type=contracts.ScoreResult,
                    start_to_close_timeout=timedelta(minutes=2),
                    retry_policy=SCORE_RETRY,
                    summary=_score_summary(inp, scorer),
                )
            else:
                await _score_remotely(inp, at)
            feedback = await workflow.execute_local_activity(
                contracts.ANALYZE_FEEDBACK,
                contracts.feedback_input(inp.job_id, inp.row_num, inp.product_id, opts, at, summary_separately=True),
                result_type=contracts.FeedbackResult,
                start_to_close_timeout=timedelta(seconds=60),
                retry_policy=DB_RETRY,
                summary=_feedback_summary(inp),
            )
            if feedback.summarize and feedback.sentiment is not None:
                workflow.set_current_details(f"attempt {at.attempt}: {feedback.status}, summarising reviews")
                await workflow.execute_activity(
                    contracts.SUMMARIZE_PRODUCT,
                    contracts.SummaryInput(
                        job_id=inp.job_id,
                        row_num=inp.row_num,
                        product_id=inp.product_id,
                        attempt=at.attempt,
                        status=feedback.status,
                        reason=feedback.reason,
                        result=feedback.sentiment,
                    ),
                    result_type=contracts.SummaryResult,
                    start_to_close_timeout=timedelta(minutes=5),
                    heartbeat_timeout=timedelta(seconds=30),
                    retry_policy=SCORE_RETRY,
                    summary=f"summarise reviews of {inp.product_id}",
                )
        except (asyncio.CancelledError, ActivityError) as err:
            return await self._closed_by_error(inp, err)
        return self._next(inp, at, feedback)

    async def _closed_by_error(self, inp: EnrichmentInput, err: BaseException) -> EnrichmentResult:
        # A cancel arriving while an activity runs surfaces as ActivityError(CancelledError): that row was
        # cancelled, not failed.
        if is_cancelled_exception(err):
            await self._set_row(inp, "cancelled", "job cancelled while this row was running")
            raise err
        reason = _activity_failure_reason(err)
        await self._set_row(inp, "failed", reason)
        return EnrichmentResult(
            job_id=inp.job_id,
            row_num=inp.row_num,
            product_id=inp.product_id,
            status="failed",
            reason=reason,
            attempts=inp.attempt,
        )

    def _next(self, inp: EnrichmentInput, at: RowAttempt, feedback: contracts.FeedbackResult) -> EnrichmentResult:
        """Finish the row, or continue as new with the next attempt (which never returns)."""
        if feedback.action == "finish":
            return EnrichmentResult(
                job_id=inp.job_id,
                row_num=inp.row_num,
                product_id=inp.product_id,
                status=feedback.status,
                reason=feedback.reason,
                attempts=at.attempt,
                sentiment=feedback.sentiment,
            )
        retry = next_attempt(at, feedback.action, feedback.best, inp.options.pages_per_attempt)
        workflow.continue_as_new(inp.carrying(retry))

    async def _set_row(self, inp: EnrichmentInput, status: str, reason: str) -> None:
        await workflow.execute_activity(
            contracts.SET_ROW_STATE,
            contracts.RowStateInput(
                job_id=inp.job_id,
                row_num=inp.row_num,
                status=status,
                reason=reason,
                attempt=inp.attempt,
                result=inp.best,
                workflow_id=workflow.info().workflow_id,
            ),
            result_type=contracts.RowStateResult,
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=DB_RETRY,
            summary=f"row {inp.row_num} {status}",
        )


def _score_summary(inp: EnrichmentInput, scorer: str) -> str:
    return f"score reviews of {inp.product_id} with {scorer}"


async def _score_remotely(inp: EnrichmentInput, at: RowAttempt) -> None:
    """A regular activity: the network scorers (Comprehend, Gemini), which rate-limit, hang and run long."""
    await workflow.execute_activity(
        contracts.SCORE_REVIEWS,
        contracts.score_input(inp.job_id, inp.row_num, inp.options, at),
        result_type=contracts.ScoreResult,
        start_to_close_timeout=timedelta(minutes=5),
        heartbeat_timeout=timedelta(seconds=30),
        retry_policy=SCORE_RETRY,
        summary=_score_summary(inp, inp.options.scorer_at(at.escalation_level)),
    )


def _feedback_summary(inp: EnrichmentInput) -> str:
    return f"analyse feedback for {inp.product_id} (attempt {inp.attempt})"


def _activity_failure_reason(err: BaseException) -> str:
    cause: BaseException | None = getattr(err, "cause", None)
    while cause is not None and not isinstance(cause, ApplicationError):
        cause = getattr(cause, "cause", None)
    if isinstance(cause, ApplicationError):
        return cause.message
    return str(cause or err)
