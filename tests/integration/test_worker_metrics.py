"""WORKER_METRICS_PORT: the worker's Temporal SDK metrics and ours, scraped from a real worker after a job."""

from __future__ import annotations

import re
import uuid

import httpx
from temporalio.client import Client

from internal.app.state import StateManager
from internal.jobs.enricher import TemporalEnricher
from internal.platform.stack.proc import free_port
from internal.platform.temporal_client import metrics_runtime
from tests.integration.harness import new_job, running_worker, wait_until_done


def _value(text: str, name: str) -> float:
    """Sum of every series of one metric (over its labels), or of the series a label pattern picks."""
    pattern = name if "{" in name else rf"{name}(?:{{[^}}]*}})?"
    values = [float(m) for m in re.findall(rf"^{pattern} (\S+)$", text, re.MULTILINE)]
    assert values, f"no {name} in the scrape"
    return sum(values)


async def test_the_worker_serves_sdk_metrics_that_move_with_a_job(temporal_client: Client, state: StateManager) -> None:
    port = free_port()
    queue = f"m-{uuid.uuid4().hex[:6]}"
    # Its own client on a runtime with a Prometheus endpoint, as internal/app/wiring.py's run_worker builds it.
    client = await Client.connect(temporal_client.service_client.config.target_host, runtime=metrics_runtime(port))
    job_id = await new_job(state, ["pos-1", "neg-2", "mixed-3"])
    async with running_worker(client, state, task_queue=queue), httpx.AsyncClient() as http:
        await TemporalEnricher(state, client, queue).enrich(job_id)
        await wait_until_done(state, job_id, client=client)
        scrape = (await http.get(f"http://127.0.0.1:{port}/metrics")).text
    # 1 job + 3 rows, each with several activities: the counters must have moved by at least that much.
    assert _value(scrape, "temporal_workflow_completed") >= 4
    assert _value(scrape, "temporal_activity_execution_latency_count") >= 3 * 2
    assert "temporal_worker_task_slots_available" in scrape
    assert "temporal_workflow_task_schedule_to_start_latency_bucket" in scrape
    assert "temporal_sticky_cache_size" in scrape
    # Ours, on the same endpoint: every row finished with its status, pages and reviews per source, scorer calls.
    progress = await state.jobs.get_progress(job_id)
    finished = {s: n for s, n in progress.counts.items() if n and s not in ("invalid", "duplicate")}
    for status, n in finished.items():
        assert _value(scrape, rf'enrichment_rows_finished{{[^}}]*status="{status}"[^}}]*}}') == n, status
    assert _value(scrape, "enrichment_rows_finished") == 3
    assert _value(scrape, r'enrichment_source_requests{[^}]*outcome="ok"[^}]*}') >= 3
    stored = sum([await state.reviews.count_reviews(job_id, n) for n in (2, 3, 4)])
    assert stored > 0 and _value(scrape, "enrichment_reviews_stored") == stored
    assert _value(scrape, "enrichment_scorer_calls") >= 3
    assert _value(scrape, "enrichment_scorer_seconds_count") >= 3
