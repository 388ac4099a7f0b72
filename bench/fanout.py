"""The floor of a child-per-item design: a bare SDK fan-out, measured on the same server as our job.

A parent keeps `window` children in flight; each child runs two trivial activities and returns. Nothing touches
PostgreSQL, nothing is scored, the worker uses the SDK's defaults (sandboxed runner, regular activities). What
this reaches on a given machine is what "a child workflow plus two activities per product" costs on that server;
the benchmark reports our job as a ratio of it, measured in the same run.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta

from temporalio import activity, workflow


@dataclass(frozen=True)
class FanoutInput:
    items: int
    window: int


@dataclass(frozen=True)
class FanoutResult:
    done: int


@activity.defn(name="bare_step")
async def bare_step(item: int) -> int:
    return item


@workflow.defn(name="BareChild")
class BareChild:
    @workflow.run
    async def run(self, item: int) -> int:
        for _ in range(2):
            item = await workflow.execute_activity(
                bare_step, item, start_to_close_timeout=timedelta(seconds=30), summary=f"step of {item}"
            )
        return item


@workflow.defn(name="BareParent")
class BareParent:
    @workflow.run
    async def run(self, inp: FanoutInput) -> FanoutResult:
        in_flight: set[asyncio.Task[int]] = set()
        parent_id = workflow.info().workflow_id
        done = 0
        for item in range(inp.items):
            await workflow.wait_condition(lambda: len(in_flight) < inp.window)
            task = asyncio.create_task(workflow.execute_child_workflow(BareChild.run, item, id=f"{parent_id}-{item}"))
            in_flight.add(task)

            def _finished(t: asyncio.Task[int]) -> None:
                nonlocal done
                in_flight.discard(t)
                done += 1

            task.add_done_callback(_finished)
        await workflow.wait_condition(lambda: not in_flight)
        return FanoutResult(done=done)
