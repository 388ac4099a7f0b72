"""The HTTP API alone (production shape: run the worker separately with cmd/worker.py). Needs Temporal and
PostgreSQL reachable (TEMPORAL_HOST_PORT / DATABASE_URL, or a running `make up`)."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys

from internal.api.serve import check_api_settings, serve_api
from internal.config import load_settings
from internal.logs import configure_logging
from internal.startup import guarded
from internal.wiring import database_url


async def _main() -> int:
    settings = load_settings()
    check_api_settings(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    dsn, embedded = await database_url(settings)
    try:
        print(f"API on http://{settings.api_host}:{settings.api_port} (docs at /docs)", flush=True)
        await serve_api(settings, dsn, stop)
    finally:
        if embedded is not None:
            embedded.stop()
    return 0


def main() -> int:
    argparse.ArgumentParser(description=__doc__).parse_args()
    configure_logging()
    return guarded(lambda: asyncio.run(_main()))


if __name__ == "__main__":
    sys.exit(main())
