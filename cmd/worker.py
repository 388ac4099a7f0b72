"""`make worker`: run the Temporal worker (JobWorkflow, EnrichmentWorkflow and their activities) on
TEMPORAL_TASK_QUEUE, and for each source in SOURCE_RATE_LIMITS a fetch worker on TEMPORAL_TASK_QUEUE.fetch.<source>
(the server holds that queue to the source's rate across all workers), until SIGINT/SIGTERM, then finish
in-flight activities and stop."""

from __future__ import annotations

import argparse
import asyncio
from contextlib import AsyncExitStack

from internal.app.wiring import build_adapters, database, run_worker
from internal.platform.config import load_settings
from internal.platform.logs import configure_logging
from internal.platform.signals import stop_on_signals
from internal.platform.startup import exit_skipping_finalization, guarded


async def _main() -> int:
    settings = load_settings()
    adapters = build_adapters(settings)  # before anything starts: a bad adapter setting exits 2
    async with AsyncExitStack() as resources:
        resources.push_async_callback(adapters.aclose)  # also if the database never comes up
        stop = resources.enter_context(stop_on_signals())
        dsn = await resources.enter_async_context(database(settings))
        await run_worker(settings, dsn, stop, adapters)
    return 0


def main() -> int:
    argparse.ArgumentParser(
        description=__doc__,
        epilog="Needs a running Temporal server and PostgreSQL (`make up`, or TEMPORAL_HOST_PORT / DATABASE_URL). "
        "Concurrency: WORKER_MAX_CONCURRENT_ACTIVITIES, WORKER_MAX_CONCURRENT_WORKFLOW_TASKS. "
        "Request rates per source: SOURCE_RATE_LIMITS (e.g. walmart=5,http=20; the same value in every process).",
    ).parse_args()
    configure_logging()
    return guarded(lambda: asyncio.run(_main()))


if __name__ == "__main__":
    # Not sys.exit: the Temporal client's native threads can abort interpreter finalization
    # (internal/platform/startup.py).
    exit_skipping_finalization(main())
