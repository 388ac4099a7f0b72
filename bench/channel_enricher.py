"""ChannelEnricher: the pipeline we migrate from — stages joined by bounded asyncio queues, in this process.

Not production code: the service runs jobs on Temporal only (internal/jobs/enricher.py). This is the baseline
`make bench-enrichers` compares the Temporal job against (bench/enricher_bench.py), and it implements the same
enricher facade (internal/jobs/facade.py), so that facade stays one a non-Temporal pipeline can implement
(tests/unit/test_facade.py, tests/integration/test_enrichers.py). It calls the very same activity methods as the
Temporal workflows, so the same job gives the same per-row results, except that it never reuses another job's
stored reviews (it fetches without a claim). What it lacks is what Temporal adds: it does not survive a crash of
this process, its state lives only in memory while a job runs, and a finished job cannot be run again.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from temporalio.exceptions import ApplicationError

from internal.app.state import StateManager
from internal.domain.attempt import RowAttempt, next_attempt
from internal.domain.lifecycle import InvalidTransition, JobAction, JobStatus, action_refusal
from internal.domain.options import JobRunOptions
from internal.enrichment import contracts
from internal.enrichment.activities import EnrichmentActivities
from internal.enrichment.policies import FETCH_RETRY, SCORE_RETRY
from internal.jobs.enricher import cancel_unstarted
from internal.jobs.facade import Enricher, InvalidJobState
from internal.ledger.records import Job

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class _RowWork:
    """A row and its attempt: what the Temporal version carries through continue-as-new, here through the queues."""

    row_num: int
    product_id: str
    at: RowAttempt = field(default_factory=RowAttempt)


class _Permanent(Exception):
    pass


async def _retry(call: Callable[[], Awaitable[T]], max_attempts: int, first_delay: float, max_delay: float) -> T:
    """Exponential backoff with jitter, mirroring the workflow retry policies; non-retryable errors pass through."""
    delay = first_delay
    for attempt in range(1, max_attempts + 1):
        asked: float | None = None  # the API's Retry-After, as Temporal would honour it
        try:
            return await call()
        except ApplicationError as err:
            if err.non_retryable or attempt == max_attempts:
                raise _Permanent(err.message) from err
            if err.next_retry_delay is not None:
                asked = err.next_retry_delay.total_seconds()
        except Exception as err:
            if attempt == max_attempts:
                raise _Permanent(f"{type(err).__name__}: {err}") from err
        await asyncio.sleep(asked if asked is not None else delay * (0.5 + random.random()))
        delay = min(delay * 2, max_delay)
    raise AssertionError("unreachable")


class ChannelEnricher(Enricher):
    def __init__(
        self,
        state: StateManager,
        activities: EnrichmentActivities,
        *,
        fetch_workers: int = 16,
        score_workers: int = 4,
        feedback_workers: int = 4,
    ) -> None:
        super().__init__(state)
        self._acts = activities
        self._workers = {"fetch": fetch_workers, "score": score_workers, "feedback": feedback_workers}
        self._jobs: dict[str, asyncio.Task[None]] = {}
        self._running: dict[str, asyncio.Event] = {}  # set = not paused

    async def enrich(self, job_id: str) -> str:
        await self._startable(job_id)
        task = self._jobs.get(job_id)
        if task is None or task.done():
            running = asyncio.Event()
            running.set()
            self._running[job_id] = running
            job = await self._job(job_id)
            self._jobs[job_id] = asyncio.create_task(self._run_job(job_id, job.options), name=f"channel-{job_id}")
        return f"channel-{job_id}"

    async def wait(self, job_id: str) -> None:
        task = self._jobs.get(job_id)
        if task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def rerun(self, job_id: str) -> str:
        raise InvalidJobState(f"the channel pipeline cannot run job {job_id!r} again", code="not_supported")

    # The same refusals as the Temporal facade, from the one lifecycle table (internal/domain/lifecycle.py).
    async def _allowed(self, job_id: str, action: JobAction) -> Job:
        job = await self._job(job_id)
        if refusal := action_refusal(job_id, job.status, action):
            raise InvalidJobState(refusal)
        return job

    async def cancel(self, job_id: str) -> JobStatus:
        job = await self._allowed(job_id, "cancel")
        task = self._jobs.get(job_id)
        if task is None or task.done():
            await cancel_unstarted(self.state, job)
        else:
            task.cancel()
            await self.wait(job_id)
        return (await self._job(job_id)).status

    async def pause(self, job_id: str) -> JobStatus:
        await self._allowed(job_id, "pause")
        if job_id not in self._running:
            raise InvalidJobState(f"job {job_id!r} is not running in this process")
        self._running[job_id].clear()
        await self.state.jobs.set_job_status(job_id, "paused")
        return "paused"

    async def resume(self, job_id: str) -> JobStatus:
        await self._allowed(job_id, "resume")
        if job_id not in self._running:
            raise InvalidJobState(f"job {job_id!r} is not running in this process")
        await self.state.jobs.set_job_status(job_id, "running")
        self._running[job_id].set()
        return "running"

    async def close(self) -> None:
        for task in self._jobs.values():
            task.cancel()
        await asyncio.gather(*self._jobs.values(), return_exceptions=True)

    # ---- the pipeline ----------------------------------------------------------------------------------------

    async def _run_job(self, job_id: str, options: dict[str, Any]) -> None:
        run = JobRunOptions.from_stored(options)
        opts, per_attempt, workflow_id = run.enrichment, run.enrichment.pages_per_attempt, f"channel-{job_id}"
        await self.state.jobs.set_job_status(job_id, "running", workflow_id=workflow_id)
        window = asyncio.Semaphore(run.window)
        fetch_q: asyncio.Queue[_RowWork] = asyncio.Queue(run.window)
        score_q: asyncio.Queue[_RowWork] = asyncio.Queue(run.window)
        feedback_q: asyncio.Queue[_RowWork] = asyncio.Queue(run.window)
        running = self._running[job_id]
        outstanding = 0
        all_paged = asyncio.Event()
        idle = asyncio.Event()

        def row_done() -> None:
            nonlocal outstanding
            outstanding -= 1
            window.release()
            if outstanding == 0 and all_paged.is_set():
                idle.set()

        async def fail(work: _RowWork, reason: str) -> None:
            await self.state.rows.set_row_state(job_id, work.row_num, "failed", reason=reason, attempt=work.at.attempt)
            row_done()

        async def producer() -> None:
            nonlocal outstanding
            after = 0
            while True:
                # Rows left `running` by a crashed process are taken again: this pipeline keeps no other record.
                page = await self.state.rows.page_row_keys(
                    job_id, after_row=after, limit=run.page_size, statuses=("pending", "running")
                )
                if not page:
                    break
                for key in page:
                    await running.wait()
                    await window.acquire()
                    outstanding += 1
                    await fetch_q.put(_RowWork(row_num=key.row_num, product_id=key.product_id))
                after = page[-1].row_num
            all_paged.set()
            if outstanding == 0:
                idle.set()

        async def fetcher() -> None:
            while True:
                work = await fetch_q.get()
                at = work.at
                if at.wants_pages(per_attempt):
                    # The same one-call-per-attempt fetch the workflow runs (pages up to the budget).
                    fetch_in = contracts.fetch_attempt_input(
                        job_id, work.row_num, work.product_id, opts, at, workflow_id
                    )
                    try:
                        fetched = await _retry(
                            functools.partial(self._acts.fetch_attempt, fetch_in),
                            FETCH_RETRY.maximum_attempts,
                            0.05,
                            2.0,
                        )
                    except _Permanent as err:
                        await fail(work, str(err))
                        continue
                    at = at.fetched(fetched.next_cursor, fetched.pages_fetched, per_attempt)
                await score_q.put(_RowWork(work.row_num, work.product_id, at))

        async def scorer() -> None:
            while True:
                work = await score_q.get()
                score_in = contracts.score_input(job_id, work.row_num, opts, work.at)
                try:
                    await _retry(
                        functools.partial(self._acts.score_reviews, score_in), SCORE_RETRY.maximum_attempts, 0.05, 2.0
                    )
                except _Permanent as err:
                    await fail(work, str(err))
                    continue
                await feedback_q.put(work)

        async def analyst() -> None:
            while True:
                work = await feedback_q.get()
                fb_in = contracts.feedback_input(job_id, work.row_num, work.product_id, opts, work.at)
                try:
                    fb = await _retry(functools.partial(self._acts.analyze_feedback, fb_in), 5, 0.05, 1.0)
                except _Permanent as err:
                    await fail(work, str(err))
                    continue
                if fb.action == "finish":
                    row_done()
                    continue
                retry = _RowWork(work.row_num, work.product_id, next_attempt(work.at, fb.action, fb.best, per_attempt))
                # Re-entry must not wait behind new rows on a full queue (that deadlocks): go around it.
                asyncio.get_running_loop().create_task(fetch_q.put(retry))

        stages = [asyncio.create_task(producer())]
        stages += [asyncio.create_task(fetcher()) for _ in range(self._workers["fetch"])]
        stages += [asyncio.create_task(scorer()) for _ in range(self._workers["score"])]
        stages += [asyncio.create_task(analyst()) for _ in range(self._workers["feedback"])]
        try:
            await idle.wait()
        except asyncio.CancelledError:
            with contextlib.suppress(InvalidTransition):
                await self.state.jobs.set_job_status(job_id, "cancelling")
            for task in stages:
                task.cancel()
            await asyncio.gather(*stages, return_exceptions=True)
            await self.state.rows.close_open_rows(job_id, "cancelled", "job cancelled before this row finished")
            await self.state.jobs.set_job_status(job_id, "cancelled")
            await self.state.events.append_event(job_id, "job.cancelled", {})
            raise
        finally:
            for task in stages:
                task.cancel()
        with contextlib.suppress(InvalidTransition):
            await self.state.jobs.set_job_status(job_id, "completed")
        await self.state.events.append_event(job_id, "job.completed", {"enricher": "channel"})
