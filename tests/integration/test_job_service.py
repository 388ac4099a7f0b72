"""JobService without the HTTP layer, as cmd/enrich_file.py uses it, on the real PostgreSQL and Temporal server
(cut off through a proxy to see a start fail the way it does when Temporal is down)."""

from __future__ import annotations

import io

import pytest
from temporalio.client import Client

from internal.app.state import StateManager
from internal.domain.options import InvalidOptions
from internal.http.schemas import JobOptions
from internal.intake import IntakeLimits
from internal.jobs.enricher import TemporalEnricher
from internal.jobs.facade import InvalidJobState
from internal.jobs.product_list import ProductListError
from internal.jobs.service import JobNotStarted, JobService
from internal.ledger.jobs import JobNotFound
from internal.platform.config import Settings
from internal.platform.stack.proc import free_port
from internal.platform.stack.temporal_server import TemporalDevServer
from tests.fakes.tcp_proxy import TcpProxy


def _service(settings: Settings, state: StateManager, temporal_client: Client) -> JobService:
    enricher = TemporalEnricher(state, temporal_client, f"svc-{settings.temporal_task_queue}")
    return JobService(settings=settings, state=state, enricher=enricher, intake_limits=IntakeLimits())


async def test_a_job_made_without_the_api_gets_the_service_defaults(
    settings: Settings, state: StateManager, temporal_client: Client
) -> None:
    jobs = _service(settings, state, temporal_client)
    started = await jobs.create_from_csv(io.BytesIO(b"product_id\npos-1\n"), options=JobOptions(window=7).as_dict())
    assert started.workflow_id == f"job-{started.job.job_id}"
    # Same options as an upload through the API: the job's own, over REVIEW_SOURCE / SCORER_CHAIN / REVIEW_MAX_AGE.
    stored = (await state.jobs.get_job(started.job.job_id)).options
    assert stored == {"source": "demo", "scorer_chain": ["lexical", "e5"], "review_max_age": 86400, "window": 7}
    # No worker polls this task queue, so the job never ran: a cancel closes it at once.
    assert await jobs.enricher.cancel(started.job.job_id) == "cancelled"


async def test_use_case_errors_are_domain_errors(
    settings: Settings, state: StateManager, temporal_client: Client
) -> None:
    jobs = _service(settings, state, temporal_client)
    with pytest.raises(InvalidOptions) as bad:
        await jobs.create_from_csv(io.BytesIO(b"product_id\nA\n"), options=JobOptions(source="walmart").as_dict())
    assert bad.value.problems[0]["field"] == "options.source"
    with pytest.raises(ProductListError) as refused:
        # A field named like product_id but for its case is a second id column: the set of fields is refused.
        await jobs.create_from_products([{"product_id": "A"}, {"product_id": "B", "PRODUCT_ID": "b"}])
    assert (refused.value.code, refused.value.field) == ("duplicate_header", "products"), refused.value
    with pytest.raises(JobNotFound):
        await jobs.start("no-such-job")
    waiting = await jobs.create_for_upload(filename="p.csv", options={})
    with pytest.raises(InvalidJobState) as nothing:
        await jobs.start(waiting.job_id)  # no upload store here, so nothing can have been uploaded
    assert nothing.value.code == "no_upload"


async def test_a_start_that_fails_leaves_the_job_stored_and_startable(
    settings: Settings, state: StateManager, temporal_server: TemporalDevServer, temporal_client: Client
) -> None:
    host, port = temporal_server.address.rsplit(":", 1)
    proxy = TcpProxy(host, int(port), free_port())
    await proxy.up()
    jobs = _service(settings, state, await Client.connect(proxy.address))
    await proxy.down()
    with pytest.raises(JobNotStarted) as failed:
        await jobs.create_from_csv(io.BytesIO(b"product_id\npos-1\npos-2\n"))
    assert failed.value.code == "orchestrator_unavailable"
    job = await state.jobs.get_job(failed.value.job_id)
    assert (job.status, job.intake_complete, failed.value.total_rows) == ("created", True, 2)
    await proxy.up()
    started = await jobs.start(job.job_id)  # the stored job, not an upload
    assert started.workflow_id == f"job-{job.job_id}" and started.progress.total == 2
    await jobs.enricher.cancel(job.job_id)
