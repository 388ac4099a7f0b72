"""A trivial workflow for the Temporal smoke test; kept apart so the sandbox imports nothing but temporalio."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from temporalio import activity, workflow


@dataclass(frozen=True)
class GreetInput:
    name: str


@dataclass(frozen=True)
class GreetResult:
    greeting: str


@activity.defn
async def greet(inp: GreetInput) -> GreetResult:
    return GreetResult(greeting=f"hello {inp.name}")


@workflow.defn
class SmokeWorkflow:
    @workflow.run
    async def run(self, inp: GreetInput) -> GreetResult:
        return await workflow.execute_activity(
            greet, inp, start_to_close_timeout=timedelta(seconds=10), summary=f"greet {inp.name}"
        )
