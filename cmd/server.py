"""The HTTP API alone (production shape: run the worker separately with cmd/worker.py). Needs Temporal and
PostgreSQL reachable (TEMPORAL_HOST_PORT / DATABASE_URL, or a running `make up`)."""

from __future__ import annotations

import argparse
import asyncio
from contextlib import AsyncExitStack

from internal.app.wiring import database
from internal.http.serve import check_api_settings, serve_api
from internal.platform.config import load_settings
from internal.platform.logs import configure_logging
from internal.platform.signals import stop_on_signals
from internal.platform.startup import exit_skipping_finalization, guarded


async def _main() -> int:
    settings = load_settings()
    check_api_settings(settings)
    async with AsyncExitStack() as resources:
        stop = resources.enter_context(stop_on_signals())
        dsn = await resources.enter_async_context(database(settings))
        print(f"API on http://{settings.api_host}:{settings.api_port} (docs at /docs)", flush=True)
        await serve_api(settings, dsn, stop)
    return 0


def main() -> int:
    argparse.ArgumentParser(description=__doc__).parse_args()
    configure_logging()
    return guarded(lambda: asyncio.run(_main()))


if __name__ == "__main__":
    # Not sys.exit: the Temporal client's native threads can abort interpreter finalization
    # (internal/platform/startup.py).
    exit_skipping_finalization(main())
