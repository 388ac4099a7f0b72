"""Record real workflow histories for the replay test: `python tests/record_histories.py PREFIX`.

Runs a small job (a plain product, one that needs a second page, one not found) on a throw-away stack and
writes the job workflow's and each child's history (`temporal workflow show -o json` format) to
tests/data/histories/PREFIX<name>.json. Record a new set under a new prefix after an intentional, versioned
workflow change (`workflow.patched`, or a version in the input like EnrichmentWorkflow's `steps_version`) and
keep the old sets: they stand for the runs already in flight on old code. Never re-record to silence a failure.

Sets: `steps2-` = EnrichmentWorkflow steps version 2 (version 1 is retired: docs/architecture.md);
`steps3-` = steps version 3 (the first fetch claims stored reviews: a fetching, a reusing and a refreshing job).
`live-` = LiveSentimentWorkflow: two pushes' refreshes, woken by signals, then idle (its history so far).
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from temporalio.client import Client  # noqa: E402

from bench.stack import scratch_stack  # noqa: E402
from internal.app.state import StateManager  # noqa: E402
from internal.jobs.enricher import TemporalEnricher  # noqa: E402
from internal.jobs.workflow import child_workflow_id, job_workflow_id  # noqa: E402
from tests.integration.harness import new_job, running_worker, wait_until_done  # noqa: E402

OUT = REPO / "tests" / "data" / "histories"
PRODUCTS = ["pos-replay", "sparse-replay", "notfound-replay"]


# Steps version 3 claims stored reviews first: its set is three jobs over the same products, one that fetches, one
# that reuses what the first stored, one that refreshes (file names `steps3-`, `steps3-reused-`, `steps3-refresh-`).
CLAIMING = {"steps3-": [("", {}), ("reused-", {}), ("refresh-", {"refresh": True})]}


async def record_live(prefix: str) -> None:
    """LiveSentimentWorkflow after two pushes (each stored, then a signal-with-start), as the API does them."""
    from internal.domain.review_validation import ValidReview
    from internal.ingest.contracts import DIRTY_SIGNAL, LiveSentimentInput, live_workflow_id
    from internal.ingest.workflow import LiveSentimentWorkflow

    async with scratch_stack("record-") as stack:
        state = await StateManager.connect(stack.dsn)
        client = await Client.connect(stack.server.address)
        workflow_id = live_workflow_id("record")
        async with running_worker(client, state, task_queue="record"):
            for n in range(2):
                review = ValidReview(f"r{n}", "Lovely kettle.", "P1", "u", 5.0, "2026-01-02T00:00:00+00:00")
                await state.ingest.store_batch(f"b{n}", "demo", 1, [review], [])
                await client.start_workflow(
                    LiveSentimentWorkflow.run,
                    LiveSentimentInput(scorer="vader"),
                    id=workflow_id,
                    task_queue="record",
                    start_signal=DIRTY_SIGNAL,
                )
                while await state._pool.fetchval("SELECT count(*) FROM live_products WHERE generation > published"):
                    await asyncio.sleep(0.2)
            await asyncio.sleep(1)
            history = await client.get_workflow_handle(workflow_id).fetch_history()
            out = OUT / f"{prefix}sentiment.json"
            out.write_text(json.dumps(history.to_json_dict(), indent=1) + "\n")
            print(f"wrote {out.name} ({len(history.events)} events)")
            await client.get_workflow_handle(workflow_id).terminate("recorded")
        await state.close()


async def main(prefix: str) -> None:
    if prefix == "live-":
        await record_live(prefix)
        return
    async with scratch_stack("record-") as stack:
        state = await StateManager.connect(stack.dsn)
        client = await Client.connect(stack.server.address)
        runs = CLAIMING.get(prefix, [("", {})])
        base = {"window": 2, "review_max_age": 86400} if prefix in CLAIMING else {"window": 2}
        OUT.mkdir(parents=True, exist_ok=True)
        async with running_worker(client, state, task_queue="record"):
            for name_prefix, extra in runs:
                job_id = await new_job(state, PRODUCTS, {**base, **extra})
                await TemporalEnricher(state, client, "record").enrich(job_id)
                await wait_until_done(state, job_id, client=client)
                ids = {"job": job_workflow_id(job_id)}
                for row_num, product in enumerate(PRODUCTS, start=2):
                    ids[product] = child_workflow_id(job_id, row_num)
                for name, workflow_id in ids.items():
                    history = await client.get_workflow_handle(workflow_id).fetch_history()
                    out = OUT / f"{prefix}{name_prefix}{name}.json"
                    out.write_text(json.dumps(history.to_json_dict(), indent=1) + "\n")
                    print(f"wrote {out.name} ({len(history.events)} events)")
        await state.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else ""))
