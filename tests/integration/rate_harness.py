"""Measuring a source's request rate: several real `cmd/worker.py` processes on one task queue, a job started as
the API starts it, and the loopback fake's request times; against the session's Temporal server and a test
database."""

from __future__ import annotations

import asyncio
import math
import os
import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest, DescribeTaskQueueResponse
from temporalio.client import Client

from internal.app.state import StateManager
from internal.app.wiring import open_enricher
from internal.domain.options import fetch_task_queue
from internal.platform.config import Settings
from tests.faults.harness import Proc
from tests.integration.harness import new_job, wait_until_done

# Requests are timed where the fake receives them, not where their slots were reserved: delivery through worker
# processes on a shared 2-core machine moves single requests by some tens of milliseconds either way, so a window
# may catch one request more than the limit's spacing allows.
CLOCK_EDGE = 1


def ceiling(rate: float, window: float) -> float:
    """The most requests SOURCE_RATE_LIMITS allows a source in any `window` seconds, as the fake measures them."""
    return rate * window + CLOCK_EDGE


def max_in_window(times: Sequence[float], window: float) -> int:
    """The most requests in any half-open window [t, t + window) (sliding over the sorted times)."""
    ordered, best, first = sorted(times), 0, 0
    for last, t in enumerate(ordered):
        while t - ordered[first] >= window:
            first += 1
        best = max(best, last - first + 1)
    return best


def per_second(times: Sequence[float]) -> list[int]:
    """Requests in each whole second from the first one on."""
    t0 = min(times)
    counts = [0] * (int(max(times) - t0) + 1)
    for t in times:
        counts[int(t - t0)] += 1
    return counts


def rate_over(times: Sequence[float]) -> float:
    """Requests per second from the first request to the last."""
    ordered = sorted(times)
    return (len(ordered) - 1) / (ordered[-1] - ordered[0])


def busy_period(by_product: Mapping[str, Sequence[float]], rate: float) -> tuple[int, float]:
    """(requests, seconds) while the job kept the source busy: from the first request until fewer than `rate`
    products (one second's worth of requests at the limit) still had pages to ask for. After that the job is
    ending: its last pages come no faster than their round trips, and the server splits a task queue into
    partitions (4 by default) that each release only their share of the rate, so a short backlog goes below it."""
    everything = sorted(t for times in by_product.values() for t in times)
    end = sorted(max(times) for times in by_product.values())[-math.ceil(rate)]
    served = sum(1 for t in everything if t <= end)
    return served - 1, end - everything[0]


async def describe_activity_queue(client: Client, queue: str) -> DescribeTaskQueueResponse:
    return await client.workflow_service.describe_task_queue(
        DescribeTaskQueueRequest(
            namespace=client.namespace,
            task_queue=TaskQueue(name=queue),
            task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
            report_stats=True,
        )
    )


@dataclass
class LimitedWorkers:
    settings: Settings  # what every worker was started with, and what the job is started with
    dsn: str
    procs: list[Proc]

    @property
    def fetch_queue(self) -> str:
        return fetch_task_queue(self.settings.temporal_task_queue, self.settings.review_source)

    def logs(self) -> str:
        return "\n".join(f"--- worker {n}\n{p.tail()}" for n, p in enumerate(self.procs))

    async def run_job(self, state: StateManager, product_ids: list[str], timeout: float = 120) -> str:
        """Start a job over these settings the way the API does (open_enricher) and wait until it has closed."""
        job_id = await new_job(state, product_ids, {"source": self.settings.review_source})
        async with open_enricher(self.settings, self.dsn) as (enricher, _):
            await enricher.enrich(job_id)
            await wait_until_done(state, job_id, timeout=timeout, client=enricher.client)
        return job_id


async def _logged(proc: Proc, text: str, timeout: float) -> None:
    async with asyncio.timeout(timeout):
        while not (proc.log_path.exists() and text in proc.log_path.read_text(errors="replace")):
            assert proc.alive(), f"worker exited early:\n{proc.tail()}"
            await asyncio.sleep(0.1)


@asynccontextmanager
async def limited_workers(
    temporal: Client, dsn: str, workdir: Path, count: int, **settings: Any
) -> AsyncIterator[LimitedWorkers]:
    """`count` worker processes on a task queue of their own, against the server `temporal` is connected to,
    configured by `settings` (as Settings fields); ready once each has logged that it polls its fetch queue."""
    values = {
        "temporal_host_port": temporal.service_client.config.target_host,
        "temporal_task_queue": f"rl-{uuid.uuid4().hex[:8]}",
        "data_dir": str(workdir),
        **{k: str(v) for k, v in settings.items()},
    }
    base = {k: v for k, v in os.environ.items() if k not in {n.upper() for n in values} and k != "DATABASE_URL"}
    env = {**base, "DATABASE_URL": dsn, **{k.upper(): v for k, v in values.items()}}
    procs = [Proc("worker.py", env, workdir / f"worker-{n}.log") for n in range(count)]
    workers = LimitedWorkers(Settings(_env_file=None, **values), dsn, procs)  # type: ignore[arg-type]
    try:
        for p in procs:
            p.start()
        await asyncio.gather(*(_logged(p, "pages on task queue", 60) for p in procs))
        yield workers
    except BaseException:
        print(workers.logs())
        raise
    finally:
        for p in procs:
            p.stop()
