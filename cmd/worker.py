"""`make worker`: run the Temporal worker (JobWorkflow, EnrichmentWorkflow and their activities) on
TEMPORAL_TASK_QUEUE until SIGINT/SIGTERM, then finish in-flight activities and stop."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys

from internal.config import load_settings
from internal.logs import configure_logging
from internal.startup import guarded
from internal.wiring import build_adapters, database_url, run_worker


async def _main() -> int:
    settings = load_settings()
    adapters = build_adapters(settings)  # before anything starts: a bad adapter setting exits 2
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    dsn, embedded = await database_url(settings)
    try:
        await run_worker(settings, dsn, stop, adapters)
    finally:
        if embedded is not None:
            embedded.stop()
    return 0


def main() -> int:
    argparse.ArgumentParser(
        description=__doc__,
        epilog="Needs a running Temporal server and PostgreSQL (`make up`, or TEMPORAL_HOST_PORT / DATABASE_URL). "
        "Concurrency: WORKER_MAX_CONCURRENT_ACTIVITIES, WORKER_MAX_CONCURRENT_WORKFLOW_TASKS.",
    ).parse_args()
    configure_logging()
    return guarded(lambda: asyncio.run(_main()))


if __name__ == "__main__":
    sys.exit(main())
