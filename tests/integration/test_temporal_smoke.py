"""The embedded dev server runs a real workflow and has our search attributes registered."""

from __future__ import annotations

import uuid

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest
from temporalio.client import Client
from temporalio.common import SearchAttributeKey, SearchAttributePair, TypedSearchAttributes
from temporalio.worker import Worker

from internal.platform.stack.temporal_server import ensure_search_attributes
from tests.integration.harness import wait_count
from tests.integration.smoke_workflow import GreetInput, GreetResult, SmokeWorkflow, greet

JOB_ID = SearchAttributeKey.for_keyword("JobId")


async def test_trivial_workflow_runs_and_is_searchable_by_job_id(temporal_client: Client) -> None:
    queue = f"smoke-{uuid.uuid4().hex[:8]}"
    job_id = uuid.uuid4().hex
    async with Worker(temporal_client, task_queue=queue, workflows=[SmokeWorkflow], activities=[greet]):
        result = await temporal_client.execute_workflow(
            SmokeWorkflow.run,
            GreetInput(name="temporal"),
            id=f"smoke-{job_id}",
            task_queue=queue,
            search_attributes=TypedSearchAttributes([SearchAttributePair(JOB_ID, job_id)]),
        )
    assert result == GreetResult(greeting="hello temporal")
    # Visibility is eventually consistent; count() with the query is what `temporal workflow list` uses.
    await wait_count(temporal_client, f'JobId="{job_id}"', 1)


async def test_search_attributes_are_registered_as_keywords(temporal_client: Client) -> None:
    response = await temporal_client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace="default")
    )
    for name in ("JobId", "ProductId"):
        assert response.custom_attributes[name] == IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD
    # Against a server that already has them, the external-server path adds nothing.
    assert await ensure_search_attributes(temporal_client, "default") == []
