"""LiveSentimentWorkflow (`live-sentiment-<task queue>`): keeps every pushed-to product's sentiment current.

One long-running workflow, not one per review or product: pushes mark products dirty in PostgreSQL and wake it
with a signal (signal-with-start, coalesced by the API to at most one per INGEST_SIGNAL_COALESCE_SECONDS); it then
runs `refresh_live_sentiment` for up to `batch_products` dirty products at a time until none is left, and sleeps
until the next signal, or `idle_poll_seconds` (a signal lost with a crashed API is still picked up). The state is
in PostgreSQL, not here: a worker killed mid-refresh loses nothing, and the retried activity publishes each
product's generation once (docs/scaling.md, "Push ingestion" has what it costs in Temporal actions).
"""

from __future__ import annotations

import contextlib
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

from internal.ingest import contracts

# A refresh scores at most a few thousand reviews with an in-process scorer: seconds. It heartbeats per product.
_REFRESH_TIMEOUT = timedelta(minutes=5)
_REFRESH_HEARTBEAT = timedelta(seconds=30)
_REFRESH_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30))


@workflow.defn
class LiveSentimentWorkflow:
    def __init__(self) -> None:
        self._woken = False

    @workflow.signal(name=contracts.DIRTY_SIGNAL)
    def products_dirty(self) -> None:
        self._woken = True

    @workflow.run
    async def run(self, inp: contracts.LiveSentimentInput) -> contracts.LiveSentimentResult:
        refreshes = 0
        while True:
            self._woken = False
            result = await workflow.execute_activity(
                contracts.REFRESH_LIVE_SENTIMENT,
                contracts.RefreshInput(scorer=inp.scorer, batch_products=inp.batch_products),
                result_type=contracts.RefreshResult,
                start_to_close_timeout=_REFRESH_TIMEOUT,
                heartbeat_timeout=_REFRESH_HEARTBEAT,
                retry_policy=_REFRESH_RETRY,
                summary="refresh dirty products",
            )
            refreshes += 1
            if refreshes >= inp.max_refreshes_per_run or workflow.info().is_continue_as_new_suggested():
                # The next run starts with a refresh, so a signal that came during this one is not lost.
                workflow.continue_as_new(inp)
            if result.more or self._woken:
                continue
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(lambda: self._woken, timeout=timedelta(seconds=inp.idle_poll_seconds))
        return contracts.LiveSentimentResult(refreshes)  # pragma: no cover - the loop continues as new instead
